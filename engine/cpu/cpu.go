// Package cpu is heed's reference executor: every operation of model.Executor
// in plain Go (with vector kernels on amd64, each held to a portable twin),
// multi-threaded over a fixed worker pool, reading quantised weights block by
// block (a model is never expanded to f32 in memory). New returns the f32
// reference, the oracle the WebGPU kernels are tested against; NewWith
// (Options{Int8: true}) returns the faster executor the command line runs,
// which multiplies quantised weights with 8-bit activations as llama.cpp does
// (int8.go).
package cpu

import (
	"fmt"
	"runtime"
	"unsafe"

	"heed/engine/ggml"
	"heed/engine/model"
)

// Executor runs model operations on the CPU. Operations complete before they
// return, so Read never waits. An Executor runs one operation at a time (its
// scratch space is shared): use one per goroutine.
type Executor struct {
	pool *pool
	// Per-worker scratch, grown on first use: a dequantised weight row and
	// attention scores.
	rows   [][]float32
	scores [][]float32
	// Per-worker tiles of a batched MatMul: tiles (tileRows, cols) of decoded
	// weight rows, outs (token block, tileRows) of their products with it.
	tiles, outs [][]float32
	// mixPart (N·Heads, len(Mix)) holds per-head Ā·I partial sums, reduced in
	// head order so the result does not depend on the thread count.
	mixPart []float32
	// cos, sin (RopeDims/2,) for one position.
	cos, sin []float32
	// xsum (n, cols/32) holds the block sums of a MatMul's input.
	xsum []float32
	// The jobs of the running operation, reused so dispatch allocates nothing.
	mm  matMulJob
	att attentionJob

	// The int8 path (int8.go): whether MatMul takes it, the running
	// product's quantised activations and job, and each worker's scratch.
	int8 bool
	qa   qacts
	mi   i8Job
	i8w  []i8Worker

	// kern runs products, attention and gates in the browser's SIMD kernels
	// (kernels_js.go), or is nil.
	kern *kernels
}

// Options configure an executor.
type Options struct {
	// Threads is the number of worker threads (runtime.NumCPU() when <= 0).
	Threads int
	// Int8 multiplies Q8_0, Q5_0 and Q4_K weights with activations rounded
	// to 8 bits, as llama.cpp does (int8.go), on CPUs with AVX-512 VNNI;
	// other types, and other CPUs, take the f32 path. Off, the executor is
	// the f32 reference: every weight times the f32 activation, the exact
	// product of the stored tensor up to f32 rounding, which the WebGPU
	// kernels and the executor conformance suite are checked against.
	//
	// Why an option and not the default: the reference must stay what
	// New returns, because every test that compares another executor, or a
	// model, with the CPU builds it with New; the command line, which wants
	// speed and matches llama.cpp's greedy tokens either way, asks for Int8.
	Int8 bool
}

// New returns an executor with the given number of worker threads
// (runtime.NumCPU() when threads <= 0). Close releases the workers.
func New(threads int) *Executor { return NewWith(Options{Threads: threads}) }

// NewWith returns an executor configured by o. Close releases the workers.
func NewWith(o Options) *Executor {
	threads := o.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	return &Executor{pool: newPool(threads), rows: make([][]float32, threads), scores: make([][]float32, threads),
		tiles: make([][]float32, threads), outs: make([][]float32, threads),
		int8: o.Int8, i8w: make([]i8Worker, threads), kern: openKernels()}
}

// Int8 reports whether MatMul takes the int8 path where it applies
// (Options.Int8 on a CPU with its kernels).
func (e *Executor) Int8() bool { return e.int8 && useVNNI }

// Threads is the size of the worker pool.
func (e *Executor) Threads() int { return e.pool.size }

// Close stops the worker goroutines.
func (e *Executor) Close() {
	e.pool.close()
	e.kern.close()
}

// buffer is an activation matrix in host memory.
type buffer struct {
	rows, cols int
	data       []float32
}

func (b *buffer) Shape() (int, int) { return b.rows, b.cols }

// weight is a model tensor: raw GGUF bytes, plus an f32 view when the data
// already is f32 (or, for vectors, a decoded copy: norms and biases are tiny).
type weight struct {
	name       string
	typ        ggml.Type
	rows, cols int
	rowBytes   int
	raw        []byte
	f32        []float32
	kw         kernelWeight // the matrix in the browser's kernels (kernels_js.go)
}

func (w *weight) Shape() (int, int) { return w.rows, w.cols }

// Weight checks that the tensor's type can be computed with and wraps its bytes.
func (e *Executor) Weight(t *model.Tensor) (model.Weight, error) {
	if err := ggml.CheckSupported(t.Type); err != nil {
		return nil, fmt.Errorf("tensor %s: %w", t.Name, err)
	}
	rb, err := t.Type.RowBytes(int64(t.Cols))
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", t.Name, err)
	}
	if int64(len(t.Data)) != rb*int64(t.Rows) {
		return nil, fmt.Errorf("tensor %s: %d bytes for %d rows of %d bytes", t.Name, len(t.Data), t.Rows, rb)
	}
	w := &weight{name: t.Name, typ: t.Type, rows: t.Rows, cols: t.Cols, rowBytes: int(rb), raw: t.Data}
	switch {
	case t.Type == ggml.F32 && len(t.Data) > 0 && uintptr(unsafe.Pointer(&t.Data[0]))%4 == 0:
		// Little-endian f32 in aligned memory is used in place.
		w.f32 = unsafe.Slice((*float32)(unsafe.Pointer(&t.Data[0])), t.Rows*t.Cols)
	case t.Type == ggml.F32 || t.Rows == 1:
		// Unaligned f32, and vectors (norm gains, biases) of any type, are decoded once.
		w.f32 = make([]float32, t.Rows*t.Cols)
		if err := ggml.Dequantize(t.Type, t.Data, w.f32); err != nil {
			return nil, fmt.Errorf("tensor %s: %w", t.Name, err)
		}
	}
	e.kern.upload(w)
	return w, nil
}

// Buffer allocates a zeroed rows×cols activation buffer.
func (e *Executor) Buffer(rows, cols int) model.Buffer {
	return &buffer{rows: rows, cols: cols, data: make([]float32, rows*cols)}
}

// Write copies src into b at float offset off.
func (e *Executor) Write(b model.Buffer, off int, src []float32) {
	copy(b.(*buffer).data[off:off+len(src)], src)
}

// Read copies b[off:off+len(dst)] into dst.
func (e *Executor) Read(b model.Buffer, off int, dst []float32) error {
	d := b.(*buffer).data
	if off < 0 || off+len(dst) > len(d) {
		return fmt.Errorf("read [%d, %d) of a buffer of %d floats", off, off+len(dst), len(d))
	}
	copy(dst, d[off:])
	return nil
}

// Copy copies count floats from src[srcOff:] to dst[dstOff:].
func (e *Executor) Copy(dst model.Buffer, dstOff int, src model.Buffer, srcOff, count int) {
	copy(dst.(*buffer).data[dstOff:dstOff+count], src.(*buffer).data[srcOff:srcOff+count])
}

// row returns row r of w as f32: a view for f32 data, else decoded into scratch.
func (w *weight) row(r int, scratch []float32) []float32 {
	if w.f32 != nil {
		return w.f32[r*w.cols : (r+1)*w.cols]
	}
	if w.raw == nil {
		// The matrix lives in the browser kernels' shared memory only.
		w.kw.row(r, scratch[:w.cols])
		return scratch[:w.cols]
	}
	// The type was checked in Weight, and the row length is whole blocks.
	_ = ggml.Dequantize(w.typ, w.raw[r*w.rowBytes:(r+1)*w.rowBytes], scratch[:w.cols])
	return scratch[:w.cols]
}

// scratchRow returns worker k's row scratch of at least n floats.
func (e *Executor) scratchRow(k, n int) []float32 {
	if len(e.rows[k]) < n {
		e.rows[k] = make([]float32, n)
	}
	return e.rows[k]
}

// scratchScores returns worker k's score scratch of at least n floats.
func (e *Executor) scratchScores(k, n int) []float32 {
	if len(e.scores[k]) < n {
		e.scores[k] = make([]float32, n)
	}
	return e.scores[k]
}
