#include "textflag.h"

// func weightedSumAVX2(out, w, v *float32, vstride, keys, hd, add int)
// out[d] = Σ_{i<keys} w[i]·v[i·vstride+d] for d < hd (hd a positive multiple
// of 8): out is covered 64 floats at a time (8 accumulators, one broadcast
// weight per key for all of them), then 32 (4), then 8; within a chunk each element is one FMA chain over the keys in order,
// so every element sums in the same order whichever chunk holds it.
// With add set, every accumulator starts at out's value instead of zero.
TEXT ·weightedSumAVX2(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ v+16(FP), BX
	MOVQ vstride+24(FP), R8
	SHLQ $2, R8
	MOVQ keys+32(FP), R9
	MOVQ hd+40(FP), CX
	MOVQ add+48(FP), R10

chunk64:
	CMPQ CX, $64
	JLT  chunk32
	TESTQ R10, R10
	JNZ  load64
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	JMP  start64

load64:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y5
	VMOVUPS 160(DI), Y6
	VMOVUPS 192(DI), Y7
	VMOVUPS 224(DI), Y8

start64:
	MOVQ BX, DX
	XORQ AX, AX

keys64:
	CMPQ AX, R9
	JGE  store64
	VBROADCASTSS (SI)(AX*4), Y4
	VFMADD231PS (DX), Y4, Y0
	VFMADD231PS 32(DX), Y4, Y1
	VFMADD231PS 64(DX), Y4, Y2
	VFMADD231PS 96(DX), Y4, Y3
	VFMADD231PS 128(DX), Y4, Y5
	VFMADD231PS 160(DX), Y4, Y6
	VFMADD231PS 192(DX), Y4, Y7
	VFMADD231PS 224(DX), Y4, Y8
	ADDQ R8, DX
	INCQ AX
	JMP  keys64

store64:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y5, 128(DI)
	VMOVUPS Y6, 160(DI)
	VMOVUPS Y7, 192(DI)
	VMOVUPS Y8, 224(DI)
	ADDQ $256, DI
	ADDQ $256, BX
	SUBQ $64, CX
	JMP  chunk64

chunk32:
	CMPQ CX, $32
	JLT  chunk8
	TESTQ R10, R10
	JNZ  load32
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	JMP  start32

load32:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3

start32:
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
	TESTQ R10, R10
	JNZ  load8
	VXORPS Y0, Y0, Y0
	JMP  start8

load8:
	VMOVUPS (DI), Y0

start8:
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
