//go:build js && wasm

package cpu

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"heed/engine/model"
	"heed/engine/wasmkernels"
)

// In the browser, Go's wasm code has no SIMD and no threads. Where the page
// loaded heed's kernels (engine/wasmkernels: heed-kernels.js, then
// heedKernels.init), the executor hands its matrix products, attention and
// SiLU gate to them; elsewhere it runs its Go kernels as on any platform.
//
// With one thread the kernels run on the Go program's own memory: weights
// stay where Go keeps them (with a scale plane beside the blocks of Q8_0,
// Q5_0 and IQ4_NL), and each call passes pointers. With worker threads (a
// cross-origin isolated page) every matrix is copied once into the shared
// memory, and Go drops its copy: the executor reads embedding rows back
// through the kernels (kernelWeight.row). Attention always runs on the
// calling thread, on Go's memory.

// kernels is an executor's connection to the browser's kernels, or nil.
type kernels struct {
	k        *wasmkernels.Kernels
	xp, xsum []float32 // MatMul's permuted activations and their group sums
	scores   []float32 // Attention's scratch
	att      wasmkernels.Attention
}

// kernelWeight is a matrix's state in the kernels.
type kernelWeight struct {
	k      *kernels
	plane  []float32          // one thread: the scale plane (wasmkernels.HasPlane)
	handle wasmkernels.Handle // threads: the matrix in the shared memory
	shared bool
}

// kernelsAbsent says why New found no kernels, for Kernels.
var kernelsAbsent string

// openKernels attaches to the page's kernels, or returns nil.
func openKernels() *kernels {
	k, err := wasmkernels.Attach()
	if err != nil {
		kernelsAbsent = err.Error()
		if !errors.Is(err, wasmkernels.ErrAbsent) {
			// Loaded but unusable: say so where a developer looks.
			println("heed: the WebAssembly SIMD kernels are present but unusable, running Go's:", err.Error())
		}
		return nil
	}
	return &kernels{k: k}
}

// Kernels names what computes the executor's products: "wasm SIMD, N
// thread(s)" with the browser's kernels, else "Go" and why.
func (e *Executor) Kernels() string {
	if e.kern == nil {
		return "Go (" + kernelsAbsent + ")"
	}
	return fmt.Sprintf("wasm SIMD, %d thread(s)", e.kern.k.Threads())
}

func (k *kernels) close() {
	if k != nil {
		k.k.Close()
	}
}

// bytesOf is the f32 data of w as the bytes the kernels read.
func (w *weight) kernelBytes() []byte {
	if w.f32 != nil {
		return unsafe.Slice((*byte)(unsafe.Pointer(&w.f32[0])), 4*len(w.f32))
	}
	return w.raw
}

// upload prepares a matrix for the kernels: its scale plane (one thread), or
// a copy in the shared memory (threads), after which Go's copy is dropped.
// Vectors and types without a kernel stay with the Go kernels.
func (k *kernels) upload(w *weight) {
	if k == nil || w.rows < 2 || !wasmkernels.Supported(w.typ) || w.cols%32 != 0 {
		return
	}
	if k.k.Threads() > 1 {
		h, err := k.k.Upload(w.typ, w.kernelBytes(), w.rows, w.cols)
		if err != nil {
			println("heed:", w.name, "stays with the Go kernels:", err.Error())
			return
		}
		w.kw = kernelWeight{k: k, handle: h, shared: true}
		if w.f32 == nil {
			w.raw = nil
		}
		return
	}
	var plane []float32
	if wasmkernels.HasPlane(w.typ) {
		plane = make([]float32, w.rows*w.cols/32)
		if err := k.k.Scales(w.typ, w.raw, plane); err != nil {
			return
		}
	}
	w.kw = kernelWeight{k: k, plane: plane}
}

// row writes row r of a matrix that lives only in the shared memory.
func (kw *kernelWeight) row(r int, out []float32) {
	kw.k.k.DequantShared(kw.handle, r, out)
}

// matMul computes dst (n, rows) = x (n, cols) · wᵀ with the kernels, or
// reports false.
func (k *kernels) matMul(w *weight, x, y []float32, n int) bool {
	if k == nil || w.kw.k == nil {
		return false
	}
	x, y = x[:n*w.cols], y[:n*w.rows]
	if w.kw.shared {
		k.k.MatMulShared(w.kw.handle, x, n, y)
		return true
	}
	in, sums := x, []float32(nil)
	if wasmkernels.Permuted(w.typ) {
		if len(k.xp) < n*w.cols {
			k.xp, k.xsum = make([]float32, n*w.cols), make([]float32, n*w.cols/16)
		}
		in, sums = k.xp[:n*w.cols], k.xsum[:n*w.cols/16]
		k.k.PrepX(x, n, w.cols, in, sums)
	}
	return k.k.MatMul(w.typ, w.kernelBytes(), w.kw.plane, in, sums, y, w.rows, w.cols, n, 0, w.rows) == nil
}

// siLUMul sets g = silu(g)·u with the kernels, or reports false.
func (k *kernels) siLUMul(g, u []float32) bool {
	if k == nil {
		return false
	}
	k.k.SiLUMul(g, u)
	return true
}

// attention runs every (query, head) pair of a with the kernels, leaving the
// per-pair mixes in mixPart for Executor.Attention to reduce, or reports
// false (a soft cap, which the kernel lacks).
func (k *kernels) attention(a *model.Attention, mixPart []float32, ctx int) bool {
	if k == nil || a.SoftCap > 0 {
		return false
	}
	if len(k.scores) < ctx {
		k.scores = make([]float32, ctx)
	}
	scale := a.Scale
	if scale == 0 {
		scale = float32(1 / math.Sqrt(float64(a.HeadDim)))
	}
	at := &k.att
	*at = wasmkernels.Attention{Q: data(a.Q), K: data(a.K), V: data(a.V), Out: data(a.Out), Scores: k.scores,
		MixPart: mixPart, Mix: at.Mix[:0], Heads: a.Heads, KVHeads: a.KVHeads, HeadDim: a.HeadDim, Pos: a.Pos, N: a.N,
		Window: a.Window, Scale: scale}
	if a.Bias != nil {
		at.Bias = data(a.Bias)
	}
	for _, mx := range a.Mix {
		at.Mix = append(at.Mix, data(mx.In))
	}
	return k.k.Attend(at, 0, a.N*a.Heads) == nil
}
