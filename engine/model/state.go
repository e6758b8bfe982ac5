package model

import (
	"errors"
	"fmt"
)

// ErrContextFull is returned (wrapped) when a step would pass the state's context length.
var ErrContextFull = errors.New("context length exceeded")

// StateOptions sizes a State.
type StateOptions struct {
	// Context is the number of positions the KV cache holds (default: the
	// model's context length, capped at 4096).
	Context int
	// Batch is the most tokens one Forward call takes (default 64).
	Batch int
	// AllLogits keeps the logits of every token of a step, not just the last.
	AllLogits bool
	// Tracks is how many highlight sets Influence and Rollout follow.
	Tracks int
	// LaggedNorm reproduces the reference implementation's use of the previous
	// layer's ‖x‖₁ in the Influence recursion (SPEC §2, "reference-compatible").
	LaggedNorm bool
}

// State is one sequence's KV cache, activations and GUIDE/Influence vectors.
// Every buffer is allocated here, once; Forward allocates nothing.
type State struct {
	m   *Model
	opt StateOptions
	pos int

	x   Buffer // (batch, dim) residual stream
	xb  Buffer // (batch, dim) normed input of a block
	xo  Buffer // (batch, dim) output of a block before the residual add
	xp  Buffer // (batch, dim) a block's output before its post-norm, or nil (Config.PostNorms)
	q   Buffer // (batch, qDim)
	k   Buffer // (batch, kvDim)
	v   Buffer // (batch, kvDim)
	qp  Buffer // (batch, qDim) q before its per-head norm, or nil (Config.QKNorm)
	kp  Buffer // (batch, kvDim) k before its per-head norm, or nil
	att Buffer // (batch, qDim) attention output before the output projection
	hb  Buffer // (batch, ffn) gate, then act(gate)·up
	hb2 Buffer // (batch, ffn) up

	ropes []*Rope // per layer (nil: no RoPE), chosen for this state's context

	keys, vals []Buffer // per layer (context, kvDim)
	logits     Buffer   // (batch or 1, vocab)

	bias       Buffer // (1, context) GUIDE bias per key position
	biasLayers []bool // layers the bias applies to
	biasOn     bool   // some bias is non-zero (a zero bias is skipped, so Δ = 0 is exact)

	// Influence: infl[s][l+1] is I(l) of track s, infl[s][0] the indicator I(-1);
	// roll the same for Attention Rollout. Each (1, context).
	infl, roll [][]Buffer
	mixI, mixR []Buffer // (1, context) Ā·I(l-1) per track, reused across layers
	xn, xnPrev Buffer   // (1, batch) ‖x_k‖₁ of this layer and the previous one
	on         Buffer   // (1, batch) ‖o_k‖₁
	mix        []Mix    // the Attention.Mix list, built once
	attn       Attention
}

// NewState allocates a state for m on m's executor.
func (m *Model) NewState(opt StateOptions) (*State, error) {
	if opt.Context <= 0 {
		opt.Context = min(m.Context, 4096)
	}
	if opt.Batch <= 0 {
		opt.Batch = 64
	}
	opt.Batch = min(opt.Batch, opt.Context)
	if opt.Tracks < 0 {
		return nil, fmt.Errorf("negative track count %d", opt.Tracks)
	}
	e, b, ctx := m.Exec, opt.Batch, opt.Context
	s := &State{m: m, opt: opt,
		x: e.Buffer(b, m.Dim), xb: e.Buffer(b, m.Dim), xo: e.Buffer(b, m.Dim),
		q: e.Buffer(b, m.QDim()), k: e.Buffer(b, m.KVDim()), v: e.Buffer(b, m.KVDim()),
		att: e.Buffer(b, m.QDim()), hb: e.Buffer(b, m.FFN), hb2: e.Buffer(b, m.FFN),
		bias: e.Buffer(1, ctx), biasLayers: make([]bool, m.NumLayers),
		ropes: m.layerRopes(ctx),
	}
	if m.PostNorms {
		s.xp = e.Buffer(b, m.Dim)
	}
	if m.QKNorm {
		s.qp, s.kp = e.Buffer(b, m.QDim()), e.Buffer(b, m.KVDim())
	}
	if opt.AllLogits {
		s.logits = e.Buffer(b, m.Vocab)
	} else {
		s.logits = e.Buffer(1, m.Vocab)
	}
	for range m.Layers {
		s.keys = append(s.keys, e.Buffer(ctx, m.KVDim()))
		s.vals = append(s.vals, e.Buffer(ctx, m.KVDim()))
	}
	if opt.Tracks > 0 {
		s.xn, s.xnPrev, s.on = e.Buffer(1, b), e.Buffer(1, b), e.Buffer(1, b)
	}
	for range opt.Tracks {
		var in, ro []Buffer
		for range m.NumLayers + 1 {
			in = append(in, e.Buffer(1, ctx))
			ro = append(ro, e.Buffer(1, ctx))
		}
		s.infl, s.roll = append(s.infl, in), append(s.roll, ro)
		mi, mr := e.Buffer(1, ctx), e.Buffer(1, ctx)
		s.mixI, s.mixR = append(s.mixI, mi), append(s.mixR, mr)
		s.mix = append(s.mix, Mix{Out: mi}, Mix{Out: mr})
	}
	return s, nil
}

// Pos is the number of tokens in the KV cache.
func (s *State) Pos() int { return s.pos }

// Context is the number of positions the state holds.
func (s *State) Context() int { return s.opt.Context }

// Batch is the most tokens one Forward call takes.
func (s *State) Batch() int { return s.opt.Batch }

// Reset empties the KV cache and clears the GUIDE bias and Influence indicators.
func (s *State) Reset() {
	s.pos = 0
	s.SetBias(nil, nil)
	for t := range s.infl {
		s.SetTrack(t, nil)
	}
}

// SetBias sets the GUIDE bias over key positions 0..len(bias)-1 (later
// positions get 0) and the layers it applies to (nil: every layer).
func (s *State) SetBias(bias []float32, layers []int) error {
	zero := make([]float32, s.opt.Context)
	n := copy(zero, bias)
	if n < len(bias) {
		return fmt.Errorf("%w: bias over %d positions, context %d", ErrContextFull, len(bias), s.opt.Context)
	}
	s.m.Exec.Write(s.bias, 0, zero)
	s.biasOn = false
	for _, b := range bias {
		s.biasOn = s.biasOn || b != 0
	}
	for i := range s.biasLayers {
		s.biasLayers[i] = layers == nil
	}
	for _, l := range layers {
		if l < 0 || l >= len(s.biasLayers) {
			return fmt.Errorf("bias layer %d out of range [0, %d)", l, len(s.biasLayers))
		}
		s.biasLayers[l] = true
	}
	return nil
}

// SetTrack sets the highlight indicator I(-1) of track t over positions
// 0..len(indicator)-1 (1 inside the highlight, 0 outside; later positions 0).
func (s *State) SetTrack(t int, indicator []float32) error {
	if t < 0 || t >= len(s.infl) {
		return fmt.Errorf("track %d out of range [0, %d)", t, len(s.infl))
	}
	if len(indicator) > s.opt.Context {
		return fmt.Errorf("%w: indicator over %d positions, context %d", ErrContextFull, len(indicator), s.opt.Context)
	}
	v := make([]float32, s.opt.Context)
	copy(v, indicator)
	s.m.Exec.Write(s.infl[t][0], 0, v)
	s.m.Exec.Write(s.roll[t][0], 0, v)
	return nil
}

// Logits reads the logits of row i of the last step (0 unless AllLogits) into dst (vocab,).
func (s *State) Logits(i int, dst []float32) error {
	return s.m.Exec.Read(s.logits, i*s.m.Vocab, dst[:s.m.Vocab])
}

// Influence reads I(layer) of track t at positions [from, to) into dst;
// layer -1 is the indicator.
func (s *State) Influence(t, layer, from, to int, dst []float32) error {
	return s.m.Exec.Read(s.infl[t][layer+1], from, dst[:to-from])
}

// Rollout reads the Attention Rollout of track t, like Influence.
func (s *State) Rollout(t, layer, from, to int, dst []float32) error {
	return s.m.Exec.Read(s.roll[t][layer+1], from, dst[:to-from])
}

// ErrNoArgmax is returned (wrapped) by ArgmaxLogits when the executor is not an Argmaxer.
var ErrNoArgmax = errors.New("executor has no argmax")

// ArgmaxLogits returns the most likely token of row i of the last step's logits (0 unless
// AllLogits): the lowest index among the largest logits, which is the token the sampler's
// greedy path picks from the same logits. Only the index is copied back to the host.
func (s *State) ArgmaxLogits(i int) (int32, error) {
	a, ok := s.m.Exec.(Argmaxer)
	if !ok {
		return 0, fmt.Errorf("%w: %T", ErrNoArgmax, s.m.Exec)
	}
	if rows, _ := s.logits.Shape(); i < 0 || i >= rows {
		return 0, fmt.Errorf("logits row %d out of range [0, %d)", i, rows)
	}
	return a.Argmax(s.logits, i, s.m.Vocab)
}
