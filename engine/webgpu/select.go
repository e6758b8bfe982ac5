package webgpu

import (
	"encoding/binary"
	"fmt"
	"math"

	"heed/engine/model"
)

// Selection is the device scratch of the multi-round Argmax and TopK kernels: two
// (values, indices) buffer pairs that successive rounds alternate between, grown on use. The
// zero value is ready; Release frees it.
type Selection struct {
	vals, ids [2]*Buffer
	entries   int // capacity of each buffer, in 4-byte entries
	// retired are outgrown buffers that recorded work may still bind: freed by Collect once
	// that work is submitted.
	retired []*Buffer
}

// reserve grows every buffer of s to at least entries entries.
func (s *Selection) reserve(d *Device, entries int) error {
	if entries <= s.entries {
		return nil
	}
	var fresh []*Buffer
	for range 4 {
		b, err := d.NewBuffer(uint64(entries)*4, "selection rounds")
		if err != nil {
			for _, f := range fresh {
				f.Release()
			}
			return err
		}
		fresh = append(fresh, b)
	}
	for i := range 2 {
		if s.vals[i] != nil {
			s.retired = append(s.retired, s.vals[i], s.ids[i])
		}
		s.vals[i], s.ids[i] = fresh[2*i], fresh[2*i+1]
	}
	s.entries = entries
	return nil
}

// Collect frees the outgrown buffers; call it after the work recorded with s is submitted.
func (s *Selection) Collect() {
	for _, b := range s.retired {
		b.Release()
	}
	s.retired = nil
}

// Release frees every buffer of s.
func (s *Selection) Release() {
	s.Collect()
	for i := range 2 {
		if s.vals[i] != nil {
			s.vals[i].Release()
			s.ids[i].Release()
		}
	}
	*s = Selection{}
}

// chunked compiles a selection kernel and returns it with its WG and CHUNK constants.
func (s *Step) chunked(name string) (*pipeline, uint32, int, error) {
	p, wg, err := s.plain(name)
	if err != nil {
		return nil, 0, 0, err
	}
	chunk, err := p.constant("CHUNK")
	if err != nil {
		return nil, 0, 0, s.fail(err)
	}
	return p, wg, int(chunk), nil
}

// rounds records the rounds of a selection kernel (argmax: keep 1, topk: keep k per
// workgroup) over x[off : off+n] and returns the pair of sel whose first keep entries are the
// answer.
func (s *Step) rounds(name string, x *Buffer, off, n, keep int, sel *Selection) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if n <= 0 || off < 0 || keep < 1 || keep > n {
		return 0, s.fail(fmt.Errorf("%w: %s keeping %d of %d values at %d", ErrShape, name, keep, n, off))
	}
	if err := need(x, off+n, name+" input"); err != nil {
		return 0, s.fail(err)
	}
	p, _, chunk, err := s.chunked(name)
	if err != nil {
		return 0, err
	}
	if 2*keep > chunk {
		return 0, s.fail(fmt.Errorf("%w: %s keeps %d per workgroup of %d", ErrShape, name, keep, chunk))
	}
	groups := (n + chunk - 1) / chunk
	if err := sel.reserve(s.d, groups*keep); err != nil {
		return 0, s.fail(err)
	}
	out := 0
	for first := true; ; first = false {
		groups = (n + chunk - 1) / chunk
		in := 1 - out
		xv, xi := sel.vals[in], sel.ids[in]
		var params any
		if first {
			// xi is bound but unread in the first round.
			xv = x
		}
		switch name {
		case "argmax":
			params = argmaxParams{N: uint32(n), Offset: uint32(off), First: b2u(first)}
		default:
			params = topKParams{N: uint32(n), K: uint32(keep), Offset: uint32(off), First: b2u(first)}
		}
		if err := s.dispatch1D(p, params, []*Buffer{xv, xi, sel.vals[out], sel.ids[out]}, uint32(groups)); err != nil {
			return 0, err
		}
		if groups == 1 {
			return out, nil
		}
		n, off, out = groups*keep, 0, in
	}
}

// Argmax records out[0] = the index (a u32) of the largest of x[off : off+n], the lowest on
// ties, through rounds of the argmax kernel in sel.
func (s *Step) Argmax(out, x *Buffer, off, n int, sel *Selection) error {
	if err := need(out, 1, "argmax out"); err != nil {
		return s.fail(err)
	}
	pair, err := s.rounds("argmax", x, off, n, 1, sel)
	if err != nil {
		return err
	}
	return s.Copy(out, 0, sel.ids[pair], 0, 1)
}

// TopK records out[0:k] = the k largest of x[off : off+n], largest first with ties by lower
// index, and out[k:2k] their indices (u32s), through rounds of the topk kernel in sel.
func (s *Step) TopK(out, x *Buffer, off, n, k int, sel *Selection) error {
	if err := need(out, 2*k, "top-k out"); err != nil {
		return s.fail(err)
	}
	pair, err := s.rounds("topk", x, off, n, k, sel)
	if err != nil {
		return err
	}
	if err := s.Copy(out, 0, sel.vals[pair], 0, k); err != nil {
		return err
	}
	return s.Copy(out, k, sel.ids[pair], 0, k)
}

// ExpSumGroups is how many (sum, error) pairs ExpSum writes for a row of n floats.
func (s *Step) ExpSumGroups(n int) (int, error) {
	_, _, chunk, err := s.chunked("exp_sum")
	if err != nil {
		return 0, err
	}
	return (n + chunk - 1) / chunk, nil
}

// ExpSum records the softmax normaliser's partial sums over x[off : off+n] given the row's
// largest value at top[0]: out[2w] = Σ exp(xᵢ − top[0]) and out[2w+1] = Σ (4 + 2|xᵢ − top[0]|)·
// exp(xᵢ − top[0]) over workgroup w's chunk (see wgsl/exp_sum.wgsl; expSumBound turns them
// into the normaliser and its error bound).
func (s *Step) ExpSum(out, x, top *Buffer, off, n int) error {
	if s.err != nil {
		return s.err
	}
	if n <= 0 || off < 0 {
		return s.fail(fmt.Errorf("%w: exp sum over %d values at %d", ErrShape, n, off))
	}
	p, _, chunk, err := s.chunked("exp_sum")
	if err != nil {
		return err
	}
	groups := (n + chunk - 1) / chunk
	for _, c := range []struct {
		b    *Buffer
		n    int
		what string
	}{{x, off + n, "exp sum input"}, {top, 1, "exp sum largest value"}, {out, 2 * groups, "exp sum out"}} {
		if err := need(c.b, c.n, c.what); err != nil {
			return s.fail(err)
		}
	}
	return s.dispatch1D(p, expSumParams{N: uint32(n), Offset: uint32(off)}, []*Buffer{x, top, out}, uint32(groups))
}

// expSumChunk and expSumWG are wgsl/exp_sum.wgsl's CHUNK and WG, which expSumBound's error
// analysis depends on (TestExpSumConstants keeps them equal).
const expSumChunk, expSumWG = 4096, 256

// expSumBound adds ExpSum's partials over a row of n floats (in float64) and bounds the
// difference from S, the exact sum of the float32 terms float32(exp(float64(xᵢ − m))) that the
// sampler adds (model.Candidates):
//   - each partial sum is an f32 sum of at most CHUNK/WG terms in sequence then log2(WG) tree
//     levels of positive terms: relative error ≤ (CHUNK/WG + log2 WG)·2⁻²⁴, 1.01 covering the
//     second-order terms;
//   - each term differs from the host's by at most (4 + 2|d|) ULP (exp_sum.wgsl), which the
//     partial error sums bound as 2⁻²²·Σ(4 + 2|d|)·t (1.01 covering that sum's own rounding);
//   - terms below 2⁻¹²⁶ may flush to zero on the device: 2⁻¹²⁶·(4 + 2·104) < 2⁻¹¹⁸ each, as
//     such a term has |d| < 104 or is 0 on both sides;
//   - the float64 additions of the partials: 2⁻⁵³ of the sum each.
func expSumBound(partials []float32, n int) (sum, bound float64) {
	levels := math.Log2(expSumWG)
	var errs float64
	for w := 0; w+1 < len(partials); w += 2 {
		s, e := float64(partials[w]), float64(partials[w+1])
		sum += s
		errs += 1.01*(expSumChunk/expSumWG+levels)*0x1p-24*s + 1.01*0x1p-22*e
	}
	bound = errs + float64(n)*0x1p-118 + 1.01*float64(len(partials)/2)*0x1p-53*sum
	return sum, bound
}

// reservePicked grows the buffer Argmax and TopK read back to entries 4-byte entries.
func (e *Executor) reservePicked(entries int) bool {
	if entries <= e.pickedCap {
		return true
	}
	b, err := e.d.NewBuffer(uint64(entries)*4, "picked tokens")
	if err != nil {
		e.fail(err)
		return false
	}
	if e.picked != nil {
		e.retired = append(e.retired, e.picked)
	}
	e.picked, e.pickedCap = b, entries
	return true
}

// row checks that floats [0, n) of row row of b exist and returns b's buffer and the row's
// first float.
func (e *Executor) row(b model.Buffer, row, n int, what string) (*Buffer, int, error) {
	x := e.buf(b, what)
	if e.err != nil {
		return nil, 0, e.err
	}
	rows, cols := b.Shape()
	if row < 0 || row >= rows || n <= 0 || n > cols {
		return nil, 0, fmt.Errorf("%w: %s over %d floats of row %d of a %d×%d buffer", ErrShape, what, n, row, rows, cols)
	}
	return x, row * cols, nil
}

// Argmax records the argmax kernel's rounds over the first n floats of row row of b, submits,
// and reads back the 4-byte index: the lowest index among the largest values (see
// wgsl/argmax.wgsl).
func (e *Executor) Argmax(b model.Buffer, row, n int) (int32, error) {
	x, off, err := e.row(b, row, n, "argmax")
	if err != nil {
		return 0, err
	}
	if !e.reservePicked(1) {
		return 0, e.err
	}
	s := e.recording()
	if s == nil {
		return 0, e.err
	}
	if err := s.Argmax(e.picked, x, off, n, &e.sel); err != nil {
		e.fail(err)
		return 0, e.err
	}
	if err := e.flush(); err != nil {
		return 0, err
	}
	raw, err := e.d.ReadAt(e.picked, 0, 4)
	if err != nil {
		e.fail(err)
		return 0, e.err
	}
	idx := binary.LittleEndian.Uint32(raw)
	if idx >= uint32(n) {
		return 0, fmt.Errorf("webgpu: argmax kernel returned index %d of %d", idx, n)
	}
	return int32(idx), nil
}

// TopK records the topk kernel's rounds and the normaliser's partial sums over the first n
// floats of row row of b, submits, and reads back one buffer: k values, k indices and the
// partials, 8·k + 8·ceil(n/4096) bytes (about 1.1 KB for k = 128 over 49 152 logits).
func (e *Executor) TopK(b model.Buffer, row, n, k int) (model.Candidates, error) {
	x, off, err := e.row(b, row, n, "top-k")
	if err != nil {
		return model.Candidates{}, err
	}
	if k < 1 || k > min(n, model.MaxCandidates) {
		return model.Candidates{}, fmt.Errorf("%w: top-k of %d over %d floats (at most %d)", ErrShape, k, n, model.MaxCandidates)
	}
	s := e.recording()
	if s == nil {
		return model.Candidates{}, e.err
	}
	groups, err := s.ExpSumGroups(n)
	if err != nil || !e.reservePicked(2*k+2*groups) {
		e.fail(err)
		return model.Candidates{}, e.err
	}
	// The partials go through sel's first buffer: the kernel reads the largest value from
	// picked, so it cannot write there too.
	if err := s.TopK(e.picked, x, off, n, k, &e.sel); err != nil {
		e.fail(err)
		return model.Candidates{}, e.err
	}
	if err := e.sel.reserve(e.d, 2*groups); err != nil {
		e.fail(err)
		return model.Candidates{}, e.err
	}
	if err := s.ExpSum(e.sel.vals[0], x, e.picked, off, n); err != nil {
		e.fail(err)
		return model.Candidates{}, e.err
	}
	if err := s.Copy(e.picked, 2*k, e.sel.vals[0], 0, 2*groups); err != nil {
		e.fail(err)
		return model.Candidates{}, e.err
	}
	if err := e.flush(); err != nil {
		return model.Candidates{}, err
	}
	raw, err := e.d.ReadAt(e.picked, 0, uint64(2*k+2*groups)*4)
	if err != nil {
		e.fail(err)
		return model.Candidates{}, e.err
	}
	c := model.Candidates{IDs: make([]int32, k), Logits: make([]float32, k)}
	for j := range k {
		c.Logits[j] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:]))
		id := binary.LittleEndian.Uint32(raw[4*(k+j):])
		if id >= uint32(n) {
			return model.Candidates{}, fmt.Errorf("webgpu: top-k kernel returned index %d of %d", id, n)
		}
		c.IDs[j] = int32(id)
	}
	partials := make([]float32, 2*groups)
	for j := range partials {
		partials[j] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(2*k+j):]))
	}
	c.Sum, c.SumErr = expSumBound(partials, n)
	return c, nil
}
