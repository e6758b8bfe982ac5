package webgpu

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"heed/engine/generate"
	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/sample"
)

// Executor.Argmax against the CPU executor and the sampler's greedy token, on row 0 (bound in
// place) and row 1 (copied to scratch) of a buffer whose other rows hold larger values.
func TestExecutorArgmaxMatchesSampler(t *testing.T) {
	execs := make([]model.Executor, len(backends))
	for i, b := range backends {
		execs[i] = b.open(t)
	}
	r := rand.New(rand.NewPCG(9, 10))
	ties := make([]float32, 5000)
	ties[4321], ties[1234], ties[4999] = 7, 7, 7
	allEqual := make([]float32, 300)
	negative := randVec(r, 1000, 1)
	for i := range negative {
		negative[i] = -1e4 - negative[i]*negative[i]
	}
	for _, tc := range []struct {
		name string
		x    []float32
	}{
		{"one", []float32{-3}},
		{"random 37", randVec(r, 37, 10)},
		{"all equal 300", allEqual},
		{"ties pick lowest", ties},
		{"all negative 1000", negative},
		{"random 257", randVec(r, 257, 10)},
		{"vocabulary 151936", randVec(r, 151936, 30)},
	} {
		want := sample.New(sample.Params{}).Sample(slices.Clone(tc.x), nil)
		for _, row := range []int{0, 1} {
			for i, e := range execs {
				cols := len(tc.x) + 3
				b := e.Buffer(3, cols)
				fill := make([]float32, 3*cols)
				for j := range fill {
					fill[j] = 1e30
				}
				copy(fill[row*cols:], tc.x)
				e.Write(b, 0, fill)
				got, err := e.(model.Argmaxer).Argmax(b, row, len(tc.x))
				if err != nil {
					t.Fatalf("%s %s row %d: %v", tc.name, backends[i].name, row, err)
				}
				if got != want {
					t.Errorf("%s %s row %d: Argmax = %d, sampler's greedy token %d", tc.name, backends[i].name, row, got, want)
				}
			}
		}
	}
}

// hideArgmax exposes only model.Executor and counts the floats Read copies back, so
// generation through it takes the full-logits path.
type hideArgmax struct {
	model.Executor
	floats int
}

func (h *hideArgmax) Read(b model.Buffer, off int, dst []float32) error {
	h.floats += len(dst)
	return h.Executor.Read(b, off, dst)
}

// countingArgmax counts the floats read and the Argmax calls of the executor it wraps.
type countingArgmax struct {
	hideArgmax
	argmaxes int
}

func (c *countingArgmax) Argmax(b model.Buffer, row, n int) (int32, error) {
	c.argmaxes++
	return c.Executor.(model.Argmaxer).Argmax(b, row, n)
}

type silentVocab struct{}

func (silentVocab) IsEOG(int32) bool      { return false }
func (silentVocab) Decode([]int32) string { return "" }

func TestGreedyGenerationArgmaxPathMatchesFullLogits(t *testing.T) {
	const tokens = 40
	for _, mc := range []struct {
		name string
		file func(testing.TB) *gguf.File
	}{
		{"stories260K", defaultModelFile},
		// Vocabulary 1000: not a multiple of the argmax workgroup.
		{"synthetic", func(t testing.TB) *gguf.File {
			return synthFile(t, "arch=llama,layers=2,dim=64,heads=4,kv=2,ffn=128,vocab=1000", ggml.Q8_0)
		}},
	} {
		t.Run(mc.name, func(t *testing.T) {
			execs := make([]model.Executor, len(backends))
			for i, b := range backends {
				execs[i] = b.open(t)
			}
			f := mc.file(t)
			for i, e := range execs {
				generateOn := func(exec model.Executor) []int32 {
					return generateIDs(t, f, exec, generate.Options{MaxTokens: tokens})
				}
				full := &hideArgmax{Executor: e}
				fast := &countingArgmax{hideArgmax: hideArgmax{Executor: e}}
				want, got := generateOn(full), generateOn(fast)
				if !slices.Equal(got, want) {
					t.Errorf("%s: argmax path %v\nfull logits %v", backends[i].name, got, want)
				}
				if fast.floats != 0 || fast.argmaxes != tokens {
					t.Errorf("%s: argmax path read %d floats in %d argmax calls, want 0 in %d", backends[i].name, fast.floats, fast.argmaxes, tokens)
				}
			}
		})
	}
}

// BenchmarkGreedyDecode reports greedy decode tokens/s through generate.Run on each executor,
// with the token picked by Executor.Argmax (4 bytes back per token) and from the full logits
// read back (the executor wrapped so that it is not a model.Argmaxer). The synthetic model has
// SmolLM2-135M's width and vocabulary (49152, set explicitly: the preset keeps synth's 512) cut to 2 layers, where the logits are a large
// share of what a step moves.
func BenchmarkGreedyDecode(b *testing.B) {
	const tokens = 32
	for _, mc := range []struct {
		name string
		file func(testing.TB) *gguf.File
	}{
		{"stories260K", defaultModelFile},
		{"smollm2-135m-2layers-Q8_0", func(t testing.TB) *gguf.File {
			return synthFile(t, "smollm2-135m,layers=2,vocab=49152", ggml.Q8_0)
		}},
	} {
		execs := make([]model.Executor, len(backends))
		for i, bk := range backends {
			execs[i] = bk.open(b)
		}
		f := mc.file(b)
		for i, e := range execs {
			for _, path := range []struct {
				name string
				exec model.Executor
			}{
				{"full-logits", &hideArgmax{Executor: e}},
				{"argmax", &countingArgmax{hideArgmax: hideArgmax{Executor: e}}},
			} {
				m, err := model.Load(f, path.exec)
				if err != nil {
					b.Fatal(err)
				}
				b.Run(mc.name+"/"+backends[i].name+"/"+path.name, func(b *testing.B) {
					var decoded, elapsed float64
					for b.Loop() {
						res, err := generate.Run(context.Background(), m, silentVocab{}, storyTokens[:5], generate.Options{MaxTokens: tokens})
						if err != nil {
							b.Fatal(err)
						}
						decoded += float64(res.Timings.Generated - 1)
						elapsed += res.Timings.Decode.Seconds()
					}
					b.ReportMetric(decoded/elapsed, "decode-tokens/s")
				})
			}
		}
	}
}

// generateIDs loads f onto exec and returns the tokens generate.Run picks after the first
// five story tokens with opt.
func generateIDs(t *testing.T, f *gguf.File, exec model.Executor, opt generate.Options) []int32 {
	t.Helper()
	m, err := model.Load(f, exec)
	if err != nil {
		t.Fatal(err)
	}
	res, err := generate.Run(context.Background(), m, silentVocab{}, storyTokens[:5], opt)
	if err != nil {
		t.Fatal(err)
	}
	return res.IDs
}
