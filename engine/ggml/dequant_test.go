package ggml

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// Binary16 constants used to build blocks by hand (little-endian byte pairs below).
const (
	h0_25 = 0x3400 // 0.25
	h0_5  = 0x3800 // 0.5
	h1    = 0x3c00 // 1
	hm1   = 0xbc00 // -1
	h2    = 0x4000 // 2
)

func le16(h uint16) []byte { return []byte{byte(h), byte(h >> 8)} }

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func fill(n int, b byte) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

func with(b []byte, idx int, v byte) []byte {
	b[idx] = v
	return b
}

func filled(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func set(x []float32, kv map[int]float32) []float32 {
	for k, v := range kv {
		x[k] = v
	}
	return x
}

// q4KScales packs sub-block scales {1,2,3,4,33,0,0,0} and mins {0,1,2,3,17,0,0,0}:
// bytes 0..3 = scales 0..3 with bits 6..7 = high bits of scale 4..7 (33>>4 = 2 → 0x81);
// bytes 4..7 = mins 0..3 with bits 6..7 = high bits of min 4..7 (17>>4 = 1 → 0x40);
// byte 8 = low nibble of scale 4 (1) | low nibble of min 4 (1) << 4 = 0x11.
var q4KScales = []byte{0x81, 2, 3, 4, 0x40, 1, 2, 3, 0x11, 0, 0, 0}

func TestDequantizeHandBuiltBlocks(t *testing.T) {
	tests := []struct {
		name string
		typ  Type
		src  []byte
		want []float32
	}{
		{
			name: "F32",
			typ:  F32,
			// 1.5 = 0x3fc00000, -2 = 0xc0000000
			src:  []byte{0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0},
			want: []float32{1.5, -2},
		},
		{
			name: "F16",
			typ:  F16,
			// 0x3c00 = 1, 0xc000 = -2, 0x0001 = 2⁻²⁴ (smallest subnormal), 0x7c00 = +Inf
			src:  []byte{0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c},
			want: []float32{1, -2, 0x1p-24, float32(math.Inf(1))},
		},
		{
			name: "BF16",
			typ:  BF16,
			// 0x3fc0 = 1.5, 0xc040 = -3
			src:  []byte{0xc0, 0x3f, 0x40, 0xc0},
			want: []float32{1.5, -3},
		},
		{
			name: "Q8_0",
			typ:  Q8_0,
			// d = 0.5; qs = 1, -2, 127, -128, rest 0 → 0.5, -1, 63.5, -64, 0…
			src:  cat(le16(h0_5), []byte{1, 0xfe, 127, 0x80}, make([]byte, 28)),
			want: set(filled(32, 0), map[int]float32{0: 0.5, 1: -1, 2: 63.5, 3: -64}),
		},
		{
			name: "Q4_0",
			typ:  Q4_0,
			// d = 2; qs[0] = 0x9f: element 0 = (15-8)·2 = 14, element 16 = (9-8)·2 = 2;
			// qs[1] = 0x08: element 1 = (8-8)·2 = 0, element 17 = (0-8)·2 = -16;
			// every other byte 0x88 → 0.
			src:  cat(le16(h2), []byte{0x9f, 0x08}, fill(14, 0x88)),
			want: set(filled(32, 0), map[int]float32{0: 14, 16: 2, 17: -16}),
		},
		{
			name: "Q4_1",
			typ:  Q4_1,
			// d = 0.5, m = -1; qs[0] = 0xf0: element 0 = 0·0.5-1 = -1, element 16 =
			// 15·0.5-1 = 6.5; every other byte 0x22 → 2·0.5-1 = 0.
			src:  cat(le16(h0_5), le16(hm1), []byte{0xf0}, fill(15, 0x22)),
			want: set(filled(32, 0), map[int]float32{0: -1, 16: 6.5}),
		},
		{
			name: "Q5_0",
			typ:  Q5_0,
			// d = 1; qh = 0x80010001 (bits 0, 16, 31): qs[0] = 0x3f: element 0 =
			// (15|16)-16 = 15, element 16 = (3|16)-16 = 3; qs[15] = 0xf0: element 15 =
			// 0-16 = -16, element 31 = (15|16)-16 = 15; all other quants 0 → -16.
			src:  cat(le16(h1), []byte{0x01, 0x00, 0x01, 0x80, 0x3f}, make([]byte, 14), []byte{0xf0}),
			want: set(filled(32, -16), map[int]float32{0: 15, 16: 3, 31: 15}),
		},
		{
			name: "Q5_1",
			typ:  Q5_1,
			// d = 0.25, m = 1; qh = 0x00020002 (bits 1, 17): qs[1] = 0x21: element 1 =
			// (1|16)·0.25+1 = 5.25, element 17 = (2|16)·0.25+1 = 5.5; others 0 → 1.
			src:  cat(le16(h0_25), le16(h1), []byte{0x02, 0x00, 0x02, 0x00, 0x00, 0x21}, make([]byte, 14)),
			want: set(filled(32, 1), map[int]float32{1: 5.25, 17: 5.5}),
		},
		{
			name: "Q4_K",
			typ:  Q4_K,
			// d = 1, dmin = 0.5, scales/mins from q4KScales. A zero quant in sub-block j
			// gives -0.5·min_j: 0, -0.5, -1, -1.5, -8.5, 0, 0, 0.
			// qs[0] = 0x21: element 0 (sub-block 0, low nibble) = 1·1-0 = 1;
			// element 32 (sub-block 1, high nibble) = 2·2-0.5 = 3.5.
			// qs[64] = 0x0f: element 128 (sub-block 4, low) = 33·15-0.5·17 = 486.5.
			src: cat(le16(h1), le16(h0_5), q4KScales, with(with(make([]byte, 128), 0, 0x21), 64, 0x0f)),
			want: set(perSubBlock(32, 0, -0.5, -1, -1.5, -8.5, 0, 0, 0),
				map[int]float32{0: 1, 32: 3.5, 128: 486.5}),
		},
		{
			name: "Q5_K",
			typ:  Q5_K,
			// As Q4_K, plus qh[0] = 0x05: bit 0 adds 16 to element 0, bit 2 adds 16 to
			// element 64 (chunk 1, low nibble). qs[0] = 0x21: element 0 = 1·(1+16) = 17,
			// element 32 = 2·2-0.5 = 3.5; element 64 (sub-block 2) = 3·16-0.5·2 = 47.
			src: cat(le16(h1), le16(h0_5), q4KScales, with(make([]byte, 32), 0, 0x05),
				with(make([]byte, 128), 0, 0x21)),
			want: set(perSubBlock(32, 0, -0.5, -1, -1.5, -8.5, 0, 0, 0),
				map[int]float32{0: 17, 32: 3.5, 64: 47}),
		},
		{
			name: "Q6_K",
			typ:  Q6_K,
			// d = 0.5; scales all 1 except [0]=2, [2]=-3, [6]=4, [9]=-128, so a zero
			// quant (q-32 = -32) gives 0.5·scale·(-32) = -16·scale in sub-block e/16.
			// ql[0] = 0x5a, ql[32] = 0x3c, qh[0] = 0xe4 (bit pairs 0,1,2,3):
			//   element 0  = (0xa | 0<<4) - 32 = -22, ·0.5·2    = -22
			//   element 32 = (0xc | 1<<4) - 32 = -4,  ·0.5·(-3) = 6
			//   element 64 = (0x5 | 2<<4) - 32 = 5,   ·0.5·1    = 2.5
			//   element 96 = (0x3 | 3<<4) - 32 = 19,  ·0.5·4    = 38
			// ql[64+16] = 0x0f, qh[32+16] = 0x03: element 144 = (15|48)-32 = 31, ·0.5·(-128) = -1984.
			src: cat(
				with(with(with(make([]byte, 128), 0, 0x5a), 32, 0x3c), 80, 0x0f),
				with(with(make([]byte, 64), 0, 0xe4), 48, 0x03),
				[]byte{2, 1, 0xfd, 1, 1, 1, 4, 1, 1, 0x80, 1, 1, 1, 1, 1, 1},
				le16(h0_5)),
			want: set(perSubBlock(16, -32, -16, 48, -16, -16, -16, -64, -16, -16, 2048, -16, -16, -16, -16, -16, -16),
				map[int]float32{0: -22, 32: 6, 64: 2.5, 96: 38, 144: -1984}),
		},
		{
			name: "Q2_K",
			typ:  Q2_K,
			// d = 0.5, dmin = 1; scales[0] = 0x12 (scale 2, min 1), [1] = 0x03 (3, 0),
			// [6] = 0x24 (4, 2), [9] = 0xf1 (1, 15), others 0: a zero quant in
			// sub-block j gives −min_j: −1, 0, …, −2 (j = 6), …, −15 (j = 9).
			// qs[0] = 0xc3: element 0 (bits 0–1, sub-block 0) = 0.5·2·3 − 1 = 2;
			// element 96 (bits 6–7, sub-block 6) = 0.5·4·3 − 2 = 4.
			// qs[16] = 0x02: element 16 (sub-block 1) = 0.5·3·2 = 3.
			// qs[48] = 0x01: element 128+16 (sub-block 9) = 0.5·1·1 − 15 = −14.5.
			src: cat([]byte{0x12, 0x03, 0, 0, 0, 0, 0x24, 0, 0, 0xf1, 0, 0, 0, 0, 0, 0},
				with(with(with(make([]byte, 64), 0, 0xc3), 16, 0x02), 48, 0x01),
				le16(h0_5), le16(h1)),
			want: set(perSubBlock(16, -1, 0, 0, 0, 0, 0, -2, 0, 0, -15, 0, 0, 0, 0, 0, 0),
				map[int]float32{0: 2, 16: 3, 96: 4, 144: -14.5}),
		},
		{
			name: "Q3_K",
			typ:  Q3_K,
			// d = 0.5. scales[0] = 0x21: low nibbles of sub-block 0 (1) and 8 (2);
			// scales[8] = 0x82: top bits of sub-blocks 0 (2) and 12 (2), so scales are
			// 33−32 = 1 (j=0), 2−32 = −30 (j=8), 32−32 = 0 (j=12), −32 elsewhere. A zero
			// quant with a clear hmask bit is −4: 0.5·scale·(−4) = −2·scale per sub-block.
			// qs[0] = 0x03, hmask[0] = 0x03: element 0 = 3 (bit 0 set) → 0.5·1·3 = 1.5;
			// element 32 (sub-block 2) = 0 (bit 1 set) → 0.
			// qs[32] = 0x01: element 128 (sub-block 8) = 1−4 = −3 → 0.5·(−30)·(−3) = 45.
			// qs[63] = 0x80, hmask[31] = 0x80: element 255 (sub-block 15) = 2 → −32.
			src: cat(with(with(make([]byte, 32), 0, 0x03), 31, 0x80),
				with(with(with(make([]byte, 64), 0, 0x03), 32, 0x01), 63, 0x80),
				[]byte{0x21, 0, 0, 0, 0, 0, 0, 0, 0x82, 0, 0, 0}, le16(h0_5)),
			want: set(perSubBlock(16, -2, 64, 64, 64, 64, 64, 64, 64, 60, 64, 64, 64, 0, 64, 64, 64),
				map[int]float32{0: 1.5, 32: 0, 128: 45, 255: -32}),
		},
		{
			name: "IQ4_NL",
			typ:  IQ4_NL,
			// d = 0.5; qs[0] = 0xf0: element 0 = 0.5·kvalues[0] = −63.5, element 16 =
			// 0.5·kvalues[15] = 56.5; every other nibble 8 → 0.5·1.
			src:  cat(le16(h0_5), []byte{0xf0}, fill(15, 0x88)),
			want: set(filled(32, 0.5), map[int]float32{0: -63.5, 16: 56.5}),
		},
		{
			name: "IQ4_XS",
			typ:  IQ4_XS,
			// d = 0.5; scales_l = 21 00 00 f0, scales_h = 0x400a: sub-block scales
			// 1|2<<4 − 32 = 1, 2|2<<4 − 32 = 2, 0 − 32 = −32 (ib 2..6), 15|1<<4 − 32 = −1.
			// Nibble 8 (level 1) gives 0.5·scale. qs[0] = 0xf0: element 0 = 0.5·1·(−127),
			// element 16 = 0.5·1·113; qs[127] = 0x0f: element 239 = 0.5·(−1)·113,
			// element 255 = 0.5·(−1)·(−127).
			src: cat(le16(h0_5), le16(0x400a), []byte{0x21, 0, 0, 0xf0},
				with(with(fill(128, 0x88), 0, 0xf0), 127, 0x0f)),
			want: set(perSubBlock(32, 0.5, 1, -16, -16, -16, -16, -16, -0.5),
				map[int]float32{0: -63.5, 16: 56.5, 239: -56.5, 255: 63.5}),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make([]float32, len(tc.want))
			if err := Dequantize(tc.typ, tc.src, got); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("element %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// perSubBlock returns len(vals)·size floats, vals[j] repeated over sub-block j.
func perSubBlock(size int, vals ...float32) []float32 {
	out := make([]float32, 0, size*len(vals))
	for _, v := range vals {
		for range size {
			out = append(out, v)
		}
	}
	return out
}

func TestBlockSizesMatchLayout(t *testing.T) {
	// Field sizes from the block structs of ggml-common.h.
	tests := []struct {
		typ    Type
		elems  int
		fields int
	}{
		{Q4_0, 32, 2 /*d*/ + 16 /*qs*/},
		{Q4_1, 32, 2 /*d*/ + 2 /*m*/ + 16 /*qs*/},
		{Q5_0, 32, 2 /*d*/ + 4 /*qh*/ + 16 /*qs*/},
		{Q5_1, 32, 2 /*d*/ + 2 /*m*/ + 4 /*qh*/ + 16 /*qs*/},
		{Q8_0, 32, 2 /*d*/ + 32 /*qs*/},
		{Q4_K, 256, 2 /*d*/ + 2 /*dmin*/ + 12 /*scales*/ + 128 /*qs*/},
		{Q5_K, 256, 2 /*d*/ + 2 /*dmin*/ + 12 /*scales*/ + 32 /*qh*/ + 128 /*qs*/},
		{Q6_K, 256, 128 /*ql*/ + 64 /*qh*/ + 16 /*scales*/ + 2 /*d*/},
		{Q2_K, 256, 16 /*scales*/ + 64 /*qs*/ + 2 /*d*/ + 2 /*dmin*/},
		{Q3_K, 256, 32 /*hmask*/ + 64 /*qs*/ + 12 /*scales*/ + 2 /*d*/},
		{IQ4_NL, 32, 2 /*d*/ + 16 /*qs*/},
		{IQ4_XS, 256, 2 /*d*/ + 2 /*scales_h*/ + 4 /*scales_l*/ + 128 /*qs*/},
		{F32, 1, 4},
		{F16, 1, 2},
		{BF16, 1, 2},
	}
	internal := map[Type]int{Q4_0: q40Bytes, Q4_1: q41Bytes, Q5_0: q50Bytes, Q5_1: q51Bytes,
		Q8_0: q80Bytes, Q4_K: q4KBytes, Q5_K: q5KBytes, Q6_K: q6KBytes, F32: 4, F16: 2, BF16: 2,
		Q2_K: q2KBytes, Q3_K: q3KBytes, IQ4_NL: iq4NLBytes, IQ4_XS: iq4XSBytes}
	for _, tc := range tests {
		if got := tc.typ.TypeSize(); got != tc.fields {
			t.Errorf("%s TypeSize = %d, layout sums to %d", tc.typ, got, tc.fields)
		}
		if got := tc.typ.BlockSize(); got != tc.elems {
			t.Errorf("%s BlockSize = %d, want %d", tc.typ, got, tc.elems)
		}
		if internal[tc.typ] != tc.fields {
			t.Errorf("%s kernel block size = %d, layout sums to %d", tc.typ, internal[tc.typ], tc.fields)
		}
		if !Supported(tc.typ) {
			t.Errorf("%s not Supported", tc.typ)
		}
	}
}

func TestDequantizeErrors(t *testing.T) {
	tests := []struct {
		name    string
		typ     Type
		src     int
		dst     int
		wantErr error
	}{
		{"unsupported known type", Q8_K, 292, 256, ErrUnsupportedType},
		{"unsupported IQ type", IQ2_XXS, 66, 256, ErrUnsupportedType},
		{"unknown type id", Type(99), 4, 1, ErrUnsupportedType},
		{"partial block", Q8_0, 34, 31, nil},
		{"short source", Q8_0, 33, 32, nil},
		{"long source", Q4_K, 145, 256, nil},
		{"F32 short", F32, 7, 2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Dequantize(tc.typ, make([]byte, tc.src), make([]float32, tc.dst))
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %q does not wrap %v", err, tc.wantErr)
			}
			if tc.wantErr != nil && !strings.Contains(err.Error(), tc.typ.String()) {
				t.Errorf("error %q does not name the type %s", err, tc.typ)
			}
		})
	}
}

// FuzzDequantize checks that arbitrary bytes never make Dequantize panic and that
// the fast dot product agrees with the dequantised row.
func FuzzDequantize(f *testing.F) {
	f.Add(uint8(Q4_K), []byte{1, 2, 3})
	f.Add(uint8(Q8_0), make([]byte, 34))
	f.Add(uint8(Q2_K), fill(84, 0x5a))
	f.Add(uint8(Q3_K), fill(110, 0xa5))
	f.Add(uint8(IQ4_NL), cat(le16(h0_5), fill(16, 0x3c)))
	f.Add(uint8(IQ4_XS), cat(le16(h0_25), le16(0x400a), fill(132, 0x96)))
	f.Fuzz(func(t *testing.T, typ uint8, src []byte) {
		tt := Type(typ)
		if tt.BlockSize() == 0 {
			if Dequantize(tt, src, make([]float32, 1)) == nil {
				t.Fatalf("unknown type %d accepted", typ)
			}
			return
		}
		n := len(src) / tt.TypeSize() * tt.BlockSize()
		dst := make([]float32, n)
		err := Dequantize(tt, src, dst)
		if !Supported(tt) {
			if err == nil {
				t.Fatalf("unsupported %s accepted", tt)
			}
			return
		}
		if (len(src)%tt.TypeSize() == 0) != (err == nil) {
			t.Fatalf("%s with %d bytes: err = %v", tt, len(src), err)
		}
		if err != nil || n == 0 {
			return
		}
		for _, v := range dst {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || math.Abs(float64(v)) > 1e30 {
				return // random scales can decode to Inf or NaN; the oracle is then meaningless
			}
		}
		x := randomVector(n, uint64(len(src)))
		ref, tol := oracleDot(dst, x, dotDepth(tt, n))
		if got := Dot(tt, src, x); !(math.Abs(float64(got)-ref) <= tol) {
			t.Fatalf("%s Dot = %v, oracle %v ± %g", tt, got, ref, tol)
		}
	})
}
