//go:build !js

package llamacpp_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"

	"heed/engine/cpu"
	"heed/engine/ggml"
	"heed/engine/model"
	"heed/engine/prompt"
	"heed/engine/webgpu"
	"heed/internal/llamacpp"
	"heed/internal/testmodel"
)

// text is the prompt every case tokenises: 47 tokens in the synthetic vocabulary, longer
// than the 16-key windows below, so sliding windows hide keys in prefill and decode.
const text = "Once upon a time there was a cat named Lily who liked to sit in the sun by the river."

// steps is how many greedy tokens both implementations generate.
const steps = 32

// archCase is one synthetic model, the weight types it is written in, and the context both
// implementations allocate (llama.cpp picks Phi-3's long or short RoPE factors by it).
type archCase struct {
	shape   string
	context int
	types   []ggml.Type
}

// archCases are the architectures heed runs, each at its preset's real head and GQA layout
// with few layers, and narrower where the preset is over a billion parameters so that the
// suite stays within minutes on a CPU Vulkan device. Each keeps what sets its architecture
// apart: Qwen3's q/k norms and 128-wide heads on a 1024 model; Gemma 3's five local layers
// to one global (270m) or a 2-period pattern with a local RoPE base of its own (1b); Gemma 2's
// soft caps and alternating windows; Phi-3's fused QKV and gate/up with LongRoPE's long
// factors (context above the original) and Phi-4-mini's partial rotation with the short
// ones; SmolLM3's RoPE-less fourth layer.
//
// The weight types added with the 2–4-bit k- and i-quants run on SmolLM2's shape (576-wide
// rows fall back as llama.cpp's quantiser does: Q2_K and Q3_K to Q4_0, IQ4_XS to IQ4_NL;
// the 1536-wide FFN rows keep the type) and on a Llama whose rows are whole super-blocks.
var archCases = []archCase{
	{"qwen3-0.6b,layers=2", 512, archTypes},
	{"gemma3-270m,layers=6,swa=16", 512, archTypes},
	{"gemma3-1b,layers=2,swa=16,swa_pattern=2,rope_base_local=20000,ffn=2048", 512, archTypes},
	{"gemma2-2b,layers=2,dim=1024,heads=4,kv=2,ffn=2048,swa=16", 512, archTypes},
	{"phi3-mini,layers=2,dim=1024,heads=8,kv=8,ffn=2048,longrope=64", 512, archTypes},
	{"phi4-mini,layers=2,dim=1024,heads=8,kv=4,ffn=2048,rope_dims=96", 512, archTypes},
	{"smollm3-3b,layers=4,dim=1024,heads=8,kv=2,ffn=2048", 512, archTypes},
	{"smollm2-135m,layers=2", 512, lowBitTypes},
	{"llama3.2-1b,layers=2,dim=512,heads=8,kv=2,ffn=1024", 512, lowBitTypes},
}

// archTypes are the weight types every architecture is checked in.
var archTypes = []ggml.Type{ggml.F32, ggml.F16, ggml.Q8_0, ggml.Q4_K}

// lowBitTypes are the 2–4-bit types of today's Q2_K, Q3_K_M/L and IQ4 files.
var lowBitTypes = []ggml.Type{ggml.Q2_K, ggml.Q3_K, ggml.IQ4_NL, ggml.IQ4_XS}

// TestArchitecturesMatchLlamaCpp writes each architecture with heed synth, runs it through
// llama.cpp and through heed's CPU and WebGPU executors, and requires the same prompt ids,
// the same greedy tokens and close log-probabilities at every position.
func TestArchitecturesMatchLlamaCpp(t *testing.T) {
	llamacpp.Need(t)
	for _, c := range archCases {
		for _, typ := range c.types {
			t.Run(c.shape+"/"+typ.String(), func(t *testing.T) {
				checkAgainstLlamaCpp(t, c, typ)
			})
		}
	}
}

func checkAgainstLlamaCpp(t *testing.T, c archCase, typ ggml.Type) {
	path := testmodel.WriteSynth(t, c.shape, typ, 1)
	want := llamacpp.Run(t, llamacpp.Request{Model: path, Text: text, Steps: steps, Context: c.context})
	for _, b := range executors(t) {
		t.Run(b.name, func(t *testing.T) {
			m := testmodel.Load(t, path, b.open(t))
			p, err := prompt.Build(m.Tok, text, prompt.Options{DeltaMid: prompt.DefaultDeltaMid})
			if err != nil {
				t.Fatal(err)
			}
			if !equal(p.IDs, want.IDs) {
				t.Fatalf("prompt ids\nheed      %v\nllama.cpp %v", p.IDs, want.IDs)
			}
			seq := append(append([]int32{}, want.IDs...), want.Greedy[:len(want.Greedy)-1]...)
			got := logProbs(t, m.Model, seq, c.context)
			worst := 0.0
			for i := range want.LogProbs {
				for v, w := range want.LogProbs[i] {
					if math.IsInf(w, -1) {
						continue
					}
					worst = max(worst, math.Abs(got[i][v]-w))
				}
			}
			t.Logf("largest log-probability difference from llama.cpp over %d positions: %.3g", len(seq), worst)
			tol := logProbTolerance[typ]
			if typ == ggml.F32 && m.Model.GELU {
				tol = geluF32Tolerance
			}
			if !(worst <= tol) {
				t.Errorf("log-probabilities differ from llama.cpp by %.3g, more than %g", worst, tol)
			}
			// Every greedy step, on llama.cpp's sequence: heed's most likely token is llama.cpp's,
			// or the two tokens lie within what the implementations differ by (a near tie).
			for i, tok := range want.Greedy {
				at := len(want.IDs) - 1 + i
				best := argmax(got[at])
				if gap := want.LogProbs[at][tok] - want.LogProbs[at][best]; best != tok && gap > worst {
					t.Errorf("step %d: heed's most likely token %d, llama.cpp's %d by %.3g", i, best, tok, gap)
				}
			}
			// heed's own greedy generation, token by token, until the first near tie.
			greedy := generate(t, m.Model, want.IDs, steps, c.context)
			for i := range greedy {
				if greedy[i] == want.Greedy[i] {
					continue
				}
				at := len(want.IDs) - 1 + i
				if gap := want.LogProbs[at][want.Greedy[i]] - want.LogProbs[at][greedy[i]]; gap > worst {
					t.Fatalf("greedy token %d: heed %d, llama.cpp %d (llama.cpp prefers it by %.3g)\nheed      %v\nllama.cpp %v",
						i, greedy[i], want.Greedy[i], gap, greedy, want.Greedy)
				}
				t.Logf("greedy tokens part at %d on a near tie", i)
				break
			}
		})
	}
}

// logProbTolerance bounds the largest log-probability difference from llama.cpp per weight
// type, at about ten times the worst case measured over archCases on the CPU and WebGPU
// (lavapipe) executors. It is not heed's error alone: llama.cpp's CPU build rounds what it
// multiplies with F16 weights to F16, and quantises it to 8 bits (Q8_0, Q8_K) for quantised
// weights. Measured: F32 2.3e-5 (Phi-3), F16 7.2e-3, Q8_0 0.16, Q4_K 0.22, Q2_K 0.14,
// Q3_K 0.12, IQ4_NL 0.093, IQ4_XS 0.13.
var logProbTolerance = map[ggml.Type]float64{
	ggml.F32:    1e-4, // the bound the issue asks of F32 logits; 4× the worst measured
	ggml.F16:    7e-2,
	ggml.Q8_0:   1.6,
	ggml.Q4_K:   2.2,
	ggml.Q2_K:   1.5,
	ggml.Q3_K:   1.2,
	ggml.IQ4_NL: 0.95,
	ggml.IQ4_XS: 1.3,
}

// geluF32Tolerance replaces the F32 bound for models with a GELU feed-forward (Gemma):
// llama.cpp's CPU GELU reads a table of F16 results at F16 inputs (GGML_GELU_FP16), which
// alone moves log-probabilities by 1.9e-3 at most here (measured); computing GELU that way
// in heed brought Gemma 2's difference from 1.4e-3 down to 1.1e-4.
const geluF32Tolerance = 2e-2

func argmax(v []float64) int32 {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return int32(best)
}

// backend is an executor to compare with llama.cpp.
type backend struct {
	name string
	open func(t testing.TB) model.Executor
}

var (
	gpuOnce sync.Once
	gpuDev  *webgpu.Device
	gpuErr  error
)

// executors are the CPU executor (the f32 reference, and with the 8-bit activations the
// command line uses, which computes quantised weights as llama.cpp does) and, where a WebGPU
// adapter exists (lavapipe in CI), the WebGPU executor. Under CI a missing adapter fails
// instead of narrowing the test.
func executors(t *testing.T) []backend {
	out := []backend{{"cpu", func(t testing.TB) model.Executor {
		e := cpu.New(2)
		t.Cleanup(e.Close)
		return e
	}}, {"cpu-int8", func(t testing.TB) model.Executor {
		e := cpu.NewWith(cpu.Options{Threads: 2, Int8: true})
		t.Cleanup(e.Close)
		return e
	}}}
	gpuOnce.Do(func() {
		if os.Getenv("XDG_RUNTIME_DIR") == "" {
			os.Setenv("XDG_RUNTIME_DIR", os.TempDir())
		}
		gpuDev, gpuErr = webgpu.Open()
	})
	switch {
	case gpuErr == nil:
		out = append(out, backend{"webgpu", func(t testing.TB) model.Executor {
			e, err := webgpu.NewExecutor(gpuDev)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(e.Close)
			return e
		}})
	case errors.Is(gpuErr, webgpu.ErrNoAdapter) && os.Getenv("CI") == "":
		t.Logf("WebGPU not compared: %v", gpuErr)
	default:
		t.Fatalf("WebGPU: %v", gpuErr)
	}
	return out
}

// logProbs runs seq through m in one prefill and returns the log-softmax of every
// position's logits, in float64.
func logProbs(t *testing.T, m *model.Model, seq []int32, context int) [][]float64 {
	s, err := m.NewState(model.StateOptions{Context: context, Batch: len(seq), AllLogits: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Forward(s, seq, model.Step{Logits: model.LogitsAll}); err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, len(seq))
	row := make([]float32, m.Vocab)
	for i := range seq {
		if err := s.Logits(i, row); err != nil {
			t.Fatal(err)
		}
		out[i] = logSoftmax(row)
	}
	return out
}

// generate prefills ids and picks n tokens greedily, one decode step each.
func generate(t *testing.T, m *model.Model, ids []int32, n, context int) []int32 {
	s, err := m.NewState(model.StateOptions{Context: context, Batch: len(ids)})
	if err != nil {
		t.Fatal(err)
	}
	row := make([]float32, m.Vocab)
	var out []int32
	next := ids
	for len(out) < n {
		if err := m.Forward(s, next, model.Step{Logits: model.LogitsLast}); err != nil {
			t.Fatal(err)
		}
		if err := s.Logits(0, row); err != nil {
			t.Fatal(err)
		}
		best := 0
		for v, x := range row {
			if x > row[best] {
				best = v
			}
		}
		out = append(out, int32(best))
		next = []int32{int32(best)}
	}
	return out
}

func logSoftmax(x []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, float64(v))
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v) - m)
	}
	lse := m + math.Log(sum)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v) - lse
	}
	return out
}

func equal(a, b []int32) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}
