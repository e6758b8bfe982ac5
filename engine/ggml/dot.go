package ggml

import "fmt"

// Matrix-vector kernels over quantised weights.
//
// heed multiplies float32 activations directly with the quantised weights: each
// weight block is scaled and dotted with the float32 activations it meets.
// llama.cpp's CPU path instead first quantises the activations (to Q8_0 for the
// 32-element formats, Q8_K for the k-quants) and takes integer dot products, so
// the logits of a quantised model computed by heed differ slightly from
// llama.cpp's while being closer to the exact product of the stored weights with
// the activations.
//
// Shapes: a weight matrix of `rows` rows and `cols` columns is stored row-major,
// each row t.RowBytes(cols) bytes, so a row range [r0, r1) is the byte range
// [r0·rowBytes, r1·rowBytes) and work splits by rows without copying. These
// functions panic on inconsistent shapes or an unsupported type: they are inner
// loops whose shapes the caller checks once when it loads a model (see Supported
// and Type.RowBytes).

// dotRow returns row · x for one row of len(x) elements of type t. xsum[i] is the
// sum of x[s·i:s·i+s], s = sumSpan(t); the formats with a per-block min (Q4_1,
// Q5_1, Q2_K, Q4_K, Q5_K) apply it to a whole block sum at once, so MatVec
// computes xsum once per vector rather than once per row. Dispatch is a switch of direct calls rather than a
// function value so that xsum, which callers keep on the stack, does not escape.
func dotRow(t Type, row []byte, x, xsum []float32) float32 {
	switch t {
	case F32:
		return dotF32(row, x, xsum)
	case F16:
		return dotF16(row, x, xsum)
	case BF16:
		return dotBF16(row, x, xsum)
	case Q4_0:
		return dotQ4_0(row, x, xsum)
	case Q4_1:
		return dotQ4_1(row, x, xsum)
	case Q5_0:
		return dotQ5_0(row, x, xsum)
	case Q5_1:
		return dotQ5_1(row, x, xsum)
	case Q8_0:
		return dotQ8_0(row, x, xsum)
	case Q4_K:
		return dotQ4_K(row, x, xsum)
	case Q5_K:
		return dotQ5_K(row, x, xsum)
	case Q6_K:
		return dotQ6_K(row, x, xsum)
	case Q2_K:
		return dotQ2_K(row, x, xsum)
	case Q3_K:
		return dotQ3_K(row, x, xsum)
	case IQ4_NL:
		return dotIQ4_NL(row, x, xsum)
	case IQ4_XS:
		return dotIQ4_XS(row, x, xsum)
	}
	panic(fmt.Sprintf("ggml: no dot product for %s: %v", t, ErrUnsupportedType))
}

// mustSupport panics for a type the kernels cannot compute with.
func mustSupport(op string, t Type) {
	if !Supported(t) {
		panic(fmt.Sprintf("ggml: no %s for %s: %v", op, t, ErrUnsupportedType))
	}
}

// sumSpan is the number of elements of x per block sum that t's kernel reads
// (the span of one min), or 0 when it reads none.
func sumSpan(t Type) int {
	switch t {
	case Q4_1, Q5_1, Q4_K, Q5_K:
		return 32
	case Q2_K:
		return 16
	}
	return 0
}

// rowBytes returns the byte size of a row of n elements, panicking on a partial block.
func rowBytes(t Type, n int) int {
	rb, err := t.RowBytes(int64(n))
	if err != nil {
		panic(fmt.Sprintf("ggml: %v", err))
	}
	return int(rb)
}

// blockSums fills xsum with the sums of x per span elements (32 or 16).
func blockSums(x, xsum []float32, span int) {
	if span == 16 {
		for i := range xsum {
			xs := (*[16]float32)(x[16*i:])
			var s0, s1, s2, s3 float32
			for j := 0; j < 16; j += 4 {
				s0 += xs[j]
				s1 += xs[j+1]
				s2 += xs[j+2]
				s3 += xs[j+3]
			}
			xsum[i] = (s0 + s1) + (s2 + s3)
		}
		return
	}
	for i := range xsum {
		xs := (*[32]float32)(x[32*i:])
		var s0, s1, s2, s3 float32
		for j := 0; j < 32; j += 4 {
			s0 += xs[j]
			s1 += xs[j+1]
			s2 += xs[j+2]
			s3 += xs[j+3]
		}
		xsum[i] = (s0 + s1) + (s2 + s3)
	}
}

// xsumStack is the largest number of block sums that live on the stack: 16384
// columns in 16-element spans.
const xsumStack = 1024

// vectorSums returns the block sums of x that t's kernel reads (nil for none),
// in buf when they fit.
func vectorSums(t Type, x []float32, buf *[xsumStack]float32) []float32 {
	span := sumSpan(t)
	if span == 0 {
		return nil
	}
	xsum := buf[:]
	if len(x)/span > len(buf) {
		xsum = make([]float32, len(x)/span)
	}
	xsum = xsum[:len(x)/span]
	blockSums(x, xsum, span)
	return xsum
}

// Dot returns the dot product of one row of len(x) elements, stored as type t in
// row, with x. It reads the row block by block without expanding it to float32.
func Dot(t Type, row []byte, x []float32) float32 {
	mustSupport("Dot", t)
	if rb := rowBytes(t, len(x)); len(row) != rb {
		panic(fmt.Sprintf("ggml: Dot of %d %s elements needs %d bytes, got %d", len(x), t, rb, len(row)))
	}
	var buf [xsumStack]float32
	return dotRow(t, row, x, vectorSums(t, x, &buf))
}

// MatVec sets y[r] = row r of w · x for r in [0, rows), where w holds rows×cols
// elements of type t (cols = len(x)) and len(y) = rows. It runs on the calling
// goroutine; to use several, give each a row range: w[r0·rb:r1·rb] and y[r0:r1]
// with rb = t.RowBytes(cols).
func MatVec(t Type, w []byte, rows, cols int, x, y []float32) {
	mustSupport("MatVec", t)
	rb := rowBytes(t, cols)
	if len(x) != cols || len(y) != rows || len(w) != rows*rb {
		panic(fmt.Sprintf("ggml: MatVec %s %d×%d: len(w)=%d (want %d), len(x)=%d, len(y)=%d",
			t, rows, cols, len(w), rows*rb, len(x), len(y)))
	}
	var buf [xsumStack]float32
	xsum := vectorSums(t, x, &buf)
	for r := range rows {
		y[r] = dotRow(t, w[r*rb:(r+1)*rb], x, xsum)
	}
}
