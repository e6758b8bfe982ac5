#include "textflag.h"

// AVX2 kernels for the 2–4-bit formats Q2_K, Q3_K, IQ4_NL and IQ4_XS: a dot
// product (decode) and a row decoder (the tiled prefill) per type. Both share
// one macro per type that turns 32 packed quants into their unscaled levels as
// four registers of 8 f32; the dot product multiplies the levels with x and
// scales per-sub-block partial sums, the decoder scales the levels and stores
// them, writing ggml.Dequantize's values bit for bit (the same two roundings:
// scale = d·sub-block scale, value = scale·level, and for Q2_K − d_min·min,
// with no fused multiply-add). Block layouts: engine/ggml/dequant.go.

// lbLevels holds kvalues_iq4nl (ggml-common.h), the 16 levels a 4-bit IQ4
// index selects, as signed bytes, for VPSHUFB.
DATA lbLevels<>+0(SB)/8, $0xf6eaddcfbfad9881
DATA lbLevels<>+8(SB)/8, $0x7159453526190d01
GLOBL lbLevels<>(SB), RODATA|NOPTR, $16

DATA lbNibble<>+0(SB)/1, $0x0f
GLOBL lbNibble<>(SB), RODATA|NOPTR, $1

DATA lbTwoBits<>+0(SB)/1, $0x03
GLOBL lbTwoBits<>(SB), RODATA|NOPTR, $1

DATA lbBit2<>+0(SB)/8, $0x0404040404040404
DATA lbBit2<>+8(SB)/8, $0x0404040404040404
DATA lbBit2<>+16(SB)/8, $0x0404040404040404
DATA lbBit2<>+24(SB)/8, $0x0404040404040404
GLOBL lbBit2<>(SB), RODATA|NOPTR, $32

DATA lbNibbles<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA lbNibbles<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL lbNibbles<>(SB), RODATA|NOPTR, $16

DATA lb32<>+0(SB)/4, $32
GLOBL lb32<>(SB), RODATA|NOPTR, $4

// HSUM_RET adds the 8 lanes of Y0 and returns the sum at ret.
#define HSUM_RET(ret) \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPS X1, X0, X0; \
	VHADDPS X0, X0, X0; \
	VHADDPS X0, X0, X0; \
	VZEROUPPER; \
	MOVSS X0, ret; \
	RET

// IQ4_LEVELS reads the 16 bytes of one 32-element IQ4 block's nibbles at
// off(base) and leaves its levels, elements 0–7, 8–15, 16–23, 24–31, as f32 in
// Y3–Y6: low nibbles (elements 0–15) in the low lane, high nibbles (16–31) in
// the high lane, each looked up in the level table Y15 (both lanes); Y14 holds
// 0x0f per byte.
#define IQ4_LEVELS(off, base) \
	VMOVDQU off(base), X1; \
	VPSRLW $4, X1, X2; \
	VINSERTI128 $1, X2, Y1, Y1; \
	VPAND Y14, Y1, Y1; \
	VPSHUFB Y1, Y15, Y1; \
	VPMOVSXBD X1, Y3; \
	VPSRLDQ $8, X1, X2; \
	VPMOVSXBD X2, Y4; \
	VEXTRACTI128 $1, Y1, X1; \
	VPMOVSXBD X1, Y5; \
	VPSRLDQ $8, X1, X2; \
	VPMOVSXBD X2, Y6; \
	VCVTDQ2PS Y3, Y3; \
	VCVTDQ2PS Y4, Y4; \
	VCVTDQ2PS Y5, Y5; \
	VCVTDQ2PS Y6, Y6

// IQ4_DOT32 sets Y3 to the lane-wise Σ level·x over the 32 elements at DI.
#define IQ4_DOT32 \
	VMULPS (DI), Y3, Y3; \
	VFMADD231PS 32(DI), Y4, Y3; \
	VMULPS 64(DI), Y5, Y5; \
	VFMADD231PS 96(DI), Y6, Y5; \
	VADDPS Y5, Y3, Y3

// IQ4_STORE32 stores the levels Y3–Y6 times the scale in Y7 to DI.
#define IQ4_STORE32 \
	VMULPS Y7, Y3, Y3; \
	VMULPS Y7, Y4, Y4; \
	VMULPS Y7, Y5, Y5; \
	VMULPS Y7, Y6, Y6; \
	VMOVUPS Y3, (DI); \
	VMOVUPS Y4, 32(DI); \
	VMOVUPS Y5, 64(DI); \
	VMOVUPS Y6, 96(DI)

// IQ4_SETUP loads the level table and the nibble mask.
#define IQ4_SETUP \
	VBROADCASTI128 lbLevels<>(SB), Y15; \
	VPBROADCASTB lbNibble<>(SB), Y14

// func dotIQ4_NLAVX2(row *byte, x *float32, nb int) float32
// Per 18-byte block: f16 d, 16 bytes of nibbles; Y0 += d·Σ level·x lane-wise.
TEXT ·dotIQ4_NLAVX2(SB), NOSPLIT, $0-28
	MOVQ row+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ nb+16(FP), CX
	IQ4_SETUP
	VXORPS Y0, Y0, Y0

nlloop:
	TESTQ CX, CX
	JZ    nldone
	VPBROADCASTW (SI), X8
	VCVTPH2PS X8, Y8
	IQ4_LEVELS(2, SI)
	IQ4_DOT32
	VFMADD231PS Y8, Y3, Y0
	ADDQ $18, SI
	ADDQ $128, DI
	DECQ CX
	JMP  nlloop

nldone:
	HSUM_RET(ret+24(FP))

// func dequantIQ4_NLAVX2(row *byte, dst *float32, nb int)
// dst[32b+i] = d_b · level_b[i].
TEXT ·dequantIQ4_NLAVX2(SB), NOSPLIT, $0-24
	MOVQ row+0(FP), SI
	MOVQ dst+8(FP), DI
	MOVQ nb+16(FP), CX
	IQ4_SETUP

dnlloop:
	TESTQ CX, CX
	JZ    dnldone
	VPBROADCASTW (SI), X7
	VCVTPH2PS X7, Y7
	IQ4_LEVELS(2, SI)
	IQ4_STORE32
	ADDQ $18, SI
	ADDQ $128, DI
	DECQ CX
	JMP  dnlloop

dnldone:
	VZEROUPPER
	RET

// IQ4XS_SCALE sets X7 (lane 0) to d·(ls − 32) for the next sub-block, whose
// 6-bit scale ls is the low nibble of R9 | the low 2 bits of R8 << 4, then
// moves R9 and R8 on to the following sub-block's bits. X8 holds d.
#define IQ4XS_SCALE \
	MOVL R9, R10; \
	ANDL $15, R10; \
	MOVL R8, AX; \
	ANDL $3, AX; \
	SHLL $4, AX; \
	ORL  AX, R10; \
	SUBL $32, R10; \
	VXORPS X7, X7, X7; \
	VCVTSI2SSL R10, X7, X7; \
	VMULSS X8, X7, X7; \
	SHRL $4, R9; \
	SHRL $2, R8

// IQ4XS_BLOCK loads one 136-byte super-block's d (X8), scales_h (R8) and
// scales_l (R9), points R11 at its nibbles and sets DX to 8 sub-blocks.
#define IQ4XS_BLOCK \
	VPBROADCASTW (SI), X8; \
	VCVTPH2PS X8, X8; \
	MOVWLZX 2(SI), R8; \
	MOVL 4(SI), R9; \
	LEAQ 8(SI), R11; \
	MOVQ $8, DX

// func dotIQ4_XSAVX2(row *byte, x *float32, nsb int) float32
// Per 136-byte super-block: f16 d, scales_h, scales_l[4], 128 bytes of
// nibbles; sub-block ib (32 elements, nibbles at 16·ib) is an IQ4_NL block
// with scale d·(ls_ib − 32): Y0 += scale·Σ level·x lane-wise.
TEXT ·dotIQ4_XSAVX2(SB), NOSPLIT, $0-28
	MOVQ row+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ nsb+16(FP), CX
	IQ4_SETUP
	VXORPS Y0, Y0, Y0

xsloop:
	TESTQ CX, CX
	JZ    xsdone
	IQ4XS_BLOCK

xssub:
	IQ4XS_SCALE
	VBROADCASTSS X7, Y7
	IQ4_LEVELS(0, R11)
	IQ4_DOT32
	VFMADD231PS Y7, Y3, Y0
	ADDQ $16, R11
	ADDQ $128, DI
	DECQ DX
	JNZ  xssub
	ADDQ $136, SI
	DECQ CX
	JMP  xsloop

xsdone:
	HSUM_RET(ret+24(FP))

// func dequantIQ4_XSAVX2(row *byte, dst *float32, nsb int)
// dst = (d·(ls_ib − 32)) · level, per sub-block ib.
TEXT ·dequantIQ4_XSAVX2(SB), NOSPLIT, $0-24
	MOVQ row+0(FP), SI
	MOVQ dst+8(FP), DI
	MOVQ nsb+16(FP), CX
	IQ4_SETUP

dxsloop:
	TESTQ CX, CX
	JZ    dxsdone
	IQ4XS_BLOCK

dxssub:
	IQ4XS_SCALE
	VBROADCASTSS X7, Y7
	IQ4_LEVELS(0, R11)
	IQ4_STORE32
	ADDQ $16, R11
	ADDQ $128, DI
	DECQ DX
	JNZ  dxssub
	ADDQ $136, SI
	DECQ CX
	JMP  dxsloop

dxsdone:
	VZEROUPPER
	RET

// Q2_K and Q3_K share their quant layout: a 128-element half h reads 32 bytes
// of 2-bit quants, and its 32-element group k (elements 128h + 32k + l) takes
// bits 2k..2k+1 of byte l; elements l < 16 belong to sub-block 8h + 2k,
// l ≥ 16 to 8h + 2k + 1. As in Q6_K (dot_amd64.s), a half's eight sub-block
// scales sit in one register; lanes 0–3 duplicated (Y13) serve groups 0 and 1,
// lanes 4–7 (Y14) groups 2 and 3, selected by VPERMILPS.

// K2_WIDEN widens the 32 int8 levels in Y5 to f32 in Y6–Y9 (elements 0–7,
// 8–15, 16–23, 24–31 of the group).
#define K2_WIDEN \
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
	VCVTDQ2PS Y9, Y9

// K2_DOT adds Σ level·x of the group's first 16 elements, times lane lo of
// sc, to Y0 and of its last 16, times lane hi, to Y1; x at off(DI).
#define K2_DOT(off, sc, lo, hi) \
	K2_WIDEN; \
	VMULPS (off)(DI), Y6, Y6; \
	VFMADD231PS (off+32)(DI), Y7, Y6; \
	VMULPS (off+64)(DI), Y8, Y8; \
	VFMADD231PS (off+96)(DI), Y9, Y8; \
	VPERMILPS lo, sc, Y10; \
	VFMADD231PS Y10, Y6, Y0; \
	VPERMILPS hi, sc, Y10; \
	VFMADD231PS Y10, Y8, Y1

// K2_SCALED sets Y6–Y9 to the group's levels times lanes lo (first 16) and
// hi (last 16) of sc.
#define K2_SCALED(sc, lo, hi) \
	K2_WIDEN; \
	VPERMILPS lo, sc, Y10; \
	VMULPS Y10, Y6, Y6; \
	VMULPS Y10, Y7, Y7; \
	VPERMILPS hi, sc, Y10; \
	VMULPS Y10, Y8, Y8; \
	VMULPS Y10, Y9, Y9

#define K2_STORE(off) \
	VMOVUPS Y6, (off)(DI); \
	VMOVUPS Y7, (off+32)(DI); \
	VMOVUPS Y8, (off+64)(DI); \
	VMOVUPS Y9, (off+96)(DI)

// Q2K_LEVELS leaves in Y5 the levels (0..3) of group k: (Y2 >> 2k) & 3 per
// byte, Y15 holding 0x03 per byte.
#define Q2K_LEVELS(shift) \
	VPSRLW $shift, Y2, Y5; \
	VPAND Y15, Y5, Y5

// Q2K_SCALES sets Y11, Y12 to d·(scales[j] & 15) for sub-blocks 0–7, 8–15 and
// Y13, Y14 to dmin·(scales[j] >> 4), from the 84-byte super-block at BX.
#define Q2K_SCALES \
	VMOVDQU (BX), X5; \
	VPAND lbNibbles<>(SB), X5, X6; \
	VPSRLW $4, X5, X7; \
	VPAND lbNibbles<>(SB), X7, X7; \
	VPMOVZXBD X6, Y11; \
	VPSRLDQ $8, X6, X6; \
	VPMOVZXBD X6, Y12; \
	VPMOVZXBD X7, Y13; \
	VPSRLDQ $8, X7, X7; \
	VPMOVZXBD X7, Y14; \
	VCVTDQ2PS Y11, Y11; \
	VCVTDQ2PS Y12, Y12; \
	VCVTDQ2PS Y13, Y13; \
	VCVTDQ2PS Y14, Y14; \
	VPBROADCASTW 80(BX), X8; \
	VCVTPH2PS X8, Y8; \
	VMULPS Y8, Y11, Y11; \
	VMULPS Y8, Y12, Y12; \
	VPBROADCASTW 82(BX), X8; \
	VCVTPH2PS X8, Y8; \
	VMULPS Y8, Y13, Y13; \
	VMULPS Y8, Y14, Y14

// Q2K_DOT_HALF handles half h of a Q2_K super-block: quants at qs(BX),
// sub-block scales sc (Y11 or Y12); x at DI, advanced by 128 floats.
#define Q2K_DOT_HALF(qs, sc) \
	VMOVDQU (qs)(BX), Y2; \
	VPERM2F128 $0x00, sc, sc, Y13; \
	VPERM2F128 $0x11, sc, sc, Y14; \
	Q2K_LEVELS(0); \
	K2_DOT(0, Y13, $0x00, $0x55); \
	Q2K_LEVELS(2); \
	K2_DOT(128, Y13, $0xaa, $0xff); \
	Q2K_LEVELS(4); \
	K2_DOT(256, Y14, $0x00, $0x55); \
	Q2K_LEVELS(6); \
	K2_DOT(384, Y14, $0xaa, $0xff); \
	ADDQ $512, DI

// func dotQ2_KAVX2(row *byte, x, xsum *float32, nsb int) float32
// Per 84-byte super-block: scales[16] (4-bit scale | 4-bit min << 4),
// qs[64], f16 d, f16 dmin; sub-block j's values d·sc_j·q − dmin·m_j. The
// minimums go through the sums of x per 16 elements (xsum): Y3 +=
// dmin·m·xsum lane-wise, and the result is Σ(Y0 + Y1 − Y3).
TEXT ·dotQ2_KAVX2(SB), NOSPLIT, $0-36
	MOVQ row+0(FP), BX
	MOVQ x+8(FP), DI
	MOVQ xsum+16(FP), R10
	MOVQ nsb+24(FP), CX
	VPBROADCASTB lbTwoBits<>(SB), Y15
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y3, Y3, Y3

q2kloop:
	TESTQ CX, CX
	JZ    q2kdone
	Q2K_SCALES
	VFMADD231PS (R10), Y13, Y3
	VFMADD231PS 32(R10), Y14, Y3
	Q2K_DOT_HALF(16, Y11)
	Q2K_DOT_HALF(48, Y12)
	ADDQ $84, BX
	ADDQ $64, R10
	DECQ CX
	JMP  q2kloop

q2kdone:
	VADDPS Y1, Y0, Y0
	VSUBPS Y3, Y0, Y0
	HSUM_RET(ret+32(FP))

// Q2K_DQ_GROUP stores group k (level shift 2k) of a half: levels times the
// scale lanes lo/hi of sc minus the minimum lanes of mn; x offset off.
#define Q2K_DQ_GROUP(shift, off, sc, mn, lo, hi) \
	Q2K_LEVELS(shift); \
	K2_SCALED(sc, lo, hi); \
	VPERMILPS lo, mn, Y10; \
	VSUBPS Y10, Y6, Y6; \
	VSUBPS Y10, Y7, Y7; \
	VPERMILPS hi, mn, Y10; \
	VSUBPS Y10, Y8, Y8; \
	VSUBPS Y10, Y9, Y9; \
	K2_STORE(off)

// Q2K_DQ_HALF decodes half h: quants at qs(BX), scales sc, minimums mn
// (Y0/Y1 hold the minimums of sub-blocks 0–7/8–15, Y3/Y4 their duplicated
// lanes while a half is decoded).
#define Q2K_DQ_HALF(qs, sc, mn) \
	VMOVDQU (qs)(BX), Y2; \
	VPERM2F128 $0x00, sc, sc, Y13; \
	VPERM2F128 $0x11, sc, sc, Y14; \
	VPERM2F128 $0x00, mn, mn, Y3; \
	VPERM2F128 $0x11, mn, mn, Y4; \
	Q2K_DQ_GROUP(0, 0, Y13, Y3, $0x00, $0x55); \
	Q2K_DQ_GROUP(2, 128, Y13, Y3, $0xaa, $0xff); \
	Q2K_DQ_GROUP(4, 256, Y14, Y4, $0x00, $0x55); \
	Q2K_DQ_GROUP(6, 384, Y14, Y4, $0xaa, $0xff); \
	ADDQ $512, DI

// func dequantQ2_KAVX2(row *byte, dst *float32, nsb int)
// dst = (d·sc_j)·q − dmin·m_j per sub-block j.
TEXT ·dequantQ2_KAVX2(SB), NOSPLIT, $0-24
	MOVQ row+0(FP), BX
	MOVQ dst+8(FP), DI
	MOVQ nsb+16(FP), CX
	VPBROADCASTB lbTwoBits<>(SB), Y15

dq2kloop:
	TESTQ CX, CX
	JZ    dq2kdone
	Q2K_SCALES
	VMOVAPS Y13, Y0
	VMOVAPS Y14, Y1
	Q2K_DQ_HALF(16, Y11, Y0)
	Q2K_DQ_HALF(48, Y12, Y1)
	ADDQ $84, BX
	DECQ CX
	JMP  dq2kloop

dq2kdone:
	VZEROUPPER
	RET

// Q3K_LEVELS leaves in Y5 the levels (−4..3) of group k of half h: the low
// two bits (Y2 >> lo) & 3 with the third bit (hmask Y3, bit 4h+k of each
// byte) moved to bit 2 by hop $hs and masked, minus 4.
#define Q3K_LEVELS(lo, hop, hs) \
	VPSRLW $lo, Y2, Y4; \
	VPAND Y15, Y4, Y4; \
	hop $hs, Y3, Y5; \
	VPAND lbBit2<>(SB), Y5, Y5; \
	VPOR Y4, Y5, Y5; \
	VPSUBB lbBit2<>(SB), Y5, Y5

// Q3K_SCALES sets Y11, Y12 to d·(scale_j − 32) for sub-blocks 0–7, 8–15 of
// the 110-byte super-block at BX: from the three 32-bit words of scales at
// 96, 100, 104 (a0, a1, top), the low nibbles of scales 0–3 are those of a0's
// bytes, 4–7 of a1's, 8–11 the high nibbles of a0's, 12–15 of a1's; the top
// two bits of scale 4i+b (b = 0..3) are bits 2i..2i+1 of top's byte b.
#define Q3K_SCALES \
	MOVL 96(BX), AX; \
	MOVL 100(BX), R8; \
	MOVL 104(BX), DX; \
	MOVL AX, R9; \
	ANDL $0x0f0f0f0f, R9; \
	MOVL DX, R10; \
	ANDL $0x03030303, R10; \
	SHLL $4, R10; \
	ORL  R10, R9; \
	MOVL R8, R11; \
	ANDL $0x0f0f0f0f, R11; \
	MOVL DX, R10; \
	SHRL $2, R10; \
	ANDL $0x03030303, R10; \
	SHLL $4, R10; \
	ORL  R10, R11; \
	SHLQ $32, R11; \
	ORQ  R11, R9; \
	SHRL $4, AX; \
	ANDL $0x0f0f0f0f, AX; \
	MOVL DX, R10; \
	SHRL $4, R10; \
	ANDL $0x03030303, R10; \
	SHLL $4, R10; \
	ORL  R10, AX; \
	SHRL $4, R8; \
	ANDL $0x0f0f0f0f, R8; \
	SHRL $6, DX; \
	ANDL $0x03030303, DX; \
	SHLL $4, DX; \
	ORL  DX, R8; \
	SHLQ $32, R8; \
	ORQ  R8, AX; \
	VPBROADCASTD lb32<>(SB), Y10; \
	MOVQ R9, X11; \
	VPMOVZXBD X11, Y11; \
	VPSUBD Y10, Y11, Y11; \
	VCVTDQ2PS Y11, Y11; \
	MOVQ AX, X12; \
	VPMOVZXBD X12, Y12; \
	VPSUBD Y10, Y12, Y12; \
	VCVTDQ2PS Y12, Y12; \
	VPBROADCASTW 108(BX), X8; \
	VCVTPH2PS X8, Y8; \
	VMULPS Y8, Y11, Y11; \
	VMULPS Y8, Y12, Y12

// Q3K_HALF_START loads half h's quants (at qs(BX)) and duplicates the lanes
// of its scales sc.
#define Q3K_HALF_START(qs, sc) \
	VMOVDQU (qs)(BX), Y2; \
	VPERM2F128 $0x00, sc, sc, Y13; \
	VPERM2F128 $0x11, sc, sc, Y14

// func dotQ3_KAVX2(row *byte, x *float32, nsb int) float32
// Per 110-byte super-block: hmask[32], qs[64], scales[12], f16 d; sub-block
// j's values d·(scale_j − 32)·q, q in −4..3, the third bit of element e at
// bit e/32 of hmask[e%32].
TEXT ·dotQ3_KAVX2(SB), NOSPLIT, $0-28
	MOVQ row+0(FP), BX
	MOVQ x+8(FP), DI
	MOVQ nsb+16(FP), CX
	VPBROADCASTB lbTwoBits<>(SB), Y15
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1

q3kloop:
	TESTQ CX, CX
	JZ    q3kdone
	Q3K_SCALES
	VMOVDQU (BX), Y3
	Q3K_HALF_START(32, Y11)
	Q3K_LEVELS(0, VPSLLW, 2)
	K2_DOT(0, Y13, $0x00, $0x55)
	Q3K_LEVELS(2, VPSLLW, 1)
	K2_DOT(128, Y13, $0xaa, $0xff)
	Q3K_LEVELS(4, VPSRLW, 0)
	K2_DOT(256, Y14, $0x00, $0x55)
	Q3K_LEVELS(6, VPSRLW, 1)
	K2_DOT(384, Y14, $0xaa, $0xff)
	Q3K_HALF_START(64, Y12)
	Q3K_LEVELS(0, VPSRLW, 2)
	K2_DOT(512, Y13, $0x00, $0x55)
	Q3K_LEVELS(2, VPSRLW, 3)
	K2_DOT(640, Y13, $0xaa, $0xff)
	Q3K_LEVELS(4, VPSRLW, 4)
	K2_DOT(768, Y14, $0x00, $0x55)
	Q3K_LEVELS(6, VPSRLW, 5)
	K2_DOT(896, Y14, $0xaa, $0xff)
	ADDQ $110, BX
	ADDQ $1024, DI
	DECQ CX
	JMP  q3kloop

q3kdone:
	VADDPS Y1, Y0, Y0
	HSUM_RET(ret+24(FP))

// Q3K_DQ_GROUP stores group k of a half: levels times the scale lanes.
#define Q3K_DQ_GROUP(lo, hop, hs, off, sc, l, h) \
	Q3K_LEVELS(lo, hop, hs); \
	K2_SCALED(sc, l, h); \
	K2_STORE(off)

// func dequantQ3_KAVX2(row *byte, dst *float32, nsb int)
// dst = (d·(scale_j − 32))·q per sub-block j.
TEXT ·dequantQ3_KAVX2(SB), NOSPLIT, $0-24
	MOVQ row+0(FP), BX
	MOVQ dst+8(FP), DI
	MOVQ nsb+16(FP), CX
	VPBROADCASTB lbTwoBits<>(SB), Y15

dq3kloop:
	TESTQ CX, CX
	JZ    dq3kdone
	Q3K_SCALES
	VMOVDQU (BX), Y3
	Q3K_HALF_START(32, Y11)
	Q3K_DQ_GROUP(0, VPSLLW, 2, 0, Y13, $0x00, $0x55)
	Q3K_DQ_GROUP(2, VPSLLW, 1, 128, Y13, $0xaa, $0xff)
	Q3K_DQ_GROUP(4, VPSRLW, 0, 256, Y14, $0x00, $0x55)
	Q3K_DQ_GROUP(6, VPSRLW, 1, 384, Y14, $0xaa, $0xff)
	Q3K_HALF_START(64, Y12)
	Q3K_DQ_GROUP(0, VPSRLW, 2, 512, Y13, $0x00, $0x55)
	Q3K_DQ_GROUP(2, VPSRLW, 3, 640, Y13, $0xaa, $0xff)
	Q3K_DQ_GROUP(4, VPSRLW, 4, 768, Y14, $0x00, $0x55)
	Q3K_DQ_GROUP(6, VPSRLW, 5, 896, Y14, $0xaa, $0xff)
	ADDQ $110, BX
	ADDQ $1024, DI
	DECQ CX
	JMP  dq3kloop

dq3kdone:
	VZEROUPPER
	RET
