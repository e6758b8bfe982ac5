//go:build !amd64

package cpu

import "heed/engine/ggml"

// useVNNI is false off amd64: Options.Int8 changes nothing there.
const useVNNI = false

func quantQ8_0(x []float32, q []int8, d []float32, c []int32, off int32) {
	quantQ8_0Go(x, q, d, c, off)
}

func quantQ8_K(x []float32, q []int8, d, xm []float32) { quantQ8_KGo(x, q, d, xm) }

func gemmI8(u []uint8, s, m []float32, q []int8, d []float32, c []int32, xm, y []float32, ystride, groups, np, nm int) {
	gemmI8Go(u, s, m, q, d, c, xm, y, ystride, groups, np, nm)
}

func matVecI8(typ ggml.Type, w []byte, rowBytes int, a *qacts, t int, y, ms []float32) {
	matVecI8Go(typ, w, rowBytes, a, t, y)
}

func decodeRowsI8(typ ggml.Type, w []byte, rows int, u []uint8, s, m []float32, np, nm int) {
	decodeRowsI8Go(typ, w, rows, u, s, m, np, nm)
}
