package cpu

import "heed/engine/ggml"

// useAVX512 is set when the CPU and the OS support AVX-512F as well: the tile
// kernel then takes sixteen columns per step.
var useAVX512 = useAVX2 && detectAVX512()

func detectAVX512() bool {
	_, b, _, _ := cpuid(7, 0)
	const avx512f = 1 << 16
	// XCR0 bits 1, 2 (SSE, AVX) and 5–7 (opmask, upper ZMM halves, ZMM16–31).
	return b&avx512f != 0 && xgetbv()&0xe6 == 0xe6
}

// gemm3x4 sets out[t*3+r] = Σ_{c<done} w[r*wstride+c]·x[t*xstride+c] for three
// weight rows r and n tokens t with a vector kernel and returns done, the
// columns it covered: k rounded down to the kernel's step (16 with AVX-512, 8
// with AVX2), or 0 when no kernel applies and nothing was written.
func gemm3x4(w []float32, wstride int, x []float32, xstride int, out []float32, n, k int) (done int) {
	if !useAVX2 || n == 0 || k < 8 {
		return 0
	}
	_ = w[2*wstride+k-1]
	_ = x[(n-1)*xstride+k-1]
	_ = out[3*n-1]
	if useAVX512 && k >= 16 {
		done = k &^ 15
		gemm3x4AVX512(&w[0], wstride, &x[0], xstride, &out[0], n, done)
		return done
	}
	done = k &^ 7
	gemm3x4AVX2(&w[0], wstride, &x[0], xstride, &out[0], n, done)
	return done
}

// gemm3x4AVX2 is gemm3x4's AVX2 kernel (gemm_amd64.s).
//
//go:noescape
func gemm3x4AVX2(w *float32, wstride int, x *float32, xstride int, out *float32, n, k int)

// gemm3x4AVX512 is gemm3x4's AVX-512 kernel (gemm512_amd64.s).
//
//go:noescape
func gemm3x4AVX512(w *float32, wstride int, x *float32, xstride int, out *float32, n, k int)

// dequantRow decodes whole blocks of a Q8_0, Q5_0, Q4_K, Q6_K, Q2_K, Q3_K,
// IQ4_NL or IQ4_XS row into dst (len(dst) elements) with an AVX2 decoder,
// giving ggml.Dequantize's values bit for bit; ok is false when no decoder
// applies.
func dequantRow(typ ggml.Type, row []byte, dst []float32) (ok bool) {
	if !useAVX2 || len(dst) == 0 {
		return false
	}
	switch typ {
	case ggml.Q8_0:
		return dequantQ8_0(row, dst)
	case ggml.Q5_0:
		nb := len(dst) / 32
		_ = row[nb*22-1]
		_ = dst[nb*32-1]
		dequantQ5_0AVX2(&row[0], &dst[0], nb)
	case ggml.Q4_K:
		nsb := len(dst) / ggml.QK_K
		_ = row[nsb*q4kBlock-1]
		_ = dst[nsb*ggml.QK_K-1]
		dequantQ4_KAVX2(&row[0], &dst[0], nsb)
	case ggml.Q6_K:
		nsb := len(dst) / ggml.QK_K
		_ = row[nsb*q6kBlock-1]
		_ = dst[nsb*ggml.QK_K-1]
		dequantQ6_KAVX2(&row[0], &dst[0], nsb)
	default:
		return dequantLowBit(typ, row, dst)
	}
	return true
}

// dequantQ5_0AVX2 decodes nb Q5_0 blocks at row into dst (dequant_amd64.s).
//
//go:noescape
func dequantQ5_0AVX2(row *byte, dst *float32, nb int)

// dequantQ4_KAVX2 decodes nsb Q4_K super-blocks at row into dst.
//
//go:noescape
func dequantQ4_KAVX2(row *byte, dst *float32, nsb int)

// dequantQ6_KAVX2 decodes nsb Q6_K super-blocks at row into dst.
//
//go:noescape
func dequantQ6_KAVX2(row *byte, dst *float32, nsb int)

// prefetch asks the CPU to bring b into cache without waiting for it. The
// tiled MatMul prefetches the next tile's weights while it multiplies the
// current one: between two tiles the hardware prefetcher loses the stream, and
// a tile read on demand stalls on its cache lines (Qwen2.5-0.5B Q8_0 prefill,
// profiled: 2.05 s of 9.9 s in the Q8_0 decoder without, 1.48 s of 9.1 s with).
func prefetch(b []byte) {
	if len(b) > 0 {
		prefetchLines(&b[0], len(b))
	}
}

// prefetchLines prefetches every cache line of [p, p+n).
//
//go:noescape
func prefetchLines(p *byte, n int)
