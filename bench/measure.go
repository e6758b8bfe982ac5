package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"heed/engine/cpu"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/webgpu"
)

// heedResult is one child measurement.
type heedResult struct {
	PromptIDs []int32 `json:"prompt_ids"`
	Tokens    []int32 `json:"tokens"` // the greedy tokens decode generated
	// Runners-up and Gaps: each step's second most likely token and its
	// logit's distance below the chosen one, so that a difference from the
	// peer can be told to fall on a near tie.
	RunnersUp  []int32   `json:"runners_up"`
	Gaps       []float32 `json:"gaps"`
	PrefillTPS float64   `json:"prefill_tps"`
	DecodeTPS  float64   `json:"decode_tps"`
	// CPU seconds the process used (all its threads) in each phase: unlike
	// the wall-clock rates, they leave out time other processes held the cores.
	PrefillCPU  float64 `json:"prefill_cpu_s"`
	DecodeCPU   float64 `json:"decode_cpu_s"`
	WeightBytes int64   `json:"weight_bytes"`
	FileBytes   int64   `json:"file_bytes"`
	Adapter     string  `json:"adapter,omitempty"` // the WebGPU adapter, with its backend and type
}

// Executors a child can measure (-executor).
const (
	executorCPU    = "cpu"     // what the command line runs: cpu.Options{Int8: true}
	executorCPUF32 = "cpu-f32" // the f32 reference executor, cpu.New
	executorWebGPU = "webgpu"
)

// newExecutor opens the executor a child measures; adapter names the WebGPU
// device ("" for the CPU executor).
func newExecutor(kind string, threads int) (e model.Executor, closeAll func(), adapter string, err error) {
	switch kind {
	case executorCPU, executorCPUF32:
		c := cpu.NewWith(cpu.Options{Threads: threads, Int8: kind == executorCPU})
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
	return nil, nil, "", fmt.Errorf("unknown executor %q (want %s, %s or %s)", kind, executorCPU, executorCPUF32, executorWebGPU)
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
// batch, then decode steps greedily (the tokens they feed are returned); with influence, one highlight is followed
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
	var tokens, runnersUp []int32
	var gaps []float32
	decodeStep := func() error {
		if err := s.Logits(0, logits); err != nil {
			return err
		}
		next, second := top2(logits)
		tokens = append(tokens, next)
		runnersUp = append(runnersUp, second)
		gaps = append(gaps, logits[next]-logits[second])
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
	tokens, runnersUp, gaps = tokens[:0], runnersUp[:0], gaps[:0]
	if err := track(); err != nil {
		return r, err
	}
	start, cpu0 := time.Now(), cpuSeconds()
	if err := m.Prefill(context.Background(), s, r.PromptIDs, st); err != nil {
		return r, err
	}
	if err := s.Logits(0, logits); err != nil {
		return r, err
	}
	r.PrefillTPS = float64(promptLen) / time.Since(start).Seconds()
	r.PrefillCPU = cpuSeconds() - cpu0
	start, cpu0 = time.Now(), cpuSeconds()
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
	r.DecodeCPU = cpuSeconds() - cpu0
	r.Tokens, r.RunnersUp, r.Gaps = tokens, runnersUp, gaps
	return r, nil
}

// top2 returns the indices of the largest and second largest logits (the
// lowest index on ties, as the sampler's greedy path).
func top2(logits []float32) (best, second int32) {
	if len(logits) > 1 && logits[1] > logits[0] {
		best, second = 1, 0
	} else {
		best, second = 0, 1
	}
	for i := int32(2); int(i) < len(logits); i++ {
		switch v := logits[i]; {
		case v > logits[best]:
			best, second = i, best
		case v > logits[second]:
			second = i
		}
	}
	return best, second
}

// cpuSeconds is the user and system CPU time this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
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
