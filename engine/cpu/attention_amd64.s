#include "textflag.h"

// func weightedSumAVX2(out, w, v *float32, vstride, keys, hd int)
// out[d] = Σ_{i<keys} w[i]·v[i·vstride+d] for d < hd (hd a positive multiple
// of 8): out is covered 32 floats at a time (4 accumulators), then 8 at a
// time; within a chunk each element is one FMA chain over the keys in order,
// so every element sums in the same order whichever chunk holds it.
TEXT ·weightedSumAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ v+16(FP), BX
	MOVQ vstride+24(FP), R8
	SHLQ $2, R8
	MOVQ keys+32(FP), R9
	MOVQ hd+40(FP), CX

chunk32:
	CMPQ CX, $32
	JLT  chunk8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ BX, DX
	XORQ AX, AX

keys32:
	CMPQ AX, R9
	JGE  store32
	VBROADCASTSS (SI)(AX*4), Y4
	VFMADD231PS (DX), Y4, Y0
	VFMADD231PS 32(DX), Y4, Y1
	VFMADD231PS 64(DX), Y4, Y2
	VFMADD231PS 96(DX), Y4, Y3
	ADDQ R8, DX
	INCQ AX
	JMP  keys32

store32:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, DI
	ADDQ $128, BX
	SUBQ $32, CX
	JMP  chunk32

chunk8:
	CMPQ CX, $8
	JLT  done
	VXORPS Y0, Y0, Y0
	MOVQ BX, DX
	XORQ AX, AX

keys8:
	CMPQ AX, R9
	JGE  store8
	VBROADCASTSS (SI)(AX*4), Y4
	VFMADD231PS (DX), Y4, Y0
	ADDQ R8, DX
	INCQ AX
	JMP  keys8

store8:
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, BX
	SUBQ $8, CX
	JMP  chunk8

done:
	VZEROUPPER
	RET
