package cpu

import "heed/engine/ggml"

// Decode-time products (one or a few vectors): the types below have an AVX2
// kernel that reads a row's blocks directly (dot_amd64.s, lowbit_amd64.s);
// elsewhere, and without AVX2, MatMul falls back to ggml's Go kernels.

// hasVecDot reports whether vecDot has a vector kernel for typ on this CPU.
func hasVecDot(typ ggml.Type) bool {
	if !useAVX2 {
		return false
	}
	switch typ {
	case ggml.Q8_0, ggml.Q5_0, ggml.Q4_K, ggml.Q6_K, ggml.Q2_K, ggml.Q3_K, ggml.IQ4_NL, ggml.IQ4_XS:
		return true
	}
	return false
}

// xsumSpan is the number of elements of x per block sum that typ's vector
// kernel reads to apply its sub-block minimums (Q4_K: 32, Q2_K: 16), or 0.
func xsumSpan(typ ggml.Type) int {
	switch typ {
	case ggml.Q4_K:
		return 32
	case ggml.Q2_K:
		return 16
	}
	return 0
}

// vecDot returns row · x with typ's vector kernel; xsum holds x's block sums
// when xsumSpan(typ) > 0. ok is false when no kernel applies.
func vecDot(typ ggml.Type, row []byte, x, xsum []float32) (s float32, ok bool) {
	switch typ {
	case ggml.Q8_0:
		return dotQ8_0(row, x)
	case ggml.Q5_0:
		return dotQ5_0(row, x)
	case ggml.Q4_K:
		return dotQ4_K(row, x, xsum)
	case ggml.Q6_K:
		return dotQ6_K(row, x)
	case ggml.Q2_K:
		return dotQ2_K(row, x, xsum)
	case ggml.Q3_K:
		return dotQ3_K(row, x)
	case ggml.IQ4_NL:
		return dotIQ4_NL(row, x)
	case ggml.IQ4_XS:
		return dotIQ4_XS(row, x)
	}
	return 0, false
}
