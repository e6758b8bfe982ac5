package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"heed/engine/cpu"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/webgpu"
)

// heedResult is one child measurement.
type heedResult struct {
	PromptIDs   []int32 `json:"prompt_ids"`
	PrefillTPS  float64 `json:"prefill_tps"`
	DecodeTPS   float64 `json:"decode_tps"`
	WeightBytes int64   `json:"weight_bytes"`
	FileBytes   int64   `json:"file_bytes"`
	Adapter     string  `json:"adapter,omitempty"` // the WebGPU adapter, with its backend and type
}

// Executors a child can measure (-executor).
const (
	executorCPU    = "cpu"
	executorWebGPU = "webgpu"
)

// newExecutor opens the executor a child measures; adapter names the WebGPU
// device ("" for the CPU executor).
func newExecutor(kind string, threads int) (e model.Executor, closeAll func(), adapter string, err error) {
	switch kind {
	case executorCPU:
		c := cpu.New(threads)
		return c, c.Close, "", nil
	case executorWebGPU:
		d, err := webgpu.Open()
		if err != nil {
			return nil, nil, "", err
		}
		w, err := webgpu.NewExecutor(d)
		if err != nil {
			d.Close()
			return nil, nil, "", err
		}
		info := d.Info()
		return w, func() { w.Close(); d.Close() }, fmt.Sprintf("%s (%s, %s)", info.Name, info.Backend, info.Type), nil
	}
	return nil, nil, "", fmt.Errorf("unknown executor %q (want %s or %s)", kind, executorCPU, executorWebGPU)
}

// benchPrompt is a fixed, model-independent prompt: BOS-free ids spread over
// the vocabulary, so heed and the peer read exactly the same tokens.
func benchPrompt(n, vocab int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(3 + (i*7919)%(vocab-3))
	}
	return ids
}

// measureHeed loads path on the executor named by kind, runs the prompt as one
// batch, then decode steps greedily; with influence, one highlight is followed
// through every step. Both timings end with the logits read back, which on
// WebGPU waits for the submitted work. One untimed prefill and decode step runs
// first (the peer warms up the same way): on WebGPU compiling the kernels'
// pipelines on first use is not counted, on the CPU the first pass over freshly
// loaded weights (its page and cache misses swing by 2× between runs on a
// shared virtual machine) is not.
func measureHeed(kind, path string, threads, promptLen, steps int, influence bool) (heedResult, error) {
	var r heedResult
	f, err := gguf.Open(path)
	if err != nil {
		return r, err
	}
	defer f.Close()
	if fi, err := os.Stat(path); err == nil {
		r.FileBytes = fi.Size()
	}
	e, closeExec, adapter, err := newExecutor(kind, threads)
	if err != nil {
		return r, err
	}
	defer closeExec()
	r.Adapter = adapter
	m, err := model.Load(f, e)
	if err != nil {
		return r, err
	}
	r.WeightBytes = m.WeightBytes
	r.PromptIDs = benchPrompt(promptLen, m.Vocab)
	opt := model.StateOptions{Context: promptLen + steps + 1, Batch: promptLen}
	st := model.Step{Logits: model.LogitsLast}
	if influence {
		opt.Tracks, st.Track = 1, true
	}
	s, err := m.NewState(opt)
	if err != nil {
		return r, err
	}
	track := func() error {
		if !influence {
			return nil
		}
		ind := make([]float32, promptLen)
		for k := promptLen / 4; k < min(promptLen/4+8, promptLen); k++ {
			ind[k] = 1
		}
		return s.SetTrack(0, ind)
	}
	logits := make([]float32, m.Vocab)
	decodeStep := func() error {
		if err := s.Logits(0, logits); err != nil {
			return err
		}
		next := int32(0)
		for i, v := range logits {
			if v > logits[next] {
				next = int32(i)
			}
		}
		if err := m.Forward(s, []int32{next}, st); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		return nil
	}
	if err := track(); err != nil {
		return r, err
	}
	if err := m.Prefill(context.Background(), s, r.PromptIDs, st); err != nil {
		return r, fmt.Errorf("warm-up: %w", err)
	}
	if err := decodeStep(); err != nil {
		return r, fmt.Errorf("warm-up: %w", err)
	}
	if err := s.Logits(0, logits); err != nil {
		return r, fmt.Errorf("warm-up: %w", err)
	}
	s.Reset()
	if err := track(); err != nil {
		return r, err
	}
	start := time.Now()
	if err := m.Prefill(context.Background(), s, r.PromptIDs, st); err != nil {
		return r, err
	}
	if err := s.Logits(0, logits); err != nil {
		return r, err
	}
	r.PrefillTPS = float64(promptLen) / time.Since(start).Seconds()
	start = time.Now()
	for range steps {
		if err := decodeStep(); err != nil {
			return r, err
		}
	}
	// The last step's logits are read so that its work is counted.
	if err := s.Logits(0, logits); err != nil {
		return r, err
	}
	r.DecodeTPS = float64(steps) / time.Since(start).Seconds()
	return r, nil
}

// bandwidthBytes is the buffer streamed by the bandwidth measurement: far
// larger than any cache.
const bandwidthBytes = 512 << 20

type bandwidth struct {
	GBps float64 `json:"gbps"`
}

// measureBandwidth streams a large buffer with the given number of threads,
// each scanning its own contiguous part with bytes.IndexByte (vectorised in
// the Go runtime, so the scan is limited by memory, not by arithmetic), and
// keeps the best of five passes.
func measureBandwidth(threads int) bandwidth {
	buf := bytes.Repeat([]byte{1}, bandwidthBytes)
	best := 0.0
	found := make([]int, threads)
	for range 5 {
		start := time.Now()
		var wg sync.WaitGroup
		for t := range threads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				found[t] = bytes.IndexByte(buf[t*len(buf)/threads:(t+1)*len(buf)/threads], 0)
			}()
		}
		wg.Wait()
		best = max(best, float64(bandwidthBytes)/time.Since(start).Seconds()/1e9)
	}
	return bandwidth{GBps: best}
}
