// heed's WebAssembly SIMD kernels: the hot loops of the CPU executor in the
// browser, where Go's own wasm code has neither SIMD nor threads. Built by
// build.sh into kernels.wasm (memory imported, not shared: one instance works
// on the Go program's own memory, with no copies) and kernels-mt.wasm (shared
// memory: one instance per worker thread over the weights uploaded once).
//
// Every pointer is an offset into the imported memory. The module has no data
// segments and never touches its shadow stack (build_test.go checks both):
// the first build runs inside Go's memory, where anything it wrote at a fixed
// address would corrupt the Go heap, and the instances of the second share
// one memory, where one fixed stack would be shared by every thread.
//
// Contracts (the CPU twins in engine/cpu and the scalar reference in
// engine/ggml are the specification; engine/cpu/kernels_js_test.go checks
// every kernel against ggml at awkward shapes in the browser):
//
//   prep_x   permutes each 16-float group of the activations for the quantised
//            kernels and sums each group (the sub-block minimums of Q4_K, Q2_K)
//   scales   f16 block scales of Q8_0, Q5_0, IQ4_NL as f32 (× 2⁻²⁴, see dot16)
//   matmul   y[t·rows + r] = row r of w · x_t, rows [r0, r1), tokens [0, n)
//   dequant  one row to f32 in natural order (ggml.Dequantize, bit for bit)
//   attend   causal attention of every (query, head) pair (cpu.attendOne)
//   silu_mul g = silu(g)·u (cpu.Executor.SiLUMul)
//
// Why these shapes (measured in Node 20 and Chromium 156 on the bench
// machine, Q8_0 1536×576 mat-vec): widening int8 to f32 with the
// extend_low/high instructions ran at 2.3 G elements/s; moving each byte to
// the top of its 32-bit lane with one shift and one mask, and converting
// that (the value × 2²⁴, exact), ran at 8.6–9.6: the activations are
// permuted once per call to match the lanes (prep_x), and the 2⁻²⁴ goes into
// the block scale. Reading the f16 scales in the loop cost 15 %, hence the
// f32 scale plane. Keeping four tokens' sums per decoded weight group (to
// reuse the conversion across a batch) was slower than one token at a time
// (V8 spills the registers), so a batch runs the one-token loop per token,
// which also makes every token's result independent of the batch it is in.

#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

// ggml type ids (ggml.h, engine/ggml/types.go).
enum {
	F32 = 0,
	Q5_0 = 6,
	Q8_0 = 8,
	Q2_K = 10,
	Q3_K = 11,
	Q4_K = 12,
	Q6_K = 14,
	IQ4_NL = 20,
	IQ4_XS = 23,
};

// 2⁻²⁴: the scale of a byte converted from the top of its 32-bit lane.
#define INV24 (1.0f / 16777216.0f)

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

// half2f widens an IEEE binary16 (ggml.F16ToF32).
static inline float half2f(uint16_t h) {
	uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1f, m = h & 0x3ff;
	union {
		uint32_t u;
		float f;
	} v;
	if (e == 0) {
		v.f = (float)m * INV24; // zero or subnormal: m × 2⁻²⁴, exact
		v.u |= sign;
	} else if (e == 0x1f) {
		v.u = sign | 0x7f800000 | m << 13;
	} else {
		v.u = sign | (e + 112) << 23 | m << 13;
	}
	return v.f;
}

static inline float hsum(v128_t v) {
	return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
	       (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

// dot16 returns the lane-wise partial sums of 16 signed bytes q (element j in
// byte j) times their activations, which prep_x stored permuted: xp[4k+i] is
// element 4i+k. Byte k of every 32-bit lane is moved to the lane's top byte
// (shift left by 24−8k, keep the top byte) and converted: q·2²⁴, exact; the
// caller's scale carries the 2⁻²⁴. Lane i's sum is q[4i]·x[4i] + q[4i+1]·x[4i+1]
// + q[4i+2]·x[4i+2] + q[4i+3]·x[4i+3], in that association.
static inline v128_t dot16(v128_t q, const float *xp) {
	const v128_t top = wasm_i32x4_const_splat((int32_t)0xff000000);
	v128_t b0 = wasm_f32x4_convert_i32x4(wasm_i32x4_shl(q, 24));
	v128_t b1 = wasm_f32x4_convert_i32x4(wasm_v128_and(wasm_i32x4_shl(q, 16), top));
	v128_t b2 = wasm_f32x4_convert_i32x4(wasm_v128_and(wasm_i32x4_shl(q, 8), top));
	v128_t b3 = wasm_f32x4_convert_i32x4(wasm_v128_and(q, top));
	return wasm_f32x4_add(
	    wasm_f32x4_add(wasm_f32x4_mul(b0, wasm_v128_load(xp)), wasm_f32x4_mul(b1, wasm_v128_load(xp + 4))),
	    wasm_f32x4_add(wasm_f32x4_mul(b2, wasm_v128_load(xp + 8)), wasm_f32x4_mul(b3, wasm_v128_load(xp + 12))));
}

// store16 stores the 16 converted elements of q (× scale) in natural order:
// dequant's twin of dot16.
static inline void store16(v128_t q, float scale, float *out) {
	const v128_t top = wasm_i32x4_const_splat((int32_t)0xff000000);
	v128_t s = wasm_f32x4_splat(scale);
	v128_t b0 = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_shl(q, 24)), s);
	v128_t b1 = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_v128_and(wasm_i32x4_shl(q, 16), top)), s);
	v128_t b2 = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_v128_and(wasm_i32x4_shl(q, 8), top)), s);
	v128_t b3 = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_v128_and(q, top)), s);
	// Transpose the 4×4 (lane i of bk is element 4i+k).
	v128_t t0 = wasm_i32x4_shuffle(b0, b1, 0, 4, 1, 5); // e0 e1 e4 e5
	v128_t t1 = wasm_i32x4_shuffle(b2, b3, 0, 4, 1, 5); // e2 e3 e6 e7
	v128_t t2 = wasm_i32x4_shuffle(b0, b1, 2, 6, 3, 7); // e8 e9 e12 e13
	v128_t t3 = wasm_i32x4_shuffle(b2, b3, 2, 6, 3, 7); // e10 e11 e14 e15
	wasm_v128_store(out, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
	wasm_v128_store(out + 4, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
	wasm_v128_store(out + 8, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
	wasm_v128_store(out + 12, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
}

// store16p stores them as dot16 reads its activations (lane i of bk at 4k+i):
// the order of prep_x's output, for the batched products' tiles.
static inline void store16p(v128_t q, float scale, float *out) {
	const v128_t top = wasm_i32x4_const_splat((int32_t)0xff000000);
	v128_t s = wasm_f32x4_splat(scale);
	wasm_v128_store(out, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_shl(q, 24)), s));
	wasm_v128_store(out + 4, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_v128_and(wasm_i32x4_shl(q, 16), top)), s));
	wasm_v128_store(out + 8, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_v128_and(wasm_i32x4_shl(q, 8), top)), s));
	wasm_v128_store(out + 12, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_v128_and(q, top)), s));
}

static inline void put16(v128_t q, float scale, float *out, int perm) {
	if (perm)
		store16p(q, scale, out);
	else
		store16(q, scale, out);
}

static inline v128_t lo4(v128_t v) { return wasm_v128_and(v, wasm_i8x16_const_splat(0x0f)); }
static inline v128_t hi4(v128_t v) { return wasm_u8x16_shr(v, 4); }

// The 16 levels of IQ4_NL and IQ4_XS (kvalues_iq4nl), as an immediate, not a
// data segment.
static inline v128_t iq4_levels(v128_t nibbles) {
	const v128_t k = wasm_i8x16_const(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113);
	return wasm_i8x16_swizzle(k, nibbles);
}

// bits16 spreads bits [0, 16) of h over 16 bytes: byte j is 0xff where bit j is set.
static inline v128_t bits16(uint32_t h) {
	v128_t v = wasm_i8x16_swizzle(wasm_i32x4_splat((int32_t)h),
	                              wasm_i8x16_const(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
	const v128_t bit = wasm_u8x16_const(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
	return wasm_i8x16_eq(wasm_v128_and(v, bit), bit);
}

// Row sizes in bytes.
static inline int row_bytes(int type, int cols) {
	switch (type) {
	case F32:
		return cols * 4;
	case Q8_0:
		return cols / 32 * 34;
	case Q5_0:
		return cols / 32 * 22;
	case IQ4_NL:
		return cols / 32 * 18;
	case Q2_K:
		return cols / 256 * 84;
	case Q3_K:
		return cols / 256 * 110;
	case Q4_K:
		return cols / 256 * 144;
	case Q6_K:
		return cols / 256 * 210;
	case IQ4_XS:
		return cols / 256 * 136;
	}
	return -1;
}

// Per-type group decoders: 16 elements of one block as signed bytes, in order.

// Q8_0 (34 B / 32: d | qs[32]): group g is qs[16g, 16g+16).
static inline v128_t q8_0_group(const uint8_t *b, int g) { return wasm_v128_load(b + 2 + 16 * g); }

// Q5_0 (22 B / 32: d | qh u32 | qs[16]): element j < 16 is qs[j]&15 with bit j
// of qh as its fifth bit, element j+16 is qs[j]>>4 with bit j+16; value − 16.
static inline v128_t q5_0_group(const uint8_t *b, int g) {
	uint32_t qh = (uint32_t)b[2] | (uint32_t)b[3] << 8 | (uint32_t)b[4] << 16 | (uint32_t)b[5] << 24;
	v128_t qs = wasm_v128_load(b + 6);
	v128_t n = g ? hi4(qs) : lo4(qs);
	v128_t h = wasm_v128_and(bits16(qh >> (16 * g)), wasm_i8x16_const_splat(0x10));
	return wasm_i8x16_sub(wasm_v128_or(n, h), wasm_i8x16_const_splat(16));
}

// IQ4_NL (18 B / 32: d | qs[16]): Q4_0's nibble order, each nibble a level.
static inline v128_t iq4_nl_group(const uint8_t *b, int g) {
	v128_t qs = wasm_v128_load(b + 2);
	return iq4_levels(g ? hi4(qs) : lo4(qs));
}

// prep_x: xp[t·cols + 16g + 4k + i] = x[t·cols + 16g + 4i + k] and
// xsum[t·cols/16 + g] = Σ x over group g, in element order. cols % 16 == 0.
EXPORT(prep_x)
void prep_x(const float *x, int n, int cols, float *xp, float *xsum) {
	for (int t = 0; t < n; t++) {
		const float *xt = x + (long)t * cols;
		float *pt = xp + (long)t * cols;
		for (int g = 0; g < cols / 16; g++) {
			const float *s = xt + 16 * g;
			v128_t r0 = wasm_v128_load(s), r1 = wasm_v128_load(s + 4), r2 = wasm_v128_load(s + 8),
			       r3 = wasm_v128_load(s + 12);
			// Transpose the 4×4 block whose rows are r0..r3.
			v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
			v128_t t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
			float *d = pt + 16 * g;
			wasm_v128_store(d, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
			wasm_v128_store(d + 4, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
			wasm_v128_store(d + 8, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
			wasm_v128_store(d + 12, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
			float sum = 0;
			for (int j = 0; j < 16; j++) sum += s[j];
			xsum[(long)t * (cols / 16) + g] = sum;
		}
	}
}

// scales: plane[b] = d_b · 2⁻²⁴ for the nb blocks of a Q8_0, Q5_0 or IQ4_NL
// matrix (d is each block's first two bytes). Returns 0, or −1 for another type.
EXPORT(scales)
int scales(int type, const uint8_t *w, int nb, float *plane) {
	int size;
	switch (type) {
	case Q8_0:
		size = 34;
		break;
	case Q5_0:
		size = 22;
		break;
	case IQ4_NL:
		size = 18;
		break;
	default:
		return -1;
	}
	for (int b = 0; b < nb; b++) plane[b] = half2f(rd16(w + (long)b * size)) * INV24;
	return 0;
}

// has_plane reports whether type's kernels read a scale plane.
EXPORT(has_plane)
int has_plane(int type) { return type == Q8_0 || type == Q5_0 || type == IQ4_NL; }

// supported reports whether matmul and dequant take type.
EXPORT(supported)
int supported(int type) { return row_bytes(type, 256) > 0; }

// Row dot products: one row of cols elements with one token's activations.

static float dot_f32(const float *w, const float *x, int cols) {
	// Four lanes, each summing every fourth element in order, then
	// (l0 + l1) + (l2 + l3): cpu.dotGo's order. Columns past the last four
	// go into lane 0.
	v128_t a = wasm_f32x4_splat(0);
	int c = 0;
	for (; c + 4 <= cols; c += 4) a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(w + c), wasm_v128_load(x + c)));
	float l0 = wasm_f32x4_extract_lane(a, 0);
	for (; c < cols; c++) l0 += w[c] * x[c];
	return (l0 + wasm_f32x4_extract_lane(a, 1)) + (wasm_f32x4_extract_lane(a, 2) + wasm_f32x4_extract_lane(a, 3));
}

// Accumulators: a row's terms (a block, or a sub-block with its scale) go
// into more than one accumulator, picked by the term's place in the code, not
// by a computed index (that would put them on the stack): Chromium 156's code
// for a Q8_0 row ran 15–20 % faster with four than with one (10.7 against
// 9.0 G elements/s at 1536×576). The k-quants alternate two.
static inline v128_t acc_add(v128_t acc, v128_t p, float scale) {
	return wasm_f32x4_add(acc, wasm_f32x4_mul(p, wasm_f32x4_splat(scale)));
}

// The 32-element formats: one scale (plane) per block, two groups per block;
// block b goes into accumulator b % 4 (the last blocks of a row whose count
// is not a multiple of four into the first).
#define BLOCK32_DOT(name, size, group)                                                          \
	static inline v128_t name##_block(const uint8_t *w, const float *xp, int b) {           \
		const uint8_t *blk = w + b * (size);                                            \
		return wasm_f32x4_add(dot16(group(blk, 0), xp + 32 * b), dot16(group(blk, 1), xp + 32 * b + 16)); \
	}                                                                                       \
	static float name(const uint8_t *w, const float *plane, const float *xp, int cols) {    \
		v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;                     \
		int nb = cols / 32, b = 0;                                                      \
		for (; b + 4 <= nb; b += 4) {                                                   \
			a0 = acc_add(a0, name##_block(w, xp, b), plane[b]);                     \
			a1 = acc_add(a1, name##_block(w, xp, b + 1), plane[b + 1]);             \
			a2 = acc_add(a2, name##_block(w, xp, b + 2), plane[b + 2]);             \
			a3 = acc_add(a3, name##_block(w, xp, b + 3), plane[b + 3]);             \
		}                                                                               \
		for (; b < nb; b++) a0 = acc_add(a0, name##_block(w, xp, b), plane[b]);         \
		return hsum(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)));    \
	}
BLOCK32_DOT(dot_q8_0, 34, q8_0_group)
BLOCK32_DOT(dot_q5_0, 22, q5_0_group)
BLOCK32_DOT(dot_iq4_nl, 18, iq4_nl_group)

// scale_min_k4: the 6-bit scale and min of sub-block j of Q4_K's 12 packed
// bytes (ggml.scaleMinK4).
static inline void scale_min_k4(int j, const uint8_t *q, int *sc, int *m) {
	if (j < 4) {
		*sc = q[j] & 63;
		*m = q[j + 4] & 63;
	} else {
		*sc = (q[j + 4] & 0x0f) | (q[j - 4] >> 6) << 4;
		*m = (q[j + 4] >> 4) | (q[j] >> 6) << 4;
	}
}

// Q4_K (144 B / 256: d, dmin | scales[12] | qs[128]): chunk c of 64 elements
// reads qs[32c, 32c+32), low nibbles for sub-block 2c, high for 2c+1;
// element = d·sc·q − dmin·m, the minimums applied through xsum.
static float dot_q4_k(const uint8_t *w, const float *xp, const float *xsum, int cols) {
	v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
	float mins = 0;
	for (int b = 0; b < cols / 256; b++) {
		const uint8_t *blk = w + b * 144;
		float d = half2f(rd16(blk)) * INV24, dmin = half2f(rd16(blk + 2));
		const uint8_t *sc = blk + 4, *qs = blk + 16;
		const float *x = xp + 256 * b, *xs = xsum + 16 * b;
		for (int c = 0; c < 4; c++) {
			int s1, m1, s2, m2;
			scale_min_k4(2 * c, sc, &s1, &m1);
			scale_min_k4(2 * c + 1, sc, &s2, &m2);
			v128_t q0 = wasm_v128_load(qs + 32 * c), q1 = wasm_v128_load(qs + 32 * c + 16);
			v128_t p1 = wasm_f32x4_add(dot16(lo4(q0), x + 64 * c), dot16(lo4(q1), x + 64 * c + 16));
			v128_t p2 = wasm_f32x4_add(dot16(hi4(q0), x + 64 * c + 32), dot16(hi4(q1), x + 64 * c + 48));
			a0 = acc_add(a0, p1, d * (float)s1);
			a1 = acc_add(a1, p2, d * (float)s2);
			mins += dmin * (float)m1 * (xs[4 * c] + xs[4 * c + 1]) + dmin * (float)m2 * (xs[4 * c + 2] + xs[4 * c + 3]);
		}
	}
	return hsum(wasm_f32x4_add(a0, a1)) - mins;
}

// Q6_K (210 B / 256: ql[128] | qh[64] | scales[16] int8 | d): element 128h +
// 32j + 16a + l (h, a in {0, 1}, j = 0..3, l < 16) has the low nibble (j < 2)
// or the high one (j ≥ 2) of ql[64h + 32(j % 2) + 16a + l] and bits 2j, 2j+1
// of qh[32h + 16a + l] above it; value − 32, scale d·scales[8h + 2j + a].
static inline v128_t q6_k_group(const uint8_t *blk, int h, int j, int a) {
	v128_t ql = wasm_v128_load(blk + 64 * h + 32 * (j & 1) + 16 * a);
	v128_t qh = wasm_v128_load(blk + 128 + 32 * h + 16 * a);
	v128_t lo = j < 2 ? lo4(ql) : hi4(ql);
	v128_t hb;
	switch (j) {
	case 0:
		hb = wasm_i8x16_shl(qh, 4);
		break;
	case 1:
		hb = wasm_i8x16_shl(qh, 2);
		break;
	case 2:
		hb = qh;
		break;
	default:
		hb = wasm_u8x16_shr(qh, 2);
		break;
	}
	hb = wasm_v128_and(hb, wasm_i8x16_const_splat(0x30));
	return wasm_i8x16_sub(wasm_v128_or(lo, hb), wasm_i8x16_const_splat(32));
}

static float dot_q6_k(const uint8_t *w, const float *xp, int cols) {
	v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
	for (int b = 0; b < cols / 256; b++) {
		const uint8_t *blk = w + b * 210;
		const int8_t *sc = (const int8_t *)(blk + 192);
		float d = half2f(rd16(blk + 208)) * INV24;
		const float *x = xp + 256 * b;
		for (int h = 0; h < 2; h++)
			for (int j = 0; j < 4; j++) {
				const float *xj = x + 128 * h + 32 * j;
				a0 = acc_add(a0, dot16(q6_k_group(blk, h, j, 0), xj), d * (float)sc[8 * h + 2 * j]);
				a1 = acc_add(a1, dot16(q6_k_group(blk, h, j, 1), xj + 16), d * (float)sc[8 * h + 2 * j + 1]);
			}
	}
	return hsum(wasm_f32x4_add(a0, a1));
}

// Q2_K (84 B / 256: scales[16] | qs[64] | d, dmin): element 128h + 32k + 16a +
// l is bits 2k..2k+1 of qs[32h + 16a + l]; sub-block 8h + 2k + a has scale
// d·(scales[·] & 15) and min dmin·(scales[·] >> 4), applied through xsum.
static inline v128_t q2_k_group(v128_t q, int k) {
	return wasm_v128_and(k ? wasm_u8x16_shr(q, 2 * k) : q, wasm_i8x16_const_splat(3));
}

static float dot_q2_k(const uint8_t *w, const float *xp, const float *xsum, int cols) {
	v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
	float mins = 0;
	for (int b = 0; b < cols / 256; b++) {
		const uint8_t *blk = w + b * 84;
		const uint8_t *sc = blk, *qs = blk + 16;
		float d = half2f(rd16(blk + 80)) * INV24, dmin = half2f(rd16(blk + 82));
		const float *x = xp + 256 * b, *xs = xsum + 16 * b;
		for (int h = 0; h < 2; h++) {
			v128_t q0 = wasm_v128_load(qs + 32 * h), q1 = wasm_v128_load(qs + 32 * h + 16);
			for (int k = 0; k < 4; k++) {
				int s0 = sc[8 * h + 2 * k], s1 = sc[8 * h + 2 * k + 1], e = 128 * h + 32 * k;
				a0 = acc_add(a0, dot16(q2_k_group(q0, k), x + e), d * (float)(s0 & 15));
				a1 = acc_add(a1, dot16(q2_k_group(q1, k), x + e + 16), d * (float)(s1 & 15));
				mins += dmin * (float)(s0 >> 4) * xs[e / 16] + dmin * (float)(s1 >> 4) * xs[e / 16 + 1];
			}
		}
	}
	return hsum(wasm_f32x4_add(a0, a1)) - mins;
}

// q3_k_scale: the signed 6-bit scale of sub-block j of Q3_K (ggml.q3KScale).
static inline int q3_k_scale(const uint8_t *s, int j) {
	int lo = (s[j % 8] >> (4 * (j / 8))) & 0x0f;
	int hi = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
	return (lo | hi << 4) - 32;
}

// Q3_K (110 B / 256: hmask[32] | qs[64] | scales[12] | d): element 128h + 32k +
// 16a + l has Q2_K's low bits and bit 4h + k of hmask[16a + l]; value = low −
// 4 where that bit is clear; scale d·q3_k_scale(8h + 2k + a).
// q3_k_group: the 16 values of sub-block 8h + 2k + a from its low bits q
// (qs[32h + 16a, +16)) and high bits m (hmask[16a, +16)).
static inline v128_t q3_k_group(v128_t q, v128_t m, int h, int k) {
	v128_t low = q2_k_group(q, k);
	// set = 0xff where the high bit is set: then low, else low − 4.
	v128_t bit = wasm_i8x16_splat((int8_t)(1 << (4 * h + k)));
	v128_t set = wasm_i8x16_eq(wasm_v128_and(m, bit), bit);
	return wasm_i8x16_sub(low, wasm_v128_andnot(wasm_i8x16_const_splat(4), set));
}

static float dot_q3_k(const uint8_t *w, const float *xp, int cols) {
	v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
	for (int b = 0; b < cols / 256; b++) {
		const uint8_t *blk = w + b * 110;
		const uint8_t *hm = blk, *qs = blk + 32, *sc = blk + 96;
		float d = half2f(rd16(blk + 108)) * INV24;
		const float *x = xp + 256 * b;
		v128_t m0 = wasm_v128_load(hm), m1 = wasm_v128_load(hm + 16);
		for (int h = 0; h < 2; h++) {
			v128_t q0 = wasm_v128_load(qs + 32 * h), q1 = wasm_v128_load(qs + 32 * h + 16);
			for (int k = 0; k < 4; k++) {
				const float *xk = x + 128 * h + 32 * k;
				a0 = acc_add(a0, dot16(q3_k_group(q0, m0, h, k), xk), d * (float)q3_k_scale(sc, 8 * h + 2 * k));
				a1 = acc_add(a1, dot16(q3_k_group(q1, m1, h, k), xk + 16), d * (float)q3_k_scale(sc, 8 * h + 2 * k + 1));
			}
		}
	}
	return hsum(wasm_f32x4_add(a0, a1));
}

// IQ4_XS (136 B / 256: d | scales_h u16 | scales_l[4] | qs[128]): sub-block ib
// is an IQ4_NL block's quants qs[16ib, 16ib+16) with scale d·(sc − 32).
static inline int iq4_xs_scale(const uint8_t *blk, int ib) {
	int lo = (blk[4 + ib / 2] >> (4 * (ib % 2))) & 0x0f;
	int hi = (rd16(blk + 2) >> (2 * ib)) & 3;
	return (lo | hi << 4) - 32;
}

static inline v128_t iq4_xs_sub(const uint8_t *blk, const float *x, int ib) {
	v128_t qs = wasm_v128_load(blk + 8 + 16 * ib);
	return wasm_f32x4_add(dot16(iq4_levels(lo4(qs)), x + 32 * ib), dot16(iq4_levels(hi4(qs)), x + 32 * ib + 16));
}

static float dot_iq4_xs(const uint8_t *w, const float *xp, int cols) {
	v128_t a0 = wasm_f32x4_splat(0), a1 = a0;
	for (int b = 0; b < cols / 256; b++) {
		const uint8_t *blk = w + b * 136;
		float d = half2f(rd16(blk)) * INV24;
		const float *x = xp + 256 * b;
		for (int ib = 0; ib < 8; ib += 2) {
			a0 = acc_add(a0, iq4_xs_sub(blk, x, ib), d * (float)iq4_xs_scale(blk, ib));
			a1 = acc_add(a1, iq4_xs_sub(blk, x, ib + 1), d * (float)iq4_xs_scale(blk, ib + 1));
		}
	}
	return hsum(wasm_f32x4_add(a0, a1));
}

static void decode_row(int type, const uint8_t *row, const float *pl, int cols, float *out, int perm);
static void matmul_tiled(int type, const uint8_t *w, const float *plane, const float *xp, float *y, int rows, int cols,
                         int n, int r0, int r1, float *tile);

// TILE_ROWS rows at a time are decoded for a batch (matmul_tiled); the caller's
// scratch holds TILE_ROWS·cols floats.
#define TILE_ROWS 4

// matmul: y[t·rows + r] = row r of w · token t, for rows [r0, r1) and tokens
// [0, n). x is the activations as they are for F32 and prep_x's permutation
// for the other types; xsum is prep_x's group sums (read by Q4_K and Q2_K);
// plane is scales' output (Q8_0, Q5_0, IQ4_NL). Up to three tokens (decode),
// and F32 weights at any count, each row is read once and dotted with every
// token in turn, the same loop whatever n is: an F32 token's outputs do not
// depend on its batch. Four tokens or more of a quantised type go through
// matmul_tiled with tile (TILE_ROWS·cols floats of scratch; 0 for none).
// Returns 0, or −1 for an unsupported type.
EXPORT(matmul)
int matmul(int type, const uint8_t *w, const float *plane, const float *x, const float *xsum, float *y, int rows,
           int cols, int n, int r0, int r1, float *tile) {
	int rb = row_bytes(type, cols);
	if (rb < 0) return -1;
	if (type != F32 && n >= 4 && tile) {
		matmul_tiled(type, w, plane, x, y, rows, cols, n, r0, r1, tile);
		return 0;
	}
	int nb = cols / 32, ng = cols / 16;
	for (int r = r0; r < r1; r++) {
		const uint8_t *row = w + (long)r * rb;
		const float *pl = plane + (long)r * nb;
		for (int t = 0; t < n; t++) {
			const float *xt = x + (long)t * cols, *st = xsum + (long)t * ng;
			float v;
			switch (type) {
			case F32:
				v = dot_f32((const float *)row, xt, cols);
				break;
			case Q8_0:
				v = dot_q8_0(row, pl, xt, cols);
				break;
			case Q5_0:
				v = dot_q5_0(row, pl, xt, cols);
				break;
			case IQ4_NL:
				v = dot_iq4_nl(row, pl, xt, cols);
				break;
			case Q4_K:
				v = dot_q4_k(row, xt, st, cols);
				break;
			case Q6_K:
				v = dot_q6_k(row, xt, cols);
				break;
			case Q2_K:
				v = dot_q2_k(row, xt, st, cols);
				break;
			case Q3_K:
				v = dot_q3_k(row, xt, cols);
				break;
			default: // IQ4_XS
				v = dot_iq4_xs(row, xt, cols);
				break;
			}
			y[(long)t * rows + r] = v;
		}
	}
	return 0;
}

// dequant: row r of w as cols f32 in natural order, equal to ggml.Dequantize:
// each value is the converted q·2²⁴ times the scale·2⁻²⁴, the same product
// float(q)·scale rounds to (powers of two scale exactly). Returns 0, or −1.
static void decode_row(int type, const uint8_t *row, const float *pl, int cols, float *out, int perm) {
	switch (type) {
	case F32: {
		const float *s = (const float *)row;
		for (int c = 0; c < cols; c++) out[c] = s[c];
		return;
	}
	case Q8_0:
	case Q5_0:
	case IQ4_NL:
		for (int b = 0; b < cols / 32; b++) {
			const uint8_t *blk = row + b * (type == Q8_0 ? 34 : type == Q5_0 ? 22 : 18);
			for (int g = 0; g < 2; g++) {
				v128_t q = type == Q8_0 ? q8_0_group(blk, g) : type == Q5_0 ? q5_0_group(blk, g) : iq4_nl_group(blk, g);
				put16(q, pl[b], out + 32 * b + 16 * g, perm);
			}
		}
		return;
	}
	for (int b = 0; b < cols / 256; b++) {
		float *o = out + 256 * b;
		switch (type) {
		case Q4_K: {
			const uint8_t *blk = row + b * 144;
			float d = half2f(rd16(blk)) * INV24, dmin = half2f(rd16(blk + 2));
			for (int c = 0; c < 4; c++)
				for (int half = 0; half < 2; half++) {
					int sc, m;
					scale_min_k4(2 * c + half, blk + 4, &sc, &m);
					for (int a = 0; a < 2; a++) {
						v128_t q = wasm_v128_load(blk + 16 + 32 * c + 16 * a);
						float *dst = o + 64 * c + 32 * half + 16 * a;
						put16(half ? hi4(q) : lo4(q), d * (float)sc, dst, perm);
						// ggml: (d·sc)·q − dmin·m, rounded after the product.
						for (int l = 0; l < 16; l++) dst[l] -= dmin * (float)m;
					}
				}
			break;
		}
		case Q6_K: {
			const uint8_t *blk = row + b * 210;
			const int8_t *sc = (const int8_t *)(blk + 192);
			float d = half2f(rd16(blk + 208));
			for (int h = 0; h < 2; h++)
				for (int j = 0; j < 4; j++)
					for (int a = 0; a < 2; a++)
						put16(q6_k_group(blk, h, j, a), (d * (float)sc[8 * h + 2 * j + a]) * INV24,
						      o + 128 * h + 32 * j + 16 * a, perm);
			break;
		}
		case Q2_K: {
			const uint8_t *blk = row + b * 84;
			float d = half2f(rd16(blk + 80)), dmin = half2f(rd16(blk + 82));
			for (int h = 0; h < 2; h++)
				for (int a = 0; a < 2; a++) {
					v128_t q = wasm_v128_load(blk + 16 + 32 * h + 16 * a);
					for (int k = 0; k < 4; k++) {
						int s = blk[8 * h + 2 * k + a];
						float *dst = o + 128 * h + 32 * k + 16 * a;
						put16(q2_k_group(q, k), (d * (float)(s & 15)) * INV24, dst, perm);
						for (int l = 0; l < 16; l++) dst[l] -= dmin * (float)(s >> 4);
					}
				}
			break;
		}
		case Q3_K: {
			const uint8_t *blk = row + b * 110;
			float d = half2f(rd16(blk + 108));
			for (int h = 0; h < 2; h++)
				for (int a = 0; a < 2; a++) {
					v128_t q = wasm_v128_load(blk + 32 + 32 * h + 16 * a), m = wasm_v128_load(blk + 16 * a);
					for (int k = 0; k < 4; k++)
						put16(q3_k_group(q, m, h, k), (d * (float)q3_k_scale(blk + 96, 8 * h + 2 * k + a)) * INV24,
						      o + 128 * h + 32 * k + 16 * a, perm);
				}
			break;
		}
		default: { // IQ4_XS
			const uint8_t *blk = row + b * 136;
			float d = half2f(rd16(blk));
			for (int ib = 0; ib < 8; ib++) {
				v128_t qs = wasm_v128_load(blk + 8 + 16 * ib);
				float s = (d * (float)iq4_xs_scale(blk, ib)) * INV24;
				put16(iq4_levels(lo4(qs)), s, o + 32 * ib, perm);
				put16(iq4_levels(hi4(qs)), s, o + 32 * ib + 16, perm);
			}
			break;
		}
		}
	}
}

// Batched products (prefill): a row's quantised blocks cost about as much to
// convert as its products with one token, so for a batch TILE_ROWS rows are
// decoded once per block of tokens into the tile (exactly ggml's values, in
// prep_x's order) and multiplied with the tokens two rows by four tokens at
// a time: per four columns two weight loads and four activation loads feed
// eight multiply-adds, against the per-token loop's conversion of every
// weight for every token. Tokens go in blocks of up to 256 KiB of
// activations, which stay in the cache while the tiles sweep the rows. Each
// output is one accumulator's four lanes over the columns in order, summed
// (l0 + l1) + (l2 + l3): the same for any tile, block and thread.
static inline float dot4(v128_t a) { return hsum(a); }

static void gemm_2x4(const float *w0, const float *w1, const float *x, int cols, float *y, int rows, int r, int t) {
	const float *x0 = x + (long)t * cols, *x1 = x0 + cols, *x2 = x1 + cols, *x3 = x2 + cols;
	v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
	for (int c = 0; c < cols; c += 4) {
		v128_t wa = wasm_v128_load(w0 + c), wb = wasm_v128_load(w1 + c), v;
		v = wasm_v128_load(x0 + c);
		a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(wa, v));
		a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(wb, v));
		v = wasm_v128_load(x1 + c);
		a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(wa, v));
		a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(wb, v));
		v = wasm_v128_load(x2 + c);
		a02 = wasm_f32x4_add(a02, wasm_f32x4_mul(wa, v));
		a12 = wasm_f32x4_add(a12, wasm_f32x4_mul(wb, v));
		v = wasm_v128_load(x3 + c);
		a03 = wasm_f32x4_add(a03, wasm_f32x4_mul(wa, v));
		a13 = wasm_f32x4_add(a13, wasm_f32x4_mul(wb, v));
	}
	float *yt = y + (long)t * rows + r;
	yt[0] = dot4(a00);
	yt[1] = dot4(a10);
	yt[rows] = dot4(a01);
	yt[rows + 1] = dot4(a11);
	yt[2 * rows] = dot4(a02);
	yt[2 * rows + 1] = dot4(a12);
	yt[3 * rows] = dot4(a03);
	yt[3 * rows + 1] = dot4(a13);
}

static void gemm_1x4(const float *w0, const float *x, int cols, float *y, int rows, int r, int t) {
	const float *x0 = x + (long)t * cols, *x1 = x0 + cols, *x2 = x1 + cols, *x3 = x2 + cols;
	v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
	for (int c = 0; c < cols; c += 4) {
		v128_t wa = wasm_v128_load(w0 + c);
		a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wa, wasm_v128_load(x0 + c)));
		a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wa, wasm_v128_load(x1 + c)));
		a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wa, wasm_v128_load(x2 + c)));
		a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wa, wasm_v128_load(x3 + c)));
	}
	float *yt = y + (long)t * rows + r;
	yt[0] = dot4(a0);
	yt[rows] = dot4(a1);
	yt[2 * rows] = dot4(a2);
	yt[3 * rows] = dot4(a3);
}

static void gemm_1x1(const float *w0, const float *x, int cols, float *y, int rows, int r, int t) {
	const float *x0 = x + (long)t * cols;
	v128_t a0 = wasm_f32x4_splat(0);
	for (int c = 0; c < cols; c += 4) a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(w0 + c), wasm_v128_load(x0 + c)));
	y[(long)t * rows + r] = dot4(a0);
}

static void matmul_tiled(int type, const uint8_t *w, const float *plane, const float *xp, float *y, int rows, int cols,
                         int n, int r0, int r1, float *tile) {
	int rb = row_bytes(type, cols), nb = cols / 32;
	int block = (65536 / cols) & ~3;
	if (block < 4) block = 4;
	for (int t0 = 0; t0 < n; t0 += block) {
		int t1 = t0 + block < n ? t0 + block : n;
		for (int r = r0; r < r1; r += TILE_ROWS) {
			int m = r1 - r < TILE_ROWS ? r1 - r : TILE_ROWS;
			for (int i = 0; i < m; i++)
				decode_row(type, w + (long)(r + i) * rb, plane + (long)(r + i) * nb, cols, tile + i * cols, 1);
			int t = t0;
			for (; t + 4 <= t1; t += 4) {
				int i = 0;
				for (; i + 2 <= m; i += 2) gemm_2x4(tile + i * cols, tile + (i + 1) * cols, xp, cols, y, rows, r + i, t);
				for (; i < m; i++) gemm_1x4(tile + i * cols, xp, cols, y, rows, r + i, t);
			}
			for (; t < t1; t++)
				for (int i = 0; i < m; i++) gemm_1x1(tile + i * cols, xp, cols, y, rows, r + i, t);
		}
	}
}

EXPORT(dequant)
int dequant(int type, const uint8_t *w, const float *plane, int cols, int r, float *out) {
	int rb = row_bytes(type, cols);
	if (rb < 0) return -1;
	decode_row(type, w + (long)r * rb, plane + (long)r * (cols / 32), cols, out, 0);
	return 0;
}

// exp64 is e^x in double precision to within about 1e-16 relative: rounded to
// f32 it equals float32(math.Exp(x)), which the Go kernels compute, except
// where the two doubles straddle an f32 rounding boundary (a chance of about
// 1e-8 per value).
static double exp64(double x) {
	if (x != x) return x;
	if (x > 709.782712893384) return __builtin_inf();
	if (x < -708.39) return 0; // below the smallest normal double; 0 in f32 anyway
	double n = __builtin_rint(x * 1.4426950408889634);
	// Cody–Waite: ln 2 split so that n·hi is exact.
	double r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
	// Taylor series to r¹³/13!: |r| ≤ 0.347, the next term is under 2e-17.
	double p = 1.0 / 6227020800.0;
	p = p * r + 1.0 / 479001600.0;
	p = p * r + 1.0 / 39916800.0;
	p = p * r + 1.0 / 3628800.0;
	p = p * r + 1.0 / 362880.0;
	p = p * r + 1.0 / 40320.0;
	p = p * r + 1.0 / 5040.0;
	p = p * r + 1.0 / 720.0;
	p = p * r + 1.0 / 120.0;
	p = p * r + 1.0 / 24.0;
	p = p * r + 1.0 / 6.0;
	p = p * r + 0.5;
	p = p * r + 1.0;
	p = p * r + 1.0;
	union {
		uint64_t u;
		double d;
	} s;
	s.u = (uint64_t)((int64_t)n + 1023) << 52;
	return p * s.d;
}

// silu_mul: g[i] = g[i] / (1 + e^−g[i]) · u[i] over count floats, in f32 with
// the exponential in f64 (cpu.Executor.SiLUMul).
EXPORT(silu_mul)
void silu_mul(float *g, const float *u, int count) {
	for (int i = 0; i < count; i++) {
		float v = g[i];
		g[i] = v / (1.0f + (float)exp64(-(double)v)) * u[i];
	}
}

// attend computes causal attention for the (query t, head h) pairs p = t·heads
// + h in [p0, p1), as cpu.attendOne does without a soft cap: scores q·k ×
// scale over the visible keys (a window when positive), plus bias (or none
// when 0), softmax, the weighted sum of values into out, and for each of the
// nmix extra value columns mixin[j] (pointers) the sum Σ A·In into
// mixpart[p·nmix + j]. scores holds ctx floats. Every sum runs in the order
// of the Go kernels (dotGo's four lanes, weightedSumGo's key order, the
// softmax's sequential total), so the results equal theirs but for the
// exponential's rare last-bit difference.
EXPORT(attend)
void attend(const float *q, const float *k, const float *v, float *out, const float *bias, float *scores, int heads,
            int kvheads, int hd, int pos, int window, float scale, int nmix, const uint32_t *mixin, float *mixpart,
            int p0, int p1) {
	int kvd = kvheads * hd, group = heads / kvheads;
	for (int p = p0; p < p1; p++) {
		int t = p / heads, h = p % heads, g = h / group, qpos = pos + t;
		int first = window > 0 && qpos - window + 1 > 0 ? qpos - window + 1 : 0;
		int nk = qpos + 1 - first;
		const float *qh = q + (long)t * heads * hd + h * hd;
		for (int i = 0; i < nk; i++) scores[i] = dot_f32(qh, k + (long)(first + i) * kvd + g * hd, hd) * scale;
		if (bias)
			for (int i = 0; i < nk; i++) scores[i] += bias[first + i];
		float m = scores[0];
		for (int i = 1; i < nk; i++) m = scores[i] > m ? scores[i] : m;
		float sum = 0;
		for (int i = 0; i < nk; i++) {
			scores[i] = (float)exp64((double)(scores[i] - m));
			sum += scores[i];
		}
		v128_t vs = wasm_f32x4_splat(sum);
		int i = 0;
		for (; i + 4 <= nk; i += 4) wasm_v128_store(scores + i, wasm_f32x4_div(wasm_v128_load(scores + i), vs));
		for (; i < nk; i++) scores[i] /= sum;
		// out[d] = Σ_i scores[i]·v[i][d], key by key, four floats per lane
		// group; the head width is a multiple of 4 in every supported model,
		// the rest is done one float at a time.
		float *o = out + (long)t * heads * hd + h * hd;
		const float *vb = v + (long)first * kvd + g * hd;
		int d = 0;
		for (; d + 16 <= hd; d += 16) {
			v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
			for (int j = 0; j < nk; j++) {
				const float *vj = vb + (long)j * kvd + d;
				v128_t w = wasm_f32x4_splat(scores[j]);
				a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(w, wasm_v128_load(vj)));
				a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(w, wasm_v128_load(vj + 4)));
				a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(w, wasm_v128_load(vj + 8)));
				a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(w, wasm_v128_load(vj + 12)));
			}
			wasm_v128_store(o + d, a0);
			wasm_v128_store(o + d + 4, a1);
			wasm_v128_store(o + d + 8, a2);
			wasm_v128_store(o + d + 12, a3);
		}
		for (; d + 4 <= hd; d += 4) {
			v128_t a0 = wasm_f32x4_splat(0);
			for (int j = 0; j < nk; j++)
				a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_splat(scores[j]), wasm_v128_load(vb + (long)j * kvd + d)));
			wasm_v128_store(o + d, a0);
		}
		for (; d < hd; d++) {
			float a = 0;
			for (int j = 0; j < nk; j++) a += scores[j] * vb[(long)j * kvd + d];
			o[d] = a;
		}
		for (int j = 0; j < nmix; j++)
			mixpart[(long)p * nmix + j] = dot_f32(scores, (const float *)(uintptr_t)mixin[j] + first, nk);
	}
}
