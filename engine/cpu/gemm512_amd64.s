#include "textflag.h"

// The AVX-512 twin of gemm_amd64.s: the same tiles, sixteen columns per
// chunk. Only Z0–Z15 are used, so the register roles are gemm3x4AVX2's.

// LOADW16 loads columns [AX/4, AX/4+16) of the three weight rows (at SI, R10,
// R11) into Z12–Z14.
#define LOADW16 \
	VMOVUPS (SI)(AX*1), Z12; \
	VMOVUPS (R10)(AX*1), Z13; \
	VMOVUPS (R11)(AX*1), Z14

// FMA3_16 loads the same columns of one token's x (at xp) into Z15 and adds
// its products with the three weight rows to accumulators a0, a1, a2.
#define FMA3_16(xp, a0, a1, a2) \
	VMOVUPS (xp)(AX*1), Z15; \
	VFMADD231PS Z15, Z12, a0; \
	VFMADD231PS Z15, Z13, a1; \
	VFMADD231PS Z15, Z14, a2

// REDUCE16 stores the sum of acc's 16 lanes at off(DI): the upper 8 lanes are
// added to the lower 8, then those are summed as gemm_amd64.s's REDUCE does.
// yacc and xacc are acc's low 256 and 128 bits.
#define REDUCE16(acc, yacc, xacc, off) \
	VEXTRACTF64X4 $1, acc, Y12; \
	VADDPS Y12, yacc, yacc; \
	VEXTRACTF128 $1, yacc, X12; \
	VADDPS X12, xacc, xacc; \
	VHADDPS xacc, xacc, xacc; \
	VHADDPS xacc, xacc, xacc; \
	MOVSS xacc, off(DI)

// func gemm3x4AVX512(w *float32, wstride int, x *float32, xstride int, out *float32, n, k int)
// gemm3x4AVX2 with 16-lane accumulators; k is a positive multiple of 16.
TEXT ·gemm3x4AVX512(SB), NOSPLIT, $0-56
	MOVQ w+0(FP), SI
	MOVQ wstride+8(FP), R8
	SHLQ $2, R8
	MOVQ x+16(FP), BX
	MOVQ xstride+24(FP), R9
	SHLQ $2, R9
	MOVQ out+32(FP), DI
	MOVQ n+40(FP), CX
	MOVQ k+48(FP), DX
	SHLQ $2, DX
	LEAQ (SI)(R8*1), R10
	LEAQ (SI)(R8*2), R11

tok4:
	CMPQ CX, $4
	JLT  tail
	LEAQ (BX)(R9*1), R12
	LEAQ (BX)(R9*2), R13
	LEAQ (R12)(R9*2), R14
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	XORQ AX, AX

k4:
	LOADW16
	FMA3_16(BX, Z0, Z1, Z2)
	FMA3_16(R12, Z3, Z4, Z5)
	FMA3_16(R13, Z6, Z7, Z8)
	FMA3_16(R14, Z9, Z10, Z11)
	ADDQ $64, AX
	CMPQ AX, DX
	JLT  k4
	REDUCE16(Z0, Y0, X0, 0)
	REDUCE16(Z1, Y1, X1, 4)
	REDUCE16(Z2, Y2, X2, 8)
	REDUCE16(Z3, Y3, X3, 12)
	REDUCE16(Z4, Y4, X4, 16)
	REDUCE16(Z5, Y5, X5, 20)
	REDUCE16(Z6, Y6, X6, 24)
	REDUCE16(Z7, Y7, X7, 28)
	REDUCE16(Z8, Y8, X8, 32)
	REDUCE16(Z9, Y9, X9, 36)
	REDUCE16(Z10, Y10, X10, 40)
	REDUCE16(Z11, Y11, X11, 44)
	ADDQ $48, DI
	LEAQ (R14)(R9*1), BX
	SUBQ $4, CX
	JMP  tok4

tail:
	CMPQ CX, $3
	JEQ  tok3
	CMPQ CX, $2
	JEQ  tok2
	CMPQ CX, $1
	JEQ  tok1
	JMP  done

tok3:
	LEAQ (BX)(R9*1), R12
	LEAQ (BX)(R9*2), R13
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	XORQ AX, AX

k3:
	LOADW16
	FMA3_16(BX, Z0, Z1, Z2)
	FMA3_16(R12, Z3, Z4, Z5)
	FMA3_16(R13, Z6, Z7, Z8)
	ADDQ $64, AX
	CMPQ AX, DX
	JLT  k3
	REDUCE16(Z0, Y0, X0, 0)
	REDUCE16(Z1, Y1, X1, 4)
	REDUCE16(Z2, Y2, X2, 8)
	REDUCE16(Z3, Y3, X3, 12)
	REDUCE16(Z4, Y4, X4, 16)
	REDUCE16(Z5, Y5, X5, 20)
	REDUCE16(Z6, Y6, X6, 24)
	REDUCE16(Z7, Y7, X7, 28)
	REDUCE16(Z8, Y8, X8, 32)
	JMP  done

tok2:
	LEAQ (BX)(R9*1), R12
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	XORQ AX, AX

k2:
	LOADW16
	FMA3_16(BX, Z0, Z1, Z2)
	FMA3_16(R12, Z3, Z4, Z5)
	ADDQ $64, AX
	CMPQ AX, DX
	JLT  k2
	REDUCE16(Z0, Y0, X0, 0)
	REDUCE16(Z1, Y1, X1, 4)
	REDUCE16(Z2, Y2, X2, 8)
	REDUCE16(Z3, Y3, X3, 12)
	REDUCE16(Z4, Y4, X4, 16)
	REDUCE16(Z5, Y5, X5, 20)
	JMP  done

tok1:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	XORQ AX, AX

k1:
	LOADW16
	FMA3_16(BX, Z0, Z1, Z2)
	ADDQ $64, AX
	CMPQ AX, DX
	JLT  k1
	REDUCE16(Z0, Y0, X0, 0)
	REDUCE16(Z1, Y1, X1, 4)
	REDUCE16(Z2, Y2, X2, 8)

done:
	VZEROUPPER
	RET
