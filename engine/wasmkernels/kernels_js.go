//go:build js && wasm

package wasmkernels

import (
	"errors"
	"fmt"
	"runtime"
	"syscall/js"
	"unsafe"

	"heed/engine/ggml"
)

// ErrAbsent means the page did not load the kernels (heed-kernels.js), or
// their init failed; the error wrapping it says which.
var ErrAbsent = errors.New("wasmkernels: kernels not loaded")

// Kernels is one executor's connection to the kernels: the one-thread
// instance working on the Go program's memory, and, where the page runs
// workers, the session that owns this executor's weights in the shared memory.
type Kernels struct {
	session                                         js.Value
	threads                                         int
	tile                                            []float32 // MatMul's scratch for a batch: tileRows rows
	prepX, scales, matMul, dequant, attend, siluMul js.Value
	upload, release, matMulShared, dequantShared    js.Value
}

// Attach connects to the kernels the page loaded with heed-kernels.js. It
// returns an error wrapping ErrAbsent where there are none (the caller keeps
// its Go kernels), and any other error when they are there but unusable.
func Attach() (k *Kernels, err error) {
	hk := js.Global().Get("heedKernels")
	if hk.Type() != js.TypeObject {
		return nil, fmt.Errorf("%w: no heedKernels in this page", ErrAbsent)
	}
	if !hk.Get("ready").Truthy() {
		msg := hk.Get("error")
		if msg.Type() == js.TypeString && msg.String() != "" {
			return nil, fmt.Errorf("%w: %s", ErrAbsent, msg.String())
		}
		return nil, fmt.Errorf("%w: heedKernels.init has not finished", ErrAbsent)
	}
	defer func() {
		// A JavaScript exception surfaces as a panic of js.Error.
		if r := recover(); r != nil {
			k, err = nil, fmt.Errorf("wasmkernels: attach: %v", r)
		}
	}()
	s := hk.Call("attach")
	ex := s.Get("exports")
	return &Kernels{session: s, threads: s.Get("threads").Int(),
		prepX: ex.Get("prep_x"), scales: ex.Get("scales"), matMul: ex.Get("matmul"), dequant: ex.Get("dequant"),
		attend: ex.Get("attend"), siluMul: ex.Get("silu_mul"),
		upload: s.Get("upload").Call("bind", s), release: s.Get("release").Call("bind", s),
		matMulShared: s.Get("matmul").Call("bind", s), dequantShared: s.Get("dequant").Call("bind", s)}, nil
}

// Threads is the number of threads of the shared products: 1 where the page
// is not cross-origin isolated (or asked for one), and the products then run
// on the calling thread only, with MatMul.
func (k *Kernels) Threads() int { return k.threads }

// Close frees this executor's weights in the shared memory.
func (k *Kernels) Close() { k.session.Call("close") }

// ptr is the address of a slice's first element in the Go program's linear
// memory, which the one-thread instance shares; 0 for an empty slice.
func ptr[T any](s []T) int {
	if len(s) == 0 {
		return 0
	}
	return int(uintptr(unsafe.Pointer(&s[0])))
}

// PrepX permutes n rows of cols activations for the quantised products and
// sums every 16 of them: xp (n·cols) and xsum (n·cols/16). cols % 16 == 0.
func (k *Kernels) PrepX(x []float32, n, cols int, xp, xsum []float32) {
	_, _, _ = x[n*cols-1], xp[n*cols-1], xsum[n*cols/16-1]
	k.prepX.Invoke(ptr(x), n, cols, ptr(xp), ptr(xsum))
	runtime.KeepAlive(x)
	runtime.KeepAlive(xp)
	runtime.KeepAlive(xsum)
}

// Scales fills plane (one float per 32-element block) from the blocks of w,
// for the types HasPlane names.
func (k *Kernels) Scales(t ggml.Type, w []byte, plane []float32) error {
	bs, ts := t.BlockSize(), t.TypeSize()
	if !HasPlane(t) || len(w) != len(plane)*ts || bs != 32 {
		return fmt.Errorf("wasmkernels: no scale plane of %d floats for %d bytes of %s", len(plane), len(w), t)
	}
	k.scales.Invoke(int(t), ptr(w), len(plane), ptr(plane))
	runtime.KeepAlive(w)
	runtime.KeepAlive(plane)
	return nil
}

// MatMul sets y[t·rows + r] = row r of w (rows×cols of type t) · token t for
// rows [r0, r1) and tokens [0, n), on the calling thread. x is the
// activations as they are for F32 and as PrepX leaves them for the others
// (Permuted), xsum PrepX's sums, plane Scales' output where HasPlane.
func (k *Kernels) MatMul(t ggml.Type, w []byte, plane, x, xsum, y []float32, rows, cols, n, r0, r1 int) error {
	rb, err := t.RowBytes(int64(cols))
	switch {
	case err != nil:
		return fmt.Errorf("wasmkernels: %w", err)
	case !Supported(t):
		return fmt.Errorf("wasmkernels: no product for %s: %w", t, ggml.ErrUnsupportedType)
	case cols%32 != 0 || len(w) != rows*int(rb) || len(x) < n*cols || len(y) < n*rows || r0 < 0 || r0 > r1 || r1 > rows,
		HasPlane(t) && len(plane) != rows*cols/32, Permuted(t) && len(xsum) < n*cols/16:
		return fmt.Errorf("wasmkernels: MatMul %s %d×%d, n %d, rows [%d, %d): %d weight bytes, %d plane, %d x, %d sums, %d y",
			t, rows, cols, n, r0, r1, len(w), len(plane), len(x), len(xsum), len(y))
	}
	if len(k.tile) < tileRows*cols {
		k.tile = make([]float32, tileRows*cols)
	}
	k.matMul.Invoke(int(t), ptr(w), ptr(plane), ptr(x), ptr(xsum), ptr(y), rows, cols, n, r0, r1, ptr(k.tile))
	runtime.KeepAlive(w)
	runtime.KeepAlive(plane)
	runtime.KeepAlive(x)
	runtime.KeepAlive(xsum)
	runtime.KeepAlive(y)
	runtime.KeepAlive(k.tile)
	return nil
}

// Dequant writes row r of w (rows of cols elements of type t) into out as
// f32, equal to ggml.Dequantize's.
func (k *Kernels) Dequant(t ggml.Type, w []byte, plane []float32, cols, r int, out []float32) error {
	rb, err := t.RowBytes(int64(cols))
	if err != nil || !Supported(t) || len(out) < cols || (r+1)*int(rb) > len(w) || HasPlane(t) && len(plane) < (r+1)*cols/32 {
		return fmt.Errorf("wasmkernels: Dequant %s row %d of %d columns from %d bytes", t, r, cols, len(w))
	}
	k.dequant.Invoke(int(t), ptr(w), ptr(plane), cols, r, ptr(out))
	runtime.KeepAlive(w)
	runtime.KeepAlive(plane)
	runtime.KeepAlive(out)
	return nil
}

// SiLUMul sets g = silu(g)·u elementwise over len(g) floats.
func (k *Kernels) SiLUMul(g, u []float32) {
	u = u[:len(g)]
	k.siluMul.Invoke(ptr(g), ptr(u), len(g))
	runtime.KeepAlive(g)
	runtime.KeepAlive(u)
}

// Attention is one call of the attention kernel, shaped like cpu.Executor's
// (model.Attention without a soft cap): Q, Out (N, Heads·HeadDim), K, V
// (context, KVHeads·HeadDim), Bias (context) or nil, Scores at least Pos+N
// floats of scratch, and for each of the Mix extra columns (context each)
// MixPart[p·len(Mix) + j] = Σ_k A[p, k]·Mix[j][k] for pair p = t·Heads + h.
type Attention struct {
	Q, K, V, Out, Bias, Scores, MixPart []float32
	Mix                                 [][]float32
	Heads, KVHeads, HeadDim, Pos, N     int
	Window                              int
	Scale                               float32
	mixPtrs                             []uint32
}

// Attend computes pairs [p0, p1) of a.
func (k *Kernels) Attend(a *Attention, p0, p1 int) error {
	hd, kvd := a.HeadDim, a.KVHeads*a.HeadDim
	keys := a.Pos + a.N
	switch {
	case a.Heads <= 0 || a.KVHeads <= 0 || a.Heads%a.KVHeads != 0 || hd <= 0,
		len(a.Q) < a.N*a.Heads*hd, len(a.Out) < a.N*a.Heads*hd, len(a.K) < keys*kvd, len(a.V) < keys*kvd,
		a.Bias != nil && len(a.Bias) < keys, len(a.Scores) < keys, len(a.MixPart) < p1*len(a.Mix),
		p0 < 0 || p0 > p1 || p1 > a.N*a.Heads:
		return fmt.Errorf("wasmkernels: Attend: inconsistent shapes (heads %d/%d of %d, pos %d, n %d, pairs [%d, %d))",
			a.Heads, a.KVHeads, hd, a.Pos, a.N, p0, p1)
	}
	a.mixPtrs = a.mixPtrs[:0]
	for _, m := range a.Mix {
		if len(m) < keys {
			return fmt.Errorf("wasmkernels: Attend: a mix column of %d floats for %d keys", len(m), keys)
		}
		a.mixPtrs = append(a.mixPtrs, uint32(ptr(m)))
	}
	k.attend.Invoke(ptr(a.Q), ptr(a.K), ptr(a.V), ptr(a.Out), ptr(a.Bias), ptr(a.Scores), a.Heads, a.KVHeads, hd,
		a.Pos, a.Window, a.Scale, len(a.Mix), ptr(a.mixPtrs), ptr(a.MixPart), p0, p1)
	runtime.KeepAlive(a)
	for _, m := range a.Mix {
		runtime.KeepAlive(m)
	}
	return nil
}

// tileRows is kernels.c's TILE_ROWS: rows decoded at a time for a batch.
const tileRows = 4

// Handle names a matrix uploaded to the shared memory.
type Handle int

// Upload copies a matrix into the shared memory for MatMulShared (only where
// Threads > 1).
func (k *Kernels) Upload(t ggml.Type, w []byte, rows, cols int) (h Handle, err error) {
	rb, rerr := t.RowBytes(int64(cols))
	if rerr != nil || !Supported(t) || cols%32 != 0 || len(w) != rows*int(rb) || k.threads < 2 {
		return -1, fmt.Errorf("wasmkernels: cannot upload %d bytes of %s as %d×%d (threads %d)", len(w), t, rows, cols, k.threads)
	}
	defer func() {
		if r := recover(); r != nil {
			h, err = -1, fmt.Errorf("wasmkernels: upload: %v", r)
		}
	}()
	v := k.upload.Invoke(int(t), ptr(w), len(w), rows, cols).Int()
	runtime.KeepAlive(w)
	return Handle(v), nil
}

// Release frees an uploaded matrix.
func (k *Kernels) Release(h Handle) { k.release.Invoke(int(h)) }

// MatMulShared sets y (n, rows) = x (n, cols) · the uploaded matrix h, split
// by rows across the threads.
func (k *Kernels) MatMulShared(h Handle, x []float32, n int, y []float32) {
	k.matMulShared.Invoke(int(h), ptr(x), n, ptr(y))
	runtime.KeepAlive(x)
	runtime.KeepAlive(y)
}

// DequantShared writes row r of the uploaded matrix h into out (its columns).
func (k *Kernels) DequantShared(h Handle, r int, out []float32) {
	k.dequantShared.Invoke(int(h), r, ptr(out))
	runtime.KeepAlive(out)
}
