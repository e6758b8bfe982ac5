#include "textflag.h"

// LOADW loads columns [AX/4, AX/4+8) of the three weight rows (at SI, R10,
// R11) into Y12–Y14.
#define LOADW \
	VMOVUPS (SI)(AX*1), Y12; \
	VMOVUPS (R10)(AX*1), Y13; \
	VMOVUPS (R11)(AX*1), Y14

// FMA3 loads the same columns of one token's x (at xp) into Y15 and adds its
// products with the three weight rows to accumulators a0, a1, a2.
#define FMA3(xp, a0, a1, a2) \
	VMOVUPS (xp)(AX*1), Y15; \
	VFMADD231PS Y15, Y12, a0; \
	VFMADD231PS Y15, Y13, a1; \
	VFMADD231PS Y15, Y14, a2

// REDUCE stores the sum of acc's lanes, (l0+l4, l1+l5, l2+l6, l3+l7) added
// pairwise, at off(DI); xacc is acc's low half.
#define REDUCE(acc, xacc, off) \
	VEXTRACTF128 $1, acc, X12; \
	VADDPS X12, xacc, xacc; \
	VHADDPS xacc, xacc, xacc; \
	VHADDPS xacc, xacc, xacc; \
	MOVSS xacc, off(DI)

// func gemm3x4AVX2(w *float32, wstride int, x *float32, xstride int, out *float32, n, k int)
// out (n, 3) = x (n rows, stride xstride) · w (3 rows, stride wstride)ᵀ over the
// first k columns (k a positive multiple of 8). Tokens go four at a time: 12
// 8-lane accumulators Y0–Y11 (Y(3t+r) for token t, weight row r), Y12–Y14 hold
// one 8-column chunk of the three weight rows, Y15 one chunk of x, so each
// weight chunk loaded serves four tokens and each x chunk three rows. The last
// n%4 tokens go through a three-, two- or one-token copy of the same loop.
// Every output is one FMA chain over the chunks in column order, then REDUCE,
// whichever block computes it, so a token's outputs do not depend on its
// position in the batch.
TEXT ·gemm3x4AVX2(SB), NOSPLIT, $0-56
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
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	XORQ AX, AX

k4:
	LOADW
	FMA3(BX, Y0, Y1, Y2)
	FMA3(R12, Y3, Y4, Y5)
	FMA3(R13, Y6, Y7, Y8)
	FMA3(R14, Y9, Y10, Y11)
	ADDQ $32, AX
	CMPQ AX, DX
	JLT  k4
	REDUCE(Y0, X0, 0)
	REDUCE(Y1, X1, 4)
	REDUCE(Y2, X2, 8)
	REDUCE(Y3, X3, 12)
	REDUCE(Y4, X4, 16)
	REDUCE(Y5, X5, 20)
	REDUCE(Y6, X6, 24)
	REDUCE(Y7, X7, 28)
	REDUCE(Y8, X8, 32)
	REDUCE(Y9, X9, 36)
	REDUCE(Y10, X10, 40)
	REDUCE(Y11, X11, 44)
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
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	XORQ AX, AX

k3:
	LOADW
	FMA3(BX, Y0, Y1, Y2)
	FMA3(R12, Y3, Y4, Y5)
	FMA3(R13, Y6, Y7, Y8)
	ADDQ $32, AX
	CMPQ AX, DX
	JLT  k3
	REDUCE(Y0, X0, 0)
	REDUCE(Y1, X1, 4)
	REDUCE(Y2, X2, 8)
	REDUCE(Y3, X3, 12)
	REDUCE(Y4, X4, 16)
	REDUCE(Y5, X5, 20)
	REDUCE(Y6, X6, 24)
	REDUCE(Y7, X7, 28)
	REDUCE(Y8, X8, 32)
	JMP  done

tok2:
	LEAQ (BX)(R9*1), R12
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	XORQ AX, AX

k2:
	LOADW
	FMA3(BX, Y0, Y1, Y2)
	FMA3(R12, Y3, Y4, Y5)
	ADDQ $32, AX
	CMPQ AX, DX
	JLT  k2
	REDUCE(Y0, X0, 0)
	REDUCE(Y1, X1, 4)
	REDUCE(Y2, X2, 8)
	REDUCE(Y3, X3, 12)
	REDUCE(Y4, X4, 16)
	REDUCE(Y5, X5, 20)
	JMP  done

tok1:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	XORQ AX, AX

k1:
	LOADW
	FMA3(BX, Y0, Y1, Y2)
	ADDQ $32, AX
	CMPQ AX, DX
	JLT  k1
	REDUCE(Y0, X0, 0)
	REDUCE(Y1, X1, 4)
	REDUCE(Y2, X2, 8)

done:
	VZEROUPPER
	RET


// func prefetchLines(p *byte, n int)
// PREFETCHT0 of every 64-byte line of [p, p+n): a hint, it never faults.
TEXT ·prefetchLines(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	ADDQ SI, CX

pfloop:
	CMPQ SI, CX
	JGE  pfdone
	PREFETCHT0 (SI)
	ADDQ $64, SI
	JMP  pfloop

pfdone:
	RET
