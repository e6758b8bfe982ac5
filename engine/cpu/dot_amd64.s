#include "textflag.h"

// func dotAVX2(a, b *float32, n int) float32
// Four 8-lane FMA accumulators over 32 floats per step, then 8 per step.
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

loop32:
	CMPQ CX, $32
	JLT  loop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  loop32

loop8:
	CMPQ CX, $8
	JLT  done
	VMOVUPS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  loop8

done:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func dotQ8_0AVX2(row *byte, x *float32, nb int) float32
// Per 34-byte block: f16 scale d, 32 int8 q. Y0 += d · (q[0:16]·x[0:16] + q[16:32]·x[16:32]) lane-wise.
TEXT ·dotQ8_0AVX2(SB), NOSPLIT, $0-28
	MOVQ row+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ nb+16(FP), CX
	VXORPS Y0, Y0, Y0

q8loop:
	TESTQ CX, CX
	JZ    q8done
	MOVWLZX (SI), AX
	MOVQ    AX, X8
	VCVTPH2PS X8, X8
	VBROADCASTSS X8, Y8
	VPMOVSXBD 2(SI), Y1
	VPMOVSXBD 10(SI), Y2
	VPMOVSXBD 18(SI), Y3
	VPMOVSXBD 26(SI), Y4
	VCVTDQ2PS Y1, Y1
	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y3, Y3
	VCVTDQ2PS Y4, Y4
	VMULPS (DI), Y1, Y1
	VFMADD231PS 32(DI), Y2, Y1
	VMULPS 64(DI), Y3, Y3
	VFMADD231PS 96(DI), Y4, Y3
	VADDPS Y3, Y1, Y1
	VFMADD231PS Y8, Y1, Y0
	ADDQ $34, SI
	ADDQ $128, DI
	DECQ CX
	JMP  q8loop

q8done:
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

DATA nibbleMask<>+0(SB)/4, $0x0f
GLOBL nibbleMask<>(SB), RODATA|NOPTR, $4

// Q4K_CHUNK handles one 64-element chunk of a Q4_K super-block: 32 bytes of
// nibbles at SI, x at DI; scales lanes sc (sub-block scales broadcast per
// 128-bit lane) selected by VPERMILPS immediates lo and hi.
#define Q4K_CHUNK(sc, lo, hi) \
	VPMOVZXBD 0(SI), Y3; \
	VPMOVZXBD 8(SI), Y4; \
	VPAND Y15, Y3, Y1; \
	VPAND Y15, Y4, Y2; \
	VPSRLD $4, Y3, Y3; \
	VPSRLD $4, Y4, Y4; \
	VCVTDQ2PS Y1, Y1; \
	VCVTDQ2PS Y2, Y2; \
	VCVTDQ2PS Y3, Y3; \
	VCVTDQ2PS Y4, Y4; \
	VMULPS 0(DI), Y1, Y1; \
	VMULPS 32(DI), Y2, Y2; \
	VMULPS 128(DI), Y3, Y3; \
	VMULPS 160(DI), Y4, Y4; \
	VPMOVZXBD 16(SI), Y5; \
	VPMOVZXBD 24(SI), Y8; \
	VPAND Y15, Y5, Y12; \
	VPAND Y15, Y8, Y13; \
	VPSRLD $4, Y5, Y5; \
	VPSRLD $4, Y8, Y8; \
	VCVTDQ2PS Y12, Y12; \
	VCVTDQ2PS Y13, Y13; \
	VCVTDQ2PS Y5, Y5; \
	VCVTDQ2PS Y8, Y8; \
	VFMADD231PS 64(DI), Y12, Y1; \
	VFMADD231PS 96(DI), Y13, Y2; \
	VFMADD231PS 192(DI), Y5, Y3; \
	VFMADD231PS 224(DI), Y8, Y4; \
	VADDPS Y2, Y1, Y1; \
	VADDPS Y4, Y3, Y3; \
	VPERMILPS lo, sc, Y14; \
	VFMADD231PS Y14, Y1, Y0; \
	VPERMILPS hi, sc, Y14; \
	VFMADD231PS Y14, Y3, Y10; \
	ADDQ $32, SI; \
	ADDQ $256, DI

// func dotQ4_KAVX2(row *byte, x, xsum *float32, nsb int) float32
// Per 144-byte super-block: f16 d, f16 dmin, 12 bytes of packed 6-bit scales
// and mins, 128 bytes of nibbles. The scales and mins are unpacked as
// ggml-quants.c's get_scale_min_k4 does (three 32-bit words, masks kmask1-3),
// Y9 += dmin·m·xsum lane-wise (lane = sub-block), and each 64-element chunk c
// sums low nibbles · x[64c:64c+32] (sub-block 2c) into Y1 and high nibbles ·
// x[64c+32:64c+64] (sub-block 2c+1) into Y3 with two partial sums each, then
// Y0 += d·sc[2c]·Y1, Y10 += d·sc[2c+1]·Y3. Result: Σ(Y0 + Y10 − Y9).
TEXT ·dotQ4_KAVX2(SB), NOSPLIT, $0-36
	MOVQ row+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ xsum+16(FP), R10
	MOVQ nsb+24(FP), CX
	VPBROADCASTD nibbleMask<>(SB), Y15
	VXORPS Y0, Y0, Y0
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10

q4ksb:
	TESTQ CX, CX
	JZ    q4kdone
	MOVL 4(SI), AX
	MOVL 8(SI), BX
	MOVL 12(SI), DX
	MOVL DX, R8
	SHRL $4, R8
	ANDL $0x0f0f0f0f, R8
	MOVL BX, R9
	SHRL $6, R9
	ANDL $0x03030303, R9
	SHLL $4, R9
	ORL  R9, R8
	ANDL $0x3f3f3f3f, BX
	ANDL $0x0f0f0f0f, DX
	MOVL AX, R9
	SHRL $6, R9
	ANDL $0x03030303, R9
	SHLL $4, R9
	ORL  R9, DX
	ANDL $0x3f3f3f3f, AX
	SHLQ $32, DX
	ORQ  DX, AX
	SHLQ $32, R8
	ORQ  R8, BX
	MOVQ AX, X6
	VPMOVZXBD X6, Y6
	VCVTDQ2PS Y6, Y6
	VPBROADCASTW (SI), X12
	VCVTPH2PS X12, Y12
	VMULPS Y12, Y6, Y6
	MOVQ BX, X7
	VPMOVZXBD X7, Y7
	VCVTDQ2PS Y7, Y7
	VPBROADCASTW 2(SI), X11
	VCVTPH2PS X11, Y11
	VMULPS Y11, Y7, Y7
	VFMADD231PS (R10), Y7, Y9
	VPERM2F128 $0x00, Y6, Y6, Y7
	VPERM2F128 $0x11, Y6, Y6, Y6
	ADDQ $16, SI
	Q4K_CHUNK(Y7, $0x00, $0x55)
	Q4K_CHUNK(Y7, $0xaa, $0xff)
	Q4K_CHUNK(Y6, $0x00, $0x55)
	Q4K_CHUNK(Y6, $0xaa, $0xff)
	ADDQ $32, R10
	DECQ CX
	JMP  q4ksb

q4kdone:
	VADDPS Y10, Y0, Y0
	VSUBPS Y9, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+32(FP)
	RET

// q5spread makes byte i of a lane read byte i/8 of the broadcast qh word
// (lane 0: qh bytes 0, 1; lane 1: bytes 2, 3); q5bits clears bit i%8 of
// byte i, so a byte is 0xFF exactly when its element's fifth bit is set.
DATA q5spread<>+0(SB)/8, $0x0000000000000000
DATA q5spread<>+8(SB)/8, $0x0101010101010101
DATA q5spread<>+16(SB)/8, $0x0202020202020202
DATA q5spread<>+24(SB)/8, $0x0303030303030303
GLOBL q5spread<>(SB), RODATA|NOPTR, $32

DATA q5bits<>+0(SB)/8, $0x7fbfdfeff7fbfdfe
GLOBL q5bits<>(SB), RODATA|NOPTR, $8

DATA byteLow<>+0(SB)/1, $0x0f
GLOBL byteLow<>(SB), RODATA|NOPTR, $1

DATA byteHigh<>+0(SB)/1, $0xf0
GLOBL byteHigh<>(SB), RODATA|NOPTR, $1

// func dotQ5_0AVX2(row *byte, x *float32, nb int) float32
// Per 22-byte block: f16 d, qh (32 fifth bits), 16 bytes of nibbles; element
// e < 16 is the low nibble of qs[e], e >= 16 the high nibble of qs[e-16], its
// fifth bit is bit e of qh; value d·(q - 16). The 32 values q - 16 are built
// as int8 in one register (nibble | 0xF0 where the fifth bit is clear, as
// ggml-quants.c's AVX2 path does), widened to f32 8 at a time;
// Y0 += d · Σ (q-16)·x lane-wise.
TEXT ·dotQ5_0AVX2(SB), NOSPLIT, $0-28
	MOVQ row+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ nb+16(FP), CX
	VMOVDQU q5spread<>(SB), Y10
	VPBROADCASTQ q5bits<>(SB), Y11
	VPCMPEQB Y12, Y12, Y12
	VPBROADCASTB byteHigh<>(SB), Y13
	VPBROADCASTB byteLow<>(SB), Y14
	VXORPS Y0, Y0, Y0

q5loop:
	TESTQ CX, CX
	JZ    q5done
	VPBROADCASTW (SI), X8
	VCVTPH2PS X8, Y8
	VMOVDQU 6(SI), X1
	VPSRLW $4, X1, X2
	VINSERTI128 $1, X2, Y1, Y1
	VPAND Y14, Y1, Y1
	VPBROADCASTD 2(SI), Y2
	VPSHUFB Y10, Y2, Y2
	VPOR Y11, Y2, Y2
	VPCMPEQB Y12, Y2, Y2
	VPANDN Y13, Y2, Y2
	VPOR Y2, Y1, Y1
	VPMOVSXBD X1, Y3
	VPSRLDQ $8, X1, X4
	VPMOVSXBD X4, Y4
	VEXTRACTI128 $1, Y1, X5
	VPSRLDQ $8, X5, X6
	VPMOVSXBD X5, Y5
	VPMOVSXBD X6, Y6
	VCVTDQ2PS Y3, Y3
	VCVTDQ2PS Y4, Y4
	VCVTDQ2PS Y5, Y5
	VCVTDQ2PS Y6, Y6
	VMULPS (DI), Y3, Y3
	VFMADD231PS 32(DI), Y4, Y3
	VMULPS 64(DI), Y5, Y5
	VFMADD231PS 96(DI), Y6, Y5
	VADDPS Y5, Y3, Y3
	VFMADD231PS Y8, Y3, Y0
	ADDQ $22, SI
	ADDQ $128, DI
	DECQ CX
	JMP  q5loop

q5done:
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func dequantQ8_0AVX2(row *byte, dst *float32, nb int)
// dst[32b+i] = d_b · q_b[i], one rounding, as ggml's dequantize_row_q8_0.
TEXT ·dequantQ8_0AVX2(SB), NOSPLIT, $0-24
	MOVQ row+0(FP), SI
	MOVQ dst+8(FP), DI
	MOVQ nb+16(FP), CX

dq8loop:
	TESTQ CX, CX
	JZ    dq8done
	MOVWLZX (SI), AX
	MOVQ    AX, X8
	VCVTPH2PS X8, X8
	VBROADCASTSS X8, Y8
	VPMOVSXBD 2(SI), Y1
	VPMOVSXBD 10(SI), Y2
	VPMOVSXBD 18(SI), Y3
	VPMOVSXBD 26(SI), Y4
	VCVTDQ2PS Y1, Y1
	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y3, Y3
	VCVTDQ2PS Y4, Y4
	VMULPS Y8, Y1, Y1
	VMULPS Y8, Y2, Y2
	VMULPS Y8, Y3, Y3
	VMULPS Y8, Y4, Y4
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	ADDQ $34, SI
	ADDQ $128, DI
	DECQ CX
	JMP  dq8loop

dq8done:
	VZEROUPPER
	RET

// func cpuid(eax, ecx uint32) (a, b, c, d uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eax+0(FP), AX
	MOVL ecx+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET

// func xgetbv() uint32
TEXT ·xgetbv(SB), NOSPLIT, $0-4
	MOVL $0, CX
	XGETBV
	MOVL AX, ret+0(FP)
	RET

DATA q6kHigh<>+0(SB)/8, $0x3030303030303030
DATA q6kHigh<>+8(SB)/8, $0x3030303030303030
DATA q6kHigh<>+16(SB)/8, $0x3030303030303030
DATA q6kHigh<>+24(SB)/8, $0x3030303030303030
GLOBL q6kHigh<>(SB), RODATA|NOPTR, $32

DATA q6kBias<>+0(SB)/8, $0x2020202020202020
DATA q6kBias<>+8(SB)/8, $0x2020202020202020
DATA q6kBias<>+16(SB)/8, $0x2020202020202020
DATA q6kBias<>+24(SB)/8, $0x2020202020202020
GLOBL q6kBias<>(SB), RODATA|NOPTR, $32

// Q6K_GROUP takes Y5, 32 int8 values q-32 for l = 0..31 of one quarter of a
// Q6_K half-block, widens them to f32 and adds Σ q·x[l] for l < 16 (scaled by
// lane lo of sc) to Y0, for l ≥ 16 (lane hi) to Y1; x for l = 0 is at off(DI).
#define Q6K_GROUP(off, sc, lo, hi) \
	VPMOVSXBD X5, Y6; \
	VPSRLDQ $8, X5, X7; \
	VPMOVSXBD X7, Y7; \
	VEXTRACTI128 $1, Y5, X8; \
	VPSRLDQ $8, X8, X9; \
	VPMOVSXBD X8, Y8; \
	VPMOVSXBD X9, Y9; \
	VCVTDQ2PS Y6, Y6; \
	VCVTDQ2PS Y7, Y7; \
	VCVTDQ2PS Y8, Y8; \
	VCVTDQ2PS Y9, Y9; \
	VMULPS (off)(DI), Y6, Y6; \
	VFMADD231PS (off+32)(DI), Y7, Y6; \
	VMULPS (off+64)(DI), Y8, Y8; \
	VFMADD231PS (off+96)(DI), Y9, Y8; \
	VPERMILPS lo, sc, Y10; \
	VFMADD231PS Y10, Y6, Y0; \
	VPERMILPS hi, sc, Y10; \
	VFMADD231PS Y10, Y8, Y1

// Q6K_HALF handles 128 elements of a Q6_K block at BX: 64 bytes of ql at
// ql(BX), 32 bytes of qh at qh(BX), their 8 scales (already times d) in sc;
// x at DI, advanced by 128 floats. Quarter k's value for l = 0..31 is
// (ql[l or l+32] nibble) | (qh[l] bits 2k, 2k+1) << 4, minus 32
// (dequantize_row_q6_K in ggml-quants.c).
#define Q6K_HALF(ql, qh, sc) \
	VMOVDQU (ql)(BX), Y2; \
	VMOVDQU (ql+32)(BX), Y3; \
	VMOVDQU (qh)(BX), Y4; \
	VPERM2F128 $0x00, sc, sc, Y13; \
	VPERM2F128 $0x11, sc, sc, Y14; \
	VPAND Y15, Y2, Y5; \
	VPSLLW $4, Y4, Y6; \
	VPAND q6kHigh<>(SB), Y6, Y6; \
	VPOR Y6, Y5, Y5; \
	VPSUBB q6kBias<>(SB), Y5, Y5; \
	Q6K_GROUP(0, Y13, $0x00, $0x55); \
	VPAND Y15, Y3, Y5; \
	VPSLLW $2, Y4, Y6; \
	VPAND q6kHigh<>(SB), Y6, Y6; \
	VPOR Y6, Y5, Y5; \
	VPSUBB q6kBias<>(SB), Y5, Y5; \
	Q6K_GROUP(128, Y13, $0xaa, $0xff); \
	VPSRLW $4, Y2, Y5; \
	VPAND Y15, Y5, Y5; \
	VPAND q6kHigh<>(SB), Y4, Y6; \
	VPOR Y6, Y5, Y5; \
	VPSUBB q6kBias<>(SB), Y5, Y5; \
	Q6K_GROUP(256, Y14, $0x00, $0x55); \
	VPSRLW $4, Y3, Y5; \
	VPAND Y15, Y5, Y5; \
	VPSRLW $2, Y4, Y6; \
	VPAND q6kHigh<>(SB), Y6, Y6; \
	VPOR Y6, Y5, Y5; \
	VPSUBB q6kBias<>(SB), Y5, Y5; \
	Q6K_GROUP(384, Y14, $0xaa, $0xff); \
	ADDQ $512, DI

// func dotQ6_KAVX2(row *byte, x *float32, nsb int) float32
// Per 210-byte super-block (ggml-common.h block_q6_K): ql[128] low nibbles,
// qh[64] high two bits, 16 int8 scales, f16 d; 256 values d·sc[l/16]·(q - 32).
// The scales times d are formed as f32 once per block (Y11: first half,
// Y12: second half) and broadcast per 16 elements.
TEXT ·dotQ6_KAVX2(SB), NOSPLIT, $0-28
	MOVQ row+0(FP), BX
	MOVQ x+8(FP), DI
	MOVQ nsb+16(FP), CX
	VPBROADCASTB byteLow<>(SB), Y15
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

q6kloop:
	TESTQ CX, CX
	JZ    q6kdone
	VPBROADCASTW 208(BX), X10
	VCVTPH2PS X10, Y10
	VPMOVSXBD 192(BX), Y11
	VPMOVSXBD 200(BX), Y12
	VCVTDQ2PS Y11, Y11
	VCVTDQ2PS Y12, Y12
	VMULPS Y10, Y11, Y11
	VMULPS Y10, Y12, Y12
	Q6K_HALF(0, 128, Y11)
	Q6K_HALF(64, 160, Y12)
	ADDQ $210, BX
	DECQ CX
	JMP  q6kloop

q6kdone:
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET
