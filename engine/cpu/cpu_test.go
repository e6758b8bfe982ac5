package cpu

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"heed/engine/ggml"
	"heed/engine/model"
	"heed/engine/model/executortest"
)

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func buf(e *Executor, rows, cols int, v []float32) model.Buffer {
	b := e.Buffer(rows, cols)
	if v != nil {
		e.Write(b, 0, v)
	}
	return b
}

// checkClose reports elements outside abs + rel·|want|, the first ten with indices.
func checkClose(t *testing.T, what string, got []float32, want []float64, abs, rel float64) {
	t.Helper()
	bad := 0
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= abs+rel*math.Abs(want[i])) {
			t.Errorf("%s[%d] = %v, want %v (diff %.3g)", what, i, got[i], want[i], d)
			if bad++; bad == 10 {
				t.FailNow()
			}
		}
	}
}

// TestMatMulMatchesNaive checks MatMul for every computable type at awkward
// sizes against a float64 product of the dequantised weights: the executor
// must compute exactly the tensor the file holds, up to f32 accumulation.
func TestMatMulMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, typ := range ggml.SupportedTypes() {
		for _, sz := range []struct{ rows, cols, n int }{{1, 256, 1}, {37, 256, 1}, {67, 512, 5}, {130, 256, 17}} {
			w := randVec(r, sz.rows*sz.cols)
			raw, err := ggml.Quantize(typ, w)
			if err != nil {
				t.Fatal(err)
			}
			deq := make([]float32, len(w))
			if err := ggml.Dequantize(typ, raw, deq); err != nil {
				t.Fatal(err)
			}
			x := randVec(r, sz.n*sz.cols)
			want := make([]float64, sz.n*sz.rows)
			for j := range sz.n {
				for i := range sz.rows {
					var s float64
					for c := range sz.cols {
						s += float64(deq[i*sz.cols+c]) * float64(x[j*sz.cols+c])
					}
					want[j*sz.rows+i] = s
				}
			}
			var first []float32
			for _, threads := range []int{1, 3} {
				e := New(threads)
				wt, err := e.Weight(&model.Tensor{Name: "w", Type: typ, Rows: sz.rows, Cols: sz.cols, Data: raw})
				if err != nil {
					t.Fatal(err)
				}
				y := buf(e, sz.n, sz.rows, nil)
				e.MatMul(y, wt, buf(e, sz.n, sz.cols, x), sz.n)
				got := make([]float32, sz.n*sz.rows)
				e.Read(y, 0, got)
				e.Close()
				// Sums of 256-512 products of unit normals in f32: rounding error
				// grows like sqrt(cols)·2⁻²⁴·|terms|, far below 1e-4.
				checkClose(t, typ.String(), got, want, 1e-4, 1e-5)
				if first == nil {
					first = got
				} else {
					for i := range got {
						if got[i] != first[i] {
							t.Fatalf("%s: thread count changed element %d: %v vs %v", typ, i, got[i], first[i])
						}
					}
				}
			}
		}
	}
}

func TestWeightRejectsUnsupportedType(t *testing.T) {
	e := New(1)
	defer e.Close()
	_, err := e.Weight(&model.Tensor{Name: "w", Type: ggml.IQ2_XXS, Rows: 1, Cols: 256, Data: make([]byte, 66)})
	if err == nil {
		t.Fatal("IQ2_XXS accepted")
	}
	if !errors.Is(err, ggml.ErrUnsupportedType) {
		t.Errorf("error %q does not wrap ErrUnsupportedType", err)
	}
	for _, typ := range ggml.SupportedTypes() {
		if !strings.Contains(err.Error(), typ.String()) {
			t.Errorf("error %q does not list supported type %s", err, typ)
		}
	}
	_, err = e.Weight(&model.Tensor{Name: "w", Type: ggml.Q8_0, Rows: 2, Cols: 32, Data: make([]byte, 34)})
	if err == nil {
		t.Fatal("short tensor accepted")
	}
}

// naiveAttention is attention for one query row with explicit masks, in float64.
func naiveAttention(a *model.Attention, q, k, v, bias []float32, ins [][]float32) (out []float64, mixes [][]float64) {
	hd, kvd, qd := a.HeadDim, a.KVHeads*a.HeadDim, a.Heads*a.HeadDim
	out = make([]float64, a.N*qd)
	mixes = make([][]float64, len(ins))
	for j := range ins {
		mixes[j] = make([]float64, a.N)
	}
	for t := range a.N {
		qp := a.Pos + t
		for h := range a.Heads {
			g := h * a.KVHeads / a.Heads
			logits := make([]float64, qp+1)
			m := math.Inf(-1)
			for key := 0; key <= qp; key++ {
				if a.Window > 0 && qp-key >= a.Window {
					logits[key] = math.Inf(-1)
					continue
				}
				var d float64
				for e := range hd {
					d += float64(q[t*qd+h*hd+e]) * float64(k[key*kvd+g*hd+e])
				}
				logits[key] = d/math.Sqrt(float64(hd)) + float64(bias[key])
				m = math.Max(m, logits[key])
			}
			var sum float64
			for key := range logits {
				logits[key] = math.Exp(logits[key] - m)
				sum += logits[key]
			}
			for key := range logits {
				p := logits[key] / sum
				for e := range hd {
					out[t*qd+h*hd+e] += p * float64(v[key*kvd+g*hd+e])
				}
				for j, in := range ins {
					mixes[j][t] += p * float64(in[key]) / float64(a.Heads)
				}
			}
		}
	}
	return out, mixes
}

func TestAttentionMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name                        string
		heads, kv, hd, pos, n, wind int
		bias                        bool
	}{
		{"mha prefill", 4, 4, 8, 0, 7, 0, false},
		{"gqa decode", 6, 2, 16, 9, 1, 0, true},
		{"gqa chunk with bias", 8, 4, 8, 5, 6, 0, true},
		{"sliding window", 4, 1, 8, 3, 9, 4, true},
		// Hundreds of keys: several 64-key blocks, the 64- and 128-wide head
		// kernels, and enough work to split across workers.
		{"long gqa prefill", 6, 2, 64, 200, 80, 0, true},
		{"long window 128-wide", 4, 2, 128, 100, 40, 90, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.pos + tc.n + 3
			qd, kvd := tc.heads*tc.hd, tc.kv*tc.hd
			q, k, v := randVec(r, tc.n*qd), randVec(r, ctx*kvd), randVec(r, ctx*kvd)
			bias := make([]float32, ctx)
			if tc.bias {
				for i := range bias {
					bias[i] = float32(r.IntN(3)) - 0.5
				}
			}
			ins := [][]float32{make([]float32, ctx), make([]float32, ctx)}
			for i := range ctx {
				ins[0][i], ins[1][i] = r.Float32(), float32(i%2)
			}
			var first []float32
			for _, threads := range []int{1, 4} {
				e := New(threads)
				a := &model.Attention{Out: buf(e, tc.n, qd, nil), Q: buf(e, tc.n, qd, q), K: buf(e, ctx, kvd, k), V: buf(e, ctx, kvd, v),
					Pos: tc.pos, N: tc.n, Heads: tc.heads, KVHeads: tc.kv, HeadDim: tc.hd, Window: tc.wind}
				if tc.bias {
					a.Bias = buf(e, 1, ctx, bias)
				}
				for _, in := range ins {
					a.Mix = append(a.Mix, model.Mix{In: buf(e, 1, ctx, in), Out: buf(e, 1, ctx, nil)})
				}
				e.Attention(a)
				want, wantMix := naiveAttention(a, q, k, v, bias, ins)
				got := make([]float32, tc.n*qd)
				e.Read(a.Out, 0, got)
				// Softmax over at most 280 keys and 128-term dot products in
				// f32 against a float64 oracle: measured worst 6.8e-7 (the
				// 128-wide case), bound 1e-5.
				checkClose(t, "out", got, want, 1e-5, 1e-5)
				for j, mx := range a.Mix {
					gm := make([]float32, tc.n)
					e.Read(mx.Out, tc.pos, gm)
					checkClose(t, "mix", gm, wantMix[j], 1e-6, 1e-5)
				}
				e.Close()
				if first == nil {
					first = got
				} else {
					for i := range got {
						if got[i] != first[i] {
							t.Fatalf("thread count changed element %d", i)
						}
					}
				}
			}
		})
	}
}

func TestRoPELayouts(t *testing.T) {
	e := New(1)
	defer e.Close()
	const heads, hd, dims, pos = 2, 8, 6, 5
	inv := []float32{1, 0.1, 0.01}
	x := randVec(rand.New(rand.NewPCG(5, 6)), heads*hd)
	for _, neox := range []bool{false, true} {
		b := buf(e, 1, heads*hd, x)
		e.RoPE(b, 1, heads, pos, &model.Rope{HeadDim: hd, Dims: dims, NeoX: neox, InvFreq: buf(e, 1, 3, inv)})
		got := make([]float32, heads*hd)
		e.Read(b, 0, got)
		want := make([]float64, heads*hd)
		for i := range x {
			want[i] = float64(x[i])
		}
		for h := range heads {
			for i := range dims / 2 {
				a, c := h*hd+2*i, h*hd+2*i+1
				if neox {
					a, c = h*hd+i, h*hd+i+dims/2
				}
				th := pos * float64(inv[i])
				want[a] = float64(x[a])*math.Cos(th) - float64(x[c])*math.Sin(th)
				want[c] = float64(x[a])*math.Sin(th) + float64(x[c])*math.Cos(th)
			}
		}
		checkClose(t, "rope", got, want, 1e-6, 1e-6)
	}
}

func TestElementwiseOps(t *testing.T) {
	e := New(2)
	defer e.Close()
	x := []float32{1, -2, 3, -4, 0.5, 0.25}
	g := []float32{2, 1, 0.5}
	gain, err := e.Weight(&model.Tensor{Name: "g", Type: ggml.F32, Rows: 1, Cols: 3, Data: f32bytes(g)})
	if err != nil {
		t.Fatal(err)
	}
	dst := buf(e, 2, 3, nil)
	e.RMSNorm(dst, buf(e, 2, 3, x), gain, 2, 1e-5)
	got := make([]float32, 6)
	e.Read(dst, 0, got)
	want := make([]float64, 6)
	for i := range 2 {
		var ss float64
		for j := range 3 {
			ss += float64(x[i*3+j] * x[i*3+j])
		}
		s := 1 / math.Sqrt(ss/3+1e-5)
		for j := range 3 {
			want[i*3+j] = float64(x[i*3+j]) * s * float64(g[j])
		}
	}
	checkClose(t, "rmsnorm", got, want, 1e-6, 1e-6)

	norms := buf(e, 1, 2, nil)
	e.L1Norm(norms, buf(e, 2, 3, x), 2)
	n2 := make([]float32, 2)
	e.Read(norms, 0, n2)
	checkClose(t, "l1", n2, []float64{6, 4.75}, 0, 0)

	gate, up := buf(e, 1, 3, []float32{-1, 0, 2}), buf(e, 1, 3, []float32{3, 5, 0.5})
	e.SiLUMul(gate, up, 3)
	sg := make([]float32, 3)
	e.Read(gate, 0, sg)
	silu := func(v float64) float64 { return v / (1 + math.Exp(-v)) }
	checkClose(t, "silu", sg, []float64{silu(-1) * 3, 0, silu(2) * 0.5}, 1e-6, 1e-6)

	// Blend: I = (a·prev + b·mixed)/(a+b) at positions pos..pos+n-1, zero weights keep prev.
	prev, mixed := buf(e, 1, 4, []float32{1, 1, 0.5, 0}), buf(e, 1, 4, []float32{0, 0, 0.25, 1})
	out := buf(e, 1, 4, nil)
	e.Blend(out, prev, mixed, buf(e, 1, 2, []float32{3, 0}), buf(e, 1, 2, []float32{1, 0}), 2, 2)
	bl := make([]float32, 4)
	e.Read(out, 0, bl)
	checkClose(t, "blend", bl, []float64{0, 0, (3*0.5 + 0.25) / 4, 0}, 1e-7, 0)
	e.Blend(out, prev, mixed, nil, nil, 0, 4)
	e.Read(out, 0, bl)
	checkClose(t, "rollout", bl, []float64{0.5, 0.5, 0.375, 0.5}, 0, 0)
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		u := math.Float32bits(x)
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
	}
	return b
}

// TestDotMatchesNaive covers the vector kernel's main loop, its 8-wide loop
// and the scalar tail at every length up to 100.
func TestDotMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for n := 0; n <= 100; n++ {
		a, b := randVec(r, n), randVec(r, n+3)
		var want float64
		for i := range a {
			want += float64(a[i]) * float64(b[i])
		}
		// n ≤ 100 products of unit normals: f32 rounding stays below 1e-5.
		checkClose(t, "dot", []float32{dot(a, b)}, []float64{want}, 1e-5, 1e-6)
		checkClose(t, "dotGo", []float32{dotGo(a, b)}, []float64{want}, 1e-5, 1e-6)
	}
}

func BenchmarkDot1024(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randVec(r, 1024), randVec(r, 1024)
	var s float32
	for b.Loop() {
		s += dot(x, y)
	}
	_ = s
}

// BenchmarkMatVec times one decode-step product (n = 1, one thread) per
// quantised type with a vector kernel, at SmolLM2-135M's FFN shapes: 1536×576
// (ffn_up; Q4_K models store it as Q5_0, 576 not being whole super-blocks,
// IQ4_XS models as IQ4_NL) and 576×1536 (ffn_down; Q6_K in half the layers of
// a Q4_K_M file).
func BenchmarkMatVec(b *testing.B) {
	for _, bc := range []struct {
		typ        ggml.Type
		rows, cols int
	}{{ggml.Q8_0, 1536, 576}, {ggml.Q5_0, 1536, 576}, {ggml.Q4_K, 576, 1536}, {ggml.Q6_K, 576, 1536},
		{ggml.Q2_K, 576, 1536}, {ggml.Q3_K, 576, 1536}, {ggml.IQ4_XS, 576, 1536}, {ggml.IQ4_NL, 1536, 576}} {
		b.Run(bc.typ.String(), func(b *testing.B) {
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
			x, y := buf(e, 1, bc.cols, randVec(r, bc.cols)), buf(e, 1, bc.rows, nil)
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				e.MatMul(y, w, x, 1)
			}
		})
	}
}

// TestExecutorConformance runs the executor suite every executor passes, with one and with
// three worker threads (the split of rows and pairs across workers must not matter).
func TestExecutorConformance(t *testing.T) {
	for _, threads := range []int{1, 3} {
		t.Run(fmt.Sprintf("threads=%d", threads), func(t *testing.T) {
			executortest.Run(t, func(tb testing.TB) model.Executor {
				e := New(threads)
				tb.Cleanup(e.Close)
				return e
			})
		})
	}
}
