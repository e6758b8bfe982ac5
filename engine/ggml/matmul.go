package ggml

import "fmt"

// MatMul tiles: mmRows weight rows are decoded to float32 mmCols columns at a
// time (a tile of 3×512 floats, 6 KiB, in L1) and each decoded tile serves all n
// activation vectors, whose mmCols-column slice (n×512 floats, 64 KiB for n = 32)
// stays in L2 while the loop walks every row group. mmCols is a multiple of every
// block size, so tiles start on block boundaries. Three rows by two vectors (six
// running sums) is the widest register tile amd64's 15 usable XMM registers hold
// without spilling; 4×2 spilled and ran about 1.3× slower.
const (
	mmRows = 3
	mmCols = 512
)

// MatMul computes n matrix-vector products at once, for prefill: with x holding n
// vectors of cols elements (row-major, n×cols) and w a rows×cols matrix of type t,
// it sets y[v·rows + r] = row r of w · x[v·cols:(v+1)·cols] (y is n×rows, row-major).
// Each weight block is decoded to float32 once and reused across the n vectors,
// so the cost per weight is one decode plus n multiply-adds. Use MatMulRows to
// split the work across goroutines.
func MatMul(t Type, w []byte, rows, cols int, x []float32, n int, y []float32) {
	MatMulRows(t, w, rows, cols, x, n, y, 0, rows)
}

// MatMulRows is MatMul restricted to weight rows [r0, r1): it writes only
// y[v·rows + r] for r in [r0, r1), so goroutines given disjoint row ranges of the
// same call never write the same element.
func MatMulRows(t Type, w []byte, rows, cols int, x []float32, n int, y []float32, r0, r1 int) {
	mustSupport("MatMul", t)
	rb := rowBytes(t, cols)
	if len(w) != rows*rb || len(x) != n*cols || len(y) != n*rows || r0 < 0 || r0 > r1 || r1 > rows {
		panic(fmt.Sprintf("ggml: MatMul %s %d×%d, n=%d, rows [%d,%d): len(w)=%d (want %d), len(x)=%d, len(y)=%d",
			t, rows, cols, n, r0, r1, len(w), rows*rb, len(x), len(y)))
	}
	for v := range n {
		clear(y[v*rows+r0 : v*rows+r1])
	}
	bs, ts := t.BlockSize(), t.TypeSize()
	var tile [mmRows * mmCols]float32 // decoded weights: mmRows rows of up to mmCols
	for c0 := 0; c0 < cols; c0 += mmCols {
		kc := min(mmCols, cols-c0)
		lo, hi := c0/bs*ts, (c0+kc)/bs*ts // byte range of columns [c0, c0+kc) in a row
		for r := r0; r < r1; r += mmRows {
			nr := min(mmRows, r1-r)
			for i := range nr {
				decodeRow(t, w[(r+i)*rb+lo:(r+i)*rb+hi], tile[i*kc:(i+1)*kc])
			}
			if nr < mmRows {
				for i := range nr {
					wr := tile[i*kc : (i+1)*kc]
					for v := range n {
						y[v*rows+r+i] += dotF32F32(wr, x[v*cols+c0:v*cols+c0+kc])
					}
				}
				continue
			}
			w0, w1, w2 := tile[:kc], tile[kc:2*kc], tile[2*kc:3*kc]
			v := 0
			for ; v+2 <= n; v += 2 {
				a0, a1, a2, b0, b1, b2 := dot3x2(w0, w1, w2,
					x[v*cols+c0:v*cols+c0+kc], x[(v+1)*cols+c0:(v+1)*cols+c0+kc])
				ya := y[v*rows+r : v*rows+r+3]
				ya[0] += a0
				ya[1] += a1
				ya[2] += a2
				yb := y[(v+1)*rows+r : (v+1)*rows+r+3]
				yb[0] += b0
				yb[1] += b1
				yb[2] += b2
			}
			if v < n {
				xv := x[v*cols+c0 : v*cols+c0+kc]
				ya := y[v*rows+r : v*rows+r+3]
				ya[0] += dotF32F32(w0, xv)
				ya[1] += dotF32F32(w1, xv)
				ya[2] += dotF32F32(w2, xv)
			}
		}
	}
}

// decodeRow expands one row whose size the caller has checked.
func decodeRow(t Type, src []byte, dst []float32) {
	if err := Dequantize(t, src, dst); err != nil {
		panic(fmt.Sprintf("ggml: %v", err))
	}
}

// dotF32F32 returns a · b over len(a) elements.
func dotF32F32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	k := 0
	for ; k+4 <= len(a); k += 4 {
		aa, bb := (*[4]float32)(a[k:]), (*[4]float32)(b[k:])
		s0 += aa[0] * bb[0]
		s1 += aa[1] * bb[1]
		s2 += aa[2] * bb[2]
		s3 += aa[3] * bb[3]
	}
	for ; k < len(a); k++ {
		s0 += a[k] * b[k]
	}
	return (s0 + s1) + (s2 + s3)
}

// dot3x2 returns the six dot products of rows w0..w2 with vectors a and b: each
// loaded weight serves two multiply-adds and each loaded activation three.
func dot3x2(w0, w1, w2, a, b []float32) (a0, a1, a2, b0, b1, b2 float32) {
	n := len(w0)
	w1, w2, a, b = w1[:n], w2[:n], a[:n], b[:n]
	for k := range n {
		xa, xb := a[k], b[k]
		v0, v1, v2 := w0[k], w1[k], w2[k]
		a0 += v0 * xa
		b0 += v0 * xb
		a1 += v1 * xa
		b1 += v1 * xb
		a2 += v2 * xa
		b2 += v2 * xb
	}
	return
}
