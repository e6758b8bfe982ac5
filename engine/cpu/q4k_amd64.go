package cpu

import (
	"encoding/binary"

	"heed/engine/ggml"
)

// Q4_K super-block geometry (ggml-common.h block_q4_K): f16 d, f16 dmin,
// 12 bytes of packed 6-bit scales and mins, 128 bytes of nibbles for 256 elements.
const (
	q4kBlock  = 144
	q4kScales = 4
	q4kQs     = 16
)

// dotQ4_K returns row · x for one Q4_K row, super-block by super-block:
// Σ_s d·sc[s]·(q_s · x_s) − Σ_s dmin·m[s]·Σ x_s, with the nibble products in
// the vector kernel and the per-sub-block minimum applied through the block
// sums xsum (one per 32 elements of x). ok is false when no vector kernel applies.
func dotQ4_K(row []byte, x, xsum []float32) (s float32, ok bool) {
	if !useAVX2 {
		return 0, false
	}
	var scales [8]float32
	for b := range len(x) / ggml.QK_K {
		blk := row[b*q4kBlock : (b+1)*q4kBlock]
		d := ggml.F16ToF32(binary.LittleEndian.Uint16(blk))
		dmin := ggml.F16ToF32(binary.LittleEndian.Uint16(blk[2:]))
		sm := blk[q4kScales : q4kScales+12]
		var mins float32
		for j := range 8 {
			sc, m := scaleMinK4(j, sm)
			scales[j] = d * float32(sc)
			mins += dmin * float32(m) * xsum[b*8+j]
		}
		s += q4kNibblesAVX2(&blk[q4kQs], &x[b*ggml.QK_K], &scales) - mins
	}
	return s, true
}

// scaleMinK4 unpacks sub-block j's 6-bit scale and min (get_scale_min_k4 in ggml-quants.c).
func scaleMinK4(j int, q []byte) (sc, m uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0x0f | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}
