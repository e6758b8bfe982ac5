package ggml

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
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
//	Q2_K  84 B / 256: scales[16] (4-bit scale | 4-bit min << 4) | qs[64] | d half, dmin half
//	Q3_K 110 B / 256: hmask[32] | qs[64] | scales[12] (16 × 6-bit) | d half
//	IQ4_NL 18 B / 32: d half | qs[16]         as Q4_0, nibbles index kvaluesIQ4NL
//	IQ4_XS 136 B / 256: d half | scales_h u16 | scales_l[4] | qs[128]
const (
	qk         = 32 // elements per block of the 32-element formats
	kScaleSize = 12 // bytes of packed 6-bit scales and mins in Q4_K and Q5_K

	q40Bytes   = 2 + qk/2
	q41Bytes   = 4 + qk/2
	q50Bytes   = 2 + 4 + qk/2
	q51Bytes   = 4 + 4 + qk/2
	q80Bytes   = 2 + qk
	q4KBytes   = 4 + kScaleSize + QK_K/2
	q5KBytes   = 4 + kScaleSize + QK_K/8 + QK_K/2
	q6KBytes   = QK_K/2 + QK_K/4 + QK_K/16 + 2
	q2KBytes   = QK_K/16 + QK_K/4 + 4
	q3KBytes   = QK_K/8 + QK_K/4 + kScaleSize + 2
	iq4NLBytes = 2 + qk/2
	iq4XSBytes = 2 + 2 + QK_K/64 + QK_K/2
)

// kvaluesIQ4NL are the 16 levels of IQ4_NL and IQ4_XS (kvalues_iq4nl in
// ggml-common.h): a non-uniform grid, denser near zero, that the 4-bit quants
// index; a block's scale multiplies the level.
var kvaluesIQ4NL = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

// supportedTypes lists the types Dequantize, Quantize, Dot, MatVec and MatMul
// accept, in the order SupportedTypes reports them.
var supportedTypes = []Type{F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS}

// SupportedTypes returns the types Supported accepts, plain types first, then
// the 32-element formats, the k-quants and the non-linear formats. The caller
// owns the slice.
func SupportedTypes() []Type { return append([]Type(nil), supportedTypes...) }

// Supported reports whether Dequantize, Quantize, Dot, MatVec and MatMul accept t.
func Supported(t Type) bool { return slices.Contains(supportedTypes, t) }

// CheckSupported returns nil for a supported type, else ErrUnsupportedType wrapped with
// the type's name and the supported ones, the error every executor reports.
func CheckSupported(t Type) error {
	if Supported(t) {
		return nil
	}
	names := make([]string, len(supportedTypes))
	for i, s := range supportedTypes {
		names[i] = s.String()
	}
	return fmt.Errorf("%w %s (supported: %s)", ErrUnsupportedType, t, strings.Join(names, ", "))
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
	case Q2_K:
		forBlocks(src, dst, q2KBytes, QK_K, dequantQ2_K)
	case Q3_K:
		forBlocks(src, dst, q3KBytes, QK_K, dequantQ3_K)
	case IQ4_NL:
		forBlocks(src, dst, iq4NLBytes, qk, dequantIQ4_NL)
	case IQ4_XS:
		forBlocks(src, dst, iq4XSBytes, QK_K, dequantIQ4_XS)
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

// dequantQ2_K is a port of dequantize_row_q2_K for one super-block. Sixteen
// 16-element sub-blocks, each with a 4-bit scale (low nibble of scales[j]) and a
// 4-bit min (high nibble): element = d·scale·q − dmin·min, q in 0..3. Each
// 128-element half h reads qs[32h:32h+32]; element 128h + 32k + l (k = 0..3,
// l = 0..31) is bits 2k..2k+1 of qs[32h+l], in sub-block 8h + 2k + l/16.
func dequantQ2_K(b []byte, y []float32) {
	scales := b[:QK_K/16]
	qs := b[QK_K/16 : QK_K/16+QK_K/4]
	d, dmin := halfAt(b[q2KBytes-4:]), halfAt(b[q2KBytes-2:])
	for h := range 2 {
		q := qs[32*h : 32*h+32]
		for k := range 4 {
			shift := 2 * k
			for half := range 2 {
				sc := scales[8*h+2*k+half]
				dl, ml := d*float32(sc&0x0f), dmin*float32(sc>>4)
				out := y[128*h+32*k+16*half : 128*h+32*k+16*half+16]
				for l := range 16 {
					out[l] = float32(dl*float32(q[16*half+l]>>shift&3)) - ml
				}
			}
		}
	}
}

// q3KScale unpacks the 6-bit scale of sub-block j (0..15) of a Q3_K block,
// offset by −32: its low 4 bits are the low nibble of scales[j] for j < 8, the
// high nibble of scales[j−8] otherwise; its top 2 bits are bits 2·(j/4)..+1 of
// scales[8 + j%4] (the aux shuffling in dequantize_row_q3_K).
func q3KScale(scales []byte, j int) int32 {
	_ = scales[11]
	lo := scales[j%8] >> (4 * (j / 8)) & 0x0f
	hi := scales[8+j%4] >> (2 * (j / 4)) & 3
	return int32(lo|hi<<4) - 32
}

// dequantQ3_K is a port of dequantize_row_q3_K for one super-block. Sixteen
// 16-element sub-blocks with signed 6-bit scales; element = d·scale·q, q in
// −4..3: the low 2 bits sit where Q2_K keeps them (bits 2k of qs[32h+l] for
// element 128h + 32k + l) and element e's third bit is bit e/32 of hmask[e%32],
// q = low − 4 where that bit is clear.
func dequantQ3_K(b []byte, y []float32) {
	hmask := b[:QK_K/8]
	qs := b[QK_K/8 : QK_K/8+QK_K/4]
	scales := b[QK_K/8+QK_K/4 : QK_K/8+QK_K/4+kScaleSize]
	d := halfAt(b[q3KBytes-2:])
	for h := range 2 {
		q := qs[32*h : 32*h+32]
		for k := range 4 {
			shift, bit := 2*k, 4*h+k
			for half := range 2 {
				dl := d * float32(q3KScale(scales, 8*h+2*k+half))
				out := y[128*h+32*k+16*half : 128*h+32*k+16*half+16]
				for l := range 16 {
					i := 16*half + l
					v := int32(q[i]>>shift&3) - 4 + 4*int32(hmask[i]>>bit&1)
					out[l] = dl * float32(v)
				}
			}
		}
	}
}

// dequantIQ4_NL is a port of dequantize_row_iq4_nl for one block: Q4_0's nibble
// order, each nibble an index into kvaluesIQ4NL.
func dequantIQ4_NL(b []byte, y []float32) {
	d := halfAt(b)
	qs := b[2:iq4NLBytes]
	for j := range qk / 2 {
		y[j] = d * float32(kvaluesIQ4NL[qs[j]&0x0f])
		y[j+qk/2] = d * float32(kvaluesIQ4NL[qs[j]>>4])
	}
}

// iq4XSScale unpacks the 6-bit scale of sub-block ib (0..7) of an IQ4_XS block,
// offset by −32: low 4 bits from nibble ib%2 of scales_l[ib/2], top 2 bits from
// bits 2ib..2ib+1 of scales_h.
func iq4XSScale(scalesH uint16, scalesL []byte, ib int) int32 {
	lo := scalesL[ib/2] >> (4 * (ib % 2)) & 0x0f
	hi := uint8(scalesH>>(2*ib)) & 3
	return int32(lo|hi<<4) - 32
}

// dequantIQ4_XS is a port of dequantize_row_iq4_xs for one super-block: eight
// 32-element sub-blocks laid out as IQ4_NL blocks (qs[16ib:16ib+16]) whose scale
// is d·(6-bit scale − 32).
func dequantIQ4_XS(b []byte, y []float32) {
	d := halfAt(b)
	scalesH := binary.LittleEndian.Uint16(b[2:])
	scalesL := b[4 : 4+QK_K/64]
	qs := b[4+QK_K/64 : iq4XSBytes]
	for ib := range QK_K / 32 {
		dl := d * float32(iq4XSScale(scalesH, scalesL, ib))
		q, out := qs[16*ib:16*ib+16], y[32*ib:32*ib+32]
		for j := range 16 {
			out[j] = dl * float32(kvaluesIQ4NL[q[j]&0x0f])
			out[j+16] = dl * float32(kvaluesIQ4NL[q[j]>>4])
		}
	}
}
