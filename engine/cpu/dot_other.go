//go:build !amd64

package cpu

// useAVX2 is false off amd64: the portable kernels and ggml's are used.
const useAVX2 = false

// dot is the f32 dot product of a and b[:len(a)].
func dot(a, b []float32) float32 { return dotGo(a, b) }

// dotQ8_0 has no vector kernel here; MatMul uses ggml's.
func dotQ8_0(row []byte, x []float32) (float32, bool) { return 0, false }

// dotQ4_K has no vector kernel here; MatMul uses ggml's.
func dotQ4_K(row []byte, x, xsum []float32) (float32, bool) { return 0, false }

// dotQ5_0 has no vector kernel here; MatMul uses ggml's.
func dotQ5_0(row []byte, x []float32) (float32, bool) { return 0, false }

// dequantQ8_0 has no vector kernel here; rows are decoded by ggml.
func dequantQ8_0(row []byte, dst []float32) bool { return false }

// dotQ6_K has no vector kernel here; MatMul uses ggml's.
func dotQ6_K(row []byte, x []float32) (float32, bool) { return 0, false }

// dotQ2_K has no vector kernel here; MatMul uses ggml's.
func dotQ2_K(row []byte, x, xsum []float32) (float32, bool) { return 0, false }

// dotQ3_K has no vector kernel here; MatMul uses ggml's.
func dotQ3_K(row []byte, x []float32) (float32, bool) { return 0, false }

// dotIQ4_NL has no vector kernel here; MatMul uses ggml's.
func dotIQ4_NL(row []byte, x []float32) (float32, bool) { return 0, false }

// dotIQ4_XS has no vector kernel here; MatMul uses ggml's.
func dotIQ4_XS(row []byte, x []float32) (float32, bool) { return 0, false }
