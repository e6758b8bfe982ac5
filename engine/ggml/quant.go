package ggml

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Quantize encodes src as type t with llama.cpp's reference quantisers
// (quantize_row_*_ref in ggml-quants.c, used when no importance matrix is given),
// so the blocks are the ones llama.cpp would write for the same floats. IQ4_NL
// is the exception that keeps that promise: llama-quantize writes it with
// quantize_iq4_nl (15 trial scales per block), not with quantize_row_iq4_nl_ref
// (one), and Quantize follows the former.
// len(src) must be a whole number of blocks. For the block formats every value
// must be finite: the reference code's behaviour on NaN and Inf is undefined.
//
// Products are converted to float32 before being added, matching C compiled
// without floating-point contraction; a llama.cpp build that fuses multiply-adds
// can differ in the last bit of a scale and so, rarely, in a quant.
func Quantize(t Type, src []float32) ([]byte, error) {
	if !Supported(t) {
		return nil, fmt.Errorf("quantize %s: %w", t, ErrUnsupportedType)
	}
	n, err := t.RowBytes(int64(len(src)))
	if err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	dst := make([]byte, n)
	switch t {
	case F32:
		for i, v := range src {
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
		}
		return dst, nil
	case F16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], F32ToF16(v))
		}
		return dst, nil
	case BF16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], F32ToBF16(v))
		}
		return dst, nil
	}
	for i, v := range src {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("quantize %s: element %d is %v, not finite", t, i, v)
		}
	}
	switch t {
	case Q4_0:
		quantBlocks(src, dst, qk, q40Bytes, quantQ4_0)
	case Q4_1:
		quantBlocks(src, dst, qk, q41Bytes, quantQ4_1)
	case Q5_0:
		quantBlocks(src, dst, qk, q50Bytes, quantQ5_0)
	case Q5_1:
		quantBlocks(src, dst, qk, q51Bytes, quantQ5_1)
	case Q8_0:
		quantBlocks(src, dst, qk, q80Bytes, quantQ8_0)
	case Q4_K:
		quantBlocks(src, dst, QK_K, q4KBytes, quantQ4_K)
	case Q5_K:
		quantBlocks(src, dst, QK_K, q5KBytes, quantQ5_K)
	case Q6_K:
		quantBlocks(src, dst, QK_K, q6KBytes, quantQ6_K)
	case Q2_K:
		quantBlocks(src, dst, QK_K, q2KBytes, quantQ2_K)
	case Q3_K:
		quantBlocks(src, dst, QK_K, q3KBytes, quantQ3_K)
	case IQ4_NL:
		quantBlocks(src, dst, qk, iq4NLBytes, quantIQ4_NL)
	case IQ4_XS:
		quantBlocks(src, dst, QK_K, iq4XSBytes, quantIQ4_XS)
	}
	return dst, nil
}

func quantBlocks(src []float32, dst []byte, blockElems, blockBytes int, f func(x []float32, b []byte)) {
	for i := 0; i < len(src)/blockElems; i++ {
		f(src[i*blockElems:(i+1)*blockElems], dst[i*blockBytes:(i+1)*blockBytes])
	}
}

func putHalf(b []byte, v float32) { binary.LittleEndian.PutUint16(b, F32ToF16(v)) }

// absMax returns the element of largest magnitude (the first one on ties) and its magnitude.
func absMax(x []float32) (maxv, amax float32) {
	for _, v := range x {
		if a := abs32(v); amax < a {
			amax, maxv = a, v
		}
	}
	return maxv, amax
}

// minMax keeps the first of equal extremes (so -0 and +0 stay as the C loop leaves them).
func minMax(x []float32) (lo, hi float32) {
	lo, hi = math.MaxFloat32, -math.MaxFloat32
	for _, v := range x {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return lo, hi
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

// truncClamp converts like C's (int8_t)(v) then MIN(hi, ·): v is never negative here.
func truncClamp(v float32, hi int32) uint8 { return uint8(min(hi, int32(v))) }

// quantQ4_0 is a port of quantize_row_q4_0_ref: d = max/-8 so the element of
// largest magnitude maps to level 0 exactly.
func quantQ4_0(x []float32, b []byte) {
	maxv, _ := absMax(x)
	d := maxv / -8
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putHalf(b, d)
	qs := b[2:q40Bytes]
	for j := range qk / 2 {
		x0 := float32(x[j] * id)
		x1 := float32(x[j+qk/2] * id)
		qs[j] = truncClamp(x0+8.5, 15) | truncClamp(x1+8.5, 15)<<4
	}
}

// quantQ4_1 is a port of quantize_row_q4_1_ref: 16 levels spanning [min, max].
func quantQ4_1(x []float32, b []byte) {
	lo, hi := minMax(x)
	d := (hi - lo) / 15
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putHalf(b, d)
	putHalf(b[2:], lo)
	qs := b[4:q41Bytes]
	for j := range qk / 2 {
		x0 := float32((x[j] - lo) * id)
		x1 := float32((x[j+qk/2] - lo) * id)
		qs[j] = truncClamp(x0+0.5, 15) | truncClamp(x1+0.5, 15)<<4
	}
}

// quantQ5_0 is a port of quantize_row_q5_0_ref.
func quantQ5_0(x []float32, b []byte) {
	maxv, _ := absMax(x)
	d := maxv / -16
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putHalf(b, d)
	qs := b[6:q50Bytes]
	var qh uint32
	for j := range qk / 2 {
		x0 := float32(x[j] * id)
		x1 := float32(x[j+qk/2] * id)
		q0 := truncClamp(x0+16.5, 31)
		q1 := truncClamp(x1+16.5, 31)
		qs[j] = q0&0x0f | (q1&0x0f)<<4
		qh |= uint32(q0>>4) << j
		qh |= uint32(q1>>4) << (j + qk/2)
	}
	binary.LittleEndian.PutUint32(b[2:], qh)
}

// quantQ5_1 is a port of quantize_row_q5_1_ref.
func quantQ5_1(x []float32, b []byte) {
	lo, hi := minMax(x)
	d := (hi - lo) / 31
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putHalf(b, d)
	putHalf(b[2:], lo)
	qs := b[8:q51Bytes]
	var qh uint32
	for j := range qk / 2 {
		x0 := float32((x[j] - lo) * id)
		x1 := float32((x[j+qk/2] - lo) * id)
		// The reference has no clamp here: (x-min)/d never exceeds 31 + rounding.
		q0 := uint8(int32(x0 + 0.5))
		q1 := uint8(int32(x1 + 0.5))
		qs[j] = q0&0x0f | (q1&0x0f)<<4
		qh |= uint32(q0>>4&1) << j
		qh |= uint32(q1>>4&1) << (j + qk/2)
	}
	binary.LittleEndian.PutUint32(b[4:], qh)
}

// quantQ8_0 is a port of quantize_row_q8_0_ref (roundf: halves away from zero).
func quantQ8_0(x []float32, b []byte) {
	_, amax := absMax(x)
	d := amax / 127
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putHalf(b, d)
	qs := b[2:q80Bytes]
	for j := range qk {
		qs[j] = uint8(int8(math.Round(float64(float32(x[j] * id)))))
	}
}

// nearestInt is ggml's nearest_int: adding 1.5·2²³ in float32 rounds v to the
// nearest integer (ties to even) in the low mantissa bits for |v| < 2²². Outside
// that range, and for NaN, it returns the same bits-derived value the C code
// does, so degenerate blocks (scales overflowing binary16) still match.
func nearestInt(v float32) int32 {
	return int32(math.Float32bits(v+12582912)&0x007fffff) - 0x00400000
}

// groupMaxEps is ggml's GROUP_MAX_EPS: groups whose largest magnitude is below it count as all zero.
const groupMaxEps = 1e-15

// makeQXQuants is a port of make_qx_quants with rmse_type 1 and no importance
// weights (the only form quantize_row_q6_K_ref uses): a signed scale and levels
// L[i] in [0, 2·nmax) such that x[i] ≈ scale·(L[i]-nmax), fitted by weighted least
// squares (weights x²) over 19 candidate inverse scales.
func makeQXQuants(nmax int32, x []float32, L []int8) float32 {
	maxv, amax := absMax(x)
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	fit := func(iscale float32, store bool) (sumlx, suml2 float32) {
		for i, v := range x {
			l := max(-nmax, min(nmax-1, nearestInt(float32(iscale*v))))
			if store {
				L[i] = int8(l + nmax)
			}
			w := float32(v * v)
			fl := float32(l)
			sumlx += float32(float32(w*v) * fl)
			suml2 += float32(float32(w*fl) * fl)
		}
		return sumlx, suml2
	}
	iscale := -float32(nmax) / maxv
	sumlx, suml2 := fit(iscale, true)
	var scale float32
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	best := float32(scale * sumlx)
	for is := int32(-9); is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -(float32(nmax) + float32(float32(0.1)*float32(is))) / maxv
		sumlx, suml2 = fit(iscale, false)
		if suml2 > 0 && float32(sumlx*sumlx) > float32(best*suml2) {
			fit(iscale, true)
			scale = sumlx / suml2
			best = float32(scale * sumlx)
		}
	}
	return scale
}

// makeQKX2Quants is a port of make_qkx2_quants: an unsigned scale and a min ≤ 0
// such that x[i] ≈ scale·L[i] + min with L[i] in [0, nmax], chosen by minimising the
// weighted squared error (weighted absolute error with useMAD, as Q2_K asks) over
// nstep+1 candidate inverse scales, each refitted by weighted least squares. It
// returns the scale and -min.
func makeQKX2Quants(nmax int32, x, weights []float32, L, laux []uint8, rmin, rdelta float32, nstep int, useMAD bool) (scale, negMin float32) {
	errOf := func(diff float32) float32 {
		if useMAD {
			return abs32(diff)
		}
		return float32(diff * diff)
	}
	lo, hi := x[0], x[0]
	sumW := weights[0]
	sumX := float32(sumW * x[0])
	for i := 1; i < len(x); i++ {
		if x[i] < lo {
			lo = x[i]
		}
		if x[i] > hi {
			hi = x[i]
		}
		w := weights[i]
		sumW += w
		sumX += float32(w * x[i])
	}
	if lo > 0 {
		lo = 0
	}
	if hi == lo {
		clear(L)
		return 0, -lo
	}
	iscale := float32(nmax) / (hi - lo)
	scale = 1 / iscale
	var bestErr float32
	for i, v := range x {
		l := max(0, min(nmax, nearestInt(float32(iscale*(v-lo)))))
		L[i] = uint8(l)
		diff := float32(scale*float32(l)) + lo - v
		bestErr += float32(weights[i] * errOf(diff))
	}
	if nstep < 1 {
		return scale, -lo
	}
	for is := range nstep + 1 {
		iscale = (float32(rmin+float32(rdelta*float32(is))) + float32(nmax)) / (hi - lo)
		var sumL, sumL2, sumXL float32
		for i, v := range x {
			l := max(0, min(nmax, nearestInt(float32(iscale*(v-lo)))))
			laux[i] = uint8(l)
			w, fl := weights[i], float32(l)
			wl := float32(w * fl)
			sumL += wl
			sumL2 += float32(wl * fl)
			sumXL += float32(wl * v)
		}
		det := float32(sumW*sumL2) - float32(sumL*sumL)
		if !(det > 0) {
			continue
		}
		thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / det
		thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / det
		if thisMin > 0 {
			thisMin = 0
			thisScale = sumXL / sumL2
		}
		var curErr float32
		for i, v := range x {
			diff := float32(thisScale*float32(laux[i])) + thisMin - v
			curErr += float32(weights[i] * errOf(diff))
		}
		if curErr < bestErr {
			copy(L, laux)
			bestErr, scale, lo = curErr, thisScale, thisMin
		}
	}
	return scale, -lo
}

// packScalesK4 stores eight 6-bit scales and mins in the 12-byte Q4_K/Q5_K layout
// that scaleMinK4 reads.
func packScalesK4(ls, lm *[8]uint8, q []byte) {
	_ = q[11]
	clear(q[:12])
	for j := range 8 {
		if j < 4 {
			q[j] = ls[j]
			q[j+4] = lm[j]
		} else {
			q[j+4] = ls[j]&0x0f | (lm[j]&0x0f)<<4
			q[j-4] |= (ls[j] >> 4) << 6
			q[j] |= (lm[j] >> 4) << 6
		}
	}
}

// quantKScaled runs the shared part of quantize_row_q4_K_ref and _q5_K_ref: fit
// each 32-element sub-block with makeQKX2Quants, quantise the eight scales and
// mins to 6 bits against the largest of each, write d, dmin and the packed scales
// to b[0:16], and requantise every element against the stored grid into L.
func quantKScaled(x []float32, b []byte, nmax int32, rmin, rdelta float32, nstep int, L *[QK_K]uint8) {
	var (
		laux, lsub      [32]uint8
		weights         [32]float32
		scales, mins    [8]float32
		maxScale, maxMn float32
	)
	for j := range QK_K / 32 {
		xs := x[32*j : 32*j+32]
		var sumX2 float32
		for _, v := range xs {
			sumX2 += float32(v * v)
		}
		avX := float32(math.Sqrt(float64(sumX2 / 32)))
		for l, v := range xs {
			weights[l] = avX + abs32(v)
		}
		scales[j], mins[j] = makeQKX2Quants(nmax, xs, weights[:], lsub[:], laux[:], rmin, rdelta, nstep, false)
		copy(L[32*j:32*j+32], lsub[:])
		if scales[j] > maxScale {
			maxScale = scales[j]
		}
		if mins[j] > maxMn {
			maxMn = mins[j]
		}
	}
	var invScale, invMin float32
	if maxScale > 0 {
		invScale = 63 / maxScale
	}
	if maxMn > 0 {
		invMin = 63 / maxMn
	}
	var ls, lm [8]uint8
	for j := range 8 {
		// uint8 wraps a negative rounding as the C assignment to uint8_t does.
		ls[j] = min(63, uint8(nearestInt(float32(invScale*scales[j]))))
		lm[j] = min(63, uint8(nearestInt(float32(invMin*mins[j]))))
	}
	putHalf(b, maxScale/63)
	putHalf(b[2:], maxMn/63)
	packScalesK4(&ls, &lm, b[4:4+kScaleSize])
	d, dmin := halfAt(b), halfAt(b[2:])
	for j := range 8 {
		sc, m := scaleMinK4(j, b[4:4+kScaleSize])
		dj := float32(d * float32(sc))
		if dj == 0 {
			continue
		}
		dm := float32(dmin * float32(m))
		for i := 32 * j; i < 32*j+32; i++ {
			L[i] = uint8(max(0, min(nmax, nearestInt((x[i]+dm)/dj))))
		}
	}
}

// quantQ4_K is a port of quantize_row_q4_K_ref.
func quantQ4_K(x []float32, b []byte) {
	var L [QK_K]uint8
	quantKScaled(x, b, 15, -1, 0.1, 20, &L)
	qs := b[4+kScaleSize : q4KBytes]
	for c := range QK_K / 64 {
		for l := range 32 {
			qs[32*c+l] = L[64*c+l] | L[64*c+l+32]<<4
		}
	}
}

// quantQ5_K is a port of quantize_row_q5_K_ref.
func quantQ5_K(x []float32, b []byte) {
	var L [QK_K]uint8
	quantKScaled(x, b, 31, -0.5, 0.1, 15, &L)
	qh := b[4+kScaleSize : 4+kScaleSize+QK_K/8]
	qs := b[4+kScaleSize+QK_K/8 : q5KBytes]
	clear(qh)
	for c := range QK_K / 64 {
		for l := range 32 {
			l1, l2 := L[64*c+l], L[64*c+l+32]
			qh[l] |= (l1>>4)<<(2*c) | (l2>>4)<<(2*c+1)
			qs[32*c+l] = l1&0x0f | (l2&0x0f)<<4
		}
	}
}

// quantQ6_K is a port of quantize_row_q6_K_ref: sixteen 16-element sub-blocks,
// each with a signed 8-bit scale relative to the super-block scale d.
func quantQ6_K(x []float32, b []byte) {
	var (
		L        [QK_K]int8
		scales   [QK_K / 16]float32
		maxScale float32
		maxAbs   float32
	)
	for ib := range QK_K / 16 {
		s := makeQXQuants(32, x[16*ib:16*ib+16], L[16*ib:16*ib+16])
		scales[ib] = s
		if a := abs32(s); a > maxAbs {
			maxAbs, maxScale = a, s
		}
	}
	clear(b[:q6KBytes])
	if maxAbs < groupMaxEps {
		return
	}
	ql := b[0 : QK_K/2]
	qh := b[QK_K/2 : QK_K/2+QK_K/4]
	sc := b[QK_K/2+QK_K/4 : QK_K/2+QK_K/4+QK_K/16]
	iscale := -128 / maxScale
	putHalf(b[q6KBytes-2:], 1/iscale)
	for ib := range QK_K / 16 {
		sc[ib] = uint8(int8(min(127, nearestInt(float32(iscale*scales[ib])))))
	}
	d := halfAt(b[q6KBytes-2:])
	for j := range QK_K / 16 {
		dj := float32(d * float32(int8(sc[j])))
		if dj == 0 {
			continue
		}
		for i := 16 * j; i < 16*j+16; i++ {
			L[i] = int8(max(-32, min(31, nearestInt(x[i]/dj))) + 32)
		}
	}
	for h := range 2 {
		for l := range 32 {
			q1, q2 := uint8(L[128*h+l]), uint8(L[128*h+l+32])
			q3, q4 := uint8(L[128*h+l+64]), uint8(L[128*h+l+96])
			ql[64*h+l] = q1&0x0f | (q3&0x0f)<<4
			ql[64*h+l+32] = q2&0x0f | (q4&0x0f)<<4
			qh[32*h+l] = q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6
		}
	}
}

// quantQ2_K is a port of quantize_row_q2_K_ref: each 16-element sub-block is fitted
// as scale·q + min with q in 0..3 by makeQKX2Quants (weights |x|, absolute error),
// the sixteen scales and mins are quantised to 4 bits against the largest of
// each, and every element is requantised against the stored grid.
func quantQ2_K(x []float32, b []byte) {
	var (
		L                [QK_K]uint8
		laux             [16]uint8
		weights          [16]float32
		scales, mins     [QK_K / 16]float32
		maxScale, maxMin float32
	)
	for j := range QK_K / 16 {
		xs := x[16*j : 16*j+16]
		for l, v := range xs {
			weights[l] = abs32(v)
		}
		scales[j], mins[j] = makeQKX2Quants(3, xs, weights[:], L[16*j:16*j+16], laux[:], -0.5, 0.1, 15, true)
		if scales[j] > maxScale {
			maxScale = scales[j]
		}
		if mins[j] > maxMin {
			maxMin = mins[j]
		}
	}
	sc := b[:QK_K/16]
	qs := b[QK_K/16 : QK_K/16+QK_K/4]
	// The reference stores nearest_int's int into a uint8_t: uint8 truncates alike.
	if maxScale > 0 {
		iscale := 15 / maxScale
		for j := range sc {
			sc[j] = uint8(nearestInt(float32(iscale * scales[j])))
		}
		putHalf(b[q2KBytes-4:], maxScale/15)
	} else {
		clear(sc)
		putHalf(b[q2KBytes-4:], 0)
	}
	if maxMin > 0 {
		iscale := 15 / maxMin
		for j := range sc {
			sc[j] |= uint8(nearestInt(float32(iscale*mins[j])) << 4)
		}
		putHalf(b[q2KBytes-2:], maxMin/15)
	} else {
		putHalf(b[q2KBytes-2:], 0)
	}
	d, dmin := halfAt(b[q2KBytes-4:]), halfAt(b[q2KBytes-2:])
	for j := range QK_K / 16 {
		dj := float32(d * float32(sc[j]&0x0f))
		if dj == 0 {
			continue
		}
		dm := float32(dmin * float32(sc[j]>>4))
		for i := 16 * j; i < 16*j+16; i++ {
			L[i] = uint8(max(0, min(3, nearestInt((x[i]+dm)/dj))))
		}
	}
	pack2Bits(&L, qs)
}

// pack2Bits stores the low 2 bits of 256 levels as Q2_K and Q3_K do: element
// 128h + 32k + l goes to bits 2k..2k+1 of qs[32h + l].
func pack2Bits(L *[QK_K]uint8, qs []byte) {
	_ = qs[QK_K/4-1]
	for h := range 2 {
		for l := range 32 {
			e := 128*h + l
			qs[32*h+l] = L[e] | L[e+32]<<2 | L[e+64]<<4 | L[e+96]<<6
		}
	}
}

// makeQ3Quants is a port of make_q3_quants with do_rmse: signed levels L[i] in
// [-nmax, nmax) for x, first by rounding against the element of largest
// magnitude, then improved one element at a time (up to five passes) while that
// raises the weighted (x²) least-squares fit; L is stored offset by nmax and the
// fitted scale returned.
func makeQ3Quants(nmax int32, x []float32, L []int8) float32 {
	maxv, amax := absMax(x)
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	iscale := -float32(nmax) / maxv
	var sumlx, suml2 float32
	for i, v := range x {
		l := max(-nmax, min(nmax-1, nearestInt(float32(iscale*v))))
		L[i] = int8(l)
		w := float32(v * v)
		sumlx += float32(float32(w*v) * float32(l))
		suml2 += float32(float32(w*float32(l)) * float32(l))
	}
	for range 5 {
		changed := false
		for i, v := range x {
			w := float32(v * v)
			wx := float32(w * v)
			li := float32(L[i])
			slx := sumlx - float32(wx*li)
			if !(slx > 0) {
				continue
			}
			sl2 := suml2 - float32(float32(w*li)*li)
			newL := max(-nmax, min(nmax-1, nearestInt(float32(v*sl2)/slx)))
			if newL == int32(L[i]) {
				continue
			}
			fl := float32(newL)
			slx += float32(wx * fl)
			sl2 += float32(float32(w*fl) * fl)
			if sl2 > 0 && float32(float32(slx*slx)*suml2) > float32(float32(sumlx*sumlx)*sl2) {
				L[i], sumlx, suml2 = int8(newL), slx, sl2
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	for i := range L {
		L[i] += int8(nmax)
	}
	if suml2 > 0 {
		return sumlx / suml2
	}
	return 0
}

// quantQ3_K is a port of quantize_row_q3_K_ref: each 16-element sub-block is
// fitted by makeQ3Quants with levels −4..3, the sixteen signed scales are
// quantised to 6 bits relative to the one of largest magnitude, and every element
// is requantised against the stored grid; the low 2 bits of each level + 4 go to
// qs as in Q2_K, the third to hmask.
func quantQ3_K(x []float32, b []byte) {
	var (
		L              [QK_K]int8
		scales         [QK_K / 16]float32
		maxScale, amax float32
	)
	for j := range QK_K / 16 {
		scales[j] = makeQ3Quants(4, x[16*j:16*j+16], L[16*j:16*j+16])
		if a := abs32(scales[j]); a > amax {
			amax, maxScale = a, scales[j]
		}
	}
	hmask := b[:QK_K/8]
	qs := b[QK_K/8 : QK_K/8+QK_K/4]
	sc := b[QK_K/8+QK_K/4 : QK_K/8+QK_K/4+kScaleSize]
	clear(sc)
	if maxScale != 0 {
		iscale := -32 / maxScale
		for j := range QK_K / 16 {
			// int8_t l = nearest_int(…): the reference narrows before clamping.
			l := uint8(max(-32, min(31, int32(int8(nearestInt(float32(iscale*scales[j])))))) + 32)
			sc[j%8] |= (l & 0x0f) << (4 * (j / 8))
			sc[8+j%4] |= (l >> 4) << (2 * (j / 4))
		}
		putHalf(b[q3KBytes-2:], 1/iscale)
	} else {
		putHalf(b[q3KBytes-2:], 0)
	}
	d := halfAt(b[q3KBytes-2:])
	for j := range QK_K / 16 {
		dj := float32(d * float32(q3KScale(sc, j)))
		if dj == 0 {
			continue
		}
		for i := 16 * j; i < 16*j+16; i++ {
			L[i] = int8(max(-4, min(3, nearestInt(x[i]/dj))) + 4)
		}
	}
	clear(hmask)
	var low [QK_K]uint8
	for e, l := range L {
		if l > 3 {
			hmask[e%32] |= 1 << (e / 32)
			l -= 4
		}
		low[e] = uint8(l)
	}
	pack2Bits(&low, qs)
}

// bestIndexIQ4 is best_index_int8 over kvaluesIQ4NL: the index of the level
// nearest to v (the upper one on an exact tie, as the C comparison has it);
// values beyond either end take that end. The C code bisects for hi, the first
// level above v. The levels are integers, so v ≥ level exactly when ⌊v⌋ ≥ level
// and hi can be read from a table indexed by ⌊v⌋, without the bisection's
// unpredictable branches (4× faster quantisation); the final comparison is the
// C one. NaN, for which every C comparison is false, ends that bisection on the
// top level.
func bestIndexIQ4(v float32) uint8 {
	if v <= float32(kvaluesIQ4NL[0]) {
		return 0
	}
	if v >= float32(kvaluesIQ4NL[15]) || v != v {
		return 15
	}
	hi := int(iq4Above[int(math.Floor(float64(v)))-int(kvaluesIQ4NL[0])])
	lower := v-float32(kvaluesIQ4NL[hi-1]) < float32(kvaluesIQ4NL[hi])-v
	return uint8(hi - b2i(lower))
}

// iq4Above[k+127] is the index of the first level above k, for the integers k
// strictly between the end levels: 1 + the number of levels 1..14 at or below k.
var iq4Above = func() (t [int(113) - (-127)]uint8) {
	for i := range t {
		k, hi := i-127, 1
		for _, q := range kvaluesIQ4NL[1:15] {
			if k >= int(q) {
				hi++
			}
		}
		t[i] = uint8(hi)
	}
	return t
}()

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	var i int
	if b {
		i = 1
	}
	return i
}

// iq4Trials is the ntry of quantize_iq4_nl and quantize_iq4_xs: 2·7+1 trial
// inverse scales around the one that maps the extreme element onto level −127.
const iq4Trials = 7

// fitIQ4 is the per-32-element part of quantize_row_iq4_nl_impl without an
// importance matrix: weights x², a first scale that maps the element of largest
// magnitude onto kvaluesIQ4NL[0] (−127), its levels L and their least-squares
// scale, then 15 trial inverse scales (−127+t)/max, t in −7..7, keeping the
// best fit (L keeps the first pass's levels, as in the reference). A block whose
// largest magnitude is below groupMaxEps gets scale 0 and L untouched.
func fitIQ4(x []float32, L []uint8) float32 {
	maxv, amax := absMax(x)
	if amax < groupMaxEps {
		return 0
	}
	v0 := float32(kvaluesIQ4NL[0])
	d := -maxv / v0
	id := 1 / d
	fit := func(id float32, store bool) (sumqx, sumq2 float32) {
		for j, v := range x {
			l := bestIndexIQ4(float32(id * v))
			if store {
				L[j] = l
			}
			q := float32(kvaluesIQ4NL[l])
			w := float32(v * v)
			wq := float32(w * q)
			sumqx += float32(wq * v)
			sumq2 += float32(wq * q)
		}
		return sumqx, sumq2
	}
	sumqx, sumq2 := fit(id, true)
	d = 0
	if sumq2 > 0 {
		d = sumqx / sumq2
	}
	best := float32(d * sumqx)
	for t := -iq4Trials; t <= iq4Trials; t++ {
		sumqx, sumq2 = fit(float32(t+int(kvaluesIQ4NL[0]))/maxv, false)
		if sumq2 > 0 && float32(sumqx*sumqx) > float32(best*sumq2) {
			d = sumqx / sumq2
			best = float32(d * sumqx)
		}
	}
	return d
}

// packIQ4 stores 32 levels per 16 bytes in Q4_0's order: element j in the low
// nibble of q4[j], element j+16 in the high nibble.
func packIQ4(L []uint8, q4 []byte) {
	for i := range len(L) / 32 {
		for j := range 16 {
			q4[16*i+j] = L[32*i+j] | L[32*i+16+j]<<4
		}
	}
}

// quantIQ4_NL is a port of quantize_iq4_nl without an importance matrix (what
// llama-quantize writes): fitIQ4's scale is stored as the block's d and every
// element re-mapped to the level nearest to x/d, with d before rounding to
// binary16, as the reference does.
func quantIQ4_NL(x []float32, b []byte) {
	var L [qk]uint8
	d := fitIQ4(x, L[:])
	putHalf(b, d)
	var id float32
	if d != 0 {
		id = 1 / d
	}
	for j, v := range x {
		L[j] = bestIndexIQ4(float32(id * v))
	}
	packIQ4(L[:], b[2:iq4NLBytes])
}

// quantIQ4_XS is a port of quantize_row_iq4_xs_ref (quantize_iq4_xs without an
// importance matrix): fitIQ4 per 32-element sub-block, then the eight scales are
// quantised to 6 bits (−32..31) against d = −max/32, max the scale of largest
// magnitude, and each sub-block's elements re-mapped to the level nearest to
// x/(d·l), with d before rounding to binary16.
func quantIQ4_XS(x []float32, b []byte) {
	var (
		L              [QK_K]uint8
		scales         [QK_K / 32]float32
		maxScale, amax float32
	)
	for ib := range QK_K / 32 {
		scales[ib] = fitIQ4(x[32*ib:32*ib+32], L[32*ib:32*ib+32])
		if a := abs32(scales[ib]); a > amax {
			amax, maxScale = a, scales[ib]
		}
	}
	// For an all-zero block d is −0, stored as binary16 0x8000 like the reference.
	d := -maxScale / 32
	putHalf(b, d)
	var id float32
	if d != 0 {
		id = 1 / d
	}
	var scalesH uint16
	scalesL := b[4 : 4+QK_K/64]
	for ib := range QK_K / 32 {
		l := max(-32, min(31, nearestInt(float32(id*scales[ib]))))
		dl := float32(d * float32(l))
		var idl float32
		if dl != 0 {
			idl = 1 / dl
		}
		for j := 32 * ib; j < 32*ib+32; j++ {
			L[j] = bestIndexIQ4(float32(idl * x[j]))
		}
		u := uint8(l + 32)
		if ib%2 == 0 {
			scalesL[ib/2] = u & 0x0f
		} else {
			scalesL[ib/2] |= (u & 0x0f) << 4
		}
		scalesH |= uint16(u>>4) << (2 * ib)
	}
	binary.LittleEndian.PutUint16(b[2:], scalesH)
	packIQ4(L[:], b[4+QK_K/64:iq4XSBytes])
}
