// Package wasmkernels holds heed's WebAssembly SIMD kernels for the CPU
// executor in the browser, where Go's own wasm code has no SIMD and no
// threads: kernels.c (matrix products of every weight type the models use,
// attention, the SiLU gate), its two builds (kernels.wasm for one thread on
// the Go program's memory, kernels-mt.wasm for worker threads on a shared
// memory), and the scripts that load them in the page (heed-kernels.js) and
// run the workers (heed-kernels-worker.js). Files serves all four.
//
// The build outputs are committed so that serving the app needs no C
// toolchain; build.sh makes them (Debian's clang and lld 14) and
// TestBuildIsReproducible rebuilds them and compares. On js/wasm, Attach
// connects the Go program to the loaded kernels (engine/cpu does when it
// creates an executor); elsewhere the package only serves the files.
package wasmkernels

import (
	"embed"
	"io/fs"

	"heed/engine/ggml"
)

// Names of the files in Files.
const (
	Script       = "heed-kernels.js"
	WorkerScript = "heed-kernels-worker.js"
	Module       = "kernels.wasm"
	ModuleShared = "kernels-mt.wasm"
)

//go:embed heed-kernels.js heed-kernels-worker.js kernels.wasm kernels-mt.wasm
var files embed.FS

// Files holds the scripts and modules a page (or worker) loads: Script, which
// fetches Module, ModuleShared and WorkerScript from its own directory.
var Files fs.FS = files

// Supported reports whether the kernels compute products with weights of type t.
func Supported(t ggml.Type) bool {
	switch t {
	case ggml.F32, ggml.Q8_0, ggml.Q5_0, ggml.IQ4_NL, ggml.Q2_K, ggml.Q3_K, ggml.Q4_K, ggml.Q6_K, ggml.IQ4_XS:
		return true
	}
	return false
}

// HasPlane reports whether t's kernels read a scale plane: one f32 per
// 32-element block (its f16 scale × 2⁻²⁴), made once by Scales.
func HasPlane(t ggml.Type) bool { return t == ggml.Q8_0 || t == ggml.Q5_0 || t == ggml.IQ4_NL }

// Permuted reports whether t's products read the activations as PrepX
// leaves them (every type but F32).
func Permuted(t ggml.Type) bool { return t != ggml.F32 }
