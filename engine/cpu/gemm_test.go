package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"heed/engine/ggml"
	"heed/engine/model"
)

// BenchmarkMatMulBatch times one prefill product (one thread) per type at
// SmolLM2-135M's FFN shapes (see BenchmarkMatVec) for several batch sizes;
// tok/s is vectors per second through this one matrix.
func BenchmarkMatMulBatch(b *testing.B) {
	for _, bc := range []struct {
		typ        ggml.Type
		rows, cols int
	}{{ggml.F32, 1536, 576}, {ggml.Q8_0, 1536, 576}, {ggml.Q5_0, 1536, 576}, {ggml.Q4_K, 576, 1536}, {ggml.Q6_K, 576, 1536},
		{ggml.Q2_K, 576, 1536}, {ggml.Q3_K, 576, 1536}, {ggml.IQ4_XS, 576, 1536}, {ggml.IQ4_NL, 1536, 576}} {
		for _, n := range []int{2, 3, 4, 6, 8, 16, 64, 128} {
			b.Run(fmt.Sprintf("%s/n=%d", bc.typ, n), func(b *testing.B) {
				r := rand.New(rand.NewPCG(3, 4))
				raw, err := ggml.Quantize(bc.typ, randVec(r, bc.rows*bc.cols))
				if err != nil {
					b.Fatal(err)
				}
				e := New(1)
				defer e.Close()
				w, err := e.Weight(&model.Tensor{Name: "w", Type: bc.typ, Rows: bc.rows, Cols: bc.cols, Data: raw})
				if err != nil {
					b.Fatal(err)
				}
				x, y := buf(e, n, bc.cols, randVec(r, n*bc.cols)), buf(e, n, bc.rows, nil)
				for b.Loop() {
					e.MatMul(y, w, x, n)
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "tok/s")
			})
		}
	}
}

// TestTiledMatMulMatchesNaive checks the batched product against a float64
// product of the dequantised weights at batch sizes around the kernel's
// four-token step (1–5, 17) and row counts that leave partial three-row tiles
// in every worker, with odd widths for the types that allow them, on 1, 2 and
// 3 threads: results must not depend on the split.
func TestTiledMatMulMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	shapes := []struct {
		types      []ggml.Type
		rows, cols int
	}{
		{[]ggml.Type{ggml.F32, ggml.F16, ggml.BF16}, 41, 7},
		{[]ggml.Type{ggml.F32, ggml.F16, ggml.BF16}, 50, 77},
		{[]ggml.Type{ggml.F32, ggml.Q8_0, ggml.Q5_0, ggml.Q4_0, ggml.IQ4_NL}, 35, 96},
		{[]ggml.Type{ggml.Q8_0, ggml.Q5_0, ggml.Q5_1, ggml.IQ4_NL}, 64, 160},
		{[]ggml.Type{ggml.F32, ggml.Q8_0, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K, ggml.Q2_K, ggml.Q3_K, ggml.IQ4_XS}, 49, 512},
		{[]ggml.Type{ggml.Q4_K, ggml.Q6_K, ggml.Q2_K, ggml.Q3_K, ggml.IQ4_XS}, 31, 256},
	}
	for _, sh := range shapes {
		for _, typ := range sh.types {
			w := randVec(r, sh.rows*sh.cols)
			raw, err := ggml.Quantize(typ, w)
			if err != nil {
				t.Fatal(err)
			}
			deq := make([]float32, len(w))
			if err := ggml.Dequantize(typ, raw, deq); err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{1, 2, 3, 4, 5, 8, 17} {
				t.Run(fmt.Sprintf("%s/%dx%d/n=%d", typ, sh.rows, sh.cols, n), func(t *testing.T) {
					x := randVec(r, n*sh.cols)
					want := make([]float64, n*sh.rows)
					for j := range n {
						for i := range sh.rows {
							var s float64
							for c := range sh.cols {
								s += float64(deq[i*sh.cols+c]) * float64(x[j*sh.cols+c])
							}
							want[j*sh.rows+i] = s
						}
					}
					var first []float32
					for _, threads := range []int{1, 2, 3} {
						e := New(threads)
						wt, err := e.Weight(&model.Tensor{Name: "w", Type: typ, Rows: sh.rows, Cols: sh.cols, Data: raw})
						if err != nil {
							t.Fatal(err)
						}
						y := buf(e, n, sh.rows, nil)
						e.MatMul(y, wt, buf(e, n, sh.cols, x), n)
						got := make([]float32, n*sh.rows)
						e.Read(y, 0, got)
						e.Close()
						// At most 512 products of unit normals per output, summed
						// in f32: rounding error ~ sqrt(cols)·2⁻²⁴·Σ|terms| stays
						// below 1e-4 (the bound TestMatMulMatchesNaive uses).
						checkClose(t, "y", got, want, 1e-4, 1e-5)
						if first == nil {
							first = got
							continue
						}
						for i := range got {
							if got[i] != first[i] {
								t.Fatalf("%d threads changed element %d: %v vs %v", threads, i, got[i], first[i])
							}
						}
					}
				})
			}
		}
	}
}

// TestGemmKernelMatchesPortable runs the tile kernel directly at every batch
// size up to 9 and widths around its 8- and 16-column steps, with strides wider
// than the rows, against gemm3x4Go, and checks that an output's value does not
// depend on where in the batch its token sits (the four-token step and the
// shorter tails sum identically). TestAVX2PathMatchesNaive reruns it with the
// AVX-512 kernel off.
func TestGemmKernelMatchesPortable(t *testing.T) {
	if !useAVX2 {
		t.Skip("no vector kernel on this CPU")
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, k := range []int{8, 16, 24, 40, 576} {
		for n := 1; n <= 9; n++ {
			wstride, xstride := k+5, k+3
			w, x := randVec(r, 3*wstride), randVec(r, n*xstride)
			got, ref := make([]float32, 3*n), make([]float32, 3*n)
			done := gemm3x4(w, wstride, x, xstride, got, n, k)
			if done == 0 || done > k || k-done >= 16 {
				t.Fatalf("k=%d: kernel covered %d columns", k, done)
			}
			gemm3x4Go(w, wstride, x, xstride, ref, n, done)
			want := make([]float64, 3*n)
			for i := range ref {
				want[i] = float64(ref[i])
			}
			// Both sum k ≤ 576 products of unit normals in f32 in different
			// orders: they differ by a few ulps of the partial sums, below 1e-4.
			checkClose(t, fmt.Sprintf("k=%d n=%d", k, n), got, want, 1e-4, 1e-5)
			// The last token alone, computed by the one-token tail, must give
			// the bits it got inside the batch.
			last := make([]float32, 3)
			gemm3x4(w, wstride, x[(n-1)*xstride:], xstride, last, 1, k)
			for i := range last {
				if last[i] != got[3*(n-1)+i] {
					t.Fatalf("k=%d n=%d row %d: alone %v, in batch %v", k, n, i, last[i], got[3*(n-1)+i])
				}
			}
		}
	}
}

// TestDequantRowMatchesGGML pins the AVX2 row decoders to ggml.Dequantize bit
// for bit (same products, same roundings), at block counts 1–9, including
// rows with extreme scales from quantising wide-ranged data and rows of random
// bytes (every scale and quant pattern; NaN matches NaN).
func TestDequantRowMatchesGGML(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 decoders on this CPU")
	}
	r := rand.New(rand.NewPCG(13, 14))
	for _, typ := range []ggml.Type{ggml.Q8_0, ggml.Q5_0, ggml.Q4_K, ggml.Q6_K, ggml.Q2_K, ggml.Q3_K, ggml.IQ4_NL, ggml.IQ4_XS} {
		block := typ.BlockSize()
		for nb := 1; nb <= 9; nb++ {
			v := randVec(r, nb*block)
			for i := range v {
				v[i] *= float32(1 + r.IntN(1000))
			}
			quantised, err := ggml.Quantize(typ, v)
			if err != nil {
				t.Fatal(err)
			}
			random := make([]byte, len(quantised))
			for i := range random {
				random[i] = byte(r.Uint32())
			}
			for _, raw := range [][]byte{quantised, random} {
				want, got := make([]float32, len(v)), make([]float32, len(v))
				if err := ggml.Dequantize(typ, raw, want); err != nil {
					t.Fatal(err)
				}
				if !dequantRow(typ, raw, got) {
					t.Fatalf("%s: no decoder", typ)
				}
				for i := range got {
					if got[i] != want[i] && !(math.IsNaN(float64(got[i])) && math.IsNaN(float64(want[i]))) {
						t.Fatalf("%s, %d blocks: element %d = %v, want %v", typ, nb, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestTiledMatMulTokenBlocks covers batches longer than one token block
// (tokenBlock(4096) = 32 tokens): against a float64 product, and bit for bit
// against the last tokens multiplied as a batch of their own, since an
// output's summation must not depend on the block its token falls in.
func TestTiledMatMulTokenBlocks(t *testing.T) {
	const rows, cols, n, tailN = 10, 4096, 37, 5
	if tokenBlock(cols) >= n {
		t.Fatalf("tokenBlock(%d) = %d: the batch fits one block", cols, tokenBlock(cols))
	}
	r := rand.New(rand.NewPCG(15, 16))
	for _, typ := range []ggml.Type{ggml.F32, ggml.Q8_0, ggml.Q6_K} {
		raw, err := ggml.Quantize(typ, randVec(r, rows*cols))
		if err != nil {
			t.Fatal(err)
		}
		deq := make([]float32, rows*cols)
		if err := ggml.Dequantize(typ, raw, deq); err != nil {
			t.Fatal(err)
		}
		x := randVec(r, n*cols)
		e := New(2)
		w, err := e.Weight(&model.Tensor{Name: "w", Type: typ, Rows: rows, Cols: cols, Data: raw})
		if err != nil {
			t.Fatal(err)
		}
		mul := func(x []float32, n int) []float32 {
			y := buf(e, n, rows, nil)
			e.MatMul(y, w, buf(e, n, cols, x), n)
			got := make([]float32, n*rows)
			e.Read(y, 0, got)
			return got
		}
		got, tail := mul(x, n), mul(x[(n-tailN)*cols:], tailN)
		e.Close()
		want := make([]float64, n*rows)
		for j := range n {
			for i := range rows {
				for c := range cols {
					want[j*rows+i] += float64(deq[i*cols+c]) * float64(x[j*cols+c])
				}
			}
		}
		// 4096 products of unit normals in f32: partial sums reach ~64, each
		// addition rounds by up to 2⁻²⁴·64, and 4096 of those random-walk to
		// ~2.5e-4; 1e-3 leaves room without hiding a wrong block.
		checkClose(t, typ.String(), got, want, 1e-3, 1e-5)
		for i, v := range tail {
			if g := got[(n-tailN)*rows+i]; g != v {
				t.Fatalf("%s: element %d is %v in the long batch, %v alone", typ, i, g, v)
			}
		}
	}
}

// TestF32BatchSplitIsExact pins what chunked prefill relies on: with f32
// weights a token's outputs are the same bits alone, in a short batch or in a
// long one (every F32 product is tiled, and the tile sums each output in one
// fixed order).
func TestF32BatchSplitIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, sh := range []struct{ rows, cols int }{{37, 77}, {64, 576}} {
		const n = 7
		w, x := randVec(r, sh.rows*sh.cols), randVec(r, n*sh.cols)
		e := New(2)
		wt, err := e.Weight(&model.Tensor{Name: "w", Type: ggml.F32, Rows: sh.rows, Cols: sh.cols, Data: f32bytes(w)})
		if err != nil {
			t.Fatal(err)
		}
		mul := func(first, count int) []float32 {
			y := buf(e, count, sh.rows, nil)
			e.MatMul(y, wt, buf(e, count, sh.cols, x[first*sh.cols:(first+count)*sh.cols]), count)
			got := make([]float32, count*sh.rows)
			e.Read(y, 0, got)
			return got
		}
		whole := mul(0, n)
		for _, split := range [][2]int{{0, 1}, {1, 2}, {3, 3}, {6, 1}} {
			part := mul(split[0], split[1])
			for i, v := range part {
				if g := whole[split[0]*sh.rows+i]; g != v {
					t.Fatalf("%dx%d: tokens [%d, +%d) element %d: %v alone, %v in the whole batch", sh.rows, sh.cols, split[0], split[1], i, v, g)
				}
			}
		}
		e.Close()
	}
}
