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

// func q4kNibblesAVX2(qs *byte, x *float32, scales *[8]float32) float32
// For chunk c (0..3): Y1 accumulates low nibbles · x[64c:64c+32], Y2 high
// nibbles · x[64c+32:64c+64], 8 bytes at a time; then Y0 += scale·Y1 + scale·Y2.
TEXT ·q4kNibblesAVX2(SB), NOSPLIT, $0-28
	MOVQ qs+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ scales+16(FP), DX
	VPBROADCASTD nibbleMask<>(SB), Y15
	VXORPS Y0, Y0, Y0
	MOVQ $4, CX

q4chunk:
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	MOVQ $4, BX

q4bytes:
	VPMOVZXBD (SI), Y3
	VPAND Y15, Y3, Y4
	VPSRLD $4, Y3, Y5
	VCVTDQ2PS Y4, Y4
	VCVTDQ2PS Y5, Y5
	VFMADD231PS (DI), Y4, Y1
	VFMADD231PS 128(DI), Y5, Y2
	ADDQ $8, SI
	ADDQ $32, DI
	DECQ BX
	JNZ  q4bytes

	VBROADCASTSS (DX), Y6
	VBROADCASTSS 4(DX), Y7
	VFMADD231PS Y6, Y1, Y0
	VFMADD231PS Y7, Y2, Y0
	ADDQ $128, DI
	ADDQ $8, DX
	DECQ CX
	JNZ  q4chunk

	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

DATA nibbleHigh<>+0(SB)/4, $0x10
GLOBL nibbleHigh<>(SB), RODATA|NOPTR, $4

DATA q5shifts<>+0(SB)/4, $0
DATA q5shifts<>+4(SB)/4, $1
DATA q5shifts<>+8(SB)/4, $2
DATA q5shifts<>+12(SB)/4, $3
DATA q5shifts<>+16(SB)/4, $4
DATA q5shifts<>+20(SB)/4, $5
DATA q5shifts<>+24(SB)/4, $6
DATA q5shifts<>+28(SB)/4, $7
DATA q5shifts<>+32(SB)/4, $8
DATA q5shifts<>+36(SB)/4, $9
DATA q5shifts<>+40(SB)/4, $10
DATA q5shifts<>+44(SB)/4, $11
DATA q5shifts<>+48(SB)/4, $12
DATA q5shifts<>+52(SB)/4, $13
DATA q5shifts<>+56(SB)/4, $14
DATA q5shifts<>+60(SB)/4, $15
DATA q5shifts<>+64(SB)/4, $16
DATA q5shifts<>+68(SB)/4, $17
DATA q5shifts<>+72(SB)/4, $18
DATA q5shifts<>+76(SB)/4, $19
DATA q5shifts<>+80(SB)/4, $20
DATA q5shifts<>+84(SB)/4, $21
DATA q5shifts<>+88(SB)/4, $22
DATA q5shifts<>+92(SB)/4, $23
DATA q5shifts<>+96(SB)/4, $24
DATA q5shifts<>+100(SB)/4, $25
DATA q5shifts<>+104(SB)/4, $26
DATA q5shifts<>+108(SB)/4, $27
DATA q5shifts<>+112(SB)/4, $28
DATA q5shifts<>+116(SB)/4, $29
DATA q5shifts<>+120(SB)/4, $30
DATA q5shifts<>+124(SB)/4, $31
GLOBL q5shifts<>(SB), RODATA|NOPTR, $128

// func dotQ5_0AVX2(row *byte, x *float32, nb int) float32
// Per 22-byte block: f16 d, qh (32 fifth bits), 16 bytes of nibbles; element
// e < 16 is the low nibble of qs[e], e >= 16 the high nibble of qs[e-16], its
// fifth bit is bit e of qh; value d·(q - 16). Y0 += d · Σ q·x lane-wise.
TEXT ·dotQ5_0AVX2(SB), NOSPLIT, $0-28
	MOVQ row+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ nb+16(FP), CX
	VMOVDQU q5shifts<>+0(SB), Y10
	VMOVDQU q5shifts<>+32(SB), Y11
	VMOVDQU q5shifts<>+64(SB), Y12
	VMOVDQU q5shifts<>+96(SB), Y13
	VPBROADCASTD nibbleHigh<>(SB), Y14
	VPBROADCASTD nibbleMask<>(SB), Y15
	VXORPS Y0, Y0, Y0

q5loop:
	TESTQ CX, CX
	JZ    q5done
	MOVWLZX (SI), AX
	MOVQ    AX, X8
	VCVTPH2PS X8, X8
	VBROADCASTSS X8, Y8
	VPBROADCASTD 2(SI), Y9
	VPMOVZXBD 6(SI), Y1
	VPMOVZXBD 14(SI), Y2
	VPAND Y15, Y1, Y3
	VPAND Y15, Y2, Y4
	VPSRLD $4, Y1, Y5
	VPSRLD $4, Y2, Y6

	VPSRLVD Y10, Y9, Y7
	VPSLLD $4, Y7, Y7
	VPAND Y14, Y7, Y7
	VPOR Y7, Y3, Y3
	VPSRLVD Y11, Y9, Y7
	VPSLLD $4, Y7, Y7
	VPAND Y14, Y7, Y7
	VPOR Y7, Y4, Y4
	VPSRLVD Y12, Y9, Y7
	VPSLLD $4, Y7, Y7
	VPAND Y14, Y7, Y7
	VPOR Y7, Y5, Y5
	VPSRLVD Y13, Y9, Y7
	VPSLLD $4, Y7, Y7
	VPAND Y14, Y7, Y7
	VPOR Y7, Y6, Y6

	VPSUBD Y14, Y3, Y3
	VPSUBD Y14, Y4, Y4
	VPSUBD Y14, Y5, Y5
	VPSUBD Y14, Y6, Y6
	VCVTDQ2PS Y3, Y3
	VCVTDQ2PS Y4, Y4
	VCVTDQ2PS Y5, Y5
	VCVTDQ2PS Y6, Y6
	VMULPS (DI), Y3, Y1
	VFMADD231PS 32(DI), Y4, Y1
	VMULPS 64(DI), Y5, Y2
	VFMADD231PS 96(DI), Y6, Y2
	VADDPS Y2, Y1, Y1
	VFMADD231PS Y8, Y1, Y0
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
