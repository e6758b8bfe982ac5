package ggml

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestF32ToF16(t *testing.T) {
	tests := []struct {
		name string
		in   float32
		want uint16
	}{
		{"one", 1, 0x3c00},
		{"minus two", -2, 0xc000},
		{"plus zero", 0, 0x0000},
		{"minus zero", float32(math.Copysign(0, -1)), 0x8000},
		{"largest finite", 65504, 0x7bff},
		{"just below overflow midpoint", 65519, 0x7bff},
		{"overflow midpoint ties to even (Inf)", 65520, 0x7c00},
		{"far overflow", 1e9, 0x7c00},
		{"negative overflow", -1e9, 0xfc00},
		{"+Inf", float32(math.Inf(1)), 0x7c00},
		{"-Inf", float32(math.Inf(-1)), 0xfc00},
		{"tie 1+2⁻¹¹ to even 1", 1 + 0x1p-11, 0x3c00},
		{"tie 1+3·2⁻¹¹ to even 1+2⁻⁹", 1 + 3*0x1p-11, 0x3c02},
		{"above tie rounds up", 1 + 0x1p-11 + 0x1p-20, 0x3c01},
		{"mantissa carry into exponent", 2 - 0x1p-12, 0x4000},
		{"smallest normal", 0x1p-14, 0x0400},
		{"tie between largest subnormal and smallest normal", 0x1p-14 - 0x1p-25, 0x0400},
		{"largest subnormal", 1023 * 0x1p-24, 0x03ff},
		{"smallest subnormal", 0x1p-24, 0x0001},
		{"half the smallest subnormal ties to 0", 0x1p-25, 0x0000},
		{"above half the smallest subnormal", 0x1p-25 + 0x1p-40, 0x0001},
		{"1.5 subnormal units ties to 2", 3 * 0x1p-25, 0x0002},
		{"negative subnormal", -5 * 0x1p-24, 0x8005},
		{"float32 subnormal underflows", 1e-40, 0x0000},
		{"NaN stays quiet", float32(math.NaN()), 0x7e00},
		{"signalling NaN made quiet", math.Float32frombits(0x7f800001), 0x7e00},
		{"negative NaN payload kept", math.Float32frombits(0xffc02000), 0xfe01},
	}
	for _, tc := range tests {
		if got := F32ToF16(tc.in); got != tc.want {
			t.Errorf("%s: F32ToF16(%g) = %#04x, want %#04x", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestF16RoundTripExhaustive(t *testing.T) {
	for h := range 1 << 16 {
		f := F16ToF32(uint16(h))
		if math.IsNaN(float64(f)) {
			if got := F16ToF32(F32ToF16(f)); !math.IsNaN(float64(got)) {
				t.Errorf("NaN %#04x came back as %v", h, got)
			}
			continue
		}
		if got := F32ToF16(f); got != uint16(h) {
			t.Errorf("F32ToF16(F16ToF32(%#04x) = %g) = %#04x", h, f, got)
		}
		if f16Table[h] != f && !math.IsNaN(float64(f)) {
			t.Errorf("table[%#04x] = %v, want %v", h, f16Table[h], f)
		}
	}
}

// TestF32ToF16IsNearest checks random finite inputs against the definition of
// round-to-nearest-even: no neighbouring binary16 value is closer, and on a tie
// the chosen mantissa is even.
func TestF32ToF16IsNearest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		f := math.Float32frombits(r.Uint32())
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) || math.Abs(float64(f)) >= 65520 {
			continue
		}
		h := F32ToF16(f)
		got := float64(F16ToF32(h))
		err := math.Abs(float64(f) - got)
		for _, nb := range []uint16{h - 1, h + 1} {
			if nb&0x7fff >= 0x7c00 || (h&0x7fff == 0 && nb&0x7fff != 1) {
				continue
			}
			alt := math.Abs(float64(f) - float64(F16ToF32(nb)))
			if alt < err || (alt == err && h&1 == 1) {
				t.Fatalf("F32ToF16(%g) = %#04x (%g), but %#04x (%g) is nearer or the even tie", f, h, got, nb, F16ToF32(nb))
			}
		}
	}
}

func TestBF16(t *testing.T) {
	tests := []struct {
		name string
		in   float32
		want uint16
	}{
		{"one", 1, 0x3f80},
		{"minus three", -3, 0xc040},
		{"tie 1+2⁻⁸ to even 1", 1 + 0x1p-8, 0x3f80},
		{"tie 1+3·2⁻⁸ to even", 1 + 3*0x1p-8, 0x3f82},
		{"above tie", 1 + 0x1p-8 + 0x1p-20, 0x3f81},
		{"largest float32 overflows to Inf", math.MaxFloat32, 0x7f80},
		{"-Inf", float32(math.Inf(-1)), 0xff80},
		{"signalling NaN made quiet", math.Float32frombits(0x7f800001), 0x7fc0},
		{"quiet NaN", float32(math.NaN()), 0x7fc0},
		{"subnormal kept", math.Float32frombits(0x00010000), 0x0001},
	}
	for _, tc := range tests {
		got := F32ToBF16(tc.in)
		if got != tc.want {
			t.Errorf("%s: F32ToBF16(%g) = %#04x, want %#04x", tc.name, tc.in, got, tc.want)
		}
		if !math.IsNaN(float64(tc.in)) && tc.in == BF16ToF32(tc.want) && F32ToBF16(BF16ToF32(tc.want)) != tc.want {
			t.Errorf("%s: BF16 %#04x does not round-trip", tc.name, tc.want)
		}
	}
	if got := BF16ToF32(0xc040); got != -3 {
		t.Errorf("BF16ToF32(0xc040) = %v, want -3", got)
	}
}
