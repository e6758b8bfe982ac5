package generate_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"heed/engine/cpu"
	"heed/engine/generate"
	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/sample"
	"heed/engine/synth"
	"heed/internal/defaultmodel"
)

// readCounter wraps an executor, counting the floats Read copies back. It does not implement
// model.Argmaxer, so generation through it takes the full-logits path.
type readCounter struct {
	model.Executor
	floats int
}

func (c *readCounter) Read(b model.Buffer, off int, dst []float32) error {
	c.floats += len(dst)
	return c.Executor.Read(b, off, dst)
}

// argmaxCounter adds the wrapped executor's Argmax to readCounter, counting its calls.
type argmaxCounter struct {
	*readCounter
	argmaxes int
}

func (c *argmaxCounter) Argmax(b model.Buffer, row, n int) (int32, error) {
	c.argmaxes++
	return c.Executor.(model.Argmaxer).Argmax(b, row, n)
}

// silentVocab never ends generation and decodes to nothing, so runs compare token ids over a
// fixed length whatever the model's vocabulary.
type silentVocab struct{}

func (silentVocab) IsEOG(int32) bool      { return false }
func (silentVocab) Decode([]int32) string { return "" }

// fastPathModels are the models greedy generation is checked on: stories260K, and a synthetic
// Llama whose vocabulary (1000) is not a multiple of the argmax kernel's workgroup.
var fastPathModels = []struct {
	name string
	open func(t *testing.T) *gguf.File
}{
	{"stories260K", func(t *testing.T) *gguf.File {
		f, err := gguf.Open(defaultmodel.ForTest(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}},
	{"synthetic", func(t *testing.T) *gguf.File {
		s, err := synth.ParseShape("arch=llama,layers=2,dim=64,heads=4,kv=2,ffn=128,vocab=1000")
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := synth.Write(&buf, s, ggml.F32, 3); err != nil {
			t.Fatal(err)
		}
		f, err := gguf.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}},
}

func TestGreedyFastPathMatchesFullLogits(t *testing.T) {
	const tokens = 60
	prompt := []int32{1, 403, 407, 261, 378}
	for _, mc := range fastPathModels {
		t.Run(mc.name, func(t *testing.T) {
			f := mc.open(t)
			e := cpu.New(2)
			t.Cleanup(e.Close)
			plain := &readCounter{Executor: e}
			fast := &argmaxCounter{readCounter: &readCounter{Executor: e}}
			run := func(exec model.Executor, p sample.Params) []int32 {
				t.Helper()
				m, err := model.Load(f, exec)
				if err != nil {
					t.Fatal(err)
				}
				res, err := generate.Run(context.Background(), m, silentVocab{}, prompt, generate.Options{MaxTokens: tokens, Sample: p})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.IDs) != tokens {
					t.Fatalf("%d tokens, want %d", len(res.IDs), tokens)
				}
				return res.IDs
			}
			want := run(plain, sample.Params{})
			if plain.floats < tokens*1000/2 {
				t.Fatalf("full-logits path read %d floats for %d tokens", plain.floats, tokens)
			}
			got := run(fast, sample.Params{})
			if !slices.Equal(got, want) {
				t.Fatalf("argmax path %v\nfull logits  %v", got, want)
			}
			// Each token, the last included, is one Argmax; nothing else comes back.
			if fast.floats != 0 || fast.argmaxes != tokens {
				t.Fatalf("argmax path read %d floats in %d argmax calls, want 0 floats in %d calls", fast.floats, fast.argmaxes, tokens)
			}
		})
	}
}

func TestNonGreedySamplingReadsLogits(t *testing.T) {
	f := fastPathModels[1].open(t)
	e := cpu.New(1)
	t.Cleanup(e.Close)
	for _, tc := range []struct {
		name string
		p    sample.Params
	}{
		// The penalty rewrites logits before the sampler's argmax, so the device's argmax
		// of the raw logits would be a different rule.
		{"repeat penalty", sample.Params{RepeatPenalty: 1.3}},
		{"temperature", sample.Params{Temperature: 0.8, Seed: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(exec model.Executor) []int32 {
				m, err := model.Load(f, exec)
				if err != nil {
					t.Fatal(err)
				}
				res, err := generate.Run(context.Background(), m, silentVocab{}, []int32{1, 2, 3}, generate.Options{MaxTokens: 20, Sample: tc.p})
				if err != nil {
					t.Fatal(err)
				}
				return res.IDs
			}
			fast := &argmaxCounter{readCounter: &readCounter{Executor: e}}
			got := run(fast)
			want := run(&readCounter{Executor: e})
			if fast.argmaxes != 0 || fast.floats == 0 {
				t.Fatalf("%+v: %d argmax calls, %d floats read; want the sampler on full logits", tc.p, fast.argmaxes, fast.floats)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("with an Argmaxer %v, without %v", got, want)
			}
		})
	}
}
