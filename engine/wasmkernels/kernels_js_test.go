//go:build js && wasm

package wasmkernels

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"syscall/js"
	"testing"

	"heed/engine/ggml"
)

// These tests run in headless Chromium (browser_test.go starts them) with
// heed-kernels.js loaded: every kernel against engine/ggml's scalar reference
// or a float64 oracle, at awkward shapes. HEED_WASM_KERNELS names the thread
// count the page started the kernels with; without it (a plain js/wasm run)
// the tests skip.

func attach(t *testing.T) *Kernels {
	t.Helper()
	k, err := Attach()
	if err != nil {
		if os.Getenv("HEED_WASM_KERNELS") == "" && errors.Is(err, ErrAbsent) {
			t.Skipf("no kernels in this page: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	if want, _ := strconv.Atoi(os.Getenv("HEED_WASM_KERNELS")); want > 0 && k.Threads() != want {
		t.Fatalf("kernels run %d thread(s), the page asked for %d", k.Threads(), want)
	}
	return k
}

func randn(r *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64() * scale)
	}
	return v
}

// shapes are awkward for the kernels: one row, odd row counts, row ranges
// that start and end inside the matrix and inside a tile, a single block,
// several, and batches below and above the tiled products' four tokens, with
// a tail of tokens past the last four.
func shapes(t ggml.Type) []struct{ rows, cols, n, r0, r1 int } {
	c := t.BlockSize()
	if c == 1 {
		c = 32
	}
	return []struct{ rows, cols, n, r0, r1 int }{
		{1, c, 1, 0, 1}, {3, c, 2, 0, 3}, {37, 3 * c, 1, 1, 36}, {37, 3 * c, 9, 3, 34}, {130, 2 * c, 5, 0, 130},
		{8, 5 * c, 3, 7, 8}, {5, c, 4, 0, 5},
	}
}

// TestMatMulMatchesGGML multiplies every supported type's random matrices
// with the kernels and compares with the float64 product of ggml.Dequantize's
// values (the scalar reference): each output is a sum of cols products in
// f32, so its error grows with √cols·|terms|·2⁻²⁴. Rows outside [r0, r1) must
// stay as they were.
func TestMatMulMatchesGGML(t *testing.T) {
	k := attach(t)
	r := rand.New(rand.NewPCG(7, 8))
	for _, typ := range []ggml.Type{ggml.F32, ggml.Q8_0, ggml.Q5_0, ggml.IQ4_NL, ggml.Q2_K, ggml.Q3_K, ggml.Q4_K, ggml.Q6_K, ggml.IQ4_XS} {
		worst := 0.0
		for _, sh := range shapes(typ) {
			name := fmt.Sprintf("%s/%dx%d/n%d/rows%d-%d", typ, sh.rows, sh.cols, sh.n, sh.r0, sh.r1)
			m, x := matrix(t, r, typ, sh.rows, sh.cols), randn(r, sh.n*sh.cols, 1)
			raw, deq := m.raw, m.deq
			plane, in, sums := prepared(t, k, typ, raw, x, sh.n, sh.cols)
			y := make([]float32, sh.n*sh.rows)
			for i := range y {
				y[i] = float32(math.NaN())
			}
			if err := k.MatMul(typ, raw, plane, in, sums, y, sh.rows, sh.cols, sh.n, sh.r0, sh.r1); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for tok := range sh.n {
				for row := range sh.rows {
					got := y[tok*sh.rows+row]
					if row < sh.r0 || row >= sh.r1 {
						if !math.IsNaN(float64(got)) {
							t.Fatalf("%s: row %d outside the range was written", name, row)
						}
						continue
					}
					var want, mag float64
					for c := range sh.cols {
						p := float64(deq[row*sh.cols+c]) * float64(x[tok*sh.cols+c])
						want += p
						mag += math.Abs(p)
					}
					// Relative to Σ|terms|, the scale of f32 rounding in the sum.
					e := math.Abs(float64(got)-want) / max(mag, 1e-30)
					worst = max(worst, e)
					// Measured at most 9.1e-8 of Σ|terms| (8.0e-8 with the tiled batches and four
					// accumulators; Chromium 156).
					if !(e <= 1e-6) {
						t.Fatalf("%s: token %d row %d = %v, want %v (error %.3g of Σ|terms| %.3g)", name, tok, row, got, want, e, mag)
					}
				}
			}
		}
		t.Logf("%s: largest error %.3g of Σ|terms|", typ, worst)
	}
}

type testMatrix struct {
	raw []byte
	deq []float32 // ggml.Dequantize(raw)
}

// matrix quantises random weights to typ, with a zero row and a row of large
// values among them.
func matrix(t *testing.T, r *rand.Rand, typ ggml.Type, rows, cols int) testMatrix {
	t.Helper()
	w := randn(r, rows*cols, 1/math.Sqrt(float64(cols)))
	if rows > 2 {
		clear(w[cols : 2*cols])
		for i := 2 * cols; i < 3*cols; i++ {
			w[i] *= 1000
		}
	}
	raw, err := ggml.Quantize(typ, w)
	if err != nil {
		t.Fatal(err)
	}
	deq := make([]float32, len(w))
	if err := ggml.Dequantize(typ, raw, deq); err != nil {
		t.Fatal(err)
	}
	return testMatrix{raw, deq}
}

// prepared returns the scale plane (where the type has one) and the
// activations as the type's product reads them.
func prepared(t *testing.T, k *Kernels, typ ggml.Type, raw []byte, x []float32, n, cols int) (plane, in, sums []float32) {
	t.Helper()
	if HasPlane(typ) {
		plane = make([]float32, len(raw)/typ.TypeSize())
		if err := k.Scales(typ, raw, plane); err != nil {
			t.Fatal(err)
		}
	}
	if !Permuted(typ) {
		return plane, x, nil
	}
	in, sums = make([]float32, n*cols), make([]float32, n*cols/16)
	k.PrepX(x, n, cols, in, sums)
	return plane, in, sums
}

// TestPrepXPermutesAndSums pins prep_x's layout, which every quantised
// kernel reads: element 4i+k of each group of 16 at 4k+i, and the group sums.
func TestPrepXPermutesAndSums(t *testing.T) {
	k := attach(t)
	const n, cols = 3, 48
	x := make([]float32, n*cols)
	for i := range x {
		x[i] = float32(i)
	}
	xp, sums := make([]float32, n*cols), make([]float32, n*cols/16)
	k.PrepX(x, n, cols, xp, sums)
	for i := range x {
		g, e := i/16*16, i%16
		if want := x[g+4*(e%4)+e/4]; xp[i] != want {
			t.Fatalf("xp[%d] = %v, want %v", i, xp[i], want)
		}
	}
	for g, s := range sums {
		var want float32
		for _, v := range x[16*g : 16*g+16] {
			want += v
		}
		if s != want {
			t.Fatalf("sum %d = %v, want %v", g, s, want)
		}
	}
}

// TestDequantMatchesGGML expects ggml.Dequantize's values bit for bit.
func TestDequantMatchesGGML(t *testing.T) {
	k := attach(t)
	r := rand.New(rand.NewPCG(9, 10))
	for _, typ := range []ggml.Type{ggml.F32, ggml.Q8_0, ggml.Q5_0, ggml.IQ4_NL, ggml.Q2_K, ggml.Q3_K, ggml.Q4_K, ggml.Q6_K, ggml.IQ4_XS} {
		const rows = 4
		cols := 3 * max(32, typ.BlockSize())
		m := matrix(t, r, typ, rows, cols)
		var plane []float32
		if HasPlane(typ) {
			plane = make([]float32, len(m.raw)/typ.TypeSize())
			if err := k.Scales(typ, m.raw, plane); err != nil {
				t.Fatal(err)
			}
		}
		out := make([]float32, cols)
		for row := range rows {
			if err := k.Dequant(typ, m.raw, plane, cols, row, out); err != nil {
				t.Fatal(err)
			}
			for c, v := range out {
				if want := m.deq[row*cols+c]; math.Float32bits(v) != math.Float32bits(want) {
					t.Fatalf("%s row %d element %d: %v, ggml %v", typ, row, c, v, want)
				}
			}
		}
	}
}

// TestSharedMatchesOneThread checks the threaded path where the page runs
// workers: a matrix uploaded to the shared memory and multiplied across the
// threads gives the one-thread kernel's bits (each row is one thread's, in
// the same code), and its rows read back equal ggml.Dequantize's.
func TestSharedMatchesOneThread(t *testing.T) {
	k := attach(t)
	if k.Threads() < 2 {
		t.Skip("one thread: the page is not cross-origin isolated or asked for one")
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, typ := range []ggml.Type{ggml.F32, ggml.Q8_0, ggml.Q5_0, ggml.IQ4_NL, ggml.Q2_K, ggml.Q3_K, ggml.Q4_K, ggml.Q6_K, ggml.IQ4_XS} {
		for _, sh := range []struct{ rows, cols, n int }{{1, 256, 1}, {67, 512, 3}, {130, 768, 17}} {
			m := matrix(t, r, typ, sh.rows, sh.cols)
			x := randn(r, sh.n*sh.cols, 1)
			plane, in, sums := prepared(t, k, typ, m.raw, x, sh.n, sh.cols)
			want := make([]float32, sh.n*sh.rows)
			if err := k.MatMul(typ, m.raw, plane, in, sums, want, sh.rows, sh.cols, sh.n, 0, sh.rows); err != nil {
				t.Fatal(err)
			}
			h, err := k.Upload(typ, m.raw, sh.rows, sh.cols)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float32, sh.n*sh.rows)
			k.MatMulShared(h, x, sh.n, got)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s %dx%d n%d: element %d = %v across threads, %v on one", typ, sh.rows, sh.cols, sh.n, i, got[i], want[i])
				}
			}
			row := make([]float32, sh.cols)
			k.DequantShared(h, sh.rows-1, row)
			for c, v := range row {
				if w := m.deq[(sh.rows-1)*sh.cols+c]; math.Float32bits(v) != math.Float32bits(w) {
					t.Fatalf("%s: shared row element %d = %v, ggml %v", typ, c, v, w)
				}
			}
			k.Release(h)
		}
	}
}

// TestSiLUMulMatchesGo compares with the Go kernels' formula, in f32 with
// the exponential in f64: equal but where the kernel's exponential and Go's
// round to different f32 (measured: none in these inputs).
func TestSiLUMulMatchesGo(t *testing.T) {
	k := attach(t)
	r := rand.New(rand.NewPCG(13, 14))
	g := randn(r, 4099, 4)
	g = append(g, 0, float32(math.Copysign(0, -1)), 88, -88, 100, -100, 1e-30, -1e-30, float32(math.Inf(1)), float32(math.Inf(-1)))
	u := randn(r, len(g), 1)
	want := make([]float32, len(g))
	for i, v := range g {
		want[i] = v / (1 + float32(math.Exp(float64(-v)))) * u[i]
	}
	k.SiLUMul(g, u)
	for i := range g {
		if math.Float32bits(g[i]) != math.Float32bits(want[i]) && !(math.IsNaN(float64(g[i])) && math.IsNaN(float64(want[i]))) {
			t.Errorf("element %d: %v, Go %v", i, g[i], want[i])
		}
	}
}

// TestAttendMatchesNaive checks attention against a float64 oracle: grouped
// heads, a window, a bias, mixes, prefill (several queries) and decode (one),
// and pairs split into two calls.
func TestAttendMatchesNaive(t *testing.T) {
	k := attach(t)
	r := rand.New(rand.NewPCG(15, 16))
	for _, tc := range []struct {
		name                                          string
		heads, kvheads, hd, pos, n, window, nmix, mid int
		bias                                          bool
	}{
		{"prefill", 4, 2, 64, 0, 9, 0, 0, 0, false},
		{"decode with bias and mixes", 9, 3, 64, 40, 1, 0, 2, 0, true},
		{"window", 2, 1, 128, 30, 5, 7, 1, 3, false},
		{"odd head width", 3, 3, 20, 5, 4, 0, 0, 5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, kvd, qd := tc.pos+tc.n, tc.kvheads*tc.hd, tc.heads*tc.hd
			a := &Attention{Q: randn(r, tc.n*qd, 1), K: randn(r, keys*kvd, 1), V: randn(r, keys*kvd, 1),
				Out: make([]float32, tc.n*qd), Scores: make([]float32, keys), MixPart: make([]float32, tc.n*tc.heads*tc.nmix),
				Heads: tc.heads, KVHeads: tc.kvheads, HeadDim: tc.hd, Pos: tc.pos, N: tc.n, Window: tc.window,
				Scale: float32(1 / math.Sqrt(float64(tc.hd)))}
			if tc.bias {
				a.Bias = randn(r, keys, 2)
			}
			for range tc.nmix {
				a.Mix = append(a.Mix, randn(r, keys, 1))
			}
			pairs := tc.n * tc.heads
			mid := min(tc.mid, pairs)
			if err := k.Attend(a, 0, mid); err != nil {
				t.Fatal(err)
			}
			if err := k.Attend(a, mid, pairs); err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for p := range pairs {
				tok, h := p/tc.heads, p%tc.heads
				g := h / (tc.heads / tc.kvheads)
				qpos := tc.pos + tok
				first := 0
				if tc.window > 0 {
					first = max(0, qpos-tc.window+1)
				}
				s := make([]float64, qpos+1-first)
				m := math.Inf(-1)
				for i := range s {
					for d := range tc.hd {
						s[i] += float64(a.Q[tok*qd+h*tc.hd+d]) * float64(a.K[(first+i)*kvd+g*tc.hd+d])
					}
					s[i] *= float64(a.Scale)
					if a.Bias != nil {
						s[i] += float64(a.Bias[first+i])
					}
					m = max(m, s[i])
				}
				var sum float64
				for i := range s {
					s[i] = math.Exp(s[i] - m)
					sum += s[i]
				}
				check := func(what string, got float32, want float64) {
					e := math.Abs(float64(got) - want)
					worst = max(worst, e)
					// Measured at most 4.8e-7 (outputs of magnitude ≤ 3; Chromium 156).
					if !(e <= 5e-6) {
						t.Fatalf("pair %d %s: %v, want %v", p, what, got, want)
					}
				}
				for d := range tc.hd {
					var o float64
					for i := range s {
						o += s[i] / sum * float64(a.V[(first+i)*kvd+g*tc.hd+d])
					}
					check(fmt.Sprintf("out[%d]", d), a.Out[tok*qd+h*tc.hd+d], o)
				}
				for j, mix := range a.Mix {
					var o float64
					for i := range s {
						o += s[i] / sum * float64(mix[first+i])
					}
					check(fmt.Sprintf("mix %d", j), a.MixPart[p*tc.nmix+j], o)
				}
			}
			t.Logf("largest error %.3g", worst)
		})
	}
}

// TestIsolationKeepsCORSModels runs where browser_test.go serves a model
// from a second origin with CORS and Range (HEED_CORS_MODEL): the page is
// cross-origin isolated exactly when the kernels run threads (COOP
// same-origin and COEP require-corp, internal/server's headers), and a
// ranged read of the model through fetch in CORS mode, as the app reads URL
// models, still works under COEP without any CORP header on the model.
func TestIsolationKeepsCORSModels(t *testing.T) {
	url := os.Getenv("HEED_CORS_MODEL")
	if url == "" {
		t.Skip("HEED_CORS_MODEL unset")
	}
	k := attach(t)
	if iso := js.Global().Get("crossOriginIsolated").Truthy(); iso != (k.Threads() > 1) {
		t.Fatalf("crossOriginIsolated %v with %d kernel thread(s)", iso, k.Threads())
	}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Range", "bytes=4-11")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("cross-origin ranged read: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusPartialContent || string(body) != "456789ab" {
		t.Fatalf("status %d, body %q, want 206 and bytes 4-11", resp.StatusCode, body)
	}
}

// BenchmarkMatMul times the products at SmolLM2-135M's FFN shapes, on the
// calling thread (Go's memory) and, where the page runs workers, across the
// threads (shared memory, copies of x and y included): go test
// ./engine/wasmkernels -run TestKernelsInBrowser -kernels.bench MatMul.
func BenchmarkMatMul(b *testing.B) {
	k, err := Attach()
	if err != nil {
		b.Skip(err)
	}
	defer k.Close()
	r := rand.New(rand.NewPCG(1, 1))
	for _, typ := range []ggml.Type{ggml.Q8_0, ggml.Q4_K, ggml.F32} {
		for _, sh := range []struct{ rows, cols, n int }{{1536, 576, 1}, {576, 1536, 1}, {1536, 576, 32}, {1536, 576, 128}, {192, 576, 1}, {32, 64, 1}} {
			if sh.cols%typ.BlockSize() != 0 {
				continue
			}
			w := randn(r, sh.rows*sh.cols, 0.04)
			raw, err := ggml.Quantize(typ, w)
			if err != nil {
				b.Fatal(err)
			}
			x, y := randn(r, sh.n*sh.cols, 1), make([]float32, sh.n*sh.rows)
			name := fmt.Sprintf("%s/%dx%d/n%d", typ, sh.rows, sh.cols, sh.n)
			b.Run("one/"+name, func(b *testing.B) {
				var plane []float32
				if HasPlane(typ) {
					plane = make([]float32, len(raw)/typ.TypeSize())
					k.Scales(typ, raw, plane)
				}
				xp, sums := make([]float32, len(x)), make([]float32, len(x)/16)
				b.SetBytes(int64(len(raw)))
				for b.Loop() {
					in := x
					if Permuted(typ) {
						k.PrepX(x, sh.n, sh.cols, xp, sums)
						in = xp
					}
					k.MatMul(typ, raw, plane, in, sums, y, sh.rows, sh.cols, sh.n, 0, sh.rows)
				}
			})
			if sh.n >= 4 && Permuted(typ) {
				// The per-token loop the tiled products replace (no tile).
				b.Run("untiled/"+name, func(b *testing.B) {
					var plane []float32
					if HasPlane(typ) {
						plane = make([]float32, len(raw)/typ.TypeSize())
						k.Scales(typ, raw, plane)
					}
					xp, sums := make([]float32, len(x)), make([]float32, len(x)/16)
					b.SetBytes(int64(len(raw)))
					for b.Loop() {
						k.PrepX(x, sh.n, sh.cols, xp, sums)
						k.matMul.Invoke(int(typ), ptr(raw), ptr(plane), ptr(xp), ptr(sums), ptr(y), sh.rows, sh.cols, sh.n, 0, sh.rows, 0)
					}
				})
			}
			if k.Threads() > 1 {
				b.Run(fmt.Sprintf("shared%d/%s", k.Threads(), name), func(b *testing.B) {
					h, err := k.Upload(typ, raw, sh.rows, sh.cols)
					if err != nil {
						b.Fatal(err)
					}
					defer k.Release(h)
					b.SetBytes(int64(len(raw)))
					for b.Loop() {
						k.MatMulShared(h, x, sh.n, y)
					}
				})
			}
		}
	}
}

// TestThreadsFallBackToOne runs where browser_test.go blocked the worker
// script (HEED_WASM_WORKERS_BLOCKED): init asked for two threads in an
// isolated page, so the kernels run on one and threadsError names the cause.
func TestThreadsFallBackToOne(t *testing.T) {
	if os.Getenv("HEED_WASM_WORKERS_BLOCKED") == "" {
		t.Skip("HEED_WASM_WORKERS_BLOCKED unset")
	}
	k := attach(t)
	hk := js.Global().Get("heedKernels")
	why := hk.Get("threadsError").String()
	if k.Threads() != 1 || !hk.Get("ready").Bool() || !js.Global().Get("crossOriginIsolated").Bool() || why == "" {
		t.Fatalf("threads %d, ready %v, isolated %v, threadsError %q", k.Threads(), hk.Get("ready").Bool(),
			js.Global().Get("crossOriginIsolated").Bool(), why)
	}
	t.Logf("threadsError: %s", why)
}
