package cpu

// useAVX2 is set when the CPU and the OS support AVX2, FMA and F16C.
var useAVX2 = detectAVX2()

func detectAVX2() bool {
	_, _, c, _ := cpuid(1, 0)
	const fma, osxsave, avx, f16c = 1 << 12, 1 << 27, 1 << 28, 1 << 29
	if c&fma == 0 || c&osxsave == 0 || c&avx == 0 || c&f16c == 0 || xgetbv()&6 != 6 {
		return false
	}
	_, b, _, _ := cpuid(7, 0)
	return b&(1<<5) != 0
}

// dot is the f32 dot product of a and b[:len(a)]. With AVX2 the first
// len(a)&^7 products are summed by dotAVX2 (eight lanes, four accumulators,
// then lanes added pairwise), the tail in order after them: a fixed order, so
// results are reproducible on a given machine.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	n := len(a) &^ 7
	if !useAVX2 || n == 0 {
		return dotGo(a, b)
	}
	s := dotAVX2(&a[0], &b[0], n)
	for i := n; i < len(a); i++ {
		s += a[i] * b[i]
	}
	return s
}

// dotQ8_0 returns row · x for one Q8_0 row (len(x)/32 blocks of an f16
// scale and 32 int8), block by block without expanding the row: with AVX2 each
// block's 32 products are summed in two 8-lane halves, scaled, and added to
// one 8-lane accumulator. ok is false when no vector kernel applies.
func dotQ8_0(row []byte, x []float32) (s float32, ok bool) {
	nb := len(x) / 32
	if !useAVX2 || nb == 0 {
		return 0, false
	}
	_ = row[nb*34-1]
	return dotQ8_0AVX2(&row[0], &x[0], nb), true
}

// dotQ8_0AVX2 returns the dot product of nb Q8_0 blocks at row with x.
//
//go:noescape
func dotQ8_0AVX2(row *byte, x *float32, nb int) float32

// dequantQ8_0 decodes one Q8_0 row into dst (len(dst) elements); ok is false
// when no vector kernel applies.
func dequantQ8_0(row []byte, dst []float32) bool {
	nb := len(dst) / 32
	if !useAVX2 || nb == 0 {
		return false
	}
	_ = row[nb*34-1]
	dequantQ8_0AVX2(&row[0], &dst[0], nb)
	return true
}

// dequantQ8_0AVX2 decodes nb Q8_0 blocks at row into dst.
//
//go:noescape
func dequantQ8_0AVX2(row *byte, dst *float32, nb int)

// dotQ5_0 is dotQ8_0 for Q5_0 rows (22-byte blocks: f16 scale, 32 fifth
// bits, 16 bytes of nibbles).
func dotQ5_0(row []byte, x []float32) (s float32, ok bool) {
	nb := len(x) / 32
	if !useAVX2 || nb == 0 {
		return 0, false
	}
	_ = row[nb*22-1]
	return dotQ5_0AVX2(&row[0], &x[0], nb), true
}

// dotQ5_0AVX2 returns the dot product of nb Q5_0 blocks at row with x.
//
//go:noescape
func dotQ5_0AVX2(row *byte, x *float32, nb int) float32

// dotAVX2 returns Σ a[i]·b[i] for i < n; n is a positive multiple of 8.
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

func cpuid(eax, ecx uint32) (a, b, c, d uint32)

func xgetbv() uint32
