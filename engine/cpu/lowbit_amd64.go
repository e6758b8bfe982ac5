package cpu

import "heed/engine/ggml"

// Block sizes in bytes of the 2–4-bit formats (ggml-common.h): Q2_K and Q3_K
// super-blocks of 256 elements, IQ4_NL blocks of 32, IQ4_XS super-blocks of 256.
const (
	q2kBlock   = 84
	q3kBlock   = 110
	iq4nlBlock = 18
	iq4xsBlock = 136
)

// dotQ2_K returns row · x for one Q2_K row in the vector kernel, the
// sub-blocks' minimums applied through xsum, the sums of x per 16 elements.
// ok is false when no vector kernel applies.
func dotQ2_K(row []byte, x, xsum []float32) (s float32, ok bool) {
	nsb := len(x) / ggml.QK_K
	if !useAVX2 || nsb == 0 {
		return 0, false
	}
	_ = row[nsb*q2kBlock-1]
	_ = xsum[nsb*16-1]
	return dotQ2_KAVX2(&row[0], &x[0], &xsum[0], nsb), true
}

// dotQ3_K returns row · x for one Q3_K row in the vector kernel; ok is false
// when no vector kernel applies.
func dotQ3_K(row []byte, x []float32) (s float32, ok bool) {
	nsb := len(x) / ggml.QK_K
	if !useAVX2 || nsb == 0 {
		return 0, false
	}
	_ = row[nsb*q3kBlock-1]
	return dotQ3_KAVX2(&row[0], &x[0], nsb), true
}

// dotIQ4_NL returns row · x for one IQ4_NL row in the vector kernel; ok is
// false when no vector kernel applies.
func dotIQ4_NL(row []byte, x []float32) (s float32, ok bool) {
	nb := len(x) / 32
	if !useAVX2 || nb == 0 {
		return 0, false
	}
	_ = row[nb*iq4nlBlock-1]
	return dotIQ4_NLAVX2(&row[0], &x[0], nb), true
}

// dotIQ4_XS returns row · x for one IQ4_XS row in the vector kernel; ok is
// false when no vector kernel applies.
func dotIQ4_XS(row []byte, x []float32) (s float32, ok bool) {
	nsb := len(x) / ggml.QK_K
	if !useAVX2 || nsb == 0 {
		return 0, false
	}
	_ = row[nsb*iq4xsBlock-1]
	return dotIQ4_XSAVX2(&row[0], &x[0], nsb), true
}

// dequantLowBit decodes whole blocks of a Q2_K, Q3_K, IQ4_NL or IQ4_XS row
// into dst with the AVX2 decoder, bit for bit ggml.Dequantize's values; ok is
// false for other types. The caller checks useAVX2.
func dequantLowBit(typ ggml.Type, row []byte, dst []float32) (ok bool) {
	switch typ {
	case ggml.Q2_K:
		nsb := len(dst) / ggml.QK_K
		_ = row[nsb*q2kBlock-1]
		_ = dst[nsb*ggml.QK_K-1]
		dequantQ2_KAVX2(&row[0], &dst[0], nsb)
	case ggml.Q3_K:
		nsb := len(dst) / ggml.QK_K
		_ = row[nsb*q3kBlock-1]
		_ = dst[nsb*ggml.QK_K-1]
		dequantQ3_KAVX2(&row[0], &dst[0], nsb)
	case ggml.IQ4_NL:
		nb := len(dst) / 32
		_ = row[nb*iq4nlBlock-1]
		_ = dst[nb*32-1]
		dequantIQ4_NLAVX2(&row[0], &dst[0], nb)
	case ggml.IQ4_XS:
		nsb := len(dst) / ggml.QK_K
		_ = row[nsb*iq4xsBlock-1]
		_ = dst[nsb*ggml.QK_K-1]
		dequantIQ4_XSAVX2(&row[0], &dst[0], nsb)
	default:
		return false
	}
	return true
}

// The kernels (lowbit_amd64.s): dot products of n blocks at row with x, and
// decoders of n blocks at row into dst.

//go:noescape
func dotQ2_KAVX2(row *byte, x, xsum *float32, nsb int) float32

//go:noescape
func dotQ3_KAVX2(row *byte, x *float32, nsb int) float32

//go:noescape
func dotIQ4_NLAVX2(row *byte, x *float32, nb int) float32

//go:noescape
func dotIQ4_XSAVX2(row *byte, x *float32, nsb int) float32

//go:noescape
func dequantQ2_KAVX2(row *byte, dst *float32, nsb int)

//go:noescape
func dequantQ3_KAVX2(row *byte, dst *float32, nsb int)

//go:noescape
func dequantIQ4_NLAVX2(row *byte, dst *float32, nb int)

//go:noescape
func dequantIQ4_XSAVX2(row *byte, dst *float32, nsb int)
