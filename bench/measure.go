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
)

// heedResult is one child measurement.
type heedResult struct {
	PromptIDs   []int32 `json:"prompt_ids"`
	PrefillTPS  float64 `json:"prefill_tps"`
	DecodeTPS   float64 `json:"decode_tps"`
	WeightBytes int64   `json:"weight_bytes"`
	FileBytes   int64   `json:"file_bytes"`
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

// measureHeed loads path, runs the prompt as one batch, then decode steps
// greedily; with influence, one highlight is followed through every step.
func measureHeed(path string, threads, promptLen, steps int, influence bool) (heedResult, error) {
	var r heedResult
	f, err := gguf.Open(path)
	if err != nil {
		return r, err
	}
	defer f.Close()
	if fi, err := os.Stat(path); err == nil {
		r.FileBytes = fi.Size()
	}
	e := cpu.New(threads)
	defer e.Close()
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
	if influence {
		ind := make([]float32, promptLen)
		for k := promptLen / 4; k < promptLen/4+8; k++ {
			ind[k] = 1
		}
		if err := s.SetTrack(0, ind); err != nil {
			return r, err
		}
	}
	start := time.Now()
	if err := m.Prefill(context.Background(), s, r.PromptIDs, st); err != nil {
		return r, err
	}
	r.PrefillTPS = float64(promptLen) / time.Since(start).Seconds()
	logits := make([]float32, m.Vocab)
	start = time.Now()
	for range steps {
		if err := s.Logits(0, logits); err != nil {
			return r, err
		}
		next := int32(0)
		for i, v := range logits {
			if v > logits[next] {
				next = int32(i)
			}
		}
		if err := m.Forward(s, []int32{next}, st); err != nil {
			return r, fmt.Errorf("decode: %w", err)
		}
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
