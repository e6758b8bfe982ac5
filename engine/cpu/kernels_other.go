//go:build !(js && wasm)

package cpu

import "heed/engine/model"

// Off js/wasm there are no browser kernels (kernels_js.go): these stand-ins
// keep the executor's code the same on every platform.
type (
	kernels      struct{}
	kernelWeight struct{}
)

func openKernels() *kernels { return nil }

// Kernels names what computes the executor's products: Go (with amd64
// assembly where the CPU has AVX2).
func (e *Executor) Kernels() string { return "Go" }

func (k *kernels) close()                                          {}
func (k *kernels) upload(w *weight)                                {}
func (k *kernels) matMul(w *weight, x, y []float32, n int) bool    { return false }
func (k *kernels) siLUMul(g, u []float32) bool                     { return false }
func (k *kernels) attention(*model.Attention, []float32, int) bool { return false }
func (kw *kernelWeight) row(r int, out []float32)                  {}
