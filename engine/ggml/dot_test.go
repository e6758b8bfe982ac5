package ggml

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

var dotTypes = SupportedTypes()

// randomMatrix returns rows×cols weights (Gaussian with rare outliers) encoded as t,
// and their decoded float32 values, the oracle the kernels are checked against.
func randomMatrix(t testing.TB, typ Type, rows, cols int, seed uint64) ([]byte, []float32) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 3))
	w := make([]float32, rows*cols)
	for i := range w {
		v := r.NormFloat64() * 0.05
		if r.IntN(100) == 0 {
			v *= 10
		}
		w[i] = float32(v)
	}
	enc, err := Quantize(typ, w)
	if err != nil {
		t.Fatal(err)
	}
	dec := make([]float32, len(w))
	if err := Dequantize(typ, enc, dec); err != nil {
		t.Fatal(err)
	}
	return enc, dec
}

func randomVector(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 5))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// oracleDot is the float64 dot product of decoded weights with x, and the
// tolerance a float32 kernel must meet when its longest chain of dependent
// float32 additions is depth long. Each rounding is at most eps32 = 2⁻²⁴ of a
// partial sum, and every partial sum is bounded by S = Σ (|w_i| + 2·max|w|)·|x_i|;
// the 2·max|w| term covers the block mins (m, dmin·m_j) that the kernels apply to
// block sums of x, which then cancel. Each product and sum can also lose up to
// half a float32 subnormal step (2⁻¹⁵⁰) in gradual underflow: two operations per
// link of the chain.
func oracleDot(w, x []float32, depth int) (ref, tol float64) {
	var maxW float64
	for _, v := range w {
		maxW = math.Max(maxW, math.Abs(float64(v)))
	}
	var s float64
	for i := range x {
		ref += float64(w[i]) * float64(x[i])
		s += (math.Abs(float64(w[i])) + 2*maxW) * math.Abs(float64(x[i]))
	}
	return ref, float64(depth) * (0x1p-24*s + 2*0x1p-150)
}

// dotDepth is the longest addition chain of Dot and MatVec over n elements of t:
// the plain types keep four running sums (n/4 each); the block formats sum 8
// products per partial sum, then add one term per 16- or 32-element sub-block
// (at most 16 per super-block) and one per block into the row total.
func dotDepth(t Type, n int) int {
	if t.BlockSize() == 1 {
		return n/4 + 8
	}
	return n/32 + 32
}

// matMulDepth is the longest addition chain of MatMul over n columns: one running
// sum per mmCols-column tile (dot4x2 keeps a single sum per row and vector), then
// one add per tile into y.
func matMulDepth(n int) int { return min(n, mmCols) + n/mmCols + 8 }

// checkClose reports the first ten elements outside tolerance.
func checkClose(t *testing.T, what string, got []float32, ref, tol []float64) {
	t.Helper()
	bad := 0
	for i := range got {
		if d := math.Abs(float64(got[i]) - ref[i]); !(d <= tol[i]) {
			t.Errorf("%s[%d] = %v, oracle %v (|diff| %g > tol %g)", what, i, got[i], ref[i], d, tol[i])
			if bad++; bad == 10 {
				t.Fatal("stopping after ten mismatches")
			}
		}
	}
}

// Awkward shapes: one block, odd row counts, and a row count not a multiple of 4.
var dotShapes = []struct{ rows, cols int }{{1, 256}, {7, 512}, {13, 768}, {5, 1280}}

func TestDotAndMatVecMatchOracle(t *testing.T) {
	for _, typ := range dotTypes {
		for _, sh := range dotShapes {
			t.Run(fmt.Sprintf("%s/%dx%d", typ, sh.rows, sh.cols), func(t *testing.T) {
				enc, dec := randomMatrix(t, typ, sh.rows, sh.cols, uint64(sh.cols))
				x := randomVector(sh.cols, 9)
				rb := rowBytes(typ, sh.cols)
				ref, tol := make([]float64, sh.rows), make([]float64, sh.rows)
				dots := make([]float32, sh.rows)
				for r := range sh.rows {
					ref[r], tol[r] = oracleDot(dec[r*sh.cols:(r+1)*sh.cols], x, dotDepth(typ, sh.cols))
					dots[r] = Dot(typ, enc[r*rb:(r+1)*rb], x)
				}
				checkClose(t, "Dot", dots, ref, tol)
				y := filled(sh.rows, float32(math.NaN()))
				MatVec(typ, enc, sh.rows, sh.cols, x, y)
				checkClose(t, "MatVec", y, ref, tol)
				// A row range of MatVec is the same computation on sub-slices.
				if sh.rows > 2 {
					yr := filled(sh.rows-2, float32(math.NaN()))
					MatVec(typ, enc[rb:(sh.rows-1)*rb], sh.rows-2, sh.cols, x, yr)
					checkClose(t, "MatVec rows [1,n-1)", yr, ref[1:sh.rows-1], tol[1:sh.rows-1])
				}
			})
		}
	}
}

func TestDotPlainTypesOddLength(t *testing.T) {
	for _, typ := range []Type{F32, F16, BF16} {
		for _, n := range []int{1, 3, 7, 33} {
			enc, dec := randomMatrix(t, typ, 1, n, uint64(n))
			x := randomVector(n, 4)
			ref, tol := oracleDot(dec, x, dotDepth(typ, n))
			checkClose(t, fmt.Sprintf("%s Dot n=%d", typ, n), []float32{Dot(typ, enc, x)}, []float64{ref}, []float64{tol})
		}
	}
}

func TestMatMulMatchesOracle(t *testing.T) {
	for _, typ := range dotTypes {
		for _, sh := range dotShapes {
			for _, n := range []int{1, 2, 5} {
				t.Run(fmt.Sprintf("%s/%dx%d/n=%d", typ, sh.rows, sh.cols, n), func(t *testing.T) {
					enc, dec := randomMatrix(t, typ, sh.rows, sh.cols, uint64(sh.rows))
					x := randomVector(n*sh.cols, uint64(n))
					ref, tol := make([]float64, n*sh.rows), make([]float64, n*sh.rows)
					for v := range n {
						for r := range sh.rows {
							ref[v*sh.rows+r], tol[v*sh.rows+r] = oracleDot(dec[r*sh.cols:(r+1)*sh.cols], x[v*sh.cols:(v+1)*sh.cols], matMulDepth(sh.cols))
						}
					}
					y := filled(n*sh.rows, float32(math.NaN()))
					MatMul(typ, enc, sh.rows, sh.cols, x, n, y)
					checkClose(t, "MatMul", y, ref, tol)

					// Two disjoint row ranges of MatMulRows fill the same output.
					y2 := filled(n*sh.rows, float32(math.NaN()))
					mid := sh.rows / 2
					MatMulRows(typ, enc, sh.rows, sh.cols, x, n, y2, 0, mid)
					MatMulRows(typ, enc, sh.rows, sh.cols, x, n, y2, mid, sh.rows)
					checkClose(t, "MatMulRows", y2, ref, tol)
				})
			}
		}
	}
}

func TestKernelsPanicOnBadShapes(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{"Dot unsupported type", func() { Dot(IQ2_XS, make([]byte, 74), make([]float32, 256)) }},
		{"Dot short row", func() { Dot(Q8_0, make([]byte, 33), make([]float32, 32)) }},
		{"Dot partial block", func() { Dot(Q8_0, make([]byte, 34), make([]float32, 31)) }},
		{"MatVec wrong y", func() { MatVec(Q8_0, make([]byte, 68), 2, 32, make([]float32, 32), make([]float32, 1)) }},
		{"MatMul wrong x", func() { MatMul(Q8_0, make([]byte, 68), 2, 32, make([]float32, 33), 1, make([]float32, 2)) }},
		{"MatMulRows range", func() {
			MatMulRows(Q8_0, make([]byte, 68), 2, 32, make([]float32, 32), 1, make([]float32, 2), 1, 3)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.f()
		})
	}
}

// Benchmark shapes: SmolLM2-135M's attention/FFN (576×1536) and Qwen2.5-0.5B's
// FFN (896×4864). Bytes per op are the weight bytes read.
var benchShapes = []struct{ rows, cols int }{{576, 1536}, {896, 4864}}

func BenchmarkMatVec(b *testing.B) {
	for _, typ := range dotTypes {
		for _, sh := range benchShapes {
			b.Run(fmt.Sprintf("%s/%dx%d", typ, sh.rows, sh.cols), func(b *testing.B) {
				enc, _ := randomMatrix(b, typ, sh.rows, sh.cols, 1)
				x := randomVector(sh.cols, 2)
				y := make([]float32, sh.rows)
				b.SetBytes(int64(len(enc)))
				b.ResetTimer()
				for b.Loop() {
					MatVec(typ, enc, sh.rows, sh.cols, x, y)
				}
				b.ReportMetric(float64(sh.rows*sh.cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
			})
		}
	}
}

func BenchmarkMatMul32(b *testing.B) {
	const n = 32
	for _, typ := range dotTypes {
		for _, sh := range benchShapes {
			b.Run(fmt.Sprintf("%s/%dx%d", typ, sh.rows, sh.cols), func(b *testing.B) {
				enc, _ := randomMatrix(b, typ, sh.rows, sh.cols, 1)
				x := randomVector(n*sh.cols, 2)
				y := make([]float32, n*sh.rows)
				b.SetBytes(int64(len(enc)))
				b.ResetTimer()
				for b.Loop() {
					MatMul(typ, enc, sh.rows, sh.cols, x, n, y)
				}
				b.ReportMetric(float64(n*sh.rows*sh.cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
			})
		}
	}
}

// TestKernelsDoNotAllocate pins that decode-time kernels allocate nothing for
// vectors up to xsumStack blocks (16384 columns).
func TestKernelsDoNotAllocate(t *testing.T) {
	const rows, cols, n = 8, 4096, 3
	for _, typ := range dotTypes {
		enc, _ := randomMatrix(t, typ, rows, cols, 1)
		x := randomVector(n*cols, 2)
		y := make([]float32, n*rows)
		rb := rowBytes(typ, cols)
		allocs := testing.AllocsPerRun(5, func() {
			Dot(typ, enc[:rb], x[:cols])
			MatVec(typ, enc, rows, cols, x[:cols], y[:rows])
			MatMul(typ, enc, rows, cols, x, n, y)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per Dot+MatVec+MatMul", typ, allocs)
		}
	}
}

// TestQ3KScalesMatchesScalar pins the word-at-a-time unpacking of Q3_K scales
// used by dotQ3_K to the per-scale reading of the dequantiser.
func TestQ3KScalesMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for range 100 {
		var sc [kScaleSize]byte
		for i := range sc {
			sc[i] = byte(r.Uint32())
		}
		got := q3KScales(&sc)
		for j := range QK_K / 16 {
			if want := float32(q3KScale(sc[:], j)); got[j] != want {
				t.Fatalf("scales % x: scale %d = %v, want %v", sc, j, got[j], want)
			}
		}
	}
}
