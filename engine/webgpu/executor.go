package webgpu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"heed/engine/ggml"
	"heed/engine/model"
	"heed/wgsl"
)

// Executor runs model.Forward on a Device: it implements model.Executor with the kernels of
// this package.
//
// Operations are recorded into one command encoder (a Step) and submitted when the host needs
// their results, on Read, or before a host write (Write, and Embed's token ids) so that a queue
// write never overtakes work recorded before it. One forward step is therefore one encoder.
//
// Errors: Weight returns its own (naming the tensor, and the limit for ErrTooLarge). The other
// methods of model.Executor but Read return nothing, so the executor keeps the first error they
// meet (a bad shape, a validation error, out of memory (ErrOutOfMemory), a lost device
// (ErrDeviceLost)) and records nothing after it. Read returns that error, and so does every
// later Read and Err: the executor's buffers are undefined past the failed operation, so the
// model and its states must be loaded again on a new executor.
//
// An Executor is not safe for concurrent use.
type Executor struct {
	d    *Device
	step *Step // recording, nil when nothing is pending
	err  error // the first error, sticky

	owned   []*Buffer // every buffer and weight allocated here, released by Close
	retired []*Buffer // grown scratch buffers, released once the work using them is submitted

	ids    *Buffer // (idsCap,) u32 token ids of the last Embed
	idsCap int
	// Scratch of Attention's Mix columns, C at a time.
	mixIn  *Buffer // (C, keys) the columns' inputs side by side
	mixOut *Buffer // (C, tokens) head-averaged Ā·I before it moves to each Out[Pos:]
	heads  *Buffer // (C, tokens, heads) per-head Ā·I
	// Capacities of the scratch buffers in elements.
	mixInCap, mixCap, headsCap int

	sel    Selection // rounds of Argmax and TopK
	picked *Buffer   // (pickedCap,) what Argmax and TopK read back, in one copy
	// Capacity of picked in 4-byte entries.
	pickedCap int
}

// NewExecutor returns an executor on d. The device stays the caller's: Close releases what
// the executor allocated, not d.
func NewExecutor(d *Device) (*Executor, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil device", ErrNoAdapter)
	}
	if err := d.alive(); err != nil {
		return nil, err
	}
	return &Executor{d: d}, nil
}

// Err is the first error the executor met, or nil.
func (e *Executor) Err() error { return e.err }

// Close releases every buffer and weight the executor allocated (recorded, unsubmitted work is
// dropped). The executor must not be used afterwards.
func (e *Executor) Close() {
	if e.step != nil {
		e.step.release()
		e.step = nil
	}
	e.sel.Release()
	for _, b := range slices.Concat(e.owned, e.retired, []*Buffer{e.ids, e.mixIn, e.mixOut, e.heads, e.picked}) {
		if b != nil {
			b.Release()
		}
	}
	e.owned, e.retired, e.ids, e.mixIn, e.mixOut, e.heads = nil, nil, nil, nil, nil, nil
	e.picked, e.pickedCap = nil, 0
}

// buffer is an activation matrix on the device.
type buffer struct {
	buf        *Buffer // nil when its allocation failed (the executor holds the error)
	rows, cols int
}

func (b *buffer) Shape() (int, int) { return b.rows, b.cols }

// weight is a model tensor on the device: one Weight, or row ranges of it when it is larger
// than one storage binding (maxStorageBufferBindingSize). Vectors (norm gains, biases) are
// stored as F32 whatever their file type, so RMSNorm and AddBias read plain floats.
type weight struct {
	name  string
	parts []*Weight // row ranges in order; parts[0].total() rows in all
}

func (w *weight) Shape() (int, int) { return w.parts[0].total(), w.parts[0].Cols }

// fail keeps err as the executor's error unless one is already kept.
func (e *Executor) fail(err error) {
	if err != nil && e.err == nil {
		e.err = classify(err)
	}
}

// classify marks native out-of-memory failures, which the binding reports as plain errors,
// with ErrOutOfMemory.
func classify(err error) error {
	if errors.Is(err, ErrOutOfMemory) || errors.Is(err, ErrDeviceLost) {
		return err
	}
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "out of memory") || strings.Contains(msg, "outofmemory") || strings.Contains(msg, "not enough memory") {
		return fmt.Errorf("%w: %w", ErrOutOfMemory, err)
	}
	return err
}

// recording returns the step being recorded, starting one when none is, or nil after an error.
func (e *Executor) recording() *Step {
	if e.err != nil {
		return nil
	}
	if e.step == nil {
		s, err := e.d.NewStep()
		if err != nil {
			e.fail(err)
			return nil
		}
		e.step = s
	}
	return e.step
}

// flush submits the recorded work, if any, and returns the executor's error.
func (e *Executor) flush() error {
	if e.step != nil {
		s := e.step
		e.step = nil
		e.fail(s.Submit())
		for _, b := range e.retired {
			b.Release()
		}
		e.retired = nil
		e.sel.Collect()
	}
	return e.err
}

// buf unwraps an executor buffer; a foreign or nil one is an error.
func (e *Executor) buf(b model.Buffer, what string) *Buffer {
	bb, ok := b.(*buffer)
	if !ok || bb == nil {
		e.fail(fmt.Errorf("%w: %s is not a buffer of this executor (%T)", ErrShape, what, b))
		return nil
	}
	return bb.buf
}

// weightOf unwraps an executor weight; a foreign or nil one is an error.
func (e *Executor) weightOf(w model.Weight, what string) *weight {
	ww, ok := w.(*weight)
	if !ok || ww == nil {
		e.fail(fmt.Errorf("%w: %s is not a weight of this executor (%T)", ErrShape, what, w))
		return nil
	}
	return ww
}

// vector unwraps a weight that must be an F32 vector of at least cols elements.
func (e *Executor) vector(w model.Weight, what string) *weight {
	ww := e.weightOf(w, what)
	if ww != nil && (len(ww.parts) != 1 || ww.parts[0].Rows != 1 || ww.parts[0].Type != ggml.F32) {
		rows, cols := ww.Shape()
		e.fail(fmt.Errorf("%w: %s %s is a %d×%d %s matrix, not a vector", ErrShape, what, ww.name, rows, cols, ww.parts[0].Type))
		return nil
	}
	return ww
}

// Weight uploads a tensor. Vectors become F32 (RMSNorm and AddBias read plain floats). Matrices
// keep their file bytes: every type the CPU reference computes with has a kernel
// (wgsl.WeightTypes), which dequantises in-shader. A matrix larger than
// maxStorageBufferBindingSize is split into row ranges that each fit one binding.
func (e *Executor) Weight(t *model.Tensor) (model.Weight, error) {
	if e.err != nil {
		return nil, e.err
	}
	if t.Rows <= 0 || t.Cols <= 0 {
		return nil, fmt.Errorf("%w: tensor %s is %d×%d", ErrShape, t.Name, t.Rows, t.Cols)
	}
	if err := ggml.CheckSupported(t.Type); err != nil {
		return nil, fmt.Errorf("tensor %s: %w", t.Name, err)
	}
	rb, err := t.Type.RowBytes(int64(t.Cols))
	if err != nil {
		return nil, fmt.Errorf("%w: tensor %s: %v", ErrShape, t.Name, err)
	}
	if int64(len(t.Data)) != rb*int64(t.Rows) {
		return nil, fmt.Errorf("%w: tensor %s: %d bytes for %d rows of %d bytes", ErrShape, t.Name, len(t.Data), t.Rows, rb)
	}
	raw := t.Rows > 1 && slices.Contains(wgsl.WeightTypes, t.Type)
	stored := uint64(4 * t.Cols) // bytes of one row on the device
	if raw {
		stored = uint64(rb)
	}
	limit := min(e.d.info.Limits.MaxStorageBufferBindingSize, e.d.info.Limits.MaxBufferSize) &^ 3
	rowsPer := t.Rows
	if limit > 0 && stored*uint64(t.Rows) > limit {
		rowsPer = int(limit / stored)
		if rowsPer == 0 {
			return nil, fmt.Errorf("%w: tensor %s: a row of %d bytes exceeds maxStorageBufferBindingSize %d", ErrTooLarge, t.Name, stored, limit)
		}
	}
	w := &weight{name: t.Name}
	for r0 := 0; r0 < t.Rows; r0 += rowsPer {
		n := min(rowsPer, t.Rows-r0)
		label := t.Name
		if n < t.Rows {
			label = fmt.Sprintf("%s rows %d–%d", t.Name, r0, r0+n-1)
		}
		var part *Weight
		if raw {
			part, err = e.d.UploadWeight(t.Type, n, t.Cols, t.Data[int64(r0)*rb:int64(r0+n)*rb], label)
		} else {
			part, err = e.expand(t, int(rb), r0, n, label)
		}
		if err != nil {
			for _, p := range w.parts {
				p.Release()
			}
			return nil, classify(err)
		}
		part.FirstRow, part.TotalRows = r0, t.Rows
		w.parts = append(w.parts, part)
	}
	for _, p := range w.parts {
		e.owned = append(e.owned, p.Buf)
	}
	return w, nil
}

// expandChunk bounds the f32 staging of expand (floats per write).
const expandChunk = 1 << 20

// expand uploads rows r0 … r0+n−1 of t dequantised to F32, a few rows at a time: vectors, and
// a matrix of a type no kernel reads (none today, as wgsl.WeightTypes covers ggml.Supported).
func (e *Executor) expand(t *model.Tensor, rowBytes, r0, n int, label string) (*Weight, error) {
	buf, err := e.d.NewBuffer(uint64(n)*uint64(t.Cols)*4, label)
	if err != nil {
		return nil, err
	}
	rowsPer := max(1, expandChunk/t.Cols)
	f := make([]float32, min(rowsPer, n)*t.Cols)
	for r := 0; r < n; r += rowsPer {
		k := min(rowsPer, n-r)
		out := f[:k*t.Cols]
		src := t.Data[(r0+r)*rowBytes : (r0+r+k)*rowBytes]
		if err := ggml.Dequantize(t.Type, src, out); err != nil {
			buf.Release()
			return nil, fmt.Errorf("tensor %s: %w", t.Name, err)
		}
		if err := e.d.Write(buf, uint64(r)*uint64(t.Cols)*4, float32Bytes(out)); err != nil {
			buf.Release()
			return nil, fmt.Errorf("tensor %s: %w", t.Name, err)
		}
	}
	return &Weight{Buf: buf, Type: ggml.F32, Rows: n, Cols: t.Cols, RowBytes: 4 * t.Cols}, nil
}

// Buffer allocates a zeroed rows×cols f32 buffer (WebGPU zero-fills new buffers).
func (e *Executor) Buffer(rows, cols int) model.Buffer {
	b := &buffer{rows: rows, cols: cols}
	if e.err != nil {
		return b
	}
	if rows <= 0 || cols <= 0 {
		e.fail(fmt.Errorf("%w: buffer of %d×%d", ErrShape, rows, cols))
		return b
	}
	buf, err := e.d.NewBuffer(uint64(rows)*uint64(cols)*4, fmt.Sprintf("activations %d×%d", rows, cols))
	if err != nil {
		e.fail(err)
		return b
	}
	e.owned = append(e.owned, buf)
	b.buf = buf
	return b
}

// Write copies src into b at float offset off, after the work recorded so far.
func (e *Executor) Write(b model.Buffer, off int, src []float32) {
	dst := e.buf(b, "write destination")
	if e.flush() != nil {
		return
	}
	if off < 0 {
		e.fail(fmt.Errorf("%w: write at float offset %d", ErrShape, off))
		return
	}
	e.fail(e.d.Write(dst, uint64(off)*4, float32Bytes(src)))
}

// Read submits the recorded work and copies len(dst) floats of b from float offset off into
// dst. It returns the executor's first error, if any (see Executor).
func (e *Executor) Read(b model.Buffer, off int, dst []float32) error {
	src := e.buf(b, "read source")
	if err := e.flush(); err != nil {
		return err
	}
	if off < 0 {
		return fmt.Errorf("%w: read at float offset %d", ErrShape, off)
	}
	if len(dst) == 0 {
		return nil
	}
	raw, err := e.d.ReadAt(src, uint64(off)*4, uint64(len(dst))*4)
	if err != nil {
		if errors.Is(err, ErrShape) {
			return err
		}
		e.fail(err)
		return e.err
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return nil
}

// Copy records a copy of count floats from src[srcOff:] to dst[dstOff:].
func (e *Executor) Copy(dst model.Buffer, dstOff int, src model.Buffer, srcOff, count int) {
	d, s := e.buf(dst, "copy destination"), e.buf(src, "copy source")
	if st := e.recording(); st != nil {
		e.fail(st.Copy(d, dstOff, s, srcOff, count))
	}
}

// Embed uploads ids (after the recorded work, which may still read the previous ids) and
// records the embedding lookup.
func (e *Executor) Embed(dst model.Buffer, table model.Weight, ids []int32) {
	out, w := e.buf(dst, "embedding destination"), e.weightOf(table, "embedding table")
	if e.flush() != nil || len(ids) == 0 {
		return
	}
	if len(ids) > e.idsCap {
		if e.ids != nil {
			e.ids.Release()
		}
		b, err := e.d.NewBuffer(uint64(len(ids))*4, "token ids")
		if err != nil {
			e.fail(err)
			return
		}
		e.ids, e.idsCap = b, len(ids)
	}
	raw := make([]byte, 0, 4*len(ids))
	for _, id := range ids {
		raw = binary.LittleEndian.AppendUint32(raw, uint32(id))
	}
	if err := e.d.Write(e.ids, 0, raw); err != nil {
		e.fail(err)
		return
	}
	s := e.recording()
	if s == nil {
		return
	}
	for _, part := range w.parts {
		if err := s.Embedding(out, part, e.ids, len(ids)); err != nil {
			e.fail(fmt.Errorf("embedding %s: %w", w.name, err))
			return
		}
	}
}

// RMSNorm records dst = x / rms(x) · gain over n rows.
func (e *Executor) RMSNorm(dst, x model.Buffer, gain model.Weight, n int, eps float32) {
	y, xb, g := e.buf(dst, "rmsnorm destination"), e.buf(x, "rmsnorm input"), e.vector(gain, "rmsnorm gain")
	if s := e.recording(); s != nil {
		if err := s.RMSNorm(y, xb, g.parts[0].Buf, n, g.parts[0].Cols, eps); err != nil {
			e.fail(fmt.Errorf("rmsnorm %s: %w", g.name, err))
		}
	}
}

// MatMul records dst = x·wᵀ over n rows: the mat-vec kernel for one row (decode), the tiled
// matmul for more (prefill).
func (e *Executor) MatMul(dst model.Buffer, w model.Weight, x model.Buffer, n int) {
	y, xb, ww := e.buf(dst, "matmul destination"), e.buf(x, "matmul input"), e.weightOf(w, "matmul weight")
	s := e.recording()
	if s == nil {
		return
	}
	for _, part := range ww.parts {
		var err error
		if n == 1 {
			err = s.MatVec(y, part, xb)
		} else {
			err = s.MatMul(y, part, xb, n)
		}
		if err != nil {
			e.fail(fmt.Errorf("matmul %s: %w", ww.name, err))
			return
		}
	}
}

// AddBias records dst[i] += b over n rows.
func (e *Executor) AddBias(dst model.Buffer, b model.Weight, n int) {
	d, v := e.buf(dst, "bias destination"), e.vector(b, "bias")
	if s := e.recording(); s != nil {
		if err := s.AddBias(d, v.parts[0].Buf, n, v.parts[0].Cols); err != nil {
			e.fail(fmt.Errorf("bias %s: %w", v.name, err))
		}
	}
}

// RoPE records the rotary embedding of n rows of x, row i at position pos+i.
func (e *Executor) RoPE(x model.Buffer, n, heads int, pos int, r *model.Rope) {
	xb, inv := e.buf(x, "rope input"), e.buf(r.InvFreq, "rope inverse frequencies")
	layout := RoPEAdjacent
	if r.NeoX {
		layout = RoPENeoX
	}
	factor := r.AttnFactor
	if factor == 0 {
		factor = 1
	}
	if s := e.recording(); s != nil {
		e.fail(s.RoPE(xb, inv, n, heads, r.HeadDim, r.Dims, pos, layout, factor))
	}
}

// Attention records the fused attention kernel. Mix columns ride along in groups of up to
// MaxInfluenceCols per kernel run: their inputs are copied side by side into a scratch matrix
// (a single column is bound in place), and each column's head average is copied from scratch to
// its Out[Pos:Pos+N]. Every run of a group writes the same Out.
func (e *Executor) Attention(a *model.Attention) {
	out, q := e.buf(a.Out, "attention output"), e.buf(a.Q, "attention queries")
	k, v := e.buf(a.K, "key cache"), e.buf(a.V, "value cache")
	var bias *Buffer
	if a.Bias != nil {
		bias = e.buf(a.Bias, "attention bias")
	}
	s := e.recording()
	if s == nil {
		return
	}
	keys := a.Pos + a.N
	args := AttentionArgs{Tokens: a.N, Keys: keys, Heads: a.Heads, KVHeads: a.KVHeads, HeadDim: a.HeadDim,
		Pos0: a.Pos, Causal: true, Window: a.Window, Scale: a.Scale, SoftCap: a.SoftCap, Bias: bias}
	if len(a.Mix) == 0 {
		e.fail(s.Attention(out, q, k, v, args))
		return
	}
	for first := 0; first < len(a.Mix); first += MaxInfluenceCols {
		group := a.Mix[first:min(first+MaxInfluenceCols, len(a.Mix))]
		cols := len(group)
		if !e.scratch(cols*keys, cols*a.N, cols*a.N*a.Heads) {
			return
		}
		args.InfluenceCols, args.InfluenceOut, args.InfluenceHeads = cols, e.mixOut, e.heads
		if cols == 1 {
			args.Influence = e.buf(group[0].In, fmt.Sprintf("attention mix %d input", first))
		} else {
			args.Influence = e.mixIn
			for c, m := range group {
				in := e.buf(m.In, fmt.Sprintf("attention mix %d input", first+c))
				if e.err != nil {
					return
				}
				if err := s.Copy(e.mixIn, c*keys, in, 0, keys); err != nil {
					e.fail(fmt.Errorf("attention mix %d: %w", first+c, err))
					return
				}
			}
		}
		if e.err != nil {
			return
		}
		if err := s.Attention(out, q, k, v, args); err != nil {
			e.fail(err)
			return
		}
		for c, m := range group {
			mo := e.buf(m.Out, fmt.Sprintf("attention mix %d output", first+c))
			if e.err != nil {
				return
			}
			if err := s.Copy(mo, a.Pos, e.mixOut, c*a.N, a.N); err != nil {
				e.fail(fmt.Errorf("attention mix %d: %w", first+c, err))
				return
			}
		}
	}
}

// scratch grows the Influence scratch buffers to hold in, out and perHead floats. A replaced
// buffer may be bound by recorded work, so it is released after the next submit.
func (e *Executor) scratch(in, out, perHead int) bool {
	grow := func(b **Buffer, capacity *int, n int, label string) bool {
		if n <= *capacity {
			return true
		}
		nb, err := e.d.NewBuffer(uint64(n)*4, label)
		if err != nil {
			e.fail(err)
			return false
		}
		if *b != nil {
			e.retired = append(e.retired, *b)
		}
		*b, *capacity = nb, n
		return true
	}
	return grow(&e.mixIn, &e.mixInCap, in, "influence columns in") &&
		grow(&e.mixOut, &e.mixCap, out, "influence columns out") &&
		grow(&e.heads, &e.headsCap, perHead, "influence per head")
}

// SiLUMul records gate = silu(gate)·up over count floats.
func (e *Executor) SiLUMul(gate, up model.Buffer, count int) {
	g, u := e.buf(gate, "silu gate"), e.buf(up, "silu up")
	if s := e.recording(); s != nil {
		e.fail(s.SiLUGate(g, u, count))
	}
}

// GELUMul records gate = gelu(gate)·up over count floats.
func (e *Executor) GELUMul(gate, up model.Buffer, count int) {
	g, u := e.buf(gate, "gelu gate"), e.buf(up, "gelu up")
	if s := e.recording(); s != nil {
		e.fail(s.GELUGate(g, u, count))
	}
}

// Scale records x *= factor over count floats.
func (e *Executor) Scale(x model.Buffer, count int, factor float32) {
	xb := e.buf(x, "scale input")
	if s := e.recording(); s != nil {
		e.fail(s.Scale(xb, count, factor))
	}
}

// SoftCap records x = cap·tanh(x/cap) over count floats.
func (e *Executor) SoftCap(x model.Buffer, count int, cap float32) {
	xb := e.buf(x, "softcap input")
	if s := e.recording(); s != nil {
		e.fail(s.SoftCap(xb, count, cap))
	}
}

// Add records dst += x over count floats.
func (e *Executor) Add(dst, x model.Buffer, count int) {
	d, xb := e.buf(dst, "add destination"), e.buf(x, "add input")
	if s := e.recording(); s != nil {
		e.fail(s.Add(d, xb, count))
	}
}

// L1Norm records dst[i] = ‖x[i]‖₁ over n rows of x.
func (e *Executor) L1Norm(dst, x model.Buffer, n int) {
	d, xb := e.buf(dst, "l1norm destination"), e.buf(x, "l1norm input")
	_, cols := x.Shape()
	if s := e.recording(); s != nil {
		e.fail(s.L1Norm(d, xb, n, cols))
	}
}

// Blend records one layer of the Influence recursion (InfluenceUpdate); nil weights select
// Attention Rollout's ½/½.
func (e *Executor) Blend(dst, prev, mixed, wPrev, wMixed model.Buffer, pos, n int) {
	d, p, m := e.buf(dst, "blend destination"), e.buf(prev, "blend previous"), e.buf(mixed, "blend mixed")
	rollout := wPrev == nil && wMixed == nil
	xn, on := p, p // bound but unread under rollout
	if !rollout {
		xn, on = e.buf(wPrev, "blend previous weight"), e.buf(wMixed, "blend mixed weight")
	}
	if s := e.recording(); s != nil {
		e.fail(s.InfluenceUpdate(d, p, m, xn, on, pos, n, rollout))
	}
}

var (
	_ model.Executor = (*Executor)(nil)
	_ model.Argmaxer = (*Executor)(nil)
	_ model.TopKer   = (*Executor)(nil)
)
