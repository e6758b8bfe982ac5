// Package executortest is one conformance suite for model.Executor, in the spirit of gonum's
// blas/testblas: every operation, at awkward shapes, against one float64 oracle written here
// from the interface's contract. The CPU executor's tests and the WebGPU executor's tests
// (natively, and in the browser through internal/wasmtest) run it, so every executor is held
// to the same numbers.
//
// Outputs are filled with NaN before each operation (a value an executor leaves unwritten
// shows), and rows past the ones an operation covers with a sentinel it must not touch.
// Each tolerance is abs + rel·|oracle| per element, set from the largest error measured on
// the CPU executor, the WebGPU executor on lavapipe and on SwiftShader (noted next to it),
// at about ten times that. Run with -v to see every measured error.
package executortest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"heed/engine/ggml"
	"heed/engine/model"
)

// Open returns a fresh executor for one test; it is closed by the test's cleanup.
type Open func(tb testing.TB) model.Executor

// Run runs every conformance test on the executors open returns.
func Run(t *testing.T, open Open) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, model.Executor)
	}{
		{"WriteReadCopy", testWriteReadCopy},
		{"Embed", testEmbed},
		{"RMSNorm", testRMSNorm},
		{"MatMul", testMatMul},
		{"AddBias", testAddBias},
		{"RoPE", testRoPE},
		{"Attention", testAttention},
		{"Gates", testGates},
		{"ScaleAndSoftCap", testScaleAndSoftCap},
		{"L1Norm", testL1Norm},
		{"Blend", testBlend},
		{"Argmax", testArgmax},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// WeightTypes are the types every executor computes with: every type ggml dequantises.
func WeightTypes() []ggml.Type {
	var out []ggml.Type
	for id := range ggml.Type(64) {
		if ggml.Supported(id) {
			out = append(out, id)
		}
	}
	return out
}

// sentinel marks floats an operation must leave as they are.
const sentinel = 1234.5

// nanFilled allocates a (rows, cols) buffer whose first n rows are NaN and the rest sentinel.
func nanFilled(e model.Executor, rows, cols, n int) model.Buffer {
	b := e.Buffer(rows, cols)
	v := make([]float32, rows*cols)
	for i := range v {
		v[i] = sentinel
		if i < n*cols {
			v[i] = float32(math.NaN())
		}
	}
	e.Write(b, 0, v)
	return b
}

// upload allocates a (rows, cols) buffer holding v.
func upload(e model.Executor, rows, cols int, v []float32) model.Buffer {
	b := e.Buffer(rows, cols)
	e.Write(b, 0, v)
	return b
}

// read returns the first n floats of b.
func read(t *testing.T, e model.Executor, b model.Buffer, n int) []float32 {
	t.Helper()
	out := make([]float32, n)
	if err := e.Read(b, 0, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// weight hands values quantised to typ to e as a (rows, cols) weight, and returns the
// values the weight holds (its dequantisation: the oracle's operand).
func weight(t *testing.T, e model.Executor, typ ggml.Type, rows, cols int, v []float32) (model.Weight, []float32) {
	t.Helper()
	raw, err := ggml.Quantize(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	held := make([]float32, len(v))
	if err := ggml.Dequantize(typ, raw, held); err != nil {
		t.Fatal(err)
	}
	w, err := e.Weight(&model.Tensor{Name: fmt.Sprintf("%s(%d,%d)", typ, rows, cols), Type: typ, Rows: rows, Cols: cols, Data: raw})
	if err != nil {
		t.Fatal(err)
	}
	return w, held
}

func randn(r *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64() * scale)
	}
	return v
}

// expect checks got against want within abs + rel·|want| element by element (NaN never
// passes), reporting the first ten mismatches with their indices, and logs the largest error
// relative to the bound's scale, so a test run shows how close each operation comes.
func expect(t *testing.T, what string, got []float32, want []float64, abs, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	bad, worstAbs, worstRel := 0, 0.0, 0.0
	for i, w := range want {
		d := math.Abs(float64(got[i]) - w)
		if !(d <= abs+rel*math.Abs(w)) {
			if bad < 10 {
				t.Errorf("%s[%d] = %v, want %v (error %.3g)", what, i, got[i], w, d)
			}
			bad++
		}
		if math.IsNaN(d) {
			continue
		}
		worstAbs = max(worstAbs, d)
		if w != 0 {
			worstRel = max(worstRel, d/math.Abs(w))
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values out of tolerance (abs %g, rel %g)", what, bad, len(want), abs, rel)
	}
	t.Logf("%s: largest error %.3g absolute, %.3g relative", what, worstAbs, worstRel)
}

// expectSentinel checks that the floats of b from offset from to n were left alone.
func expectSentinel(t *testing.T, e model.Executor, what string, b model.Buffer, from, n int) {
	t.Helper()
	all := read(t, e, b, n)
	for i := from; i < n; i++ {
		if all[i] != sentinel {
			t.Fatalf("%s: float %d past the operation's rows was written (%v)", what, i, all[i])
		}
	}
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func testWriteReadCopy(t *testing.T, e model.Executor) {
	r := rand.New(rand.NewPCG(1, 1))
	v := randn(r, 5*7, 1)
	b := nanFilled(e, 5, 7, 5)
	e.Write(b, 3, v[3:20])
	e.Write(b, 0, v[:3])
	e.Write(b, 20, v[20:])
	expect(t, "write then read", read(t, e, b, 35), f64(v), 0, 0)
	part := make([]float32, 9)
	if err := e.Read(b, 11, part); err != nil {
		t.Fatal(err)
	}
	expect(t, "read at an offset", part, f64(v[11:20]), 0, 0)
	dst := nanFilled(e, 4, 10, 4)
	e.Copy(dst, 13, b, 2, 17)
	got := read(t, e, dst, 40)
	expect(t, "copy", got[13:30], f64(v[2:19]), 0, 0)
	for i, x := range got {
		if (i < 13 || i >= 30) && !math.IsNaN(float64(x)) {
			t.Fatalf("copy wrote float %d outside its range", i)
		}
	}
}

func testEmbed(t *testing.T, e model.Executor) {
	r := rand.New(rand.NewPCG(2, 1))
	ids := []int32{5, 0, 36, 5, 17}
	for _, typ := range WeightTypes() {
		t.Run(typ.String(), func(t *testing.T) {
			const vocab = 37
			cols := 256 // whole blocks of every type
			table, held := weight(t, e, typ, vocab, cols, randn(r, vocab*cols, 1))
			dst := nanFilled(e, len(ids)+2, cols, len(ids))
			e.Embed(dst, table, ids)
			want := make([]float64, 0, len(ids)*cols)
			for _, id := range ids {
				want = append(want, f64(held[int(id)*cols:int(id+1)*cols])...)
			}
			// Decoding is exact in f32: measured 0 on the CPU, lavapipe and SwiftShader. A
			// device that fuses a block's scale and offset into one rounding (fma) may differ
			// by one rounding, 2⁻²³ relative.
			expect(t, "rows", read(t, e, dst, len(ids)*cols), want, 0, 1.2e-7)
			expectSentinel(t, e, "embed", dst, len(ids)*cols, (len(ids)+2)*cols)
		})
	}
}

func testRMSNorm(t *testing.T, e model.Executor) {
	r := rand.New(rand.NewPCG(3, 1))
	for _, tc := range []struct {
		name           string
		rows, width, n int // buffer rows of width floats; the norm covers n rows of gain's length
		gainLen        int
		eps            float32
		scale          float64
	}{
		{"one row", 3, 576, 1, 576, 1e-5, 1},
		{"a batch", 9, 896, 7, 896, 1e-6, 3},
		{"per head", 5, 4 * 128, 3 * 4, 128, 1e-6, 0.5},  // Qwen3's q norm: 3 tokens of 4 heads
		{"per head, 256 wide", 2, 256, 2, 256, 1e-6, 20}, // Gemma's head dimension
		{"tiny values", 2, 64, 2, 64, 1e-5, 1e-4},        // eps dominates
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := randn(r, tc.rows*tc.width, tc.scale)
			g := make([]float32, tc.gainLen)
			for i := range g {
				g[i] = float32(1 + 0.1*r.NormFloat64())
			}
			gain, _ := weight(t, e, ggml.F32, 1, tc.gainLen, g)
			covered := tc.n * tc.gainLen
			dst := nanFilled(e, tc.rows, tc.width, 0)
			e.Write(dst, 0, nanSlice(covered))
			e.RMSNorm(dst, upload(e, tc.rows, tc.width, x), gain, tc.n, tc.eps)
			want := make([]float64, covered)
			for i := range tc.n {
				row := x[i*tc.gainLen : (i+1)*tc.gainLen]
				var ss float64
				for _, v := range row {
					ss += float64(v) * float64(v)
				}
				s := 1 / math.Sqrt(ss/float64(tc.gainLen)+float64(tc.eps))
				for j, v := range row {
					want[i*tc.gainLen+j] = float64(v) * s * float64(g[j])
				}
			}
			// Outputs are O(1) whatever the input's scale; f32 sums of squares over ≤ 896
			// terms: measured ≤ 3.2e-7 (CPU), 4.1e-7 (lavapipe, SwiftShader).
			expect(t, "normed", read(t, e, dst, covered), want, 4e-6, 0)
			expectSentinel(t, e, "rmsnorm", dst, covered, tc.rows*tc.width)
		})
	}
}

func nanSlice(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return v
}

func testMatMul(t *testing.T, e model.Executor) {
	r := rand.New(rand.NewPCG(4, 1))
	for _, typ := range WeightTypes() {
		for _, sz := range []struct{ rows, cols, n int }{
			{1, 256, 1}, {37, 256, 1}, {67, 512, 5}, {130, 256, 17}, {45, 768, 70},
		} {
			t.Run(fmt.Sprintf("%s/%dx%d/n%d", typ, sz.rows, sz.cols, sz.n), func(t *testing.T) {
				w, held := weight(t, e, typ, sz.rows, sz.cols, randn(r, sz.rows*sz.cols, 1/math.Sqrt(float64(sz.cols))))
				x := randn(r, (sz.n+1)*sz.cols, 1)
				dst := nanFilled(e, sz.n+1, sz.rows, sz.n)
				e.MatMul(dst, w, upload(e, sz.n+1, sz.cols, x), sz.n)
				want := make([]float64, sz.n*sz.rows)
				for j := range sz.n {
					for i := range sz.rows {
						var s float64
						for c := range sz.cols {
							s += float64(held[i*sz.cols+c]) * float64(x[j*sz.cols+c])
						}
						want[j*sz.rows+i] = s
					}
				}
				// Outputs are O(1) sums of ≤ 768 products in f32: measured ≤ 1.4e-6 on the CPU
				// (AVX2, tiled and portable kernels), 2.6e-6 on lavapipe and SwiftShader.
				expect(t, "product", read(t, e, dst, sz.n*sz.rows), want, 2.6e-5, 0)
				expectSentinel(t, e, "matmul", dst, sz.n*sz.rows, (sz.n+1)*sz.rows)
			})
		}
	}
}

func testAddBias(t *testing.T, e model.Executor) {
	r := rand.New(rand.NewPCG(5, 1))
	const rows, cols, n = 4, 70, 3
	x, bv := randn(r, rows*cols, 1), randn(r, cols, 1)
	b, _ := weight(t, e, ggml.F32, 1, cols, bv)
	dst := upload(e, rows, cols, x)
	e.AddBias(dst, b, n)
	want := make([]float64, rows*cols)
	for i := range rows {
		for j := range cols {
			want[i*cols+j] = float64(x[i*cols+j])
			if i < n {
				want[i*cols+j] += float64(bv[j])
			}
		}
	}
	// One f32 addition per element: half an ulp.
	expect(t, "biased", read(t, e, dst, rows*cols), want, 0, 1.2e-7)
}

func testRoPE(t *testing.T, e model.Executor) {
	r := rand.New(rand.NewPCG(6, 1))
	for _, tc := range []struct {
		name                         string
		n, heads, headDim, dims, pos int
		neox                         bool
		base                         float64
		factor                       float32
	}{
		{"adjacent pairs", 3, 4, 64, 64, 0, false, 10000, 0},
		{"halves", 5, 2, 64, 64, 17, true, 1e6, 0},
		{"halves, far positions", 2, 3, 128, 128, 4000, true, 1e6, 0},
		{"partial rotation with an attention factor", 4, 3, 128, 96, 9, true, 10000, 1.1902},
		{"partial, adjacent", 2, 2, 80, 32, 1, false, 500000, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			width := tc.heads * tc.headDim
			x := randn(r, (tc.n+1)*width, 1)
			inv := make([]float32, tc.dims/2)
			for i := range inv {
				inv[i] = float32(math.Pow(tc.base, -2*float64(i)/float64(tc.dims)))
			}
			buf := upload(e, tc.n+1, width, x)
			rope := &model.Rope{HeadDim: tc.headDim, Dims: tc.dims, NeoX: tc.neox, AttnFactor: tc.factor,
				InvFreq: upload(e, 1, len(inv), inv)}
			e.RoPE(buf, tc.n, tc.heads, tc.pos, rope)
			factor := float64(tc.factor)
			if factor == 0 {
				factor = 1
			}
			want := f64(x)
			half := tc.dims / 2
			for i := range tc.n {
				for h := range tc.heads {
					base := i*width + h*tc.headDim
					for j := range half {
						a, b := base+2*j, base+2*j+1
						if tc.neox {
							a, b = base+j, base+j+half
						}
						theta := float64(tc.pos+i) * float64(inv[j])
						c, s := math.Cos(theta)*factor, math.Sin(theta)*factor
						want[a] = float64(x[a])*c - float64(x[b])*s
						want[b] = float64(x[a])*s + float64(x[b])*c
					}
				}
			}
			// The angle is rounded to f32 where the GPU computes it (≤ 2⁻²⁴·θ, θ ≤ 4002 rad:
			// 2.4e-4 at the far positions); measured 2.3e-4 on lavapipe there, 3e-7 elsewhere.
			tol := 4e-6 + 2*0x1p-24*float64(tc.pos+tc.n)*factor
			expect(t, "rotated", read(t, e, buf, (tc.n+1)*width), want, tol, 0)
		})
	}
}

func testGates(t *testing.T, e model.Executor) {
	r := rand.New(rand.NewPCG(7, 1))
	const n = 1031
	for _, tc := range []struct {
		name string
		op   func(e model.Executor, g, u model.Buffer, n int)
		f    func(float64) float64
	}{
		{"SiLU", model.Executor.SiLUMul, func(x float64) float64 { return x / (1 + math.Exp(-x)) }},
		{"GELU", model.Executor.GELUMul, func(x float64) float64 {
			return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, u := randn(r, n+5, 4), randn(r, n+5, 1)
			g[0], g[1], g[2] = 0, -30, 30 // zero and saturated ends
			gb := upload(e, 1, n+5, g)
			tc.op(e, gb, upload(e, 1, n+5, u), n)
			want := make([]float64, n+5)
			for i := range want {
				want[i] = float64(g[i])
				if i < n {
					want[i] = tc.f(float64(g[i])) * float64(u[i])
				}
			}
			// |gate| ≤ 30, products up to ~100: measured ≤ 1.3e-6 on every executor.
			expect(t, "gated", read(t, e, gb, n+5), want, 1.3e-5, 0)
		})
	}
}

func testScaleAndSoftCap(t *testing.T, e model.Executor) {
	r := rand.New(rand.NewPCG(8, 1))
	const n = 1031
	x := randn(r, n+3, 60)
	x[0], x[1] = 0, 1e-3
	b := upload(e, 1, n+3, x)
	e.Scale(b, n, 24)
	want := f64(x)
	for i := range n {
		want[i] *= 24
	}
	// One f32 product per element.
	expect(t, "scaled", read(t, e, b, n+3), want, 0, 1.2e-7)

	c := upload(e, 1, n+3, x)
	e.SoftCap(c, n, 30)
	want = f64(x)
	for i := range n {
		want[i] = 30 * math.Tanh(float64(x[i])/30)
	}
	// Values ≤ 30: measured ≤ 9.5e-7 on the CPU, 4.6e-6 on the GPU (tanh through e^−2|x|).
	expect(t, "capped", read(t, e, c, n+3), want, 5e-5, 0)
}

func testL1Norm(t *testing.T, e model.Executor) {
	r := rand.New(rand.NewPCG(9, 1))
	const rows, cols, n = 6, 576, 4
	x := randn(r, rows*cols, 1)
	dst := nanFilled(e, 1, rows, 0)
	e.Write(dst, 0, append(nanSlice(n), sentinel, sentinel))
	e.L1Norm(dst, upload(e, rows, cols, x), n)
	want := make([]float64, n)
	for i := range n {
		for _, v := range x[i*cols : (i+1)*cols] {
			want[i] += math.Abs(float64(v))
		}
	}
	// Sums of 576 positive terms in f32: measured ≤ 5.4e-8 relative.
	expect(t, "norms", read(t, e, dst, n), want, 0, 6e-7)
	expectSentinel(t, e, "l1norm", dst, n, rows)
}

func testBlend(t *testing.T, e model.Executor) {
	r := rand.New(rand.NewPCG(10, 1))
	const ctx, pos, n = 20, 7, 6
	prev, mixed := make([]float32, ctx), make([]float32, ctx)
	for i := range prev {
		prev[i], mixed[i] = float32(r.Float64()), float32(r.Float64())
	}
	wp, wm := make([]float32, n), make([]float32, n)
	for i := range wp {
		wp[i], wm[i] = float32(10*r.Float64()), float32(10*r.Float64())
	}
	wp[2], wm[2] = 0, 0 // both weights zero: the token keeps prev
	wp[4] = 0
	for _, rollout := range []bool{false, true} {
		t.Run(fmt.Sprintf("rollout=%t", rollout), func(t *testing.T) {
			dst := nanFilled(e, 1, ctx, 0)
			e.Write(dst, pos, nanSlice(n))
			var a, b model.Buffer
			if !rollout {
				a, b = upload(e, 1, n, wp), upload(e, 1, n, wm)
			}
			e.Blend(dst, upload(e, 1, ctx, prev), upload(e, 1, ctx, mixed), a, b, pos, n)
			want := make([]float64, n)
			for i := range n {
				p, m := float64(prev[pos+i]), float64(mixed[pos+i])
				switch {
				case rollout:
					want[i] = (p + m) / 2
				case wp[i] == 0 && wm[i] == 0:
					want[i] = p
				default:
					want[i] = (float64(wp[i])*p + float64(wm[i])*m) / float64(wp[i]+wm[i])
				}
			}
			got := read(t, e, dst, ctx)
			// A ratio of two f32 sums of two products, values in [0, 1]: measured ≤ 3e-8.
			expect(t, "blended", got[pos:pos+n], want, 3e-7, 0)
			for i, v := range got {
				if (i < pos || i >= pos+n) && v != sentinel {
					t.Fatalf("blend wrote position %d outside [%d, %d)", i, pos, pos+n)
				}
			}
		})
	}
}

// testArgmax checks the optional Argmaxer capability where the executor has it.
func testArgmax(t *testing.T, e model.Executor) {
	a, ok := e.(model.Argmaxer)
	if !ok {
		t.Skipf("%T has no argmax", e)
	}
	r := rand.New(rand.NewPCG(11, 1))
	const rows, cols = 3, 1000
	v := randn(r, rows*cols, 5)
	v[cols+999], v[cols+3] = 40, 40 // a tie in row 1: the lower index wins
	b := upload(e, rows, cols, v)
	for row := range rows {
		for _, n := range []int{1, 777, cols} {
			got, err := a.Argmax(b, row, n)
			if err != nil {
				t.Fatal(err)
			}
			seg := v[row*cols : row*cols+n]
			if want := int32(slices.Index(seg, slices.Max(seg))); got != want {
				t.Errorf("row %d, first %d: argmax %d, want %d", row, n, got, want)
			}
		}
	}
}

// attentionCase is one Attention call: N queries at positions Pos… over a cache of Pos+N keys.
type attentionCase struct {
	name                            string
	pos, n, heads, kvHeads, headDim int
	window                          int
	scale, softCap                  float32
	bias                            bool
	mixes                           int
}

func testAttention(t *testing.T, e model.Executor) {
	for i, tc := range []attentionCase{
		{name: "decode, one head", pos: 9, n: 1, heads: 1, kvHeads: 1, headDim: 64},
		{name: "prefill from zero", pos: 0, n: 13, heads: 4, kvHeads: 4, headDim: 32},
		{name: "grouped queries, later chunk", pos: 21, n: 6, heads: 8, kvHeads: 2, headDim: 64, bias: true, mixes: 2},
		{name: "window shorter than the chunk", pos: 5, n: 12, heads: 4, kvHeads: 1, headDim: 256, window: 4, bias: true, mixes: 1},
		{name: "window in decode", pos: 70, n: 1, heads: 2, kvHeads: 1, headDim: 128, window: 16, mixes: 6},
		{name: "Gemma scale and soft cap", pos: 3, n: 9, heads: 8, kvHeads: 4, headDim: 256, scale: 0.0625, softCap: 50, bias: true, mixes: 3},
		{name: "soft cap that bites", pos: 0, n: 7, heads: 2, kvHeads: 2, headDim: 96, scale: 1, softCap: 5, bias: true},
		{name: "more keys than a workgroup", pos: 300, n: 2, heads: 3, kvHeads: 1, headDim: 80, bias: true, mixes: 1},
	} {
		t.Run(tc.name, func(t *testing.T) { checkAttention(t, e, tc, uint64(i)) })
	}
}

func checkAttention(t *testing.T, e model.Executor, tc attentionCase, seed uint64) {
	r := rand.New(rand.NewPCG(12, seed))
	keys := tc.pos + tc.n
	ctx := keys + 3
	qd, kvd := tc.heads*tc.headDim, tc.kvHeads*tc.headDim
	q, k, v := randn(r, tc.n*qd, 1), randn(r, ctx*kvd, 1), randn(r, ctx*kvd, 1)
	a := &model.Attention{Out: nanFilled(e, tc.n, qd, tc.n), Q: upload(e, tc.n, qd, q),
		K: upload(e, ctx, kvd, k), V: upload(e, ctx, kvd, v), Pos: tc.pos, N: tc.n,
		Heads: tc.heads, KVHeads: tc.kvHeads, HeadDim: tc.headDim, Window: tc.window,
		Scale: tc.scale, SoftCap: tc.softCap}
	var bias []float32
	if tc.bias {
		bias = make([]float32, ctx)
		for i := range bias {
			if i%3 == 1 {
				bias[i] = float32(2 * r.NormFloat64())
			}
		}
		a.Bias = upload(e, 1, ctx, bias)
	}
	ins := make([][]float32, tc.mixes)
	for j := range ins {
		ins[j] = make([]float32, ctx)
		for i := range ins[j] {
			ins[j][i] = float32(r.Float64())
		}
		out := nanFilled(e, 1, ctx, 0)
		e.Write(out, tc.pos, nanSlice(tc.n))
		a.Mix = append(a.Mix, model.Mix{In: upload(e, 1, ctx, ins[j]), Out: out})
	}
	e.Attention(a)
	want, mixes := attentionOracle(tc, q, k, v, bias, ins)
	// Outputs are averages of unit normals, O(1): measured ≤ 5.5e-7 on the CPU, 1.4e-6 on
	// lavapipe and SwiftShader (online softmax in workgroup chunks).
	expect(t, "out", read(t, e, a.Out, tc.n*qd), want, 1.5e-5, 0)
	for j, m := range a.Mix {
		got := read(t, e, m.Out, ctx)
		// Head averages of convex combinations of values in [0, 1]: measured ≤ 1.0e-7.
		expect(t, fmt.Sprintf("mix %d", j), got[tc.pos:keys], mixes[j], 1e-6, 0)
		for i, x := range got {
			if (i < tc.pos || i >= keys) && x != sentinel {
				t.Fatalf("mix %d written at position %d outside [%d, %d)", j, i, tc.pos, keys)
			}
		}
	}
}

// attentionOracle is model.Attention's contract in float64, with every mask explicit.
func attentionOracle(tc attentionCase, q, k, v, bias []float32, ins [][]float32) ([]float64, [][]float64) {
	hd, kvd, qd := tc.headDim, tc.kvHeads*tc.headDim, tc.heads*tc.headDim
	scale := float64(tc.scale)
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(hd))
	}
	out := make([]float64, tc.n*qd)
	mixes := make([][]float64, len(ins))
	for j := range mixes {
		mixes[j] = make([]float64, tc.n)
	}
	for t := range tc.n {
		qpos := tc.pos + t
		for h := range tc.heads {
			g := h / (tc.heads / tc.kvHeads)
			logits := make([]float64, qpos+1)
			visible := make([]bool, qpos+1)
			m := math.Inf(-1)
			for key := range qpos + 1 {
				if tc.window > 0 && qpos-key >= tc.window {
					continue
				}
				visible[key] = true
				var s float64
				for d := range hd {
					s += float64(q[t*qd+h*hd+d]) * float64(k[key*kvd+g*hd+d])
				}
				s *= scale
				if tc.softCap > 0 {
					c := float64(tc.softCap)
					s = c * math.Tanh(s/c)
				}
				if bias != nil {
					s += float64(bias[key])
				}
				logits[key] = s
				m = max(m, s)
			}
			var sum float64
			for key, ok := range visible {
				if ok {
					logits[key] = math.Exp(logits[key] - m)
					sum += logits[key]
				}
			}
			for key, ok := range visible {
				if !ok {
					continue
				}
				p := logits[key] / sum
				for d := range hd {
					out[t*qd+h*hd+d] += p * float64(v[key*kvd+g*hd+d])
				}
				for j, in := range ins {
					mixes[j][t] += p * float64(in[key]) / float64(tc.heads)
				}
			}
		}
	}
	return out, mixes
}
