// Package measure is the one measurement heed's side of the browser benchmark
// makes, natively (the harness's reference row) and in the page (heedwasm):
// prefill a prompt's ids as one batch, then decode greedily, with one untimed
// pass first.
package measure

import (
	"context"
	"slices"
	"time"

	"heed/engine/model"
)

// Result is one measurement.
type Result struct {
	PrefillTPS float64 `json:"prefill_tps"`
	DecodeTPS  float64 `json:"decode_tps"`
	// Tokens are the greedy tokens: the first from the prefill's logits, then
	// one per decode step.
	Tokens []int32 `json:"tokens"`
	// Diverge describes the first token that differs from the reference
	// tokens Run was given, or is nil.
	Diverge *Divergence `json:"diverge,omitempty"`
}

// Divergence is where greedy decoding left the reference tokens: at token
// At, this side picked Token where the reference has Ref, preferring it by
// Gap in log-probability (its own logits' difference): near 0, a near tie
// that another implementation's rounding decides the other way.
type Divergence struct {
	At    int     `json:"at"`
	Token int32   `json:"token"`
	Ref   int32   `json:"ref"`
	Gap   float64 `json:"gap"`
}

// Run prefills prompt and decodes steps greedy tokens (the first comes from
// the prefill's logits, so steps−1 forward passes are timed as decode), never
// picking an id in ban, and compares them with ref (if any) as it goes. An
// untimed pass comes first: WebGPU compiles its pipelines on first use, and
// the first pass over freshly loaded weights is slow on a shared machine (the
// native bench and wllama's page warm up too).
func Run(m *model.Model, prompt []int32, steps int, ban, ref []int32) (Result, error) {
	var r Result
	s, err := m.NewState(model.StateOptions{Context: len(prompt) + steps + 1, Batch: len(prompt)})
	if err != nil {
		return r, err
	}
	st := model.Step{Logits: model.LogitsLast}
	logits := make([]float32, m.Vocab)
	var diverge *Divergence
	next := func(at int) (int32, error) {
		if err := s.Logits(0, logits); err != nil {
			return 0, err
		}
		best := int32(-1)
		for i, v := range logits {
			if (best < 0 || v > logits[best]) && !slices.Contains(ban, int32(i)) {
				best = int32(i)
			}
		}
		if diverge == nil && at < len(ref) && ref[at] != best && ref[at] >= 0 && int(ref[at]) < len(logits) {
			diverge = &Divergence{At: at, Token: best, Ref: ref[at], Gap: float64(logits[best] - logits[ref[at]])}
		}
		return best, nil
	}
	for pass := range 2 {
		// The untimed pass: a short prefill (every matrix is read, WebGPU's
		// batched pipelines compile) and one decode step.
		p, n := prompt, steps
		if pass == 0 {
			p, n = prompt[:min(len(prompt), 8)], min(steps, 2)
		}
		s.Reset()
		diverge = nil
		t0 := time.Now()
		if err := m.Prefill(context.Background(), s, p, st); err != nil {
			return r, err
		}
		tok, err := next(0)
		if err != nil {
			return r, err
		}
		prefill := time.Since(t0)
		toks := []int32{tok}
		t0 = time.Now()
		for len(toks) < n {
			if err := m.Forward(s, []int32{tok}, st); err != nil {
				return r, err
			}
			if tok, err = next(len(toks)); err != nil {
				return r, err
			}
			toks = append(toks, tok)
		}
		r.PrefillTPS = float64(len(p)) / prefill.Seconds()
		r.DecodeTPS = float64(n-1) / time.Since(t0).Seconds()
		r.Tokens, r.Diverge = toks, diverge
	}
	return r, nil
}
