package webgpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"heed/engine/ggml"
	"heed/wgsl"
)

// randWeight quantises a random (rows, cols) matrix to t and returns the file bytes and the
// exact values a correct kernel sees (the scalar dequantisation of those bytes).
func randWeight(t testing.TB, r *rand.Rand, typ ggml.Type, rows, cols int) ([]byte, []float32) {
	t.Helper()
	src := randVec(r, rows*cols, 1)
	raw, err := ggml.Quantize(typ, src)
	if err != nil {
		t.Fatal(err)
	}
	deq := make([]float32, rows*cols)
	if err := ggml.Dequantize(typ, raw, deq); err != nil {
		t.Fatal(err)
	}
	return raw, deq
}

// weightShapes are (rows, cols) pairs for t: one row, one block, sizes that are not multiples
// of the tiles or of 8 (where the type allows), and a row count past 65 535 to fold the grid.
func weightShapes(typ ggml.Type) [][2]int {
	b := typ.BlockSize()
	shapes := [][2]int{{1, b}, {3, 2 * b}, {67, 3 * b}, {130, 8 * b}}
	if b == 1 {
		shapes = append(shapes, [2]int{1, 1}, [2]int{5, 7}, [2]int{33, 37}, [2]int{45, 1001})
	}
	if b == 32 {
		shapes = append(shapes, [2]int{33, 27 * b})
	}
	if b == ggml.QK_K {
		// Rows not a multiple of a workgroup's, an odd number of super-blocks.
		shapes = append(shapes, [2]int{29, 5 * b})
	}
	return shapes
}

// dotBound is the forward-error bound of a float32 sum: with n sequential additions each
// rounding by at most 2⁻²⁴, |computed − exact| ≤ (n+2)·2⁻²⁴·Σ|terms| (the +2 covers the
// product's own rounding and a possibly fused multiply-add in the dequantisation).
func dotBound(adds int, absSum float64) float64 {
	return float64(adds+2) * 0x1p-24 * absSum
}

// Measured error bounds. dotBound grows with the longest addition chain, but the rounding
// errors of a long sum of mixed-sign products mostly cancel. On lavapipe the largest
// |GPU − CPU| over every weight type and shape of these tests, in units of 2⁻²⁴·Σ|w·x| (the
// rounding unit of the sum of magnitudes), is 1.94 for a mat-vec output (F32 70001×32,
// workgroup variant; Q2_K, Q3_K, IQ4_NL, IQ4_XS: at most 0.49, IQ4_NL 3×64) and 2.36 for a
// mat-mul output (F16 67×3, 70 tokens; the four: at most 2.22, IQ4_NL 130×256, one token).
// The tests allow about ten times that, or dotBound where it is smaller.
const (
	matVecUlps = 20
	matMulUlps = 25
)

// measuredBound is the tolerance of one output: min(dotBound(adds, absSum), ulps·2⁻²⁴·absSum).
func measuredBound(adds int, absSum, ulps float64) float64 {
	return math.Min(dotBound(adds, absSum), ulps*0x1p-24*absSum)
}

func TestMatVecMatchesCPU(t *testing.T) {
	d := testDevice(t)
	src, _ := wgsl.Source("matvec")
	wg, err := wgsl.Const(src, "WG")
	if err != nil {
		t.Fatal(err)
	}
	shapesFor := func(typ ggml.Type) [][2]int {
		s := weightShapes(typ)
		if typ == ggml.Q8_0 || typ == ggml.F32 {
			s = append(s, [2]int{70001, 32})
		}
		return s
	}
	for _, typ := range wgsl.WeightTypes {
		for _, sh := range shapesFor(typ) {
			rows, cols := sh[0], sh[1]
			t.Run(fmt.Sprintf("%s/%dx%d", typ, rows, cols), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(rows), uint64(cols)))
				raw, deq := randWeight(t, r, typ, rows, cols)
				x := randVec(r, cols, 1)
				w, err := d.UploadWeight(typ, rows, cols, raw, "w")
				if err != nil {
					t.Fatal(err)
				}
				defer w.Release()
				xb := upload(t, d, x)
				yb := nanBuffer(t, d, rows)
				got := run(t, d, yb, rows, func(s *Step) error { return s.MatVec(yb, w, xb) })
				// Each invocation sums ceil(groups/WG)·8 products, then log2(WG) tree levels.
				adds := ((cols+7)/8+int(wg)-1)/int(wg)*8 + int(math.Log2(float64(wg)))
				want, tol := make([]float64, rows), make([]float64, rows)
				for i := range rows {
					var sum, abs float64
					for k := range cols {
						p := float64(deq[i*cols+k]) * float64(x[k])
						sum += p
						abs += math.Abs(p)
					}
					want[i], tol[i] = sum, measuredBound(adds, abs, matVecUlps)
				}
				expectClose(t, "y", got, want, tol, 0)
			})
		}
	}
}

func TestMatMulMatchesCPU(t *testing.T) {
	d := testDevice(t)
	for _, typ := range wgsl.WeightTypes {
		for _, sh := range weightShapes(typ) {
			for _, tokens := range []int{1, 33, 70} {
				rows, cols := sh[0], sh[1]
				t.Run(fmt.Sprintf("%s/%dx%d/T%d", typ, rows, cols, tokens), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(rows*cols), uint64(tokens)))
					raw, deq := randWeight(t, r, typ, rows, cols)
					x := randVec(r, tokens*cols, 1)
					w, err := d.UploadWeight(typ, rows, cols, raw, "w")
					if err != nil {
						t.Fatal(err)
					}
					defer w.Release()
					xb := upload(t, d, x)
					yb := nanBuffer(t, d, tokens*rows)
					got := run(t, d, yb, tokens*rows, func(s *Step) error { return s.MatMul(yb, w, xb, tokens) })
					want, tol := make([]float64, tokens*rows), make([]float64, tokens*rows)
					for tt := range tokens {
						for i := range rows {
							var sum, abs float64
							for k := range cols {
								p := float64(deq[i*cols+k]) * float64(x[tt*cols+k])
								sum += p
								abs += math.Abs(p)
							}
							// One accumulator per output adds all cols products in sequence.
							want[tt*rows+i], tol[tt*rows+i] = sum, measuredBound(cols, abs, matMulUlps)
						}
					}
					expectClose(t, "Y", got, want, tol, 0)
				})
			}
		}
	}
}

func TestEmbeddingMatchesCPU(t *testing.T) {
	d := testDevice(t)
	for _, typ := range wgsl.WeightTypes {
		for _, sh := range weightShapes(typ) {
			rows, cols := sh[0], sh[1]
			t.Run(fmt.Sprintf("%s/%dx%d", typ, rows, cols), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(rows), uint64(cols)+1))
				raw, deq := randWeight(t, r, typ, rows, cols)
				ids := []uint32{uint32(rows - 1), 0, uint32(rows / 2), uint32(rows - 1)}
				w, err := d.UploadWeight(typ, rows, cols, raw, "w")
				if err != nil {
					t.Fatal(err)
				}
				defer w.Release()
				idb, err := d.UploadUint32(ids, "ids")
				if err != nil {
					t.Fatal(err)
				}
				defer idb.Release()
				out := nanBuffer(t, d, len(ids)*cols)
				got := run(t, d, out, len(ids)*cols, func(s *Step) error { return s.Embedding(out, w, idb, len(ids)) })
				want := make([]float64, len(ids)*cols)
				var maxAbs float64
				for i, id := range ids {
					for c := range cols {
						v := deq[int(id)*cols+c]
						want[i*cols+c] = float64(v)
						maxAbs = max(maxAbs, math.Abs(float64(v)))
					}
				}
				// The shader computes d·q − m like the scalar code; a fused multiply-add may
				// round once instead of twice: at most one float32 ulp of the largest value.
				// (Measured on lavapipe: 0, every type decodes bit for bit.)
				expectClose(t, "out", got, want, []float64{0x1p-23 * maxAbs}, 0)
			})
		}
	}
}

func TestEmbeddingPastVocabularyIsNaN(t *testing.T) {
	d := testDevice(t)
	r := rand.New(rand.NewPCG(1, 2))
	raw, _ := randWeight(t, r, ggml.Q8_0, 4, 32)
	w, err := d.UploadWeight(ggml.Q8_0, 4, 32, raw, "w")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	idb, err := d.UploadUint32([]uint32{4}, "ids")
	if err != nil {
		t.Fatal(err)
	}
	defer idb.Release()
	out := upload(t, d, make([]float32, 32))
	got := run(t, d, out, 32, func(s *Step) error { return s.Embedding(out, w, idb, 1) })
	for i, v := range got {
		if !math.IsNaN(float64(v)) {
			t.Fatalf("out[%d] = %g, want NaN for an id past the vocabulary", i, v)
		}
	}
}

func TestUploadWeightRejectsBadInput(t *testing.T) {
	d := testDevice(t)
	for _, tc := range []struct {
		name       string
		typ        ggml.Type
		rows, cols int
		n          int
	}{
		{"short data", ggml.Q8_0, 2, 32, 67},
		{"partial block", ggml.Q4_K, 1, 100, 144},
		{"unsupported type", ggml.Q8_1, 1, 32, 36},
		{"no rows", ggml.F32, 0, 4, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := d.UploadWeight(tc.typ, tc.rows, tc.cols, make([]byte, tc.n), "w"); err == nil {
				t.Fatal("accepted")
			} else {
				t.Log(err)
			}
		})
	}
}
