package webgpu

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"heed/engine/generate"
	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/sample"
	"heed/wgsl"
)

// TestExpSumConstants keeps expSumBound's error analysis on the kernel it describes.
func TestExpSumConstants(t *testing.T) {
	src, err := wgsl.Source("exp_sum")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]uint32{"CHUNK": expSumChunk, "WG": expSumWG} {
		if got, err := wgsl.Const(src, name); err != nil || got != want {
			t.Errorf("exp_sum.wgsl %s = %d (%v), expSumBound assumes %d", name, got, err, want)
		}
	}
}

// TestExecutorTopKMatchesCPU compares Executor.TopK with the CPU executor's on row 0 (read in
// place) and row 1 (read at an offset) of a buffer whose other rows hold larger values: the
// same ids and logits bit for bit, and normalisers that differ by no more than the two error
// bounds together (each bounds its distance from the same exact sum). The rows cover one
// value, k equal to the row, ties straddling workgroups and the k-th place, a row of equal
// values, a flat wide range (exp far from 0, where WGSL's exp error grows with |x|), and
// vocabulary sizes that take one, two and three rounds of the kernel.
func TestExecutorTopKMatchesCPU(t *testing.T) {
	execs := make([]model.Executor, len(backends))
	for i, b := range backends {
		execs[i] = b.open(t)
	}
	r := rand.New(rand.NewPCG(11, 12))
	ties := make([]float32, 5000)
	for _, i := range []int{4999, 1234, 4321, 1023, 1024, 2047, 17} {
		ties[i] = 7
	}
	wide := randVec(r, 49152, 60)
	for i := range wide {
		wide[i] -= 40
	}
	for _, tc := range []struct {
		name string
		x    []float32
		k    int
	}{
		{"one", []float32{-3}, 1},
		{"k is the row", randVec(r, 37, 10), 37},
		{"ties pick lowest", ties, 5},
		{"ties at the k-th place", ties, 3},
		{"all equal 3000", make([]float32, 3000), 64},
		{"random 1000, k 1", randVec(r, 1000, 5), 1},
		{"wide range 49152", wide, 128},
		{"vocabulary 49152", randVec(r, 49152, 8), 64},
		{"vocabulary 151936", randVec(r, 151936, 30), 128},
	} {
		for _, row := range []int{0, 1} {
			var got [2]model.Candidates
			for i, e := range execs {
				cols := len(tc.x) + 3
				b := e.Buffer(3, cols)
				fill := make([]float32, 3*cols)
				for j := range fill {
					fill[j] = 1e30
				}
				copy(fill[row*cols:], tc.x)
				e.Write(b, 0, fill)
				c, err := e.(model.TopKer).TopK(b, row, len(tc.x), tc.k)
				if err != nil {
					t.Fatalf("%s %s row %d: %v", tc.name, backends[i].name, row, err)
				}
				got[i] = c
			}
			want, gpu := got[0], got[1]
			if !slices.Equal(gpu.IDs, want.IDs) || !slices.Equal(gpu.Logits, want.Logits) {
				t.Errorf("%s row %d: ids %v logits %v\nCPU ids %v logits %v", tc.name, row, gpu.IDs, gpu.Logits, want.IDs, want.Logits)
			}
			diff := math.Abs(gpu.Sum - want.Sum)
			if diff > gpu.SumErr+want.SumErr {
				t.Errorf("%s row %d: normaliser %g ± %g, CPU %g ± %g", tc.name, row, gpu.Sum, gpu.SumErr, want.Sum, want.SumErr)
			}
			if row == 0 {
				t.Logf("%s: normaliser %.9g, off by %.2g, bound %.2g", tc.name, want.Sum, diff, gpu.SumErr)
			}
		}
	}
}

func TestExecutorTopKRejectsBadInput(t *testing.T) {
	e := newTestExecutor(t, testDevice(t))
	b := e.Buffer(2, 300)
	for _, tc := range []struct {
		name      string
		row, n, k int
	}{
		{"k 0", 0, 300, 0},
		{"k past the row", 0, 10, 11},
		{"k past MaxCandidates", 0, 300, model.MaxCandidates + 1},
		{"row past the buffer", 2, 300, 4},
		{"n past the row", 0, 301, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.TopK(b, tc.row, tc.n, tc.k); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if err := e.Err(); err != nil {
		t.Fatalf("a rejected call broke the executor: %v", err)
	}
}

// countingTopK counts the floats read and the TopK calls of the executor it wraps.
type countingTopK struct {
	hideArgmax
	topks int
}

func (c *countingTopK) TopK(b model.Buffer, row, n, k int) (model.Candidates, error) {
	c.topks++
	return c.Executor.(model.TopKer).TopK(b, row, n, k)
}

// TestSampledGenerationTopKPathMatchesFullLogits generates 16 sampled tokens with the same
// seed through each executor with and without its TopK, and requires the same tokens, and that
// the TopK path read no logits on stories260K (whose peaked logits put top-p 0.9 and min-p
// 0.1 inside 128 candidates) and on the synthetic model with top-k.
func TestSampledGenerationTopKPathMatchesFullLogits(t *testing.T) {
	const tokens = 16
	for _, mc := range []struct {
		name string
		file func(testing.TB) *gguf.File
		p    sample.Params
	}{
		{"stories260K top-p", defaultModelFile, sample.Params{Temperature: 0.8, TopP: 0.9, Seed: 1}},
		{"stories260K min-p", defaultModelFile, sample.Params{Temperature: 1, MinP: 0.1, Seed: 2}},
		{"synthetic top-k", func(t testing.TB) *gguf.File {
			return synthFile(t, "arch=llama,layers=2,dim=64,heads=4,kv=2,ffn=128,vocab=5000", ggml.Q8_0)
		}, sample.Params{Temperature: 1, TopK: 50, TopP: 0.95, Seed: 3}},
	} {
		t.Run(mc.name, func(t *testing.T) {
			f := mc.file(t)
			for i, bk := range backends {
				e := bk.open(t)
				generateOn := func(exec model.Executor) []int32 {
					return generateIDs(t, f, exec, generate.Options{MaxTokens: tokens, Sample: mc.p})
				}
				full := &hideArgmax{Executor: e}
				fast := &countingTopK{hideArgmax: hideArgmax{Executor: e}}
				want, got := generateOn(full), generateOn(fast)
				if !slices.Equal(got, want) {
					t.Errorf("%s: top-k path %v\nfull logits %v", backends[i].name, got, want)
				}
				if fast.floats != 0 || fast.topks != tokens {
					t.Errorf("%s: top-k path read %d floats in %d TopK calls, want 0 in %d", backends[i].name, fast.floats, fast.topks, tokens)
				}
			}
		})
	}
}

// BenchmarkSampledDecode reports sampled decode tokens/s (temperature 0.8, top-k 40, top-p
// 0.95) through generate.Run on each executor, with the candidates picked by Executor.TopK
// (about 1 KB back per token) and from the full logits read back, on BenchmarkGreedyDecode's
// models.
func BenchmarkSampledDecode(b *testing.B) {
	const tokens = 32
	p := sample.Params{Temperature: 0.8, TopK: 40, TopP: 0.95, Seed: 1}
	for _, mc := range []struct {
		name string
		file func(testing.TB) *gguf.File
	}{
		{"stories260K", defaultModelFile},
		{"smollm2-135m-2layers-Q8_0", func(t testing.TB) *gguf.File {
			return synthFile(t, "smollm2-135m,layers=2,vocab=49152", ggml.Q8_0)
		}},
	} {
		f := mc.file(b)
		for _, bk := range backends {
			e := bk.open(b)
			for _, path := range []struct {
				name string
				exec model.Executor
			}{
				{"full-logits", &hideArgmax{Executor: e}},
				{"topk", &countingTopK{hideArgmax: hideArgmax{Executor: e}}},
			} {
				m, err := model.Load(f, path.exec)
				if err != nil {
					b.Fatal(err)
				}
				b.Run(mc.name+"/"+bk.name+"/"+path.name, func(b *testing.B) {
					var decoded, elapsed float64
					for b.Loop() {
						res, err := generate.Run(context.Background(), m, silentVocab{}, storyTokens[:5], generate.Options{MaxTokens: tokens, Sample: p})
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

// BenchmarkSelect reports the time of one Argmax and one TopK (k 40, 128) over a 49 152-float
// row, submit to readback.
func BenchmarkSelect(b *testing.B) {
	e := newTestExecutor(b, testDevice(b))
	r := rand.New(rand.NewPCG(1, 2))
	x := randVec(r, 49152, 10)
	buf := e.Buffer(1, len(x))
	e.Write(buf, 0, x)
	b.Run("argmax", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Argmax(buf, 0, len(x)); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, k := range []int{40, 128} {
		b.Run(fmt.Sprintf("topk-%d", k), func(b *testing.B) {
			for b.Loop() {
				if _, err := e.TopK(buf, 0, len(x), k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("read", func(b *testing.B) {
		dst := make([]float32, len(x))
		for b.Loop() {
			if err := e.Read(buf, 0, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}
