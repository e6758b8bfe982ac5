package cpu

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"heed/engine/ggml"
	"heed/engine/model"
)

// int8Types are the weight types the int8 path computes.
var int8Types = []ggml.Type{ggml.Q8_0, ggml.Q5_0, ggml.Q4_K}

// awkwardVec is random data with the cases quantisation must get right: a
// zero block, a block whose largest magnitude is negative and tied with a
// positive one, tiny and huge blocks, and values that land on .5 after scaling.
func awkwardVec(r *rand.Rand, n int) []float32 {
	v := randVec(r, n)
	for b := 0; b+32 <= n; b += 32 {
		blk := v[b : b+32]
		switch (b / 32) % 7 {
		case 1:
			clear(blk)
		case 2:
			blk[3], blk[20] = -5, 5
		case 3:
			for i := range blk {
				blk[i] *= 1e-30
			}
		case 4:
			for i := range blk {
				blk[i] *= 1e4
			}
		case 5:
			// amax 127: x·127/amax = x, so the halves are exact ties.
			for i := range blk {
				blk[i] = float32(i-16) + 0.5
			}
			blk[0] = 127
		}
	}
	return v
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	bad := 0
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("%s[%d] = %v, Go twin %v", what, i, got[i], want[i])
			if bad++; bad == 10 {
				t.FailNow()
			}
		}
	}
}

// TestQuantizeMatchesGo holds the activation quantisers to their Go twins bit
// for bit (quants, scales, corrections, block sums) over awkward data.
func TestQuantizeMatchesGo(t *testing.T) {
	if !useVNNI {
		t.Skip("no AVX-512 VNNI: the Go twins are the only implementation")
	}
	r := rand.New(rand.NewPCG(21, 22))
	for _, cols := range []int{64, 256, 576, 768, 4864} {
		x := awkwardVec(r, cols)
		np := cols / 64
		for _, off := range []int32{128, 16} {
			q, d, c := make([]int8, 64*np), make([]float32, 16*np), make([]int32, 16*np)
			gq, gd, gc := make([]int8, 64*np), make([]float32, 16*np), make([]int32, 16*np)
			quantQ8_0(x, q, d, c, off)
			quantQ8_0Go(x, gq, gd, gc, off)
			for i := range q {
				if q[i] != gq[i] {
					t.Fatalf("Q8_0 cols=%d: q[%d] = %d, Go twin %d", cols, i, q[i], gq[i])
				}
			}
			for i := range c {
				if c[i] != gc[i] {
					t.Fatalf("Q8_0 cols=%d: c[%d] = %d, Go twin %d", cols, i, c[i], gc[i])
				}
			}
			sameBits(t, fmt.Sprintf("Q8_0 cols=%d d", cols), d, gd)
		}
		if cols%256 != 0 {
			continue
		}
		nm := mSize(cols)
		q, d, xm := make([]int8, 64*np), make([]float32, 16*np), make([]float32, nm)
		gq, gd, gxm := make([]int8, 64*np), make([]float32, 16*np), make([]float32, nm)
		for i := range xm {
			xm[i], gxm[i] = float32(math.NaN()), float32(math.NaN()) // padding must be zeroed
		}
		quantQ8_K(x, q, d, xm)
		quantQ8_KGo(x, gq, gd, gxm)
		for i := range q {
			if q[i] != gq[i] {
				t.Fatalf("Q8_K cols=%d: q[%d] = %d, Go twin %d", cols, i, q[i], gq[i])
			}
		}
		sameBits(t, fmt.Sprintf("Q8_K cols=%d d", cols), d, gd)
		sameBits(t, fmt.Sprintf("Q8_K cols=%d xm", cols), xm, gxm)
	}
}

// TestQuantizeFollowsGGML checks the quantisers against a direct reading of
// ggml's quantize_row_q8_0 and quantize_row_q8_K_ref, element by element.
func TestQuantizeFollowsGGML(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	x := awkwardVec(r, 512)
	q, d, c := make([]int8, 512), make([]float32, 128), make([]int32, 128)
	quantQ8_0(x, q, d, c, 16)
	for b := range 16 {
		var amax float64
		for _, v := range x[32*b : 32*b+32] {
			amax = math.Max(amax, math.Abs(float64(v)))
		}
		wantD := ggml.F16ToF32(ggml.F32ToF16(float32(amax) / 127))
		sum := int32(0)
		for i, v := range x[32*b : 32*b+32] {
			want := int8(0)
			if amax != 0 {
				want = int8(math.RoundToEven(float64(v * (127 / float32(amax)))))
			}
			if q[32*b+i] != want {
				t.Fatalf("Q8_0 block %d element %d: %d, want %d", b, i, q[32*b+i], want)
			}
			sum += int32(want)
		}
		lane := 16*(b/2) + 8*(b%2)
		if d[lane] != wantD || d[lane+7] != wantD || c[lane] != -16*sum || c[lane+1] != 0 {
			t.Fatalf("Q8_0 block %d: d %v, c %d; want %v, %d", b, d[lane], c[lane], wantD, -16*sum)
		}
	}
	xm := make([]float32, mSize(512))
	quantQ8_K(x, q, d, xm)
	for sb := range 2 {
		xs := x[256*sb : 256*sb+256]
		imax := 0
		for i, v := range xs {
			if math.Abs(float64(v)) > math.Abs(float64(xs[imax])) {
				imax = i
			}
		}
		iscale := -127 / xs[imax]
		for i, v := range xs {
			if want := int8(min(127, math.RoundToEven(float64(iscale*v)))); q[256*sb+i] != want {
				t.Fatalf("Q8_K super-block %d element %d: %d, want %d", sb, i, q[256*sb+i], want)
			}
		}
		if d[64*sb] != 1/iscale {
			t.Fatalf("Q8_K super-block %d: d %v, want %v", sb, d[64*sb], 1/iscale)
		}
	}
}

// TestGemmI8MatchesGo runs the four-by-four kernel on random layouts (every
// byte value, random scales, with and without minimums), one and several
// groups of tokens, outputs strided, against its Go twin.
func TestGemmI8MatchesGo(t *testing.T) {
	if !useVNNI {
		t.Skip("no AVX-512 VNNI: the Go twin is the only implementation")
	}
	r := rand.New(rand.NewPCG(25, 26))
	for _, np := range []int{1, 2, 9, 76} {
		for _, nm := range []int{0, 16, mSize(64 * np)} {
			for _, groups := range []int{1, 3} {
				L, S, nt := 64*np, 16*np, 4*groups
				u, q := make([]uint8, 4*L), make([]int8, nt*L)
				for i := range u {
					u[i] = uint8(r.Uint32())
				}
				for i := range q {
					q[i] = int8(r.Uint32())
				}
				s, d, c := randVec(r, 4*S), randVec(r, nt*S), make([]int32, nt*S)
				for i := range c {
					c[i] = int32(r.IntN(1<<20)) - 1<<19
				}
				m, xm := randVec(r, 4*nm), randVec(r, nt*nm)
				const ystride = 7
				got, want := make([]float32, nt*ystride), make([]float32, nt*ystride)
				gemmI8(u, s, m, q, d, c, xm, got, ystride, groups, np, nm)
				gemmI8Go(u, s, m, q, d, c, xm, want, ystride, groups, np, nm)
				sameBits(t, fmt.Sprintf("np=%d nm=%d groups=%d", np, nm, groups), got, want)
			}
		}
	}
}

// int8Weight quantises random rows to typ.
func int8Weight(t testing.TB, r *rand.Rand, typ ggml.Type, rows, cols int) []byte {
	raw, err := ggml.Quantize(typ, randVec(r, rows*cols))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestMatVecI8MatchesGo runs the one-token kernels, which read the blocks of
// each row directly, against decoding the row and the Go twin of the batched
// kernel, for quantised rows and for rows of random bytes with finite scales
// (every quant and scale pattern).
func TestMatVecI8MatchesGo(t *testing.T) {
	if !useVNNI {
		t.Skip("no AVX-512 VNNI: the Go twin is the only implementation")
	}
	r := rand.New(rand.NewPCG(27, 28))
	for _, typ := range int8Types {
		for _, cols := range []int{256, 768, 1536} {
			for _, random := range []bool{false, true} {
				const rows = 7
				rb, _ := typ.RowBytes(int64(cols))
				raw := int8Weight(t, r, typ, rows, cols)
				if random {
					for i := range raw {
						raw[i] = byte(r.Uint32())
					}
					fixScales(typ, raw)
				}
				f, _ := int8Format(typ)
				var a qacts
				a.quantize(awkwardVec(r, 2*cols), 2, cols, f)
				ms := make([]float32, a.nm)
				for tok := range 2 {
					got, want := make([]float32, rows), make([]float32, rows)
					matVecI8(typ, raw, int(rb), &a, tok, got, ms)
					matVecI8Go(typ, raw, int(rb), &a, tok, want)
					sameBits(t, fmt.Sprintf("%s cols=%d random=%v token %d", typ, cols, random, tok), got, want)
				}
			}
		}
	}
}

// fixScales overwrites every f16 scale of random blocks with a finite value
// between 2⁻¹⁰ and 1, so that the products stay finite.
func fixScales(typ ggml.Type, raw []byte) {
	put := func(b []byte, seed byte) {
		h := ggml.F32ToF16(float32(int(seed)+1) / 256)
		b[0], b[1] = byte(h), byte(h>>8)
	}
	switch typ {
	case ggml.Q8_0, ggml.Q5_0:
		n := 34
		if typ == ggml.Q5_0 {
			n = 22
		}
		for i := 0; i < len(raw); i += n {
			put(raw[i:], raw[i+2])
		}
	case ggml.Q4_K:
		for i := 0; i < len(raw); i += q4kBlock {
			put(raw[i:], raw[i+4])
			put(raw[i+2:], raw[i+5])
		}
	}
}

// int8Oracle is y = Σ_blocks dw·dx·Σ qw·qx in float64 for one row and one
// token, written from ggml's block formats without the int8 layout: weights
// dequantised by ggml, activations rounded by a plain reading of
// quantize_row_q8_0 (32-element blocks, f16 scale) or quantize_row_q8_K_ref.
func int8Oracle(typ ggml.Type, row []float32, x []float32) float64 {
	f, _ := int8Format(typ)
	xq := make([]float64, len(x))
	if f.kquant {
		for sb := 0; sb < len(x); sb += 256 {
			imax := sb
			for i := sb; i < sb+256; i++ {
				if math.Abs(float64(x[i])) > math.Abs(float64(x[imax])) {
					imax = i
				}
			}
			if x[imax] == 0 {
				continue
			}
			iscale := -127 / x[imax]
			for i := sb; i < sb+256; i++ {
				xq[i] = min(127, math.RoundToEven(float64(iscale*x[i]))) * float64(1/iscale)
			}
		}
	} else {
		for b := 0; b < len(x); b += 32 {
			var amax float32
			for _, v := range x[b : b+32] {
				amax = max(amax, float32(math.Abs(float64(v))))
			}
			if amax == 0 {
				continue
			}
			d := float64(ggml.F16ToF32(ggml.F32ToF16(amax / 127)))
			for i := b; i < b+32; i++ {
				xq[i] = math.RoundToEven(float64(x[i]*(127/amax))) * d
			}
		}
	}
	var s float64
	for i := range row {
		s += float64(row[i]) * xq[i]
	}
	return s
}

// TestInt8MatMulMatchesOracle checks whole products on 1, 2 and 3 threads at
// batch sizes on both sides of the batched kernel's threshold and row counts
// that leave partial tiles, against int8Oracle and against the exact product
// of the stored weights: the first within f32 rounding, the second within the
// bound the activations' rounding allows. Every output must be the same bits
// whatever the thread count and whether its token was alone or in a batch.
func TestInt8MatMulMatchesOracle(t *testing.T) {
	if !useVNNI {
		t.Skip("no AVX-512 VNNI: Options.Int8 takes the f32 path on this CPU")
	}
	r := rand.New(rand.NewPCG(29, 30))
	for _, typ := range int8Types {
		for _, sh := range []struct{ rows, cols int }{{37, 256}, {70, 512}, {13, 1536}} {
			raw := int8Weight(t, r, typ, sh.rows, sh.cols)
			deq := make([]float32, sh.rows*sh.cols)
			if err := ggml.Dequantize(typ, raw, deq); err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{1, 3, 4, 6, 9} {
				t.Run(fmt.Sprintf("%s/%dx%d/n=%d", typ, sh.rows, sh.cols, n), func(t *testing.T) {
					x := awkwardVec(r, n*sh.cols)
					var first []float32
					for _, threads := range []int{1, 2, 3} {
						got := int8MatMul(t, threads, typ, raw, sh.rows, sh.cols, x, n)
						if first == nil {
							first = got
							checkInt8Product(t, typ, deq, x, got, sh.rows, sh.cols, n)
							// Each token alone (the one-token kernels) must give its
							// bits in the batch.
							for tok := range n {
								alone := int8MatMul(t, 1, typ, raw, sh.rows, sh.cols, x[tok*sh.cols:(tok+1)*sh.cols], 1)
								sameBits(t, fmt.Sprintf("token %d alone", tok), alone, got[tok*sh.rows:(tok+1)*sh.rows])
							}
							continue
						}
						sameBits(t, fmt.Sprintf("%d threads", threads), got, first)
					}
				})
			}
		}
	}
}

func int8MatMul(t testing.TB, threads int, typ ggml.Type, raw []byte, rows, cols int, x []float32, n int) []float32 {
	e := NewWith(Options{Threads: threads, Int8: true})
	defer e.Close()
	w, err := e.Weight(&model.Tensor{Name: "w", Type: typ, Rows: rows, Cols: cols, Data: raw})
	if err != nil {
		t.Fatal(err)
	}
	y := buf(e, n, rows, nil)
	e.MatMul(y, w, buf(e, n, cols, x), n)
	got := make([]float32, n*rows)
	if err := e.Read(y, 0, got); err != nil {
		t.Fatal(err)
	}
	return got
}

// checkInt8Product compares y (n, rows) with the oracle and the exact product.
func checkInt8Product(t *testing.T, typ ggml.Type, deq, x, y []float32, rows, cols, n int) {
	t.Helper()
	var worstOracle, worstBound float64
	for tok := range n {
		xt := x[tok*cols : (tok+1)*cols]
		for i := range rows {
			row := deq[i*cols : (i+1)*cols]
			got := float64(y[tok*rows+i])
			// The int8 sum against the same sum in float64: the f32 steps
			// (one product and one multiply-add per pair lane, a 16-lane
			// reduction) give a relative error of a few 2⁻²⁴ of Σ|terms|;
			// measured worst 2.8e-7 of Σ|w·x|, bound 3e-6 (about 10×).
			want := int8Oracle(typ, row, xt)
			var mag, exact, bound float64
			for c, w := range row {
				mag += math.Abs(float64(w) * float64(xt[c]))
				exact += float64(w) * float64(xt[c])
			}
			errOracle := math.Abs(got-want) / (mag + 1e-30)
			worstOracle = max(worstOracle, errOracle)
			if errOracle > 3e-6 {
				t.Errorf("token %d row %d: %v, oracle %v (relative to Σ|w·x| %.3g)", tok, i, got, want, errOracle)
			}
			// Against the stored weights times the f32 activations: each
			// activation moves by at most half a quantisation step (d/2, Q8_0
			// also by 127·|d − f16(d)| ≤ 127·d·2⁻¹¹), so the product by at most
			// Σ|w|·step over each block.
			bs := 32
			if typ == ggml.Q4_K {
				bs = 256
			}
			for b := 0; b < cols; b += bs {
				var amax, sw float64
				for c := b; c < b+bs; c++ {
					amax = max(amax, math.Abs(float64(xt[c])))
					sw += math.Abs(float64(row[c]))
				}
				step := amax / 127 / 2
				if bs == 32 {
					step += amax / 127 * 127 / 2048
				}
				bound += sw * step
			}
			bound = bound*1.001 + 1e-6*mag
			worstBound = max(worstBound, math.Abs(got-exact)/(bound+1e-30))
			if math.Abs(got-exact) > bound {
				t.Errorf("token %d row %d: %v, exact %v, beyond the rounding bound %.3g", tok, i, got, exact, bound)
			}
		}
	}
	t.Logf("worst error against the oracle %.2g of Σ|w·x|, against the exact product %.2f of the bound", worstOracle, worstBound)
}

// TestInt8OptionFallsBack: types without an int8 layout, and widths that are
// not whole 64-element pairs, give the f32 path's bits.
func TestInt8OptionFallsBack(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, tc := range []struct {
		typ        ggml.Type
		rows, cols int
	}{{ggml.F32, 9, 64}, {ggml.Q6_K, 9, 256}, {ggml.Q8_0, 9, 96}, {ggml.Q4_0, 5, 128}} {
		raw := int8Weight(t, r, tc.typ, tc.rows, tc.cols)
		for _, n := range []int{1, 5} {
			x := randVec(r, n*tc.cols)
			got := int8MatMul(t, 2, tc.typ, raw, tc.rows, tc.cols, x, n)
			e := New(2)
			w, _ := e.Weight(&model.Tensor{Name: "w", Type: tc.typ, Rows: tc.rows, Cols: tc.cols, Data: raw})
			y := buf(e, n, tc.rows, nil)
			e.MatMul(y, w, buf(e, n, tc.cols, x), n)
			want := make([]float32, n*tc.rows)
			e.Read(y, 0, want)
			e.Close()
			sameBits(t, fmt.Sprintf("%s %dx%d n=%d", tc.typ, tc.rows, tc.cols, n), got, want)
		}
	}
}

// TestFMA32IsRoundedOnce checks fma32 against big-float arithmetic on products
// built to land halfway between float32s after float64 rounding.
func TestFMA32IsRoundedOnce(t *testing.T) {
	cases := [][3]float32{
		{1 + 0x1p-23, 1 - 0x1p-23, 0x1p-24 * 0},
		{1 + 0x1p-12, 1 + 0x1p-12, -1},
		{0x1.000002p0, 0x1.fffffcp-1, 0x1p30},
		{3, 0x1p-126, -0x1p-125},
	}
	r := rand.New(rand.NewPCG(33, 34))
	for range 100000 {
		cases = append(cases, [3]float32{float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64() * 1e3)})
	}
	// x = 1+2⁻¹², x² = 1+2⁻¹¹+2⁻²⁴: plus 2⁻²⁴·(tiny) lands exactly on a float32 midpoint in float64.
	cases = append(cases, [3]float32{1 + 0x1p-12, 1 + 0x1p-12, 0x1p-60})
	for _, c := range cases {
		got := fma32(c[0], c[1], c[2])
		want := exactFMA32(c[0], c[1], c[2])
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", c[0], c[1], c[2], got, want)
		}
	}
}

// exactFMA32 is x·y+z computed exactly with big floats, rounded once to float32.
func exactFMA32(x, y, z float32) float32 {
	const prec = 2048
	p := new(big.Float).SetPrec(prec).SetFloat64(float64(x))
	p.Mul(p, new(big.Float).SetPrec(prec).SetFloat64(float64(y)))
	p.Add(p, new(big.Float).SetPrec(prec).SetFloat64(float64(z)))
	f, _ := p.Float32()
	return f
}

// BenchmarkInt8MatMul times one product through the int8 path and through
// the f32 path (one thread) at SmolLM2-135M's and Qwen2.5-0.5B's FFN shapes.
func BenchmarkInt8MatMul(b *testing.B) {
	for _, bc := range []struct {
		typ        ggml.Type
		rows, cols int
	}{{ggml.Q8_0, 1536, 576}, {ggml.Q5_0, 1536, 576}, {ggml.Q4_K, 576, 1536},
		{ggml.Q8_0, 4864, 896}, {ggml.Q5_0, 4864, 896}, {ggml.Q4_K, 896, 4864}} {
		for _, n := range []int{1, 128} {
			for _, int8 := range []bool{false, true} {
				b.Run(fmt.Sprintf("%s/%dx%d/n=%d/int8=%v", bc.typ, bc.rows, bc.cols, n, int8), func(b *testing.B) {
					r := rand.New(rand.NewPCG(3, 4))
					raw := int8Weight(b, r, bc.typ, bc.rows, bc.cols)
					e := NewWith(Options{Threads: 1, Int8: int8})
					defer e.Close()
					w, err := e.Weight(&model.Tensor{Name: "w", Type: bc.typ, Rows: bc.rows, Cols: bc.cols, Data: raw})
					if err != nil {
						b.Fatal(err)
					}
					x, y := buf(e, n, bc.cols, randVec(r, n*bc.cols)), buf(e, n, bc.rows, nil)
					for b.Loop() {
						e.MatMul(y, w, x, n)
					}
					b.ReportMetric(float64(n*bc.rows*bc.cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
				})
			}
		}
	}
}

// TestDecodeRowsI8MatchesGo holds the batched path's row decoders to the Go
// twin bit for bit, for quantised rows and rows of random bytes.
func TestDecodeRowsI8MatchesGo(t *testing.T) {
	if !useVNNI {
		t.Skip("no AVX-512 VNNI: the Go twin is the only implementation")
	}
	r := rand.New(rand.NewPCG(35, 36))
	for _, typ := range int8Types {
		for _, cols := range []int{256, 768, 1536} {
			for _, random := range []bool{false, true} {
				const rows = 3
				raw := int8Weight(t, r, typ, rows, cols)
				if random {
					for i := range raw {
						raw[i] = byte(r.Uint32())
					}
					fixScales(typ, raw)
				}
				np, nm := cols/64, 0
				if f, _ := int8Format(typ); f.kquant {
					nm = mSize(cols)
				}
				u, s, m := make([]uint8, rows*64*np), make([]float32, rows*16*np), make([]float32, rows*nm)
				gu, gs, gm := make([]uint8, rows*64*np), make([]float32, rows*16*np), make([]float32, rows*nm)
				for i := range m {
					m[i] = float32(math.NaN()) // padding must be zeroed
				}
				decodeRowsI8(typ, raw, rows, u, s, m, np, nm)
				decodeRowsI8Go(typ, raw, rows, gu, gs, gm, np, nm)
				what := fmt.Sprintf("%s cols=%d random=%v", typ, cols, random)
				for i := range u {
					if u[i] != gu[i] {
						t.Fatalf("%s: u[%d] = %d, Go twin %d", what, i, u[i], gu[i])
					}
				}
				sameBits(t, what+" s", s, gs)
				sameBits(t, what+" m", m, gm)
			}
		}
	}
}

// BenchmarkGemmI8Kernel times the four-by-four kernel alone on data that
// stays in L1 (np 9, 14) and on rows too long for it (np 76).
func BenchmarkGemmI8Kernel(b *testing.B) {
	for _, np := range []int{9, 14, 76} {
		b.Run(fmt.Sprintf("np=%d", np), func(b *testing.B) {
			L, S := 64*np, 16*np
			u, q := make([]uint8, 4*L), make([]int8, 4*L)
			s, d, c := make([]float32, 4*S), make([]float32, 4*S), make([]int32, 4*S)
			out := make([]float32, 16)
			for b.Loop() {
				gemmI8(u, s, nil, q, d, c, nil, out, 4, 1, np, 0)
			}
			b.ReportMetric(float64(16*64*np)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
		})
	}
}
