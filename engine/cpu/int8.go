package cpu

import (
	"math"
	"math/big"

	"heed/engine/ggml"
)

// The int8 path (Options.Int8) multiplies Q8_0, Q5_0 and Q4_K weights the way
// llama.cpp's CPU build does: each MatMul first rounds its input activations
// to 8 bits, per 32 elements with an f16 scale (ggml's Q8_0, for the 32-element
// weight formats) or per 256 with an f32 scale (Q8_K, for the k-quants), and
// then sums integer products of weight quants and activation quants
// (AVX-512 VNNI VPDPBUSD, 64 byte products per instruction), scaling each
// block's integer sum once. The f32 path reads every weight as a float and
// multiplies it with an f32 activation, about four times the instructions per
// weight. Rounding the activations adds errors of the size llama.cpp's own
// results carry (internal/llamacpp compares log-probabilities and greedy
// tokens with llama.cpp's, and this path lands closer to them than the f32
// one), but the result is no longer the exact product of the stored weights,
// so the path stays out of the reference executor (cpu.New).
//
// Layout, shared by the batched kernel and the one-token kernels so that both
// give the same bits for a token (chunked prefill equals whole prefill, and a
// token's decode equals its row in a batch). Columns go in pairs of 32-element
// blocks, 64 bytes per pair; a 16-lane accumulator takes lane l of pair p from
// bytes 4l..4l+3, so lanes 0–7 hold block 2p's products and 8–15 block 2p+1's:
//
//	weights  u   unsigned quants: q+128 (Q8_0), q (Q5_0, 0..31; Q4_K, 0..15)
//	         s   per pair, block 2p's scale in lanes 0–7 and block 2p+1's in 8–15
//	         m   Q4_K: dmin·min per block (the sub-block minimum), else unused
//	tokens   q   signed quants
//	         d   per pair, the blocks' activation scales, lanes as s
//	         c   −offset·Σq of block 2p in lane 0 and of block 2p+1 in lane 8: the
//	             integer correction for the +128 (Q8_0) and +16 (Q5_0) offsets
//	         xm  Q4_K: d·Σq per block, which the minimums multiply
//
//	acc[l] = fma(float(c[l] + Σ_{i<4} u[4l+i]·q[4l+i]), s[l]·d[l], acc[l])   per pair
//	acc[l] = fma(−m[l], xm[l], acc[l])                                       per 16 blocks (Q4_K)
//	y      = ((acc[0..8]+acc[8..16]) folded to 4, 2, 1 lanes)
//
// Each integer sum is exact, so only the f32 steps above (one product, one
// fused multiply-add, the fixed reduction) round, in the same order in the
// assembly kernels and their Go twins (gemmI8Go, dotI8Go), which the tests
// hold to the same bits.

// i8Format describes how a weight type enters the int8 path.
type i8Format struct {
	offset int32 // added to each quant to make it an unsigned byte
	kquant bool  // activations in 256-element blocks (Q8_K) with block minimums
}

// int8Format returns the int8 layout of typ, ok false for types the int8
// path does not compute (they take the f32 path).
func int8Format(typ ggml.Type) (f i8Format, ok bool) {
	switch typ {
	case ggml.Q8_0:
		return i8Format{offset: 128}, true
	case ggml.Q5_0:
		return i8Format{offset: 16}, true
	case ggml.Q4_K:
		return i8Format{kquant: true}, true
	}
	return f, false
}

// useInt8 reports whether MatMul takes the int8 path for w: the executor asks
// for it, the CPU has the kernels, the type has a layout, and the rows are
// whole 64-element pairs (every real model's widths are; others take the f32
// path rather than padding pairs inside the kernels).
func (e *Executor) useInt8(w *weight) bool {
	if !e.int8 || !useVNNI || w.cols%64 != 0 {
		return false
	}
	_, ok := int8Format(w.typ)
	return ok
}

// qacts holds one MatMul's activations rounded to 8 bits, in the layout above,
// for n tokens rounded up to a multiple of four (the padding tokens are zero).
type qacts struct {
	n      int // tokens, a multiple of 4
	np, nm int // column pairs per token; floats of xm per token (a multiple of 16, 0 without minimums)
	q      []int8
	d      []float32
	c      []int32
	xm     []float32
}

// mSize is the length of a row's m (and a token's xm) for cols columns of a
// type with block minimums: one float per 32 elements, padded to 16.
func mSize(cols int) int { return (cols/32 + 15) &^ 15 }

// quantize rounds the first n rows of x (rows of cols floats) to 8 bits for
// weights of format f.
func (a *qacts) quantize(x []float32, n, cols int, f i8Format) {
	a.n, a.np, a.nm = (n+3)&^3, cols/64, 0
	if f.kquant {
		a.nm = mSize(cols)
	}
	L, S := 64*a.np, 16*a.np
	a.q = grow(a.q, a.n*L)
	a.d = grow(a.d, a.n*S)
	a.c = grow(a.c, a.n*S)
	a.xm = grow(a.xm, a.n*a.nm)
	for t := range a.n {
		q, d, c, xm := a.q[t*L:(t+1)*L], a.d[t*S:(t+1)*S], a.c[t*S:(t+1)*S], a.xm[t*a.nm:(t+1)*a.nm]
		if t >= n {
			clear(q)
			clear(d)
			clear(c)
			clear(xm)
			continue
		}
		row := x[t*cols : (t+1)*cols]
		if f.kquant {
			quantQ8_K(row, q, d, xm)
			clear(c)
		} else {
			quantQ8_0(row, q, d, c, f.offset)
		}
	}
}

// grow returns s resized to n elements, reallocated only when it is too small.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// quantQ8_0Go is the portable quantQ8_0: ggml's quantize_row_q8_0 per
// 32-element block (amax/127 as the f16 scale, x·127/amax rounded to nearest
// even), written in the layout above with the offset correction −off·Σq.
func quantQ8_0Go(x []float32, q []int8, d []float32, c []int32, off int32) {
	for b := range len(x) / 32 {
		xb := x[32*b : 32*b+32]
		var amax float32
		for _, v := range xb {
			amax = max(amax, abs32(v))
		}
		dd := amax / 127
		var id float32
		if amax != 0 {
			id = 127 / amax
		}
		var sum int32
		for i, v := range xb {
			qi := int32(math.RoundToEven(float64(v * id)))
			q[32*b+i] = int8(qi)
			sum += qi
		}
		dx := ggml.F16ToF32(ggml.F32ToF16(dd))
		lane := 16*(b/2) + 8*(b%2)
		for l := range 8 {
			d[lane+l] = dx
			c[lane+l] = 0
		}
		c[lane] = -off * sum
	}
}

// quantQ8_KGo is the portable quantQ8_K: ggml's quantize_row_q8_K_ref per
// 256 elements (the element of largest magnitude, first on ties, maps to −127;
// scale 1/iscale), with each 32-element block's d·Σq in xm and xm's padding
// zeroed.
func quantQ8_KGo(x []float32, q []int8, d, xm []float32) {
	for sb := range len(x) / 256 {
		xs := x[256*sb : 256*sb+256]
		var amax, mx float32
		for _, v := range xs {
			if a := abs32(v); a > amax {
				amax, mx = a, v
			}
		}
		var iscale, dd float32
		if amax != 0 {
			iscale = -127 / mx
			dd = 1 / iscale
		}
		for b := range 8 {
			var sum int32
			for i, v := range xs[32*b : 32*b+32] {
				qi := min(127, int32(math.RoundToEven(float64(iscale*v))))
				q[256*sb+32*b+i] = int8(qi)
				sum += qi
			}
			xm[8*sb+b] = dd * float32(sum)
		}
		for l := range 64 { // 256 elements are 4 pairs of 16 lanes
			d[64*sb+l] = dd
		}
	}
	clear(xm[len(x)/32:])
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

// Q4_K super-block size in bytes (ggml-common.h block_q4_K): f16 d, f16 dmin,
// 12 bytes of packed 6-bit scales and mins, 128 bytes of nibbles for 256 elements.
const q4kBlock = 144

// i8tile is one worker's decoded weight rows: i8Rows rows in the layout above.
type i8tile struct {
	u    []uint8
	s, m []float32
}

// i8Worker is one worker's scratch: a decoded tile, the kernel's outputs for
// a partial tile, and the one-token Q4_K kernel's minimums. Workers write
// their own every few microseconds, so each sits on cache lines of its own:
// sharing one between two cores (adjacent slice headers) made two threads
// no faster than one.
type i8Worker struct {
	tile i8tile
	out  [16]float32
	ms   []float32
	_    [64]byte
}

// i8Rows is the number of weight rows the batched kernel takes at once.
const i8Rows = 4

// decode decodes rows [r, r+rows) of w (rows ≤ i8Rows) into t; rows past
// rows are zero, so their products are zero and discarded.
func (t *i8tile) decode(w *weight, r, rows int) {
	np := w.cols / 64
	L, S, nm := 64*np, 16*np, 0
	f, _ := int8Format(w.typ)
	if f.kquant {
		nm = mSize(w.cols)
	}
	if len(t.u) != i8Rows*L || len(t.s) != i8Rows*S || len(t.m) != i8Rows*nm {
		t.u, t.s, t.m = grow(t.u, i8Rows*L), grow(t.s, i8Rows*S), grow(t.m, i8Rows*nm)
	}
	decodeRowsI8(w.typ, w.raw[r*w.rowBytes:(r+rows)*w.rowBytes], rows, t.u, t.s, t.m, np, nm)
	clear(t.u[rows*L:])
	clear(t.s[rows*S:])
	clear(t.m[rows*nm:])
}

// decodeRowsI8Go is the portable decodeRowsI8: rows rows of typ (following
// each other in w) into u, s and m, rows 64·np bytes, 16·np and nm floats apart.
func decodeRowsI8Go(typ ggml.Type, w []byte, rows int, u []uint8, s, m []float32, np, nm int) {
	L, S := 64*np, 16*np
	rb := len(w) / rows
	for i := range rows {
		decodeRowI8(typ, w[i*rb:(i+1)*rb], u[i*L:(i+1)*L], s[i*S:(i+1)*S], m[i*nm:(i+1)*nm])
	}
}

// decodeRowI8 writes one row of typ as unsigned quants u, pair scales s and
// (Q4_K) block minimums m, m's padding zeroed.
func decodeRowI8(typ ggml.Type, row []byte, u []uint8, s, m []float32) {
	setScale := func(b int, v float32) {
		lane := 16*(b/2) + 8*(b%2)
		for l := range 8 {
			s[lane+l] = v
		}
	}
	switch typ {
	case ggml.Q8_0:
		for b := range len(u) / 32 {
			blk := row[34*b : 34*b+34]
			setScale(b, ggml.F16ToF32(uint16(blk[0])|uint16(blk[1])<<8))
			for i, v := range blk[2:34] {
				u[32*b+i] = v ^ 0x80
			}
		}
	case ggml.Q5_0:
		for b := range len(u) / 32 {
			blk := row[22*b : 22*b+22]
			setScale(b, ggml.F16ToF32(uint16(blk[0])|uint16(blk[1])<<8))
			qh := uint32(blk[2]) | uint32(blk[3])<<8 | uint32(blk[4])<<16 | uint32(blk[5])<<24
			for i, v := range blk[6:22] {
				u[32*b+i] = v&0x0f | uint8(qh>>i&1)<<4
				u[32*b+16+i] = v>>4 | uint8(qh>>(16+i)&1)<<4
			}
		}
	case ggml.Q4_K:
		for sb := range len(u) / 256 {
			blk := row[q4kBlock*sb : q4kBlock*(sb+1)]
			dd := ggml.F16ToF32(uint16(blk[0]) | uint16(blk[1])<<8)
			dmin := ggml.F16ToF32(uint16(blk[2]) | uint16(blk[3])<<8)
			sc, mn := q4kScalesMins(blk[4:16])
			for j := range 8 {
				setScale(8*sb+j, dd*float32(sc[j]))
				m[8*sb+j] = dmin * float32(mn[j])
			}
			for c := range 4 {
				for l, v := range blk[16+32*c : 16+32*c+32] {
					u[256*sb+64*c+l] = v & 0x0f
					u[256*sb+64*c+32+l] = v >> 4
				}
			}
		}
		clear(m[len(u)/32:])
	}
}

// q4kScalesMins unpacks the eight 6-bit scales and minimums of a Q4_K
// super-block (ggml's get_scale_min_k4).
func q4kScalesMins(q []byte) (sc, m [8]uint8) {
	for j := range 4 {
		sc[j] = q[j] & 63
		m[j] = q[j+4] & 63
		sc[j+4] = q[j+8]&0x0f | (q[j]>>6)<<4
		m[j+4] = q[j+8]>>4 | (q[j+4]>>6)<<4
	}
	return sc, m
}

// dotI8Go is one output of the layout above: weight row (u, s, m) times token
// (q, d, c, xm), np pairs, nm minimum floats.
func dotI8Go(u []uint8, s, m []float32, q []int8, d []float32, c []int32, xm []float32, np, nm int) float32 {
	var acc [16]float32
	for p := range np {
		for l := range 16 {
			k := 64*p + 4*l
			isum := c[16*p+l] + int32(u[k])*int32(q[k]) + int32(u[k+1])*int32(q[k+1]) +
				int32(u[k+2])*int32(q[k+2]) + int32(u[k+3])*int32(q[k+3])
			sd := float32(s[16*p+l] * d[16*p+l])
			acc[l] = fma32(float32(isum), sd, acc[l])
		}
	}
	for g := 0; g < nm; g += 16 {
		for l := range 16 {
			acc[l] = fma32(-m[g+l], xm[g+l], acc[l])
		}
	}
	return hsum16(&acc)
}

// hsum16 adds 16 lanes in the kernels' order: halves, then quarters, pairs, one.
func hsum16(a *[16]float32) float32 {
	var r8 [8]float32
	for i := range r8 {
		r8[i] = a[i] + a[i+8]
	}
	r4 := [4]float32{r8[0] + r8[4], r8[1] + r8[5], r8[2] + r8[6], r8[3] + r8[7]}
	return (r4[0] + r4[2]) + (r4[1] + r4[3])
}

// gemmI8Go is the portable gemmI8: for tile rows r < 4 and groups g of four
// tokens t, y[(4g+t)·ystride + r] in the layout above (u, s, m: four rows; q,
// d, c, xm: 4·groups tokens).
func gemmI8Go(u []uint8, s, m []float32, q []int8, d []float32, c []int32, xm, y []float32, ystride, groups, np, nm int) {
	L, S := 64*np, 16*np
	for t := range 4 * groups {
		for r := range 4 {
			y[t*ystride+r] = dotI8Go(u[r*L:], s[r*S:], m[r*nm:], q[t*L:], d[t*S:], c[t*S:], xm[t*nm:], np, nm)
		}
	}
}

// fma32 is x·y+z rounded once to float32, as VFMADD231PS computes it.
// math.FMA rounds the exact value to float64 first; a second rounding to
// float32 can differ from a single one only when the float64 lands exactly
// halfway between two float32s (or in float32's subnormal range), and those
// rare cases are redone exactly.
func fma32(x, y, z float32) float32 {
	r := math.FMA(float64(x), float64(y), float64(z))
	b := math.Float64bits(r)
	const half = 1 << 28 // float64 mantissa bits below float32's, at the halfway point
	if b&(1<<29-1) != half && (math.Abs(r) >= 0x1p-125 || r == 0) || math.IsInf(r, 0) || math.IsNaN(r) {
		return float32(r)
	}
	const prec = 1024 // exact for any product of two float32s plus a third
	p := new(big.Float).SetPrec(prec).SetFloat64(float64(x))
	p.Mul(p, new(big.Float).SetPrec(prec).SetFloat64(float64(y)))
	p.Add(p, new(big.Float).SetPrec(prec).SetFloat64(float64(z)))
	f, _ := p.Float32()
	return f
}

// matVecI8Go is the portable matVecI8: each row decoded, then dotI8Go.
func matVecI8Go(typ ggml.Type, w []byte, rowBytes int, a *qacts, t int, y []float32) {
	L, S := 64*a.np, 16*a.np
	u, s, m := make([]uint8, L), make([]float32, S), make([]float32, a.nm)
	for i := range y {
		decodeRowsI8Go(typ, w[i*rowBytes:(i+1)*rowBytes], 1, u, s, m, a.np, a.nm)
		y[i] = dotI8Go(u, s, m, a.q[t*L:], a.d[t*S:], a.c[t*S:], a.xm[t*a.nm:], a.np, a.nm)
	}
}

// i8MinBatch is the batch size from which the int8 path decodes tiles of
// weight rows once per token block and runs the four-by-four kernel; smaller
// batches (decode) read each row's blocks directly once per token. Both give
// the same bits.
const i8MinBatch = 4

// i8MinMACsPerWorker is the least work a one-token product hands a worker:
// at about 45 GMAC/s a quarter-million multiply-adds take 6 µs, the order of
// waking a worker and waiting for it. Smaller products (SmolLM2's q, k and v
// projections in decode) stay on the caller, where splitting them made two
// threads decode slower than one.
const i8MinMACsPerWorker = 1 << 18

// i8TokenBlockBytes bounds the quantised activations (q, d and c, about three
// bytes per column) of one token block, which every tile of a worker's rows
// sweeps: they stay in the L2 cache instead of streaming from L3 once per tile.
const i8TokenBlockBytes = 512 << 10

// matMulI8 sets y (n, rows) = x (n, cols) · wᵀ through the int8 path.
func (e *Executor) matMulI8(w *weight, x, y []float32, n int) {
	f, _ := int8Format(w.typ)
	e.qa.quantize(x, n, w.cols, f)
	e.mi = i8Job{e: e, w: w, y: y, n: n, batched: n >= i8MinBatch}
	if !e.mi.batched {
		e.pool.run(w.rows, max(minRowsPerWorker, i8MinMACsPerWorker/max(w.cols*n, 1)), &e.mi)
		return
	}
	tiles := (w.rows + i8Rows - 1) / i8Rows
	e.pool.run(tiles, max(minRowsPerWorker/i8Rows, minFlopsPerWorker/(i8Rows*w.cols*n)), &e.mi)
}

// i8Job computes rows [lo, hi) (one token at a time) or tiles [lo, hi) of
// i8Rows rows (batched) of one int8 MatMul.
type i8Job struct {
	e       *Executor
	w       *weight
	y       []float32
	n       int
	batched bool
}

func (j *i8Job) do(k, lo, hi int) {
	W, a, wk := j.w, &j.e.qa, &j.e.i8w[k]
	if len(wk.ms) < a.nm {
		wk.ms = make([]float32, a.nm)
	}
	if !j.batched {
		for t := range j.n {
			matVecI8(W.typ, W.raw[lo*W.rowBytes:hi*W.rowBytes], W.rowBytes, a, t, j.y[t*W.rows+lo:t*W.rows+hi], wk.ms)
		}
		return
	}
	tile, out := &wk.tile, &wk.out
	L, S, nm := 64*a.np, 16*a.np, a.nm
	tb := max(4, i8TokenBlockBytes/(3*L)&^3)
	for t0 := 0; t0 < a.n; t0 += tb {
		t1 := min(a.n, t0+tb)
		for tr := lo; tr < hi; tr++ {
			r := tr * i8Rows
			m := min(i8Rows, W.rows-r)
			tile.decode(W, r, m)
			if next := r + i8Rows; next < min(hi*i8Rows, W.rows) {
				// The next tile's raw rows, while this one is multiplied: between
				// two tiles the hardware prefetcher loses the stream, and a tile
				// decoded on demand stalls on memory (gemm.go does the same).
				prefetch(W.raw[next*W.rowBytes : min(next+i8Rows, W.rows)*W.rowBytes])
			}
			t := t0
			if m == i8Rows {
				// Whole groups of four tokens write their outputs in place.
				if groups := (min(t1, j.n) - t0) / 4; groups > 0 {
					gemmI8(tile.u, tile.s, tile.m, a.q[t*L:], a.d[t*S:], a.c[t*S:], a.xm[t*nm:], j.y[t*W.rows+r:], W.rows, groups, a.np, nm)
					t += 4 * groups
				}
			}
			// A partial tile, or the batch's last tokens: through scratch.
			for ; t < t1 && t < j.n; t += 4 {
				gemmI8(tile.u, tile.s, tile.m, a.q[t*L:], a.d[t*S:], a.c[t*S:], a.xm[t*nm:], out[:], 4, 1, a.np, nm)
				for tt := t; tt < min(t+4, j.n); tt++ {
					copy(j.y[tt*W.rows+r:tt*W.rows+r+m], out[4*(tt-t):4*(tt-t)+m])
				}
			}
		}
	}
}
