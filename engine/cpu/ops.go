package cpu

import (
	"math"

	"heed/engine/ggml"
	"heed/engine/model"
)

// Minimum work per worker before an operation is split: below this the
// synchronisation costs more than the arithmetic.
const (
	minRowsPerWorker  = 16    // matrix rows of a MatMul
	minPairsPerWorker = 4     // (query, head) pairs of an Attention
	minFlopsPerWorker = 8192  // multiply-adds of a MatMul chunk
	minKeysPerWorker  = 16384 // (query, key) scores of an Attention
)

func data(b model.Buffer) []float32 { return b.(*buffer).data }

// Embed sets row i of dst to row ids[i] of table.
func (e *Executor) Embed(dst model.Buffer, table model.Weight, ids []int32) {
	w, d := table.(*weight), dst.(*buffer)
	for i, id := range ids {
		out := d.data[i*d.cols : (i+1)*d.cols]
		copy(out, w.row(int(id), out))
	}
}

// RMSNorm sets dst[i] = x[i] / sqrt(mean(x[i]²) + eps) · gain over n rows of gain's
// length, summing squares in f64 as ggml does.
func (e *Executor) RMSNorm(dst, x model.Buffer, gain model.Weight, n int, eps float32) {
	g := gain.(*weight).f32
	dim := len(g)
	xs, ds := data(x), data(dst)
	for i := range n {
		in, out := xs[i*dim:(i+1)*dim], ds[i*dim:(i+1)*dim]
		var ss float64
		for _, v := range in {
			ss += float64(v) * float64(v)
		}
		scale := float32(1 / math.Sqrt(ss/float64(dim)+float64(eps)))
		for j, v := range in {
			out[j] = v * scale * g[j]
		}
	}
}

// MatMul sets dst (n, rows) = x (n, cols) · wᵀ, splitting w's rows across workers.
// A batch of at least tiledMinTokens vectors (prefill) goes through the tiled
// product (gemm.go): weight rows decoded to f32 three at a time, once per token
// block, and multiplied with four vectors at a time by a register-blocked
// kernel (AVX-512 or AVX2). Smaller batches (decode): rows of the types with
// an AVX2 kernel (rowdot.go) are read block by block by it; other types go
// through ggml's block-by-block dot products for a single vector, or decode
// each row once for a batch.
func (e *Executor) MatMul(dst model.Buffer, w model.Weight, x model.Buffer, n int) {
	W := w.(*weight)
	if e.kern.matMul(W, data(x), data(dst), n) {
		return
	}
	if e.useInt8(W) {
		e.matMulI8(W, data(x), data(dst), n)
		return
	}
	e.mm = matMulJob{e: e, w: W, x: data(x), y: data(dst), n: n, tiled: n >= tiledMinTokens(W.typ)}
	if span := xsumSpan(W.typ); span > 0 && hasVecDot(W.typ) && !e.mm.tiled {
		// Q4_K and Q2_K apply each sub-block's minimum through the sums of x per span.
		nb := W.cols / span
		if len(e.xsum) < n*nb {
			e.xsum = make([]float32, n*nb)
		}
		e.mm.xsum = e.xsum[:n*nb]
		blockSums(e.mm.x[:n*W.cols], e.mm.xsum, span)
	}
	minRows := max(minRowsPerWorker, minFlopsPerWorker/max(W.cols*n, 1))
	e.pool.run(W.rows, minRows, &e.mm)
}

// matMulJob computes rows [lo, hi) of one MatMul.
type matMulJob struct {
	e          *Executor
	w          *weight
	x, y, xsum []float32 // xsum (n, cols/span): sums of x per xsumSpan(type) elements
	n          int
	tiled      bool // the batch goes through the tiled product
}

func (j *matMulJob) do(k, lo, hi int) {
	W, n := j.w, j.n
	if j.tiled {
		j.tiledRows(k, lo, hi)
		return
	}
	if hasVecDot(W.typ) {
		nb := 0
		if span := xsumSpan(W.typ); span > 0 {
			nb = W.cols / span
		}
		for r := lo; r < hi; r++ {
			row := W.raw[r*W.rowBytes : (r+1)*W.rowBytes]
			for v := range n {
				j.y[v*W.rows+r], _ = vecDot(W.typ, row, j.x[v*W.cols:(v+1)*W.cols], j.xsum[v*nb:(v+1)*nb])
			}
		}
		return
	}
	if n == 1 && W.f32 == nil {
		ggml.MatVec(W.typ, W.raw[lo*W.rowBytes:hi*W.rowBytes], hi-lo, W.cols, j.x[:W.cols], j.y[lo:hi])
		return
	}
	scratch := j.e.scratchRow(k, W.cols)
	for r := lo; r < hi; r++ {
		row := W.row(r, scratch)
		for v := range n {
			j.y[v*W.rows+r] = dot(row, j.x[v*W.cols:(v+1)*W.cols])
		}
	}
}

// blockSums sets xsum[i] to the sum of x[span·i:span·i+span], in order.
func blockSums(x, xsum []float32, span int) {
	for i := range xsum {
		var s float32
		for _, v := range x[span*i : span*i+span] {
			s += v
		}
		xsum[i] = s
	}
}

// dotGo is the portable f32 dot product, four accumulators in a fixed order.
// dot (per architecture) uses it where no vector kernel applies.
func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// AddBias adds b to each of n rows of dst.
func (e *Executor) AddBias(dst model.Buffer, b model.Weight, n int) {
	d, bias := dst.(*buffer), b.(*weight).f32
	for i := range n {
		row := d.data[i*d.cols : (i+1)*d.cols]
		for j := range row {
			row[j] += bias[j]
		}
	}
}

// RoPE rotates the first r.Dims dimensions of every head of n rows of x.
func (e *Executor) RoPE(x model.Buffer, n, heads int, pos int, r *model.Rope) {
	xb, inv := x.(*buffer), data(r.InvFreq)
	half := r.Dims / 2
	mscale := r.AttnFactor
	if mscale == 0 {
		mscale = 1
	}
	if len(e.cos) < half {
		e.cos, e.sin = make([]float32, half), make([]float32, half)
	}
	for i := range n {
		p := float64(pos + i)
		for j := range half {
			s, c := math.Sincos(p * float64(inv[j]))
			e.cos[j], e.sin[j] = float32(c)*mscale, float32(s)*mscale
		}
		row := xb.data[i*xb.cols : (i+1)*xb.cols]
		for h := range heads {
			v := row[h*r.HeadDim : (h+1)*r.HeadDim]
			for j := range half {
				a, b := 2*j, 2*j+1 // adjacent pairs (GGML mode 0)
				if r.NeoX {
					a, b = j, j+half // halves (GGML mode 2)
				}
				x0, x1 := v[a], v[b]
				v[a] = x0*e.cos[j] - x1*e.sin[j]
				v[b] = x0*e.sin[j] + x1*e.cos[j]
			}
		}
	}
}

// SiLUMul sets gate = silu(gate)·up.
func (e *Executor) SiLUMul(gate, up model.Buffer, count int) {
	g, u := data(gate)[:count], data(up)[:count]
	if e.kern.siLUMul(g, u) {
		return
	}
	siluMul(g, u)
}

// siluMulGo is the portable siluMul: silu(v) = v/(1 + e^−v), e^−v math.Exp's
// in float64 rounded to float32.
func siluMulGo(g, u []float32) {
	for i, v := range g {
		g[i] = v / (1 + float32(math.Exp(float64(-v)))) * u[i]
	}
}

// GELUMul sets gate = gelu(gate)·up with GELU's tanh approximation, in float64.
func (e *Executor) GELUMul(gate, up model.Buffer, count int) {
	geluMul(data(gate)[:count], data(up)[:count])
}

// geluMulGo is the portable geluMul.
func geluMulGo(g, u []float32) {
	for i, v := range g {
		g[i] = float32(GELU(float64(v))) * u[i]
	}
}

// GELU is the tanh approximation of GELU that Gemma was trained with (PyTorch's
// gelu(approximate="tanh")): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Every
// product and sum is rounded on its own (the explicit conversions keep the
// compiler from fusing them, as it may for GOAMD64=v3), so the vector kernel
// (geluMulAVX512) computes the same bits on any build.
func GELU(x float64) float64 {
	inner := x + float64(float64(float64(0.044715*x)*x)*x)
	return float64(0.5*x) * (1 + tanh64(float64(math.Sqrt(2/math.Pi)*inner)))
}

// tanh64 is math.Tanh's algorithm (math/tanh.go: ±1 beyond ½·ln 2¹²⁷,
// 1 − 2/(e^2|x| + 1) from 0.625, a rational function below), every product and
// sum rounded on its own: math.Tanh's bits wherever the compiler does not fuse
// its multiply-adds (the default amd64 build).
func tanh64(x float64) float64 {
	const maxLog = 8.8029691931113054295988e+01 // ln 2¹²⁷
	const p0, p1, p2 = -9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3
	const q0, q1, q2 = 1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3
	z := math.Abs(x)
	switch {
	case z > 0.5*maxLog:
		if x < 0 {
			return -1
		}
		return 1
	case z >= 0.625:
		s := math.Exp(2 * z)
		z = 1 - 2/(s+1)
		if x < 0 {
			z = -z
		}
		return z
	case x == 0:
		return x
	}
	s := float64(x * x)
	num := float64(float64(float64(p0*s)+p1)*s) + p2
	den := float64(float64(float64(float64(s+q0)*s)+q1)*s) + q2
	return x + float64(float64(x*s)*num)/den
}

// Scale sets x *= s.
func (e *Executor) Scale(x model.Buffer, count int, s float32) {
	for i := range data(x)[:count] {
		data(x)[i] *= s
	}
}

// SoftCap sets x = cap·tanh(x/cap), in float64.
func (e *Executor) SoftCap(x model.Buffer, count int, cap float32) {
	xs := data(x)[:count]
	for i, v := range xs {
		xs[i] = float32(float64(cap) * math.Tanh(float64(v)/float64(cap)))
	}
}

// Add sets dst += x.
func (e *Executor) Add(dst, x model.Buffer, count int) {
	d, s := data(dst)[:count], data(x)[:count]
	for i := range d {
		d[i] += s[i]
	}
}

// L1Norm sets dst[i] = Σ_j |x[i,j]|, summed in f64.
func (e *Executor) L1Norm(dst, x model.Buffer, n int) {
	xb, d := x.(*buffer), data(dst)
	for i := range n {
		var s float64
		for _, v := range xb.data[i*xb.cols : (i+1)*xb.cols] {
			s += math.Abs(float64(v))
		}
		d[i] = float32(s)
	}
}

// Blend is one layer of the Influence (or, with nil weights, Rollout) recursion.
func (e *Executor) Blend(dst, prev, mixed, wPrev, wMixed model.Buffer, pos, n int) {
	d, p, m := data(dst), data(prev), data(mixed)
	for i := range n {
		k := pos + i
		a, b := float32(0.5), float32(0.5)
		if wPrev != nil {
			a, b = data(wPrev)[i], data(wMixed)[i]
		}
		if a+b == 0 {
			d[k] = p[k]
			continue
		}
		d[k] = (a*p[k] + b*m[k]) / (a + b)
	}
}
