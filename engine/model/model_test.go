package model_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"

	"heed/engine/cpu"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/internal/defaultmodel"
)

// open loads a GGUF file onto a CPU executor with the given thread count.
func open(t testing.TB, path string, threads int) (*gguf.File, *model.Model) {
	t.Helper()
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	e := cpu.New(threads)
	t.Cleanup(func() { e.Close(); f.Close() })
	m, err := model.Load(f, e)
	if err != nil {
		t.Fatal(err)
	}
	return f, m
}

// storyTokens is BOS + "Once upon a time, there was a little girl named Lily."
// as llama.cpp tokenises it (from testdata/stories260k_logprobs.json).
var storyTokens = []int32{1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426}

// allLogits runs ids in one batch and returns every position's logits, with
// the GUIDE bias in every layer or only in layers.
func allLogits(t testing.TB, m *model.Model, ids []int32, bias []float32, layers ...int) [][]float32 {
	t.Helper()
	s, err := m.NewState(model.StateOptions{Context: len(ids), Batch: len(ids), AllLogits: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetBias(bias, layers); err != nil {
		t.Fatal(err)
	}
	if err := m.Forward(s, ids, model.Step{Guide: true, Logits: model.LogitsAll}); err != nil {
		t.Fatal(err)
	}
	out := make([][]float32, len(ids))
	for i := range out {
		out[i] = make([]float32, m.Vocab)
		if err := s.Logits(i, out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// stepLogits runs ids one token at a time (the decode path) with the given
// prefill chunk for the first chunk tokens.
func stepLogits(t testing.TB, m *model.Model, ids []int32, chunk int) [][]float32 {
	t.Helper()
	s, err := m.NewState(model.StateOptions{Context: len(ids), Batch: max(chunk, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float32
	for i := 0; i < len(ids); {
		n := 1
		if i == 0 {
			n = chunk
		}
		if err := m.Forward(s, ids[i:i+n], model.Step{Logits: model.LogitsLast}); err != nil {
			t.Fatal(err)
		}
		i += n
		row := make([]float32, m.Vocab)
		if err := s.Logits(0, row); err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
	return out
}

func logSoftmax(x []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v) - m - math.Log(s)
	}
	return out
}

func TestLogitsMatchLlamaCpp(t *testing.T) {
	raw, err := os.ReadFile("testdata/stories260k_logprobs.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Tokens   []int32     `json:"tokens"`
		Logprobs [][]float64 `json:"logprobs"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	_, m := open(t, defaultmodel.ForTest(t), 2)
	got := allLogits(t, m, golden.Tokens, nil)
	// 1e-4 is the agreement the issue asks for; both sides compute in f32
	// (llama.cpp with its own reduction order), the golden is rounded to 1e-6.
	const tol = 1e-4
	worst := 0.0
	for i, row := range got {
		lp := logSoftmax(row)
		for j, want := range golden.Logprobs[i] {
			d := math.Abs(lp[j] - want)
			worst = math.Max(worst, d)
			if d > tol {
				t.Fatalf("position %d token %d: log-prob %.6f, llama.cpp %.6f", i, j, lp[j], want)
			}
		}
	}
	t.Logf("largest log-prob difference from llama.cpp: %.2g", worst)
}

// TestStepsEqualBatch pins that the decode path, chunked prefill and one
// batch compute bit-identical logits: every kernel computes a row the same way
// whatever the batch size.
func TestStepsEqualBatch(t *testing.T) {
	_, m := open(t, defaultmodel.ForTest(t), 2)
	batch := allLogits(t, m, storyTokens, nil)
	for _, chunk := range []int{1, 3, 7} {
		steps := stepLogits(t, m, storyTokens, chunk)
		for i, row := range steps {
			pos := chunk - 1 + i
			for j := range row {
				if row[j] != batch[pos][j] {
					t.Fatalf("chunk %d, position %d, token %d: %v step by step, %v in one batch", chunk, pos, j, row[j], batch[pos][j])
				}
			}
		}
	}
}

func TestThreadCountDoesNotChangeResults(t *testing.T) {
	path := defaultmodel.ForTest(t)
	_, m1 := open(t, path, 1)
	want := allLogits(t, m1, storyTokens, nil)
	for _, threads := range []int{2, 3, 5} {
		_, m := open(t, path, threads)
		got := allLogits(t, m, storyTokens, nil)
		for i := range got {
			for j := range got[i] {
				if got[i][j] != want[i][j] {
					t.Fatalf("%d threads, position %d, token %d: %v, 1 thread %v", threads, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}

func TestZeroDeltaIsBitIdentical(t *testing.T) {
	_, m := open(t, defaultmodel.ForTest(t), 2)
	plain := allLogits(t, m, storyTokens, nil)
	zero := allLogits(t, m, storyTokens, make([]float32, len(storyTokens)))
	biased := make([]float32, len(storyTokens))
	biased[4], biased[5] = 2, 2
	guided := allLogits(t, m, storyTokens, biased)
	changed := false
	for i := range plain {
		for j := range plain[i] {
			if zero[i][j] != plain[i][j] {
				t.Fatalf("position %d token %d: Δ=0 gives %v, no GUIDE %v", i, j, zero[i][j], plain[i][j])
			}
			changed = changed || guided[i][j] != plain[i][j]
		}
	}
	if !changed {
		t.Fatal("Δ=2 left every logit unchanged")
	}
}

func TestForwardMatchesReference(t *testing.T) {
	f, m := open(t, defaultmodel.ForTest(t), 2)
	ref := loadReference(t, f)
	bias := make([]float32, len(storyTokens))
	for k := 6; k < 9; k++ {
		bias[k] = 1.5
	}
	for _, tc := range []struct {
		name   string
		bias   []float32
		layers []int
	}{{"plain", nil, nil}, {"guided", bias, nil}, {"guided in layers 1 and 3", bias, []int{1, 3}}} {
		t.Run(tc.name, func(t *testing.T) {
			got := allLogits(t, m, storyTokens, tc.bias, tc.layers...)
			want := ref.run(storyTokens, tc.bias, nil, false, tc.layers...).logits
			// f32 against float64 through five layers: differences of a few
			// 1e-6 on logits of magnitude ~10 (measured below 1e-5).
			compareLogits(t, got, want, 2e-5, 2e-5)
		})
	}
}

// compareLogits checks |got-want| <= abs + rel·|want| per element and reports
// the first few mismatches with their indices.
func compareLogits(t *testing.T, got [][]float32, want [][]float64, abs, rel float64) {
	t.Helper()
	bad := 0
	for i := range got {
		for j := range got[i] {
			d := math.Abs(float64(got[i][j]) - want[i][j])
			if d > abs+rel*math.Abs(want[i][j]) {
				t.Errorf("position %d token %d: %v, reference %v (diff %.3g)", i, j, got[i][j], want[i][j], d)
				if bad++; bad == 10 {
					t.FailNow()
				}
			}
		}
	}
}

func TestContextOverflowIsAnError(t *testing.T) {
	_, m := open(t, defaultmodel.ForTest(t), 1)
	s, err := m.NewState(model.StateOptions{Context: 4, Batch: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Forward(s, storyTokens[:3], model.Step{}); err != nil {
		t.Fatal(err)
	}
	err = m.Forward(s, storyTokens[3:5], model.Step{})
	if !errors.Is(err, model.ErrContextFull) {
		t.Fatalf("got %v, want ErrContextFull", err)
	}
	if err := m.Prefill(context.Background(), s, []int32{9999}, model.Step{}); err == nil {
		t.Fatal("token outside the vocabulary accepted")
	}
}

// TestDecodeStepAllocatesNothing pins that every buffer lives in the State:
// a decode step, with Influence and GUIDE, allocates no memory.
func TestDecodeStepAllocatesNothing(t *testing.T) {
	_, m := open(t, defaultmodel.ForTest(t), 2)
	s, err := m.NewState(model.StateOptions{Context: 256, Batch: 16, Tracks: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetBias([]float32{0, 1, 1}, nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Forward(s, storyTokens, model.Step{Guide: true, Track: true}); err != nil {
		t.Fatal(err)
	}
	st := model.Step{Guide: true, Track: true, Logits: model.LogitsLast}
	if n := testing.AllocsPerRun(20, func() { m.Forward(s, storyTokens[:1], st) }); n != 0 {
		t.Fatalf("%v allocations per decode step", n)
	}
}
