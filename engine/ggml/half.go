package ggml

import "math"

// F16ToF32 widens an IEEE 754 binary16 value. Every binary16 value, subnormals,
// infinities and NaN payloads included, is exactly representable in float32.
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0:
		// Zero or subnormal: mant × 2⁻²⁴, exact in float32.
		v := float32(mant) * (1.0 / (1 << 24))
		return math.Float32frombits(math.Float32bits(v) | sign)
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}

// F32ToF16 narrows f to IEEE 754 binary16, rounding to nearest with ties to even
// (the rounding of x86 F16C and of ggml's software fallback). Values beyond the
// binary16 range become ±Inf, values below half the smallest subnormal become ±0,
// and NaN stays a quiet NaN keeping the top bits of its payload.
func F32ToF16(f float32) uint16 {
	u := math.Float32bits(f)
	sign := uint16(u>>16) & 0x8000
	exp := int(u>>23) & 0xff
	mant := u & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00 | uint16(mant>>13)
		}
		return sign | 0x7c00
	}
	e := exp - 127
	switch {
	case e > 15:
		return sign | 0x7c00
	case e >= -14:
		// Normal binary16: drop 13 mantissa bits with rounding; a carry out of the
		// mantissa correctly bumps the exponent, up to 0x7c00 (Inf).
		h := uint32(e+15)<<10 | mant>>13
		h += roundBit(mant, 13, h)
		if h >= 0x7c00 {
			return sign | 0x7c00
		}
		return sign | uint16(h)
	case e >= -25:
		// Subnormal binary16: value = m × 2^(e-23) with the implicit bit, in units
		// of 2⁻²⁴ that is m >> -(e+1).
		m := mant | 0x800000
		shift := uint(-(e + 1))
		h := m >> shift
		h += roundBit(m, shift, h)
		return sign | uint16(h)
	default:
		return sign
	}
}

// roundBit returns 1 when dropping the low `shift` bits of m (whose kept part is
// kept) must round up under round-to-nearest-even, else 0.
func roundBit(m uint32, shift uint, kept uint32) uint32 {
	rem := m & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rem > half || (rem == half && kept&1 == 1) {
		return 1
	}
	return 0
}

// BF16ToF32 widens a bfloat16 value (the top half of a float32).
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToBF16 narrows f to bfloat16, rounding to nearest with ties to even, as
// ggml's ggml_compute_fp32_to_bf16 does; NaN is kept and forced quiet.
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 0x40
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// f16Table maps every binary16 bit pattern to its float32 value; the dot-product
// kernels read F16 weights through it (256 KiB, built once at package init and
// never written after).
var f16Table = func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for i := range t {
		t[i] = F16ToF32(uint16(i))
	}
	return &t
}()

// halfAt reads the little-endian binary16 at b[0:2] as float32.
func halfAt(b []byte) float32 {
	_ = b[1]
	return f16Table[uint16(b[0])|uint16(b[1])<<8]
}
