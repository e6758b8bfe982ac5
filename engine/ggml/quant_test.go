package ggml

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestQuantizeHandWorked(t *testing.T) {
	tests := []struct {
		name string
		typ  Type
		in   []float32
		want []byte
	}{
		{
			name: "Q8_0 rounds halves away from zero",
			typ:  Q8_0,
			// amax = 127 → d = 1 (0x3c00); round(-63.5) = -64, round(0.5) = 1, round(-0.5) = -1.
			in:   set(filled(32, 0), map[int]float32{0: 127, 1: -63.5, 2: 0.5, 3: -0.5}),
			want: cat(le16(h1), []byte{127, 0xc0, 1, 0xff}, make([]byte, 28)),
		},
		{
			name: "Q4_0 negative extreme",
			typ:  Q4_0,
			// max = -8 → d = -8/-8 = 1; q = trunc(x+8.5): -8→0, 7→15, 0.4→8, 0.5→9,
			// -0.5→8, 0→8; element 16 = 3.49→11. qs[j] = q[j] | q[j+16]<<4.
			in:   set(filled(32, 0), map[int]float32{0: -8, 1: 7, 2: 0.4, 3: 0.5, 4: -0.5, 16: 3.49}),
			want: cat(le16(h1), []byte{0xb0, 0x8f, 0x88, 0x89, 0x88}, fill(11, 0x88)),
		},
		{
			name: "Q4_0 positive extreme clamps the opposite end",
			typ:  Q4_0,
			// max = 8 → d = -1 (0xbc00), id = -1: 8→trunc(0.5)=0; -8→trunc(16.5)=16,
			// clamped to 15 (decodes to -7: the format's one-step asymmetry).
			in:   set(filled(32, 0), map[int]float32{0: 8, 1: -8}),
			want: cat(le16(hm1), []byte{0x80, 0x8f}, fill(14, 0x88)),
		},
		{
			name: "Q4_1 spans min to max",
			typ:  Q4_1,
			// min = -1, max = 6.5 → d = 7.5/15 = 0.5, m = -1; q = trunc((x+1)·2 + 0.5):
			// -1→0, 6.5→15, 0→2, 0.25→3 (2.5 rounds up). Others are 0 → 2.
			in:   set(filled(32, 0), map[int]float32{0: -1, 1: 6.5, 2: 0.25, 16: 6.5}),
			want: cat(le16(h0_5), le16(hm1), []byte{0xf0, 0x2f, 0x23}, fill(13, 0x22)),
		},
		{
			name: "Q5_0 high bits",
			typ:  Q5_0,
			// max = -16 → d = 1; q = trunc(x+16.5): -16→0, 15→31 (high bit 1), 0→16 (high bit 1).
			// qh has every bit set except bit 0 (element 0).
			in:   set(filled(32, 0), map[int]float32{0: -16, 1: 15}),
			want: cat(le16(h1), []byte{0xfe, 0xff, 0xff, 0xff, 0x00, 0x0f}, make([]byte, 14)),
		},
		{
			name: "Q5_1 high bits",
			typ:  Q5_1,
			// min = 0, max = 31 → d = 1, m = 0; q = trunc(x+0.5): 0→0, 31→31, 16→16, 2.5→3.
			// qh: bits 1 (31) and 2 (16).
			in:   set(filled(32, 0), map[int]float32{1: 31, 2: 16, 3: 2.5}),
			want: cat(le16(h1), le16(0), []byte{0x06, 0, 0, 0, 0x00, 0x0f, 0x00, 0x03}, make([]byte, 12)),
		},
		{
			name: "IQ4_NL grid points are exact",
			typ:  IQ4_NL,
			// x[j] = 0.5·kvalues[j%16]: the trial inverse scale −127/max = 2 maps every
			// element onto its level with no error, so d = 0.5 and qs[j] = j | j<<4.
			in: func() []float32 {
				x := make([]float32, 32)
				for j := range x {
					x[j] = 0.5 * float32(kvaluesIQ4NL[j%16])
				}
				return x
			}(),
			want: cat(le16(h0_5), []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Quantize(tc.typ, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("got  % x\nwant % x", got, tc.want)
			}
		})
	}
}

func TestNearestIntTiesToEven(t *testing.T) {
	tests := []struct {
		in   float32
		want int32
	}{
		{0.5, 0}, {1.5, 2}, {2.5, 2}, {-0.5, 0}, {-1.5, -2}, {-2.5, -2},
		{3.7, 4}, {-3.7, -4}, {0.49999997, 0}, {4194303, 4194303}, {-4194303, -4194303},
	}
	for _, tc := range tests {
		if got := nearestInt(tc.in); got != tc.want {
			t.Errorf("nearestInt(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestQuantizeErrors(t *testing.T) {
	tests := []struct {
		name    string
		typ     Type
		in      []float32
		wantErr error
	}{
		{"unsupported", IQ3_S, make([]float32, 256), ErrUnsupportedType},
		{"unknown", Type(77), make([]float32, 1), ErrUnsupportedType},
		{"partial block", Q4_K, make([]float32, 255), nil},
		{"NaN in block format", Q8_0, set(filled(32, 0), map[int]float32{5: float32(math.NaN())}), nil},
		{"Inf in block format", Q6_K, set(filled(256, 0), map[int]float32{9: float32(math.Inf(-1))}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Quantize(tc.typ, tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %q does not wrap %v", err, tc.wantErr)
			}
		})
	}
}

// testRows returns rows of test data of n elements each: Gaussian, Gaussian with
// rare large outliers, uniform positive, all zero, constant, and tiny values.
func testRows(n int) map[string][]float32 {
	r := rand.New(rand.NewPCG(7, 11))
	gen := func(f func(i int) float32) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = f(i)
		}
		return x
	}
	return map[string][]float32{
		"gaussian": gen(func(int) float32 { return float32(r.NormFloat64()) }),
		"outliers": gen(func(int) float32 {
			v := r.NormFloat64() * 0.02
			if r.IntN(50) == 0 {
				v *= 40
			}
			return float32(v)
		}),
		"uniform positive": gen(func(int) float32 { return float32(1 + r.Float64()) }),
		"zero":             make([]float32, n),
		"constant":         filled(n, -0.75),
		"small":            gen(func(int) float32 { return float32(r.NormFloat64() * 1e-3) }),
	}
}

// f16Rel is the largest relative error of rounding a normal value to binary16.
const f16Rel = 0x1p-11

// TestQuantizeRoundTripBounds checks, for every element, an error bound derived
// from each format's step size. Test data keeps block scales in the binary16
// normal range, where rounding a scale costs at most f16Rel of it.
func TestQuantizeRoundTripBounds(t *testing.T) {
	// bound returns the allowed |x - decoded| for element i of a 32-element block
	// with absolute maximum amax, minimum lo and maximum hi.
	type boundFunc func(amax, lo, hi float32) float64
	simple := []struct {
		typ   Type
		bound boundFunc
	}{
		// d = amax/127, |q| ≤ 127: half a step from rounding, plus q·(d rounded to f16).
		{Q8_0, func(amax, _, _ float32) float64 { d := float64(amax) / 127; return d/2 + 127*d*f16Rel }},
		// d = amax/8: the element opposite the extreme lands one full step away
		// (level 16 is clamped to 15); others are within half a step; |q-8| ≤ 8.
		{Q4_0, func(amax, _, _ float32) float64 { d := float64(amax) / 8; return d + 8*d*f16Rel }},
		// As Q4_0 with 32 levels: d = amax/16, |q-16| ≤ 16.
		{Q5_0, func(amax, _, _ float32) float64 { d := float64(amax) / 16; return d + 16*d*f16Rel }},
		// d = (max-min)/15, levels cover [min, max]: half a step, plus q ≤ 15 times
		// the rounding of d, plus the rounding of the stored min.
		{Q4_1, func(_, lo, hi float32) float64 {
			d := float64(hi-lo) / 15
			return d/2 + 15*d*f16Rel + math.Abs(float64(lo))*f16Rel
		}},
		{Q5_1, func(_, lo, hi float32) float64 {
			d := float64(hi-lo) / 31
			return d/2 + 31*d*f16Rel + math.Abs(float64(lo))*f16Rel
		}},
	}
	// float32 arithmetic in the quantiser and decoder adds a few ulps of amax.
	const f32Slack = 1e-6
	for name, x := range testRows(1024) {
		if name == "small" {
			continue // block scales of 1e-3/127 fall into binary16 subnormals
		}
		for _, s := range simple {
			enc, err := Quantize(s.typ, x)
			if err != nil {
				t.Fatal(err)
			}
			dec := make([]float32, len(x))
			if err := Dequantize(s.typ, enc, dec); err != nil {
				t.Fatal(err)
			}
			for b := 0; b < len(x); b += 32 {
				blk := x[b : b+32]
				_, amax := absMax(blk)
				lo, hi := minMax(blk)
				lim := s.bound(amax, lo, hi) + f32Slack*float64(amax)
				for i, v := range blk {
					if e := math.Abs(float64(v - dec[b+i])); e > lim {
						t.Errorf("%s %s: element %d = %v decoded %v, error %g > bound %g", s.typ, name, b+i, v, dec[b+i], e, lim)
					}
				}
			}
		}
	}
}

// grid describes the levels a decoded block element can take: value(l) for l in [0, n).
type grid struct {
	n     int
	value func(l int) float64
	step  float64 // |value(l+1) - value(l)|
}

// kGrids reads back the per-element level grid that a k-quant block defines.
func kGrids(t Type, blk []byte) []grid {
	out := make([]grid, QK_K)
	switch t {
	case Q4_K, Q5_K:
		n := 16
		if t == Q5_K {
			n = 32
		}
		d, dmin := float64(halfAt(blk)), float64(halfAt(blk[2:]))
		for j := range 8 {
			sc, m := scaleMinK4(j, blk[4:16])
			dj, mj := d*float64(sc), dmin*float64(m)
			for i := range 32 {
				out[32*j+i] = grid{n, func(l int) float64 { return dj*float64(l) - mj }, dj}
			}
		}
	case Q6_K:
		d := float64(halfAt(blk[q6KBytes-2:]))
		for j := range 16 {
			dj := d * float64(int8(blk[QK_K/2+QK_K/4+j]))
			for i := range 16 {
				out[16*j+i] = grid{64, func(l int) float64 { return dj * float64(l-32) }, math.Abs(dj)}
			}
		}
	case Q2_K:
		d, dmin := float64(halfAt(blk[q2KBytes-4:])), float64(halfAt(blk[q2KBytes-2:]))
		for j := range 16 {
			dj, mj := d*float64(blk[j]&0x0f), dmin*float64(blk[j]>>4)
			for i := range 16 {
				out[16*j+i] = grid{4, func(l int) float64 { return dj*float64(l) - mj }, dj}
			}
		}
	case Q3_K:
		d := float64(halfAt(blk[q3KBytes-2:]))
		for j := range 16 {
			dj := d * float64(q3KScale(blk[QK_K/8+QK_K/4:], j))
			for i := range 16 {
				out[16*j+i] = grid{8, func(l int) float64 { return dj * float64(l-4) }, math.Abs(dj)}
			}
		}
	}
	return out
}

// TestKQuantsPickNearestLevel checks the defining property of the k-quant
// reference quantisers: after fitting the scales, every element is re-encoded as
// the level of its sub-block's stored grid nearest to it. Elements beyond the ends
// of the grid are clamped; with outliers that can be several steps (6-bit scales
// relative to the super-block's largest lose the small sub-blocks' resolution),
// which the reference accepts, so only the nearest-level property is exact.
// For data without outliers it also bounds the RMS error in units of each
// element's step by 1/2, the per-element maximum inside the grid.
// (Measured: 0.24–0.35 steps for every k-quant, Q2_K and Q3_K included.)
func TestKQuantsPickNearestLevel(t *testing.T) {
	noOutliers := map[string]bool{"gaussian": true, "uniform positive": true, "small": true}
	for _, typ := range []Type{Q2_K, Q3_K, Q4_K, Q5_K, Q6_K} {
		for name, x := range testRows(1024) {
			enc, err := Quantize(typ, x)
			if err != nil {
				t.Fatal(err)
			}
			dec := make([]float32, len(x))
			if err := Dequantize(typ, enc, dec); err != nil {
				t.Fatal(err)
			}
			var sumSq float64
			var counted int
			bs := typ.TypeSize()
			for b := 0; b < len(x)/QK_K; b++ {
				grids := kGrids(typ, enc[b*bs:(b+1)*bs])
				for i, g := range grids {
					v, got := float64(x[b*QK_K+i]), float64(dec[b*QK_K+i])
					if g.step == 0 {
						continue // a zero sub-block scale decodes every element to the offset
					}
					best := math.Inf(1)
					for l := range g.n {
						best = math.Min(best, math.Abs(v-g.value(l)))
					}
					// The quotient (x+dm)/d is formed in float32: 2⁻¹⁶ of a step
					// covers its rounding for levels up to 63.
					e := math.Abs(v - got)
					if e > best+g.step*0x1p-16 {
						t.Errorf("%s %s element %d: %v decoded %v (error %g), nearest level is %g away",
							typ, name, b*QK_K+i, v, got, e, best)
					}
					sumSq += (e / g.step) * (e / g.step)
					counted++
				}
			}
			if noOutliers[name] {
				if rms := math.Sqrt(sumSq / float64(counted)); rms > 0.5 {
					t.Errorf("%s %s: RMS error %g steps > 0.5", typ, name, rms)
				}
			}
		}
	}
}

// TestKQuantsConstantBlock pins the degenerate case: a constant sub-block gets a
// zero scale and is carried by its min alone, 63·dmin (15·dmin for Q2_K), so the
// only error is the binary16 rounding of dmin (plus float32 rounding of c/63 and
// of the product). The formats without a min (Q6_K, Q3_K, IQ4_NL, IQ4_XS) hit c
// exactly with one level times a scale, again up to the scale's rounding.
func TestKQuantsConstantBlock(t *testing.T) {
	const c = -0.75
	for _, typ := range []Type{Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS} {
		enc, err := Quantize(typ, filled(QK_K, c))
		if err != nil {
			t.Fatal(err)
		}
		dec := make([]float32, QK_K)
		if err := Dequantize(typ, enc, dec); err != nil {
			t.Fatal(err)
		}
		lim := math.Abs(c) * (f16Rel + 0x1p-20)
		for i, v := range dec {
			if e := math.Abs(float64(v) - c); e > lim {
				t.Errorf("%s element %d decoded %v, error %g > %g", typ, i, v, e, lim)
			}
		}
	}
}

// TestIQ4PicksNearestLevel checks IQ4_NL and IQ4_XS the way
// TestKQuantsPickNearestLevel checks the k-quants: each element is decoded to the
// level of its (sub-)block's grid s·kvaluesIQ4NL nearest to it. The reference
// maps elements with the scale s before the rounding of its binary16 factor d
// (at most 2⁻¹¹ of d, or 2⁻²⁵ in the subnormal range; IQ4_XS multiplies that by
// the sub-block's 6-bit |l| ≤ 32), so a level may miss the nearest stored one by
// twice that rounding times the largest level, 127.
func TestIQ4PicksNearestLevel(t *testing.T) {
	halfErr := func(d float64) float64 { return math.Max(math.Abs(d)*0x1p-11, 0x1p-25) }
	for _, typ := range []Type{IQ4_NL, IQ4_XS} {
		for name, x := range testRows(1024) {
			enc, err := Quantize(typ, x)
			if err != nil {
				t.Fatal(err)
			}
			dec := make([]float32, len(x))
			if err := Dequantize(typ, enc, dec); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(x); i += 32 {
				var s, sErr float64
				switch typ {
				case IQ4_NL:
					d := float64(halfAt(enc[i/32*iq4NLBytes:]))
					s, sErr = d, halfErr(d)
				case IQ4_XS:
					b := enc[i/QK_K*iq4XSBytes:]
					d := float64(halfAt(b))
					l := float64(iq4XSScale(binary.LittleEndian.Uint16(b[2:]), b[4:8], i%QK_K/32))
					s, sErr = d*l, math.Abs(l)*halfErr(d)
				}
				for j := i; j < i+32; j++ {
					v, got := float64(x[j]), float64(dec[j])
					best := math.Inf(1)
					for _, q := range kvaluesIQ4NL {
						best = math.Min(best, math.Abs(v-s*float64(q)))
					}
					if e := math.Abs(v - got); e > best+2*127*sErr {
						t.Errorf("%s %s element %d: %v decoded %v (error %g), nearest level is %g away", typ, name, j, v, got, e, best)
					}
				}
			}
		}
	}
}

func TestQuantizeDequantizeExactTypes(t *testing.T) {
	x := []float32{0, 1, -2.5, 65504, 0x1p-24, float32(math.Inf(1)), 3.140625}
	for _, typ := range []Type{F32, F16, BF16} {
		enc, err := Quantize(typ, x)
		if err != nil {
			t.Fatal(err)
		}
		dec := make([]float32, len(x))
		if err := Dequantize(typ, enc, dec); err != nil {
			t.Fatal(err)
		}
		for i, v := range x {
			want := v
			switch typ {
			case F16:
				want = F16ToF32(F32ToF16(v))
			case BF16:
				want = BF16ToF32(F32ToBF16(v))
			}
			if dec[i] != want {
				t.Errorf("%s element %d: %v decoded %v, want %v", typ, i, v, dec[i], want)
			}
		}
	}
}

// TestBestIndexIQ4MatchesBisection pins the table lookup of bestIndexIQ4 to
// best_index_int8's bisection, written out here as the oracle, at every level,
// every midpoint (exact ties), the neighbouring float32 values of both, random
// values, the ends and NaN.
func TestBestIndexIQ4MatchesBisection(t *testing.T) {
	bisect := func(x float32) uint8 {
		val := kvaluesIQ4NL
		if x <= float32(val[0]) {
			return 0
		}
		if x >= float32(val[15]) {
			return 15
		}
		ml, mu := 0, 15
		for mu-ml > 1 {
			mav := (ml + mu) / 2
			if x < float32(val[mav]) {
				mu = mav
			} else {
				ml = mav
			}
		}
		if x-float32(val[mu-1]) < float32(val[mu])-x {
			return uint8(mu - 1)
		}
		return uint8(mu)
	}
	var vs []float32
	for i, q := range kvaluesIQ4NL {
		vs = append(vs, float32(q))
		if i < 15 {
			vs = append(vs, (float32(q)+float32(kvaluesIQ4NL[i+1]))/2)
		}
	}
	for _, v := range vs[:len(vs):len(vs)] {
		vs = append(vs, math.Nextafter32(v, -200), math.Nextafter32(v, 200))
	}
	r := rand.New(rand.NewPCG(5, 5))
	for range 10000 {
		vs = append(vs, float32(r.Float64()*300-150))
	}
	vs = append(vs, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e30, -1e30)
	for _, v := range vs {
		if got, want := bestIndexIQ4(v), bisect(v); got != want {
			t.Errorf("bestIndexIQ4(%v) = %d, bisection %d", v, got, want)
		}
	}
}
