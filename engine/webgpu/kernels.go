package webgpu

import (
	"fmt"
	"math"

	"heed/wgsl"
)

// need checks that b holds at least n 4-byte elements.
func need(b *Buffer, n int, what string) error {
	if b == nil {
		return fmt.Errorf("%w: %s is nil", ErrShape, what)
	}
	if uint64(n)*4 > b.size {
		return fmt.Errorf("%w: %s needs %d elements, buffer holds %d", ErrShape, what, n, b.size/4)
	}
	return nil
}

// plain compiles a kernel that reads no weights and returns it with its WG constant.
func (s *Step) plain(name string) (*pipeline, uint32, error) {
	if s.err != nil {
		return nil, 0, s.err
	}
	p, ok := s.d.compiled(name)
	if !ok {
		src, err := wgsl.Module(name)
		if err != nil {
			return nil, 0, s.fail(err)
		}
		if p, err = s.d.kernel(name, src); err != nil {
			return nil, 0, s.fail(err)
		}
	}
	wg, err := p.constant("WG")
	if err != nil {
		return nil, 0, s.fail(err)
	}
	return p, wg, nil
}

func groupsOf(n int, wg uint32) uint32 { return uint32((uint64(n) + uint64(wg) - 1) / uint64(wg)) }

// MatVec records y = W·x for one token: x (Cols,), y (total rows,), of which w writes
// y[FirstRow : FirstRow+Rows].
func (s *Step) MatVec(y *Buffer, w *Weight, x *Buffer) error {
	if s.err != nil {
		return s.err
	}
	if err := need(x, w.Cols, "matvec x"); err != nil {
		return s.fail(err)
	}
	if err := need(y, w.total(), "matvec y"); err != nil {
		return s.fail(err)
	}
	p, err := s.d.matVecKernel(w.Type)
	if err != nil {
		return s.fail(err)
	}
	return s.matVecWith(p, y, w, x)
}

// matVecWith records MatVec with the mat-vec pipeline p (either variant: both take the same
// Params, bindings and dispatch).
func (s *Step) matVecWith(p *pipeline, y *Buffer, w *Weight, x *Buffer) error {
	rows, err := p.constant("ROWS")
	if err != nil {
		return s.fail(err)
	}
	params := matVecParams{uint32(w.Rows), uint32(w.Cols), uint32(w.RowBytes), uint32((w.Cols + 7) / 8), uint32(w.FirstRow)}
	return s.dispatch1D(p, params, []*Buffer{w.Buf, x, y}, groupsOf(w.Rows, rows))
}

// MatMul records Y = X·Wᵀ for a batch of tokens: X (tokens, Cols), Y (tokens, total rows), of
// which w writes columns FirstRow … FirstRow+Rows−1.
func (s *Step) MatMul(y *Buffer, w *Weight, x *Buffer, tokens int) error {
	if s.err != nil {
		return s.err
	}
	if tokens <= 0 {
		return s.fail(fmt.Errorf("%w: matmul over %d tokens", ErrShape, tokens))
	}
	if err := need(x, tokens*w.Cols, "matmul x"); err != nil {
		return s.fail(err)
	}
	if err := need(y, tokens*w.total(), "matmul y"); err != nil {
		return s.fail(err)
	}
	p, err := s.d.weightKernel("matmul", w.Type)
	if err != nil {
		return s.fail(err)
	}
	tileR, err := p.constant("TILE_R")
	if err != nil {
		return s.fail(err)
	}
	tileT, err := p.constant("TILE_T")
	if err != nil {
		return s.fail(err)
	}
	gx, gy := groupsOf(w.Rows, tileR), groupsOf(tokens, tileT)
	if lim := s.d.info.Limits.MaxComputeWorkgroupsPerDimension; gx > lim || gy > lim {
		return s.fail(fmt.Errorf("%w: matmul grid %d×%d exceeds maxComputeWorkgroupsPerDimension %d", ErrTooLarge, gx, gy, lim))
	}
	params := matMulParams{uint32(w.Rows), uint32(w.Cols), uint32(w.RowBytes), uint32((w.Cols + 7) / 8), uint32(tokens),
		uint32(w.FirstRow), uint32(w.total())}
	return s.dispatch(p, params, []*Buffer{w.Buf, x, y}, gx, gy)
}

// Embedding records out[t] = row ids[t] of the table w, dequantised: ids (tokens,) u32,
// out (tokens, Cols). An id past the vocabulary yields a row of NaN. A row range of a split
// table writes only the tokens whose ids it holds.
func (s *Step) Embedding(out *Buffer, w *Weight, ids *Buffer, tokens int) error {
	if s.err != nil {
		return s.err
	}
	if err := need(ids, tokens, "embedding ids"); err != nil {
		return s.fail(err)
	}
	if err := need(out, tokens*w.Cols, "embedding out"); err != nil {
		return s.fail(err)
	}
	p, err := s.d.weightKernel("embedding", w.Type)
	if err != nil {
		return s.fail(err)
	}
	wg, err := p.constant("WG")
	if err != nil {
		return s.fail(err)
	}
	groups := (w.Cols + 7) / 8
	params := embeddingParams{uint32(w.Rows), uint32(w.Cols), uint32(w.RowBytes), uint32(groups), uint32(tokens),
		uint32(w.FirstRow), uint32(w.total())}
	return s.dispatch1D(p, params, []*Buffer{w.Buf, ids, out}, groupsOf(tokens*groups, wg))
}

// RMSNorm records y[r] = x[r] / sqrt(mean(x[r]²) + eps) · gain for rows of x (rows, cols).
func (s *Step) RMSNorm(y, x, gain *Buffer, rows, cols int, eps float32) error {
	if s.err != nil {
		return s.err
	}
	for _, c := range []struct {
		b    *Buffer
		n    int
		what string
	}{{x, rows * cols, "rmsnorm x"}, {gain, cols, "rmsnorm gain"}, {y, rows * cols, "rmsnorm y"}} {
		if err := need(c.b, c.n, c.what); err != nil {
			return s.fail(err)
		}
	}
	p, _, err := s.plain("rmsnorm")
	if err != nil {
		return err
	}
	return s.dispatch1D(p, rmsNormParams{uint32(rows), uint32(cols), eps}, []*Buffer{x, gain, y}, uint32(rows))
}

// RoPELayout selects which dimensions form a rotated pair.
type RoPELayout uint32

const (
	RoPEAdjacent RoPELayout = 0 // (2i, 2i+1): llama
	RoPENeoX     RoPELayout = 1 // (i, i + rot/2): GPT-NeoX, Qwen
)

// RoPE rotates x (tokens, heads, headDim) in place; token t sits at position pos0 + t and the
// first rotDims dimensions of each head rotate, pair i by angle position·invFreq[i]
// (invFreq (rotDims/2,) holds base^(−2i/rotDims) with any frequency factors already applied),
// with cosine and sine multiplied by attnFactor.
func (s *Step) RoPE(x, invFreq *Buffer, tokens, heads, headDim, rotDims, pos0 int, layout RoPELayout, attnFactor float32) error {
	if s.err != nil {
		return s.err
	}
	if rotDims <= 0 || rotDims%2 != 0 || rotDims > headDim {
		return s.fail(fmt.Errorf("%w: rope over %d of %d dims", ErrShape, rotDims, headDim))
	}
	if layout != RoPEAdjacent && layout != RoPENeoX {
		return s.fail(fmt.Errorf("%w: rope layout %d", ErrShape, layout))
	}
	if pos0 < 0 {
		return s.fail(fmt.Errorf("%w: rope position %d", ErrShape, pos0))
	}
	if err := need(x, tokens*heads*headDim, "rope x"); err != nil {
		return s.fail(err)
	}
	if err := need(invFreq, rotDims/2, "rope inverse frequencies"); err != nil {
		return s.fail(err)
	}
	p, wg, err := s.plain("rope")
	if err != nil {
		return err
	}
	params := ropeParams{uint32(tokens), uint32(heads), uint32(headDim), uint32(rotDims), uint32(pos0), uint32(layout), attnFactor}
	return s.dispatch1D(p, params, []*Buffer{x, invFreq}, groupsOf(tokens*heads*rotDims/2, wg))
}

// SiLUGate records gate = silu(gate)·up over n elements, in place.
func (s *Step) SiLUGate(gate, up *Buffer, n int) error {
	return s.elementwise("silu_gate", gate, up, n)
}

// GELUGate records gate = gelu(gate)·up over n elements, in place (GELU's tanh approximation).
func (s *Step) GELUGate(gate, up *Buffer, n int) error {
	return s.elementwise("gelu_gate", gate, up, n)
}

// Add records dst += x over n elements, in place.
func (s *Step) Add(dst, x *Buffer, n int) error {
	return s.elementwise("add", dst, x, n)
}

// Scale records x *= factor over n elements, in place.
func (s *Step) Scale(x *Buffer, n int, factor float32) error {
	return s.unary("scale", x, n, scaleParams{uint32(n), factor})
}

// SoftCap records x = cap·tanh(x/cap) over n elements, in place.
func (s *Step) SoftCap(x *Buffer, n int, cap float32) error {
	if !(cap > 0) {
		return s.fail(fmt.Errorf("%w: soft cap %g", ErrShape, cap))
	}
	return s.unary("softcap", x, n, softCapParams{uint32(n), cap})
}

// unary records an in-place kernel x[i] = f(x[i]) over n elements.
func (s *Step) unary(name string, x *Buffer, n int, params any) error {
	if s.err != nil {
		return s.err
	}
	if err := need(x, n, name+" x"); err != nil {
		return s.fail(err)
	}
	p, wg, err := s.plain(name)
	if err != nil {
		return err
	}
	return s.dispatch1D(p, params, []*Buffer{x}, groupsOf(n, wg))
}

// elementwise records an in-place kernel dst[i] = f(dst[i], x[i]).
func (s *Step) elementwise(name string, dst, x *Buffer, n int) error {
	if s.err != nil {
		return s.err
	}
	if err := need(dst, n, name+" destination"); err != nil {
		return s.fail(err)
	}
	if err := need(x, n, name+" input"); err != nil {
		return s.fail(err)
	}
	if dst == x {
		return s.fail(fmt.Errorf("%w: %s reads and writes the same buffer", ErrShape, name))
	}
	p, wg, err := s.plain(name)
	if err != nil {
		return err
	}
	return s.dispatch1D(p, elementwiseParams{uint32(n)}, []*Buffer{dst, x}, groupsOf(n, wg))
}

// AttentionArgs describes one attention call. Q is (Tokens, Heads, HeadDim); K and V are the
// cache (Keys, KVHeads, HeadDim) with key k at position k; query t sits at position Pos0 + t.
type AttentionArgs struct {
	Tokens, Keys, Heads, KVHeads, HeadDim int
	Pos0                                  int
	Causal                                bool
	Window                                int     // sliding window in keys; 0 = none
	Scale                                 float32 // 0 means 1/sqrt(HeadDim)
	SoftCap                               float32 // attention-logit soft cap; 0 = none

	// Bias, when set, is the GUIDE Δ per key (Keys,), added after the scale (SPEC.md §1).
	Bias *Buffer
	// Influence, when set, is I(ℓ−1) per key for InfluenceCols columns (InfluenceCols, Keys);
	// InfluenceOut (InfluenceCols, Tokens) receives Σ_h Σ_k A_h[t,k]·I_c,k / H and
	// InfluenceHeads (InfluenceCols, Tokens, Heads) is scratch (SPEC.md §2).
	Influence, InfluenceOut, InfluenceHeads *Buffer
	// InfluenceCols is the number of Influence columns, 1 … MaxInfluenceCols (0 means 1).
	InfluenceCols int
}

// MaxInfluenceCols is the most Influence columns one Attention call carries (attention.wgsl's
// MAX_COLS).
const MaxInfluenceCols = 4

// Attention records the fused attention kernel (and the head average of the Influence column
// when asked): out (Tokens, Heads, HeadDim).
func (s *Step) Attention(out, q, k, v *Buffer, a AttentionArgs) error {
	if s.err != nil {
		return s.err
	}
	if a.Tokens <= 0 || a.Keys <= 0 || a.Heads <= 0 || a.KVHeads <= 0 || a.HeadDim <= 0 || a.Pos0 < 0 || a.Window < 0 || a.SoftCap < 0 {
		return s.fail(fmt.Errorf("%w: attention %+v", ErrShape, a))
	}
	if a.Heads%a.KVHeads != 0 {
		return s.fail(fmt.Errorf("%w: %d query heads not a multiple of %d kv heads", ErrShape, a.Heads, a.KVHeads))
	}
	if a.Causal && a.Pos0+a.Tokens > a.Keys {
		return s.fail(fmt.Errorf("%w: causal queries up to position %d but only %d keys", ErrShape, a.Pos0+a.Tokens-1, a.Keys))
	}
	p, _, err := s.plain("attention")
	if err != nil {
		return err
	}
	maxDim, err := p.constant("MAX_HEAD_DIM")
	if err != nil {
		return s.fail(err)
	}
	if uint32(a.HeadDim) > maxDim {
		return s.fail(fmt.Errorf("%w: head dim %d exceeds the kernel's %d", ErrShape, a.HeadDim, maxDim))
	}
	useInfl := a.Influence != nil
	cols := max(a.InfluenceCols, 1)
	if cols > MaxInfluenceCols {
		return s.fail(fmt.Errorf("%w: %d influence columns, the kernel carries at most %d", ErrShape, a.InfluenceCols, MaxInfluenceCols))
	}
	checks := []struct {
		b    *Buffer
		n    int
		what string
	}{
		{q, a.Tokens * a.Heads * a.HeadDim, "attention q"},
		{k, a.Keys * a.KVHeads * a.HeadDim, "attention k"},
		{v, a.Keys * a.KVHeads * a.HeadDim, "attention v"},
		{out, a.Tokens * a.Heads * a.HeadDim, "attention out"},
	}
	if a.Bias != nil {
		checks = append(checks, struct {
			b    *Buffer
			n    int
			what string
		}{a.Bias, a.Keys, "attention bias"})
	}
	if useInfl {
		checks = append(checks, []struct {
			b    *Buffer
			n    int
			what string
		}{{a.Influence, cols * a.Keys, "attention influence"}, {a.InfluenceOut, cols * a.Tokens, "attention influence out"},
			{a.InfluenceHeads, cols * a.Tokens * a.Heads, "attention influence heads"}}...)
	}
	for _, c := range checks {
		if err := need(c.b, c.n, c.what); err != nil {
			return s.fail(err)
		}
	}
	scale := a.Scale
	if scale == 0 {
		scale = float32(1 / math.Sqrt(float64(a.HeadDim)))
	}
	bias, infl, heads := a.Bias, a.Influence, a.InfluenceHeads
	if err := s.d.ensureDummies(); err != nil {
		return s.fail(err)
	}
	if bias == nil {
		bias = s.d.dummyRead
	}
	if infl == nil {
		infl = s.d.dummyRead
	}
	if heads == nil {
		heads = s.d.dummyWrite
	}
	params := attentionParams{
		Tokens: uint32(a.Tokens), Keys: uint32(a.Keys), Heads: uint32(a.Heads), KVHeads: uint32(a.KVHeads),
		HeadDim: uint32(a.HeadDim), Pos0: uint32(a.Pos0), Window: uint32(a.Window),
		Causal: b2u(a.Causal), UseBias: b2u(a.Bias != nil), UseInfluence: b2u(useInfl), Scale: scale,
		InfluenceCols: uint32(cols), Softcap: a.SoftCap,
	}
	if err := s.dispatch1D(p, params, []*Buffer{q, k, v, bias, infl, out, heads}, uint32(a.Tokens*a.Heads)); err != nil {
		return err
	}
	if !useInfl {
		return nil
	}
	hm, hwg, err := s.plain("head_mean")
	if err != nil {
		return err
	}
	// (cols, Tokens, Heads) is (cols·Tokens, Heads): one head mean per column and token.
	rows := cols * a.Tokens
	return s.dispatch1D(hm, headMeanParams{uint32(rows), uint32(a.Heads)}, []*Buffer{a.InfluenceHeads, a.InfluenceOut}, groupsOf(rows, hwg))
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// ensureDummies allocates the placeholder buffers bound where an optional input is absent
// (separate read and write ones: one buffer may not be bound both ways in a dispatch).
func (d *Device) ensureDummies() error {
	d.mu.Lock()
	ready := d.dummyRead != nil
	d.mu.Unlock()
	if ready {
		return nil
	}
	r, err := d.NewBuffer(16, "unused input")
	if err != nil {
		return err
	}
	w, err := d.NewBuffer(16, "unused output")
	if err != nil {
		r.Release()
		return err
	}
	d.mu.Lock()
	d.dummyRead, d.dummyWrite = r, w
	d.mu.Unlock()
	return nil
}

// L1Norm records out[r] = Σ_c |x[r, c]| for x (rows, cols): the per-token norms Influence
// weighs by.
func (s *Step) L1Norm(out, x *Buffer, rows, cols int) error {
	if s.err != nil {
		return s.err
	}
	if err := need(x, rows*cols, "l1norm x"); err != nil {
		return s.fail(err)
	}
	if err := need(out, rows, "l1norm out"); err != nil {
		return s.fail(err)
	}
	p, _, err := s.plain("l1norm")
	if err != nil {
		return err
	}
	return s.dispatch1D(p, l1NormParams{uint32(rows), uint32(cols)}, []*Buffer{x, out}, uint32(rows))
}

// InfluenceUpdate records one layer of the Influence recursion for tokens at positions
// pos0 … pos0+tokens−1: next[k] = (xNorm[i]·prev[k] + oNorm[i]·mixed[k]) / (xNorm[i] + oNorm[i])
// with k = pos0 + i, or the ½/½ mean when rollout is set (Attention Rollout). mixed is Ā·prev
// from Attention's InfluenceOut; xNorm and oNorm (tokens,) come from L1Norm.
func (s *Step) InfluenceUpdate(next, prev, mixed, xNorm, oNorm *Buffer, pos0, tokens int, rollout bool) error {
	if s.err != nil {
		return s.err
	}
	if pos0 < 0 || tokens < 0 {
		return s.fail(fmt.Errorf("%w: influence over %d tokens at %d", ErrShape, tokens, pos0))
	}
	for _, c := range []struct {
		b    *Buffer
		n    int
		what string
	}{{prev, pos0 + tokens, "influence prev"}, {mixed, pos0 + tokens, "influence mixed"}, {xNorm, tokens, "influence x norm"},
		{oNorm, tokens, "influence o norm"}, {next, pos0 + tokens, "influence next"}} {
		if err := need(c.b, c.n, c.what); err != nil {
			return s.fail(err)
		}
	}
	if next == prev || next == mixed || next == xNorm || next == oNorm {
		return s.fail(fmt.Errorf("%w: influence output aliases an input", ErrShape))
	}
	p, wg, err := s.plain("influence_update")
	if err != nil {
		return err
	}
	params := influenceUpdateParams{uint32(tokens), uint32(pos0), b2u(rollout)}
	return s.dispatch1D(p, params, []*Buffer{prev, mixed, xNorm, oNorm, next}, groupsOf(tokens, wg))
}

// AddBias records dst[r, c] += bias[c] for rows of dst (rows, cols).
func (s *Step) AddBias(dst, bias *Buffer, rows, cols int) error {
	if s.err != nil {
		return s.err
	}
	if err := need(dst, rows*cols, "add_bias destination"); err != nil {
		return s.fail(err)
	}
	if err := need(bias, cols, "add_bias bias"); err != nil {
		return s.fail(err)
	}
	if dst == bias {
		return s.fail(fmt.Errorf("%w: add_bias reads and writes the same buffer", ErrShape))
	}
	p, wg, err := s.plain("add_bias")
	if err != nil {
		return err
	}
	return s.dispatch1D(p, addBiasParams{uint32(rows), uint32(cols)}, []*Buffer{dst, bias}, groupsOf(rows*cols, wg))
}
