#include "textflag.h"

// Row decoders for the tiled MatMul (gemm.go): each writes the values
// ggml.Dequantize writes, bit for bit (same products, same roundings, no
// fused multiply-add). The constants repeat dot_amd64.s's (DATA symbols
// named with <> are private to their file).

DATA dqNibbleMask<>+0(SB)/4, $0x0f
GLOBL dqNibbleMask<>(SB), RODATA|NOPTR, $4

DATA dqByteLow<>+0(SB)/1, $0x0f
GLOBL dqByteLow<>(SB), RODATA|NOPTR, $1

DATA dqByteHigh<>+0(SB)/1, $0xf0
GLOBL dqByteHigh<>(SB), RODATA|NOPTR, $1

// dqQ5spread, dqQ5bits: see q5spread, q5bits in dot_amd64.s.
DATA dqQ5spread<>+0(SB)/8, $0x0000000000000000
DATA dqQ5spread<>+8(SB)/8, $0x0101010101010101
DATA dqQ5spread<>+16(SB)/8, $0x0202020202020202
DATA dqQ5spread<>+24(SB)/8, $0x0303030303030303
GLOBL dqQ5spread<>(SB), RODATA|NOPTR, $32

DATA dqQ5bits<>+0(SB)/8, $0x7fbfdfeff7fbfdfe
GLOBL dqQ5bits<>(SB), RODATA|NOPTR, $8

DATA dqQ6kHigh<>+0(SB)/4, $0x30303030
GLOBL dqQ6kHigh<>(SB), RODATA|NOPTR, $4

DATA dqQ6kBias<>+0(SB)/4, $0x20202020
GLOBL dqQ6kBias<>(SB), RODATA|NOPTR, $4

// func dequantQ5_0AVX2(row *byte, dst *float32, nb int)
// Per 22-byte block (see dotQ5_0AVX2): dst[i] = float32(q_i - 16) · d.
TEXT ·dequantQ5_0AVX2(SB), NOSPLIT, $0-24
	MOVQ row+0(FP), SI
	MOVQ dst+8(FP), DI
	MOVQ nb+16(FP), CX
	VMOVDQU dqQ5spread<>(SB), Y10
	VPBROADCASTQ dqQ5bits<>(SB), Y11
	VPCMPEQB Y12, Y12, Y12
	VPBROADCASTB dqByteHigh<>(SB), Y13
	VPBROADCASTB dqByteLow<>(SB), Y14

dq5loop:
	TESTQ CX, CX
	JZ    dq5done
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
	VMULPS Y8, Y3, Y3
	VMULPS Y8, Y4, Y4
	VMULPS Y8, Y5, Y5
	VMULPS Y8, Y6, Y6
	VMOVUPS Y3, (DI)
	VMOVUPS Y4, 32(DI)
	VMOVUPS Y5, 64(DI)
	VMOVUPS Y6, 96(DI)
	ADDQ $22, SI
	ADDQ $128, DI
	DECQ CX
	JMP  dq5loop

dq5done:
	VZEROUPPER
	RET

// Q4K_DQ_GROUP decodes 8 bytes of nibbles at off(SI): low nibbles to
// dst[off..off+8) with scale Y12 and minimum Y14, high nibbles to
// dst[32+off..) with Y13 and Y5, each value (d·sc)·q − dmin·m.
#define Q4K_DQ_GROUP(off) \
	VPMOVZXBD off(SI), Y1; \
	VPAND Y15, Y1, Y2; \
	VPSRLD $4, Y1, Y1; \
	VCVTDQ2PS Y2, Y2; \
	VCVTDQ2PS Y1, Y1; \
	VMULPS Y12, Y2, Y2; \
	VSUBPS Y14, Y2, Y2; \
	VMOVUPS Y2, (off*4)(DI); \
	VMULPS Y13, Y1, Y1; \
	VSUBPS Y5, Y1, Y1; \
	VMOVUPS Y1, (128+off*4)(DI)

// Q4K_DQ_CHUNK decodes one 64-element chunk (32 bytes of nibbles at SI):
// sub-block scales and minimums taken from lanes lo and hi of sc and mn.
#define Q4K_DQ_CHUNK(sc, mn, lo, hi) \
	VPERMILPS lo, sc, Y12; \
	VPERMILPS hi, sc, Y13; \
	VPERMILPS lo, mn, Y14; \
	VPERMILPS hi, mn, Y5; \
	Q4K_DQ_GROUP(0); \
	Q4K_DQ_GROUP(8); \
	Q4K_DQ_GROUP(16); \
	Q4K_DQ_GROUP(24); \
	ADDQ $32, SI; \
	ADDQ $256, DI

// func dequantQ4_KAVX2(row *byte, dst *float32, nsb int)
// Per 144-byte super-block (see dotQ4_KAVX2): Y6 = d·sc[0..7], Y7 = dmin·m[0..7],
// each 128-bit half duplicated (Y8, Y9 scales; Y10, Y11 minimums) so that
// VPERMILPS can broadcast one sub-block's lane.
TEXT ·dequantQ4_KAVX2(SB), NOSPLIT, $0-24
	MOVQ row+0(FP), SI
	MOVQ dst+8(FP), DI
	MOVQ nsb+16(FP), CX
	VPBROADCASTD dqNibbleMask<>(SB), Y15

dq4ksb:
	TESTQ CX, CX
	JZ    dq4kdone
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
	VPERM2F128 $0x00, Y6, Y6, Y8
	VPERM2F128 $0x11, Y6, Y6, Y9
	VPERM2F128 $0x00, Y7, Y7, Y10
	VPERM2F128 $0x11, Y7, Y7, Y11
	ADDQ $16, SI
	Q4K_DQ_CHUNK(Y8, Y10, $0x00, $0x55)
	Q4K_DQ_CHUNK(Y8, Y10, $0xaa, $0xff)
	Q4K_DQ_CHUNK(Y9, Y11, $0x00, $0x55)
	Q4K_DQ_CHUNK(Y9, Y11, $0xaa, $0xff)
	DECQ CX
	JMP  dq4ksb

dq4kdone:
	VZEROUPPER
	RET

// Q6K_DQ_GROUP widens Y5, 32 int8 values q−32 of one quarter of a Q6_K
// half-block, and stores (d·sc)·q at off(DI): lane lo of sc scales the first
// 16 values, lane hi the last 16.
#define Q6K_DQ_GROUP(off, sc, lo, hi) \
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
	VPERMILPS lo, sc, Y10; \
	VMULPS Y10, Y6, Y6; \
	VMULPS Y10, Y7, Y7; \
	VPERMILPS hi, sc, Y10; \
	VMULPS Y10, Y8, Y8; \
	VMULPS Y10, Y9, Y9; \
	VMOVUPS Y6, (off)(DI); \
	VMOVUPS Y7, (off+32)(DI); \
	VMOVUPS Y8, (off+64)(DI); \
	VMOVUPS Y9, (off+96)(DI)

// Q6K_DQ_HALF decodes 128 elements of a Q6_K block at BX exactly as
// Q6K_HALF (dot_amd64.s) forms them, storing instead of multiplying with x;
// Y15 holds 0x0F bytes, Y0 0x30 bytes (the two high bits' place), Y1 32s.
#define Q6K_DQ_HALF(ql, qh, sc) \
	VMOVDQU (ql)(BX), Y2; \
	VMOVDQU (ql+32)(BX), Y3; \
	VMOVDQU (qh)(BX), Y4; \
	VPERM2F128 $0x00, sc, sc, Y13; \
	VPERM2F128 $0x11, sc, sc, Y14; \
	VPAND Y15, Y2, Y5; \
	VPSLLW $4, Y4, Y6; \
	VPAND Y0, Y6, Y6; \
	VPOR Y6, Y5, Y5; \
	VPSUBB Y1, Y5, Y5; \
	Q6K_DQ_GROUP(0, Y13, $0x00, $0x55); \
	VPAND Y15, Y3, Y5; \
	VPSLLW $2, Y4, Y6; \
	VPAND Y0, Y6, Y6; \
	VPOR Y6, Y5, Y5; \
	VPSUBB Y1, Y5, Y5; \
	Q6K_DQ_GROUP(128, Y13, $0xaa, $0xff); \
	VPSRLW $4, Y2, Y5; \
	VPAND Y15, Y5, Y5; \
	VPAND Y0, Y4, Y6; \
	VPOR Y6, Y5, Y5; \
	VPSUBB Y1, Y5, Y5; \
	Q6K_DQ_GROUP(256, Y14, $0x00, $0x55); \
	VPSRLW $4, Y3, Y5; \
	VPAND Y15, Y5, Y5; \
	VPSRLW $2, Y4, Y6; \
	VPAND Y0, Y6, Y6; \
	VPOR Y6, Y5, Y5; \
	VPSUBB Y1, Y5, Y5; \
	Q6K_DQ_GROUP(384, Y14, $0xaa, $0xff); \
	ADDQ $512, DI

// func dequantQ6_KAVX2(row *byte, dst *float32, nsb int)
// Per 210-byte super-block (see dotQ6_KAVX2): Y11, Y12 = d·sc for the two halves.
TEXT ·dequantQ6_KAVX2(SB), NOSPLIT, $0-24
	MOVQ row+0(FP), BX
	MOVQ dst+8(FP), DI
	MOVQ nsb+16(FP), CX
	VPBROADCASTB dqByteLow<>(SB), Y15
	VPBROADCASTD dqQ6kHigh<>(SB), Y0
	VPBROADCASTD dqQ6kBias<>(SB), Y1

dq6kloop:
	TESTQ CX, CX
	JZ    dq6kdone
	VPBROADCASTW 208(BX), X10
	VCVTPH2PS X10, Y10
	VPMOVSXBD 192(BX), Y11
	VPMOVSXBD 200(BX), Y12
	VCVTDQ2PS Y11, Y11
	VCVTDQ2PS Y12, Y12
	VMULPS Y10, Y11, Y11
	VMULPS Y10, Y12, Y12
	Q6K_DQ_HALF(0, 128, Y11)
	Q6K_DQ_HALF(64, 160, Y12)
	ADDQ $210, BX
	DECQ CX
	JMP  dq6kloop

dq6kdone:
	VZEROUPPER
	RET
