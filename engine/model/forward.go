package model

import (
	"context"
	"fmt"
)

// Logits selects which logits a step computes.
type Logits int

const (
	LogitsLast Logits = iota // the last token's (generation)
	LogitsAll                // every token's (needs StateOptions.AllLogits)
	LogitsNone               // none (prefill chunks before the last)
)

// Step says what one Forward call does besides extending the KV cache.
type Step struct {
	Guide  bool // add the GUIDE bias set with State.SetBias
	Track  bool // advance Influence and Rollout over these positions
	Logits Logits
}

// Forward runs tokens ids at positions s.Pos().. through the model, appends
// their keys and values to the cache, and leaves the requested logits in s.
func (m *Model) Forward(s *State, ids []int32, st Step) error {
	n := len(ids)
	if n == 0 || n > s.opt.Batch {
		return fmt.Errorf("forward: %d tokens, batch holds 1..%d", n, s.opt.Batch)
	}
	if s.pos+n > s.opt.Context {
		return fmt.Errorf("%w: %d tokens after %d exceed the context of %d", ErrContextFull, n, s.pos, s.opt.Context)
	}
	if st.Logits == LogitsAll && !s.opt.AllLogits {
		return fmt.Errorf("forward: every token's logits asked of a state without AllLogits")
	}
	if st.Track && len(s.infl) == 0 {
		return fmt.Errorf("forward: Influence asked of a state without tracks")
	}
	for _, id := range ids {
		if id < 0 || int(id) >= m.Vocab {
			return fmt.Errorf("forward: token id %d outside the vocabulary of %d", id, m.Vocab)
		}
	}
	m.Exec.Embed(s.x, m.TokenEmbd, ids) // x (n, dim)
	if m.EmbedScale != 1 {
		m.Exec.Scale(s.x, n*m.Dim, m.EmbedScale) // Gemma: x·√dim
	}
	for l := range m.Layers {
		m.attention(s, l, n, st)
		m.ffn(s, l, n)
	}
	m.logits(s, n, st.Logits)
	s.pos += n
	return nil
}

// attention runs layer l's attention block over n tokens and adds it to the residual.
func (m *Model) attention(s *State, l, n int, st Step) {
	e, ly, kvd := m.Exec, &m.Layers[l], m.KVDim()
	e.RMSNorm(s.xb, s.x, ly.AttnNorm, n, m.NormEps) // xb (n, dim)
	q, k := s.q, s.k
	if m.QKNorm {
		q, k = s.qp, s.kp // projected here, normed per head into s.q, s.k below
	}
	e.MatMul(q, ly.AttnQ, s.xb, n)   // q (n, qDim)
	e.MatMul(k, ly.AttnK, s.xb, n)   // k (n, kvDim)
	e.MatMul(s.v, ly.AttnV, s.xb, n) // v (n, kvDim)
	if m.QKVBias {
		e.AddBias(q, ly.AttnQB, n)
		e.AddBias(k, ly.AttnKB, n)
		e.AddBias(s.v, ly.AttnVB, n)
	}
	if m.QKNorm {
		e.RMSNorm(s.q, q, ly.AttnQNorm, n*m.Heads, m.NormEps)   // each head of q
		e.RMSNorm(s.k, k, ly.AttnKNorm, n*m.KVHeads, m.NormEps) // each head of k
	}
	if r := s.ropes[l]; r != nil {
		e.RoPE(s.q, n, m.Heads, s.pos, r)
		e.RoPE(s.k, n, m.KVHeads, s.pos, r)
	}
	e.Copy(s.keys[l], s.pos*kvd, s.k, 0, n*kvd) // cache rows pos..pos+n-1
	e.Copy(s.vals[l], s.pos*kvd, s.v, 0, n*kvd)

	a := &s.attn
	*a = Attention{Out: s.att, Q: s.q, K: s.keys[l], V: s.vals[l], Pos: s.pos, N: n,
		Heads: m.Heads, KVHeads: m.KVHeads, HeadDim: m.HeadDim, Window: m.Spec[l].Window,
		Scale: m.AttnScale, SoftCap: m.AttnSoftCap}
	if st.Guide && s.biasOn && s.biasLayers[l] {
		a.Bias = s.bias
	}
	if st.Track {
		for t := range s.infl {
			s.mix[2*t].In, s.mix[2*t+1].In = s.infl[t][l], s.roll[t][l] // I(l-1)
		}
		a.Mix = s.mix
	}
	e.Attention(a)                                         // att (n, qDim)
	m.project(s, ly.AttnOutput, s.att, ly.AttnPostNorm, n) // xo (n, dim)
	if st.Track {
		m.influence(s, l, n)
	}
	e.Add(s.x, s.xo, n*m.Dim) // residual
}

// project sets xo (n, dim) = in·wᵀ, RMS-normed by post when the architecture has
// post-norms (Gemma): what a block adds to the residual stream.
func (m *Model) project(s *State, w Weight, in Buffer, post Weight, n int) {
	if post == nil {
		m.Exec.MatMul(s.xo, w, in, n)
		return
	}
	m.Exec.MatMul(s.xp, w, in, n)
	m.Exec.RMSNorm(s.xo, s.xp, post, n, m.NormEps)
}

// influence advances I(l) and Rollout(l) over n tokens (SPEC §2):
// I(l)_k = (‖x_k‖₁·I(l-1)_k + ‖o_k‖₁·(Ā·I(l-1))_k) / (‖x_k‖₁ + ‖o_k‖₁), Rollout with ½, ½.
// o_k is what the attention block adds to the residual stream: after the output
// projection and, where the architecture has one, its post-norm.
func (m *Model) influence(s *State, l, n int) {
	e := m.Exec
	e.L1Norm(s.xn, s.xb, n) // ‖x_k(l)‖₁ after the attention RMSNorm
	e.L1Norm(s.on, s.xo, n) // ‖o_k(l)‖₁ after the output projection
	wx := s.xn
	if s.opt.LaggedNorm && l > 0 {
		wx = s.xnPrev
	}
	for t := range s.infl {
		e.Blend(s.infl[t][l+1], s.infl[t][l], s.mixI[t], wx, s.on, s.pos, n)
		e.Blend(s.roll[t][l+1], s.roll[t][l], s.mixR[t], nil, nil, s.pos, n)
	}
	s.xn, s.xnPrev = s.xnPrev, s.xn
}

// ffn runs layer l's gated feed-forward block (SwiGLU, or GeGLU for Gemma) and adds it to the residual.
func (m *Model) ffn(s *State, l, n int) {
	e, ly := m.Exec, &m.Layers[l]
	e.RMSNorm(s.xb, s.x, ly.FFNNorm, n, m.NormEps) // xb (n, dim)
	e.MatMul(s.hb, ly.FFNGate, s.xb, n)            // hb (n, ffn)
	e.MatMul(s.hb2, ly.FFNUp, s.xb, n)             // hb2 (n, ffn)
	if m.GELU {
		e.GELUMul(s.hb, s.hb2, n*m.FFN) // hb = gelu(gate)·up
	} else {
		e.SiLUMul(s.hb, s.hb2, n*m.FFN) // hb = silu(gate)·up
	}
	m.project(s, ly.FFNDown, s.hb, ly.FFNPostNorm, n) // xo (n, dim)
	e.Add(s.x, s.xo, n*m.Dim)                         // residual
}

// logits applies the final norm and the output projection.
func (m *Model) logits(s *State, n int, which Logits) {
	e := m.Exec
	switch which {
	case LogitsAll:
		e.RMSNorm(s.xb, s.x, m.OutputNorm, n, m.NormEps) // xb (n, dim)
		e.MatMul(s.logits, m.Output, s.xb, n)            // logits (n, vocab)
	case LogitsLast:
		e.Copy(s.xo, 0, s.x, (n-1)*m.Dim, m.Dim)          // xo (1, dim): the last token
		e.RMSNorm(s.xb, s.xo, m.OutputNorm, 1, m.NormEps) // xb (1, dim)
		e.MatMul(s.logits, m.Output, s.xb, 1)             // logits (1, vocab)
		n = 1
	default:
		return
	}
	if m.FinalSoftCap > 0 {
		e.SoftCap(s.logits, n*m.Vocab, m.FinalSoftCap) // Gemma 2: cap·tanh(logits/cap)
	}
}

// Prefill runs ids through the model in chunks of the state's batch size,
// checking ctx between chunks; only the last chunk computes the logits st asks for.
func (m *Model) Prefill(ctx context.Context, s *State, ids []int32, st Step) error {
	for len(ids) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(len(ids), s.Batch())
		step := st
		if n < len(ids) && st.Logits == LogitsLast {
			step.Logits = LogitsNone
		}
		if err := m.Forward(s, ids[:n], step); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}
