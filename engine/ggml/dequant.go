package ggml

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Block layouts, from ggml-common.h. All multi-byte fields are little-endian;
// "half" is an IEEE binary16.
//
//	Q4_0  18 B / 32:  d half | qs[16]        element j in qs[j]&15, element j+16 in qs[j]>>4
//	Q4_1  20 B / 32:  d half, m half | qs[16]
//	Q5_0  22 B / 32:  d half | qh[4] (uint32: bit j = 5th bit of element j) | qs[16]
//	Q5_1  24 B / 32:  d half, m half | qh[4] | qs[16]
//	Q8_0  34 B / 32:  d half | qs[32] int8
//	Q4_K 144 B / 256: d half, dmin half | scales[12] (8 × 6-bit scale, 8 × 6-bit min) | qs[128]
//	Q5_K 176 B / 256: d half, dmin half | scales[12] | qh[32] | qs[128]
//	Q6_K 210 B / 256: ql[128] | qh[64] | scales[16] int8 | d half
const (
	qk         = 32 // elements per block of the 32-element formats
	kScaleSize = 12 // bytes of packed 6-bit scales and mins in Q4_K and Q5_K

	q40Bytes = 2 + qk/2
	q41Bytes = 4 + qk/2
	q50Bytes = 2 + 4 + qk/2
	q51Bytes = 4 + 4 + qk/2
	q80Bytes = 2 + qk
	q4KBytes = 4 + kScaleSize + QK_K/2
	q5KBytes = 4 + kScaleSize + QK_K/8 + QK_K/2
	q6KBytes = QK_K/2 + QK_K/4 + QK_K/16 + 2
)

// Supported reports whether Dequantize, Quantize, Dot, MatVec and MatMul accept t.
func Supported(t Type) bool {
	switch t {
	case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K:
		return true
	}
	return false
}

// checkSizes validates that src holds exactly n elements of type t.
func checkSizes(op string, t Type, nBytes, n int) error {
	if !Supported(t) {
		return fmt.Errorf("%s %s: %w", op, t, ErrUnsupportedType)
	}
	want, err := t.RowBytes(int64(n))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if int64(nBytes) != want {
		return fmt.Errorf("%s %s: %d elements need %d bytes, got %d", op, t, n, want, nBytes)
	}
	return nil
}

// Dequantize decodes len(dst) elements of type t from src into dst. len(dst) must be
// a whole number of blocks and len(src) exactly t.RowBytes(len(dst)). The results
// are bit-identical to llama.cpp's dequantize_row_* (ggml-quants.c).
func Dequantize(t Type, src []byte, dst []float32) error {
	if err := checkSizes("dequantize", t, len(src), len(dst)); err != nil {
		return err
	}
	switch t {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case F16:
		for i := range dst {
			dst[i] = F16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case BF16:
		for i := range dst {
			dst[i] = BF16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case Q4_0:
		forBlocks(src, dst, q40Bytes, qk, dequantQ4_0)
	case Q4_1:
		forBlocks(src, dst, q41Bytes, qk, dequantQ4_1)
	case Q5_0:
		forBlocks(src, dst, q50Bytes, qk, dequantQ5_0)
	case Q5_1:
		forBlocks(src, dst, q51Bytes, qk, dequantQ5_1)
	case Q8_0:
		forBlocks(src, dst, q80Bytes, qk, dequantQ8_0)
	case Q4_K:
		forBlocks(src, dst, q4KBytes, QK_K, dequantQ4_K)
	case Q5_K:
		forBlocks(src, dst, q5KBytes, QK_K, dequantQ5_K)
	case Q6_K:
		forBlocks(src, dst, q6KBytes, QK_K, dequantQ6_K)
	}
	return nil
}

// forBlocks calls f on each (block bytes, block elements) pair.
func forBlocks(src []byte, dst []float32, blockBytes, blockElems int, f func(b []byte, y []float32)) {
	for i := 0; i < len(dst)/blockElems; i++ {
		f(src[i*blockBytes:(i+1)*blockBytes], dst[i*blockElems:(i+1)*blockElems])
	}
}

// The explicit float32 conversions below stop the compiler from fusing a
// multiply and an add into one FMA, so results round exactly as the C reference
// (compiled without contraction) does.

// dequantQ4_0 is a port of dequantize_row_q4_0 for one block.
func dequantQ4_0(b []byte, y []float32) {
	d := halfAt(b)
	qs := b[2:q40Bytes]
	for j := range qk / 2 {
		y[j] = float32(int32(qs[j]&0x0f)-8) * d
		y[j+qk/2] = float32(int32(qs[j]>>4)-8) * d
	}
}

// dequantQ4_1 is a port of dequantize_row_q4_1 for one block.
func dequantQ4_1(b []byte, y []float32) {
	d, m := halfAt(b), halfAt(b[2:])
	qs := b[4:q41Bytes]
	for j := range qk / 2 {
		y[j] = float32(float32(qs[j]&0x0f)*d) + m
		y[j+qk/2] = float32(float32(qs[j]>>4)*d) + m
	}
}

// dequantQ5_0 is a port of dequantize_row_q5_0 for one block.
func dequantQ5_0(b []byte, y []float32) {
	d := halfAt(b)
	qh := binary.LittleEndian.Uint32(b[2:])
	qs := b[6:q50Bytes]
	for j := range qk / 2 {
		h0 := (qh >> j << 4) & 0x10
		h1 := (qh >> (j + 12)) & 0x10
		y[j] = float32(int32(uint32(qs[j]&0x0f)|h0)-16) * d
		y[j+qk/2] = float32(int32(uint32(qs[j]>>4)|h1)-16) * d
	}
}

// dequantQ5_1 is a port of dequantize_row_q5_1 for one block.
func dequantQ5_1(b []byte, y []float32) {
	d, m := halfAt(b), halfAt(b[2:])
	qh := binary.LittleEndian.Uint32(b[4:])
	qs := b[8:q51Bytes]
	for j := range qk / 2 {
		h0 := (qh >> j << 4) & 0x10
		h1 := (qh >> (j + 12)) & 0x10
		y[j] = float32(float32(uint32(qs[j]&0x0f)|h0)*d) + m
		y[j+qk/2] = float32(float32(uint32(qs[j]>>4)|h1)*d) + m
	}
}

// dequantQ8_0 is a port of dequantize_row_q8_0 for one block.
func dequantQ8_0(b []byte, y []float32) {
	d := halfAt(b)
	qs := b[2:q80Bytes]
	for j := range qk {
		y[j] = float32(int8(qs[j])) * d
	}
}

// scaleMinK4 unpacks the 6-bit scale and min of sub-block j (0..7) from the 12
// packed bytes of a Q4_K or Q5_K block (get_scale_min_k4 in ggml-quants.c):
// bytes 0..3 hold scales 0..3 in their low 6 bits, bytes 4..7 mins 0..3; bytes
// 8..11 hold the low 4 bits of scale 4+i (low nibble) and min 4+i (high nibble),
// whose top 2 bits sit in bits 6..7 of bytes i and 4+i.
func scaleMinK4(j int, q []byte) (sc, m uint8) {
	_ = q[11]
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0x0f | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

// dequantQ4_K is a port of dequantize_row_q4_K for one super-block: each 64-element
// chunk c reads qs[32c:32c+32], low nibbles for sub-block 2c, high for 2c+1.
func dequantQ4_K(b []byte, y []float32) {
	d, dmin := halfAt(b), halfAt(b[2:])
	scales := b[4 : 4+kScaleSize]
	qs := b[4+kScaleSize : q4KBytes]
	for c := range QK_K / 64 {
		sc, m := scaleMinK4(2*c, scales)
		d1, m1 := d*float32(sc), dmin*float32(m)
		sc, m = scaleMinK4(2*c+1, scales)
		d2, m2 := d*float32(sc), dmin*float32(m)
		q := qs[32*c : 32*c+32]
		out := y[64*c : 64*c+64]
		for l := range 32 {
			out[l] = float32(d1*float32(q[l]&0x0f)) - m1
			out[l+32] = float32(d2*float32(q[l]>>4)) - m2
		}
	}
}

// dequantQ5_K is a port of dequantize_row_q5_K for one super-block: as Q4_K, with
// the 5th bit of element 64c+l in bit 2c of qh[l] and of element 64c+32+l in bit 2c+1.
func dequantQ5_K(b []byte, y []float32) {
	d, dmin := halfAt(b), halfAt(b[2:])
	scales := b[4 : 4+kScaleSize]
	qh := b[4+kScaleSize : 4+kScaleSize+QK_K/8]
	qs := b[4+kScaleSize+QK_K/8 : q5KBytes]
	for c := range QK_K / 64 {
		sc, m := scaleMinK4(2*c, scales)
		d1, m1 := d*float32(sc), dmin*float32(m)
		sc, m = scaleMinK4(2*c+1, scales)
		d2, m2 := d*float32(sc), dmin*float32(m)
		q := qs[32*c : 32*c+32]
		out := y[64*c : 64*c+64]
		for l := range 32 {
			h := qh[l] >> (2 * c)
			out[l] = float32(d1*float32(q[l]&0x0f|(h&1)<<4)) - m1
			out[l+32] = float32(d2*float32(q[l]>>4|(h&2)<<3)) - m2
		}
	}
}

// dequantQ6_K is a port of dequantize_row_q6_K for one super-block. Each 128-element
// half h uses ql[64h:64h+64], qh[32h:32h+32] and scales[8h:8h+8]; for l in 0..31,
// elements l, l+32, l+64, l+96 take their low nibbles from ql[l]&15, ql[l+32]&15,
// ql[l]>>4, ql[l+32]>>4 and their top 2 bits from bits 0-1, 2-3, 4-5, 6-7 of qh[l];
// sub-block scale index is l/16 + 0, 2, 4, 6.
func dequantQ6_K(b []byte, y []float32) {
	d := halfAt(b[q6KBytes-2:])
	for h := range 2 {
		ql := b[64*h : 64*h+64]
		qh := b[QK_K/2+32*h : QK_K/2+32*h+32]
		sc := b[QK_K/2+QK_K/4+8*h : QK_K/2+QK_K/4+8*h+8]
		out := y[128*h : 128*h+128]
		for l := range 32 {
			is := l / 16
			q1 := int32(ql[l]&0x0f|(qh[l]>>0&3)<<4) - 32
			q2 := int32(ql[l+32]&0x0f|(qh[l]>>2&3)<<4) - 32
			q3 := int32(ql[l]>>4|(qh[l]>>4&3)<<4) - 32
			q4 := int32(ql[l+32]>>4|(qh[l]>>6&3)<<4) - 32
			out[l] = float32(d*float32(int8(sc[is]))) * float32(q1)
			out[l+32] = float32(d*float32(int8(sc[is+2]))) * float32(q2)
			out[l+64] = float32(d*float32(int8(sc[is+4]))) * float32(q3)
			out[l+96] = float32(d*float32(int8(sc[is+6]))) * float32(q4)
		}
	}
}
