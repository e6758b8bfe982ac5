//go:build js && wasm

package cpu

import (
	"fmt"
	"os"
	"testing"

	"heed/engine/ggml"
	"heed/engine/model"
)

// TestKernelsRunInTheBrowser pins that the executor uses the page's SIMD
// kernels when engine/wasmkernels' browser test loaded them
// (HEED_WASM_KERNELS = their thread count), so that the rest of this
// package's tests, the conformance suite among them, check the kernels and
// not the Go code: matrices go to the kernels, and with threads Go drops its
// copy of their bytes.
func TestKernelsRunInTheBrowser(t *testing.T) {
	threads := os.Getenv("HEED_WASM_KERNELS")
	if threads == "" {
		t.Skip("HEED_WASM_KERNELS unset: the page did not load the kernels")
	}
	e := New(1)
	defer e.Close()
	if got, want := e.Kernels(), fmt.Sprintf("wasm SIMD, %s thread(s)", threads); got != want {
		t.Fatalf("Kernels() = %q, want %q", got, want)
	}
	raw, err := ggml.Quantize(ggml.Q8_0, make([]float32, 4*64))
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.Weight(&model.Tensor{Name: "m", Type: ggml.Q8_0, Rows: 4, Cols: 64, Data: raw})
	if err != nil {
		t.Fatal(err)
	}
	kw := w.(*weight).kw
	if kw.k == nil {
		t.Fatal("the matrix did not go to the kernels")
	}
	if shared := threads != "1"; kw.shared != shared || (w.(*weight).raw == nil) != shared {
		t.Fatalf("threads %s: shared %v, Go's copy dropped %v", threads, kw.shared, w.(*weight).raw == nil)
	}
}
