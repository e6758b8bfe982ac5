package webgpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"heed/engine/ggml"
	"heed/wgsl"
)

// benchShapes are (rows, cols) of the mat-vecs named in issue 4: 576×1536 (SmolLM2-135M FFN
// down-projection) and 896×4864 (Qwen2.5-0.5B FFN down-projection).
var benchShapes = [][2]int{{576, 1536}, {896, 4864}}

// BenchmarkMatVec reports weight-read bandwidth (GB/s) and GFLOP/s (2·rows·cols per call) of
// one decode mat-vec, submit to completion.
func BenchmarkMatVec(b *testing.B) {
	d := testDevice(b)
	for _, typ := range wgsl.WeightTypes {
		for _, sh := range benchShapes {
			rows, cols := sh[0], sh[1]
			b.Run(fmt.Sprintf("%s/%dx%d", typ, rows, cols), func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 1))
				raw, _ := randWeight(b, r, typ, rows, cols)
				w, err := d.UploadWeight(typ, rows, cols, raw, "w")
				if err != nil {
					b.Fatal(err)
				}
				defer w.Release()
				x, y := upload(b, d, randVec(r, cols, 1)), nanBuffer(b, d, rows)
				b.ResetTimer()
				for b.Loop() {
					s, err := d.NewStep()
					if err == nil {
						err = s.MatVec(y, w, x)
					}
					if err == nil {
						err = s.Submit()
					}
					if err == nil {
						err = d.Sync()
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(float64(len(raw)+4*cols)/sec/1e9, "GB/s")
				b.ReportMetric(2*float64(rows*cols)/sec/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkMatMul reports GFLOP/s of a 64-token prefill matmul over the same shapes.
func BenchmarkMatMul(b *testing.B) {
	benchMatMul(b, wgsl.WeightTypes, 64)
}

// BenchmarkMatMulPrefill times prompts of 32 tokens (the whole-model comparison of
// docs/bench.md, `go run ./bench -gpu`) and 128 over the types it and issue 4 measure: Q8_0 and
// Q5_0 (32-element blocks), Q4_K (256-element super-blocks) and F32.
func BenchmarkMatMulPrefill(b *testing.B) {
	for _, tokens := range []int{32, 128} {
		benchMatMul(b, []ggml.Type{ggml.Q8_0, ggml.Q5_0, ggml.Q4_K, ggml.F32}, tokens)
	}
}

// benchMatMul times one prefill matmul per benchShape and type, submit to completion.
func benchMatMul(b *testing.B, types []ggml.Type, tokens int) {
	d := testDevice(b)
	for _, typ := range types {
		for _, sh := range benchShapes {
			rows, cols := sh[0], sh[1]
			b.Run(fmt.Sprintf("%s/%dx%d/T%d", typ, rows, cols, tokens), func(b *testing.B) {
				r := rand.New(rand.NewPCG(2, 2))
				raw, _ := randWeight(b, r, typ, rows, cols)
				w, err := d.UploadWeight(typ, rows, cols, raw, "w")
				if err != nil {
					b.Fatal(err)
				}
				defer w.Release()
				x, y := upload(b, d, randVec(r, tokens*cols, 1)), nanBuffer(b, d, tokens*rows)
				b.ResetTimer()
				for b.Loop() {
					s, err := d.NewStep()
					if err == nil {
						err = s.MatMul(y, w, x, tokens)
					}
					if err == nil {
						err = s.Submit()
					}
					if err == nil {
						err = d.Sync()
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(2*float64(tokens*rows*cols)/sec/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkStepOverhead is the fixed cost of one step holding a one-element kernel: encoder,
// params buffer, bind group, submit and wait.
func BenchmarkStepOverhead(b *testing.B) {
	d := testDevice(b)
	dst, x := upload(b, d, []float32{1}), upload(b, d, []float32{2})
	for b.Loop() {
		s, err := d.NewStep()
		if err == nil {
			err = s.Add(dst, x, 1)
		}
		if err == nil {
			err = s.Submit()
		}
		if err == nil {
			err = d.Sync()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
