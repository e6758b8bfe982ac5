//go:build !amd64

package cpu

import "heed/engine/ggml"

// gemm3x4 has no vector kernel here: it covers no columns, gemm3x4Go computes the tile.
func gemm3x4(w []float32, wstride int, x []float32, xstride int, out []float32, n, k int) (done int) {
	return 0
}

// dequantRow has no vector decoder here; ggml.Dequantize decodes rows.
func dequantRow(typ ggml.Type, row []byte, dst []float32) bool { return false }

// prefetch is a no-op here.
func prefetch(b []byte) {}
