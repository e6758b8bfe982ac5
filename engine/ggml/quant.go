package ggml

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Quantize encodes src as type t with llama.cpp's reference quantisers
// (quantize_row_*_ref in ggml-quants.c, used when no importance matrix is given),
// so the blocks are the ones llama.cpp would write for the same floats.
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
// weighted squared (useMAD false) error over nstep+1 candidate inverse scales, each
// refitted by weighted least squares. It returns the scale and -min.
func makeQKX2Quants(nmax int32, x, weights []float32, L, laux []uint8, rmin, rdelta float32, nstep int) (scale, negMin float32) {
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
		bestErr += float32(weights[i] * float32(diff*diff))
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
			curErr += float32(weights[i] * float32(diff*diff))
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
		scales[j], mins[j] = makeQKX2Quants(nmax, xs, weights[:], lsub[:], laux[:], rmin, rdelta, nstep)
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
