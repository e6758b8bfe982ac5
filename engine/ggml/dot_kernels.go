package ggml

import (
	"encoding/binary"
	"math"
)

// Per-type dot-product kernels. Each walks the row block by block: it reads the
// block's scales once, unpacks its quants into a small byte array with 64-bit
// word operations (8 quants at a time), then runs one shared loop that maps each
// quant through a 256-entry float32 table and multiplies it with x; the scale is
// applied to the partial sum of each (sub-)block. A load from a table that stays
// in L1 is cheaper than an integer-to-float conversion (measured about 1.6× for
// Q8_0). Fixed-size array pointers let the compiler drop the bounds checks of the
// inner loops; four partial sums break the floating-point add dependency chain.

// valueTable returns t[b] = b - offset (as a signed byte when signed is set).
func valueTable(offset int, signed bool) *[256]float32 {
	var t [256]float32
	for b := range t {
		v := b
		if signed {
			v = int(int8(b))
		}
		t[b] = float32(v - offset)
	}
	return &t
}

// Quant value tables, built at package init and never written after.
var (
	unsignedValues = valueTable(0, false)   // Q4_1, Q5_1, Q4_K, Q5_K: q
	int8Values     = valueTable(0, true)    // Q8_0: q as a signed byte
	q4Values       = valueTable(8, false)   // Q4_0: q - 8
	q5Values       = valueTable(16, false)  // Q5_0: q - 16
	q6Values       = valueTable(32, false)  // Q6_K: q - 32
	q3Values       = valueTable(4, false)   // Q3_K: q - 4, q = 2 low bits | high bit << 2
	iq4Values      = func() *[256]float32 { // IQ4_NL, IQ4_XS: the level a nibble indexes
		var t [256]float32
		for b := range t {
			t[b] = float32(kvaluesIQ4NL[b&0x0f])
		}
		return &t
	}()
)

// spreadBits[b] has bit 4 of byte i set when bit i of b is set: it moves 8 packed
// 5th bits of a Q5_0/Q5_1 block onto their 8 quants at once.
var spreadBits = func() (t [256]uint64) {
	for b := range t {
		for i := range 8 {
			t[b] |= uint64(b>>i&1) << (8*i + 4)
		}
	}
	return t
}()

const (
	lowNibbles = 0x0f0f0f0f0f0f0f0f
	lowBits    = 0x0101010101010101
	low2Bits   = 0x0303030303030303
)

func word(b []byte) uint64       { return binary.LittleEndian.Uint64(b) }
func putWord(b []byte, w uint64) { binary.LittleEndian.PutUint64(b, w) }

// tableDotBlocks sets sums[i] = Σ_j table[q[32i+j]]·x[32i+j] for each 32-element
// block i: one call per row chunk rather than per block.
func tableDotBlocks(q []byte, table *[256]float32, x []float32, sums []float32) {
	for i := range sums {
		qb, xb := (*[32]byte)(q[32*i:]), (*[32]float32)(x[32*i:])
		var s0, s1, s2, s3 float32
		for j := 0; j < 32; j += 4 {
			s0 += table[qb[j]] * xb[j]
			s1 += table[qb[j+1]] * xb[j+1]
			s2 += table[qb[j+2]] * xb[j+2]
			s3 += table[qb[j+3]] * xb[j+3]
		}
		sums[i] = (s0 + s1) + (s2 + s3)
	}
}

// tableDotBlocks16 is tableDotBlocks over 16-element blocks.
func tableDotBlocks16(q []byte, table *[256]float32, x []float32, sums []float32) {
	for i := range sums {
		qb, xb := (*[16]byte)(q[16*i:]), (*[16]float32)(x[16*i:])
		var s0, s1, s2, s3 float32
		for j := 0; j < 16; j += 4 {
			s0 += table[qb[j]] * xb[j]
			s1 += table[qb[j+1]] * xb[j+1]
			s2 += table[qb[j+2]] * xb[j+2]
			s3 += table[qb[j+3]] * xb[j+3]
		}
		sums[i] = (s0 + s1) + (s2 + s3)
	}
}

// chunkBlocks is how many 32-element blocks the Q4/Q5 kernels unpack before
// running the dot loop over them.
const chunkBlocks = 8

func dotF32(row []byte, x, _ []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		b := (*[16]byte)(row[4*i:])
		xs := (*[4]float32)(x[i:])
		s0 += math.Float32frombits(binary.LittleEndian.Uint32(b[0:])) * xs[0]
		s1 += math.Float32frombits(binary.LittleEndian.Uint32(b[4:])) * xs[1]
		s2 += math.Float32frombits(binary.LittleEndian.Uint32(b[8:])) * xs[2]
		s3 += math.Float32frombits(binary.LittleEndian.Uint32(b[12:])) * xs[3]
	}
	for ; i < len(x); i++ {
		s0 += math.Float32frombits(binary.LittleEndian.Uint32(row[4*i:])) * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func dotF16(row []byte, x, _ []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		b := (*[8]byte)(row[2*i:])
		xs := (*[4]float32)(x[i:])
		s0 += f16Table[binary.LittleEndian.Uint16(b[0:])] * xs[0]
		s1 += f16Table[binary.LittleEndian.Uint16(b[2:])] * xs[1]
		s2 += f16Table[binary.LittleEndian.Uint16(b[4:])] * xs[2]
		s3 += f16Table[binary.LittleEndian.Uint16(b[6:])] * xs[3]
	}
	for ; i < len(x); i++ {
		s0 += f16Table[binary.LittleEndian.Uint16(row[2*i:])] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func bf16At(b []byte) float32 {
	return math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16)
}

func dotBF16(row []byte, x, _ []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		b := (*[8]byte)(row[2*i:])
		xs := (*[4]float32)(x[i:])
		s0 += bf16At(b[0:]) * xs[0]
		s1 += bf16At(b[2:]) * xs[1]
		s2 += bf16At(b[4:]) * xs[2]
		s3 += bf16At(b[6:]) * xs[3]
	}
	for ; i < len(x); i++ {
		s0 += bf16At(row[2*i:]) * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// unpack4 writes the 32 nibbles of qs in element order: low nibbles are
// elements 0..15, high nibbles 16..31.
func unpack4(qs *[16]byte, q *[32]byte) {
	w0, w1 := word(qs[0:]), word(qs[8:])
	putWord(q[0:], w0&lowNibbles)
	putWord(q[8:], w1&lowNibbles)
	putWord(q[16:], w0>>4&lowNibbles)
	putWord(q[24:], w1>>4&lowNibbles)
}

// unpack5 writes the 32 5-bit quants of a Q5_0/Q5_1 block: nibbles as unpack4,
// bit j of qh as bit 4 of element j.
func unpack5(qs *[16]byte, qh uint32, q *[32]byte) {
	w0, w1 := word(qs[0:]), word(qs[8:])
	putWord(q[0:], w0&lowNibbles|spreadBits[byte(qh)])
	putWord(q[8:], w1&lowNibbles|spreadBits[byte(qh>>8)])
	putWord(q[16:], w0>>4&lowNibbles|spreadBits[byte(qh>>16)])
	putWord(q[24:], w1>>4&lowNibbles|spreadBits[byte(qh>>24)])
}

// The 32-element formats run in chunks of chunkBlocks blocks: unpack each
// block's quants and scale, then one table loop over the chunk.

// dotQ4_0: element value d·(q-8).
func dotQ4_0(row []byte, x, _ []float32) float32 {
	var (
		acc     float32
		q       [chunkBlocks * qk]byte
		d, sums [chunkBlocks]float32
		nb      = len(x) / qk
	)
	for i0 := 0; i0 < nb; i0 += chunkBlocks {
		n := min(chunkBlocks, nb-i0)
		for k := range n {
			b := (*[q40Bytes]byte)(row[(i0+k)*q40Bytes:])
			d[k] = halfAt(b[:])
			unpack4((*[16]byte)(b[2:]), (*[qk]byte)(q[qk*k:]))
		}
		tableDotBlocks(q[:qk*n], q4Values, x[i0*qk:(i0+n)*qk], sums[:n])
		for k := range n {
			acc += d[k] * sums[k]
		}
	}
	return acc
}

// dotQ4_1: element value d·q + m, so block · x = d·Σ q·x + m·Σx.
func dotQ4_1(row []byte, x, xsum []float32) float32 {
	var (
		acc        float32
		q          [chunkBlocks * qk]byte
		d, m, sums [chunkBlocks]float32
		nb         = len(x) / qk
	)
	for i0 := 0; i0 < nb; i0 += chunkBlocks {
		n := min(chunkBlocks, nb-i0)
		for k := range n {
			b := (*[q41Bytes]byte)(row[(i0+k)*q41Bytes:])
			d[k], m[k] = halfAt(b[:]), halfAt(b[2:])
			unpack4((*[16]byte)(b[4:]), (*[qk]byte)(q[qk*k:]))
		}
		tableDotBlocks(q[:qk*n], unsignedValues, x[i0*qk:(i0+n)*qk], sums[:n])
		xs := xsum[i0 : i0+n]
		for k := range n {
			acc += d[k]*sums[k] + m[k]*xs[k]
		}
	}
	return acc
}

// dotQ5_0: element value d·(q-16), q's 5th bit in qh.
func dotQ5_0(row []byte, x, _ []float32) float32 {
	var (
		acc     float32
		q       [chunkBlocks * qk]byte
		d, sums [chunkBlocks]float32
		nb      = len(x) / qk
	)
	for i0 := 0; i0 < nb; i0 += chunkBlocks {
		n := min(chunkBlocks, nb-i0)
		for k := range n {
			b := (*[q50Bytes]byte)(row[(i0+k)*q50Bytes:])
			d[k] = halfAt(b[:])
			unpack5((*[16]byte)(b[6:]), binary.LittleEndian.Uint32(b[2:]), (*[qk]byte)(q[qk*k:]))
		}
		tableDotBlocks(q[:qk*n], q5Values, x[i0*qk:(i0+n)*qk], sums[:n])
		for k := range n {
			acc += d[k] * sums[k]
		}
	}
	return acc
}

// dotQ5_1: element value d·q + m, q's 5th bit in qh.
func dotQ5_1(row []byte, x, xsum []float32) float32 {
	var (
		acc        float32
		q          [chunkBlocks * qk]byte
		d, m, sums [chunkBlocks]float32
		nb         = len(x) / qk
	)
	for i0 := 0; i0 < nb; i0 += chunkBlocks {
		n := min(chunkBlocks, nb-i0)
		for k := range n {
			b := (*[q51Bytes]byte)(row[(i0+k)*q51Bytes:])
			d[k], m[k] = halfAt(b[:]), halfAt(b[2:])
			unpack5((*[16]byte)(b[8:]), binary.LittleEndian.Uint32(b[4:]), (*[qk]byte)(q[qk*k:]))
		}
		tableDotBlocks(q[:qk*n], unsignedValues, x[i0*qk:(i0+n)*qk], sums[:n])
		xs := xsum[i0 : i0+n]
		for k := range n {
			acc += d[k]*sums[k] + m[k]*xs[k]
		}
	}
	return acc
}

// dotQ8_0: element value d·q, q a signed byte. The quants are already bytes, so
// the table loop runs straight over each block.
func dotQ8_0(row []byte, x, _ []float32) float32 {
	var acc float32
	for i := range len(x) / qk {
		b := (*[q80Bytes]byte)(row[i*q80Bytes:])
		qb, xb := (*[qk]byte)(b[2:]), (*[qk]float32)(x[i*qk:])
		var s0, s1, s2, s3 float32
		for j := 0; j < qk; j += 4 {
			s0 += int8Values[qb[j]] * xb[j]
			s1 += int8Values[qb[j+1]] * xb[j+1]
			s2 += int8Values[qb[j+2]] * xb[j+2]
			s3 += int8Values[qb[j+3]] * xb[j+3]
		}
		acc += halfAt(b[:]) * ((s0 + s1) + (s2 + s3))
	}
	return acc
}

// kScalesMins unpacks the eight 6-bit scales and mins of a Q4_K/Q5_K block as float32.
func kScalesMins(q *[kScaleSize]byte) (sc, m [8]float32) {
	for j := range 4 {
		sc[j] = float32(q[j] & 63)
		m[j] = float32(q[j+4] & 63)
		sc[j+4] = float32(q[j+8]&0x0f | (q[j]>>6)<<4)
		m[j+4] = float32(q[j+8]>>4 | (q[j+4]>>6)<<4)
	}
	return sc, m
}

// unpackQ4K writes the 256 nibbles of a Q4_K block in element order: 32-byte
// chunk c holds elements 64c..64c+31 in its low nibbles and 64c+32.. in its high.
func unpackQ4K(qs *[QK_K / 2]byte, q *[QK_K]byte) {
	for c := range 4 {
		for k := range 4 {
			w := word(qs[32*c+8*k:])
			putWord(q[64*c+8*k:], w&lowNibbles)
			putWord(q[64*c+32+8*k:], w>>4&lowNibbles)
		}
	}
}

// dotKQuant finishes a Q4_K/Q5_K super-block from its unpacked quants:
// sub-block j value d·sc_j·q - dmin·m_j, so block · x = d·Σ_j sc_j·(Σ q·x) - dmin·Σ_j m_j·Σx_j.
func dotKQuant(q *[QK_K]byte, scales *[kScaleSize]byte, d, dmin float32, xs *[QK_K]float32, xsb *[8]float32) float32 {
	sc, m := kScalesMins(scales)
	var sums [8]float32
	tableDotBlocks(q[:], unsignedValues, xs[:], sums[:])
	var sq, sm float32
	for j := range 8 {
		sq += sc[j] * sums[j]
		sm += m[j] * xsb[j]
	}
	return d*sq - dmin*sm
}

// dotQ4_K: 8 sub-blocks of 32 with 6-bit scales and mins.
func dotQ4_K(row []byte, x, xsum []float32) float32 {
	var acc float32
	var q [QK_K]byte
	for i := range len(x) / QK_K {
		b := (*[q4KBytes]byte)(row[i*q4KBytes:])
		unpackQ4K((*[QK_K / 2]byte)(b[4+kScaleSize:]), &q)
		acc += dotKQuant(&q, (*[kScaleSize]byte)(b[4:]), halfAt(b[:]), halfAt(b[2:]),
			(*[QK_K]float32)(x[i*QK_K:]), (*[8]float32)(xsum[i*8:]))
	}
	return acc
}

// dotQ5_K: as Q4_K with a 5th bit per quant: bit 2c of qh[l] for element 64c+l,
// bit 2c+1 for element 64c+32+l.
func dotQ5_K(row []byte, x, xsum []float32) float32 {
	var acc float32
	var q [QK_K]byte
	for i := range len(x) / QK_K {
		b := (*[q5KBytes]byte)(row[i*q5KBytes:])
		qh := (*[QK_K / 8]byte)(b[4+kScaleSize:])
		unpackQ4K((*[QK_K / 2]byte)(b[4+kScaleSize+QK_K/8:]), &q)
		for k := range 4 {
			h := word(qh[8*k:])
			for c := range 4 {
				lo, hi := q[64*c+8*k:], q[64*c+32+8*k:]
				putWord(lo, word(lo)|(h>>(2*c)&lowBits)<<4)
				putWord(hi, word(hi)|(h>>(2*c+1)&lowBits)<<4)
			}
		}
		acc += dotKQuant(&q, (*[kScaleSize]byte)(b[4:]), halfAt(b[:]), halfAt(b[2:]),
			(*[QK_K]float32)(x[i*QK_K:]), (*[8]float32)(xsum[i*8:]))
	}
	return acc
}

// dotQ6_K: element value d·scale_{e/16}·(q-32), q's low 4 bits in ql and top 2
// in qh (layout in dequantQ6_K).
func dotQ6_K(row []byte, x, _ []float32) float32 {
	var acc float32
	var q [QK_K]byte
	for i := range len(x) / QK_K {
		b := (*[q6KBytes]byte)(row[i*q6KBytes:])
		for h := range 2 {
			for k := range 4 {
				a := word(b[64*h+8*k:])
				c := word(b[64*h+32+8*k:])
				hb := word(b[QK_K/2+32*h+8*k:])
				o := 128*h + 8*k
				putWord(q[o:], a&lowNibbles|(hb&low2Bits)<<4)
				putWord(q[o+32:], c&lowNibbles|(hb>>2&low2Bits)<<4)
				putWord(q[o+64:], a>>4&lowNibbles|(hb>>4&low2Bits)<<4)
				putWord(q[o+96:], c>>4&lowNibbles|(hb>>6&low2Bits)<<4)
			}
		}
		sc := (*[QK_K / 16]byte)(b[QK_K/2+QK_K/4:])
		xs := (*[QK_K]float32)(x[i*QK_K:])
		var sums [QK_K / 16]float32
		tableDotBlocks16(q[:], q6Values, xs[:], sums[:])
		var sq float32
		for j := range QK_K / 16 {
			sq += int8Values[sc[j]] * sums[j]
		}
		acc += halfAt(b[q6KBytes-2:]) * sq
	}
	return acc
}

// unpack2Bits writes the low 2 bits of the 256 quants of a Q2_K/Q3_K block in
// element order: element 128h + 32k + l is bits 2k..2k+1 of qs[32h + l].
func unpack2Bits(qs *[QK_K / 4]byte, q *[QK_K]byte) {
	for h := range 2 {
		for w := range 4 {
			v := word(qs[32*h+8*w:])
			for k := range 4 {
				putWord(q[128*h+32*k+8*w:], v>>(2*k)&low2Bits)
			}
		}
	}
}

// dotQ2_K: sub-block j (16 elements) value d·sc_j·q − dmin·m_j, so block · x =
// d·Σ_j sc_j·(Σ q·x) − dmin·Σ_j m_j·Σx_j with xsum holding the sums of x per 16.
func dotQ2_K(row []byte, x, xsum []float32) float32 {
	var acc float32
	var q [QK_K]byte
	for i := range len(x) / QK_K {
		b := (*[q2KBytes]byte)(row[i*q2KBytes:])
		unpack2Bits((*[QK_K / 4]byte)(b[QK_K/16:]), &q)
		var sums [QK_K / 16]float32
		tableDotBlocks16(q[:], unsignedValues, x[i*QK_K:(i+1)*QK_K], sums[:])
		xsb := (*[QK_K / 16]float32)(xsum[i*(QK_K/16):])
		var sq, sm float32
		for j := range QK_K / 16 {
			sc := b[j]
			sq += unsignedValues[sc&0x0f] * sums[j]
			sm += unsignedValues[sc>>4] * xsb[j]
		}
		acc += halfAt(b[q2KBytes-4:])*sq - halfAt(b[q2KBytes-2:])*sm
	}
	return acc
}

// q3KScales unpacks the sixteen 6-bit scales of a Q3_K block, minus 32, four at
// a time from 32-bit words (q3KScale one at a time is the reference): word 0 holds
// the low nibbles of scales 0..3 (low halves) and 8..11 (high halves), word 1
// those of 4..7 and 12..15, and byte i of word 2 the top bits of scales i, i+4,
// i+8, i+12 in its bit pairs 0, 1, 2, 3.
func q3KScales(sc *[kScaleSize]byte) (out [QK_K / 16]float32) {
	const nibbles, pairs = 0x0f0f0f0f, 0x03030303
	a0, a1 := binary.LittleEndian.Uint32(sc[0:]), binary.LittleEndian.Uint32(sc[4:])
	top := binary.LittleEndian.Uint32(sc[8:])
	words := [4]uint32{
		a0&nibbles | (top&pairs)<<4,
		a1&nibbles | (top>>2&pairs)<<4,
		a0>>4&nibbles | (top>>4&pairs)<<4,
		a1>>4&nibbles | (top>>6&pairs)<<4,
	}
	for i, w := range words {
		for k := range 4 {
			out[4*i+k] = unsignedValues[byte(w>>(8*k))] - 32
		}
	}
	return out
}

// dotQ3_K: sub-block j (16 elements) value d·(sc_j − 32)·(q − 4), q's low 2 bits
// as Q2_K's and its third bit, for element e, bit e/32 of hmask[e%32]: the word
// of hmask bytes 8w..8w+7 supplies that bit to eight elements of each 32-element
// group at once.
func dotQ3_K(row []byte, x, _ []float32) float32 {
	var acc float32
	var q [QK_K]byte
	for i := range len(x) / QK_K {
		b := (*[q3KBytes]byte)(row[i*q3KBytes:])
		qs := (*[QK_K / 4]byte)(b[QK_K/8:])
		for w := range 4 {
			hm := word(b[8*w:])
			for h := range 2 {
				v := word(qs[32*h+8*w:])
				for k := range 4 {
					putWord(q[128*h+32*k+8*w:], v>>(2*k)&low2Bits|(hm>>(4*h+k)&lowBits)<<2)
				}
			}
		}
		var sums [QK_K / 16]float32
		tableDotBlocks16(q[:], q3Values, x[i*QK_K:(i+1)*QK_K], sums[:])
		sc := q3KScales((*[kScaleSize]byte)(b[QK_K/8+QK_K/4:]))
		var sq float32
		for j := range QK_K / 16 {
			sq += sc[j] * sums[j]
		}
		acc += halfAt(b[q3KBytes-2:]) * sq
	}
	return acc
}

// dotIQ4_NL: element value d·kvaluesIQ4NL[nibble], nibbles in Q4_0's order.
func dotIQ4_NL(row []byte, x, _ []float32) float32 {
	var (
		acc     float32
		q       [chunkBlocks * qk]byte
		d, sums [chunkBlocks]float32
		nb      = len(x) / qk
	)
	for i0 := 0; i0 < nb; i0 += chunkBlocks {
		n := min(chunkBlocks, nb-i0)
		for k := range n {
			b := (*[iq4NLBytes]byte)(row[(i0+k)*iq4NLBytes:])
			d[k] = halfAt(b[:])
			unpack4((*[16]byte)(b[2:]), (*[qk]byte)(q[qk*k:]))
		}
		tableDotBlocks(q[:qk*n], iq4Values, x[i0*qk:(i0+n)*qk], sums[:n])
		for k := range n {
			acc += d[k] * sums[k]
		}
	}
	return acc
}

// dotIQ4_XS: eight IQ4_NL-shaped 32-element sub-blocks per super-block, sub-block
// ib scaled by d·(6-bit scale − 32).
func dotIQ4_XS(row []byte, x, _ []float32) float32 {
	var acc float32
	var q [QK_K]byte
	for i := range len(x) / QK_K {
		b := (*[iq4XSBytes]byte)(row[i*iq4XSBytes:])
		for ib := range QK_K / 32 {
			unpack4((*[16]byte)(b[8+16*ib:]), (*[qk]byte)(q[32*ib:]))
		}
		var sums [QK_K / 32]float32
		tableDotBlocks(q[:], iq4Values, x[i*QK_K:(i+1)*QK_K], sums[:])
		scalesH := binary.LittleEndian.Uint16(b[2:])
		var sq float32
		for ib := range QK_K / 32 {
			sq += float32(iq4XSScale(scalesH, b[4:8], ib)) * sums[ib]
		}
		acc += halfAt(b[:]) * sq
	}
	return acc
}
