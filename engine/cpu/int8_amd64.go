package cpu

import "heed/engine/ggml"

// useVNNI is set when the CPU and the OS support AVX-512 with byte and word
// operations (BW), 256-bit forms (VL) and VNNI's VPDPBUSD: the int8 path's
// kernels need all four. Without them Options.Int8 changes nothing.
var useVNNI = useAVX512 && detectVNNI()

func detectVNNI() bool {
	_, b, c, _ := cpuid(7, 0)
	const bw, vl, vnni = 1 << 30, 1 << 31, 1 << 11
	return b&bw != 0 && b&vl != 0 && c&vnni != 0
}

// quantQ8_0 rounds x (whole pairs of 32-element blocks) into q, d and c of the
// int8 layout with offset off (quantQ8_0Go's result, bit for bit).
func quantQ8_0(x []float32, q []int8, d []float32, c []int32, off int32) {
	nb := len(x) / 32
	if !useVNNI || nb == 0 {
		quantQ8_0Go(x, q, d, c, off)
		return
	}
	_ = q[32*nb-1]
	_ = d[8*nb-1]
	_ = c[8*nb-1]
	quantQ8_0AVX512(&x[0], &q[0], &d[0], &c[0], nb, int(off))
}

// quantQ8_K rounds x (whole 256-element super-blocks) into q, d and xm of the
// int8 layout (quantQ8_KGo's result, bit for bit), xm's padding zeroed.
func quantQ8_K(x []float32, q []int8, d, xm []float32) {
	ns := len(x) / 256
	if !useVNNI || ns == 0 {
		quantQ8_KGo(x, q, d, xm)
		return
	}
	_ = q[256*ns-1]
	_ = d[64*ns-1]
	_ = xm[8*ns-1]
	quantQ8_KAVX512(&x[0], &q[0], &d[0], &xm[0], ns)
	clear(xm[8*ns:])
}

// gemmI8 sets y[(4g+t)·ystride + r] for four decoded weight rows r and groups
// g of four tokens t of the int8 layout (gemmI8Go's result, bit for bit).
func gemmI8(u []uint8, s, m []float32, q []int8, d []float32, c []int32, xm, y []float32, ystride, groups, np, nm int) {
	if !useVNNI {
		gemmI8Go(u, s, m, q, d, c, xm, y, ystride, groups, np, nm)
		return
	}
	nt := 4 * groups
	_ = u[4*64*np-1]
	_ = s[4*16*np-1]
	_ = q[nt*64*np-1]
	_ = d[nt*16*np-1]
	_ = c[nt*16*np-1]
	_ = y[(nt-1)*ystride+3]
	var mp, xmp *float32
	if nm > 0 {
		_ = m[4*nm-1]
		_ = xm[nt*nm-1]
		mp, xmp = &m[0], &xm[0]
	}
	gemmI8AVX512(&u[0], &s[0], mp, &q[0], &d[0], &c[0], xmp, &y[0], ystride, groups, np, nm)
}

// matVecI8 sets y[i] for the rows of w (rows of rowBytes bytes, len(y) of
// them) times token t of a, reading each row's blocks directly (the same bits
// as decoding the row and taking dotI8Go). ms is scratch of a.nm floats.
func matVecI8(typ ggml.Type, w []byte, rowBytes int, a *qacts, t int, y, ms []float32) {
	rows, np := len(y), a.np
	if !useVNNI || rows == 0 {
		matVecI8Go(typ, w, rowBytes, a, t, y)
		return
	}
	_ = w[rows*rowBytes-1]
	L, S := 64*np, 16*np
	q, d, c := &a.q[t*L], &a.d[t*S], &a.c[t*S]
	switch typ {
	case ggml.Q8_0:
		matVecQ8_0AVX512(&w[0], rowBytes, rows, q, d, c, &y[0], np)
	case ggml.Q5_0:
		matVecQ5_0AVX512(&w[0], rowBytes, rows, q, d, c, &y[0], np)
	case ggml.Q4_K:
		_ = ms[a.nm-1]
		matVecQ4_KAVX512(&w[0], rowBytes, rows, q, d, &a.xm[t*a.nm], &ms[0], &y[0], np/4, a.nm)
	default:
		panic("cpu: no int8 kernel for " + typ.String())
	}
}

// decodeRowsI8 writes rows rows of typ (following each other in w) as the
// int8 layout's u, s and m (decodeRowsI8Go's result, bit for bit).
func decodeRowsI8(typ ggml.Type, w []byte, rows int, u []uint8, s, m []float32, np, nm int) {
	if !useVNNI || rows == 0 {
		decodeRowsI8Go(typ, w, rows, u, s, m, np, nm)
		return
	}
	_ = u[rows*64*np-1]
	_ = s[rows*16*np-1]
	switch typ {
	case ggml.Q8_0:
		_ = w[rows*34*2*np-1]
		decodeQ8_0AVX512(&w[0], rows, &u[0], &s[0], nil, np, nm)
	case ggml.Q5_0:
		_ = w[rows*22*2*np-1]
		decodeQ5_0AVX512(&w[0], rows, &u[0], &s[0], nil, np, nm)
	case ggml.Q4_K:
		_ = w[rows*q4kBlock*np/4-1]
		_ = m[rows*nm-1]
		decodeQ4_KAVX512(&w[0], rows, &u[0], &s[0], &m[0], np, nm)
	default:
		panic("cpu: no int8 decoder for " + typ.String())
	}
}

// The kernels of int8_amd64.s (AVX-512 BW, VL and VNNI).

//go:noescape
func quantQ8_0AVX512(x *float32, q *int8, d *float32, c *int32, nb, off int)

//go:noescape
func quantQ8_KAVX512(x *float32, q *int8, d, xm *float32, ns int)

//go:noescape
func gemmI8AVX512(u *uint8, s, m *float32, q *int8, d *float32, c *int32, xm, y *float32, ystride, groups, np, nm int)

//go:noescape
func matVecQ8_0AVX512(w *byte, rowBytes, rows int, q *int8, d *float32, c *int32, y *float32, np int)

//go:noescape
func matVecQ5_0AVX512(w *byte, rowBytes, rows int, q *int8, d *float32, c *int32, y *float32, np int)

//go:noescape
func matVecQ4_KAVX512(w *byte, rowBytes, rows int, q *int8, d, xm, ms, y *float32, ns, nm int)

//go:noescape
func decodeQ8_0AVX512(w *byte, rows int, u *uint8, s, m *float32, np, nm int)

//go:noescape
func decodeQ5_0AVX512(w *byte, rows int, u *uint8, s, m *float32, np, nm int)

//go:noescape
func decodeQ4_KAVX512(w *byte, rows int, u *uint8, s, m *float32, np, nm int)
