package cpu

import "heed/engine/ggml"

// dotQ4_K returns row · x for one Q4_K row, super-block by super-block:
// Σ_s d·sc[s]·(q_s · x_s) − Σ_s dmin·m[s]·Σ x_s, all in the vector kernel,
// the per-sub-block minimum applied through the block sums xsum (one per 32
// elements of x). ok is false when no vector kernel applies.
func dotQ4_K(row []byte, x, xsum []float32) (s float32, ok bool) {
	nsb := len(x) / ggml.QK_K
	if !useAVX2 || nsb == 0 {
		return 0, false
	}
	_ = row[nsb*q4kBlock-1]
	_ = xsum[nsb*8-1]
	return dotQ4_KAVX2(&row[0], &x[0], &xsum[0], nsb), true
}

// dotQ4_KAVX2 returns the dot product of nsb Q4_K super-blocks at row with x,
// given xsum, the sums of x per 32 elements.
//
//go:noescape
func dotQ4_KAVX2(row *byte, x, xsum *float32, nsb int) float32

// Q6_K super-block size in bytes (ggml-common.h block_q6_K): 128 bytes of low
// nibbles, 64 of high bit pairs, 16 int8 scales, f16 d, for 256 elements.
const q6kBlock = 210

// dotQ6_K returns row · x for one Q6_K row, super-block by super-block in the
// vector kernel. ok is false when no vector kernel applies.
func dotQ6_K(row []byte, x []float32) (s float32, ok bool) {
	nsb := len(x) / ggml.QK_K
	if !useAVX2 || nsb == 0 {
		return 0, false
	}
	_ = row[nsb*q6kBlock-1]
	return dotQ6_KAVX2(&row[0], &x[0], nsb), true
}

// dotQ6_KAVX2 returns the dot product of nsb Q6_K super-blocks at row with x.
//
//go:noescape
func dotQ6_KAVX2(row *byte, x *float32, nsb int) float32
