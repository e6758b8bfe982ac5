package session

import (
	"context"
	"fmt"
	"slices"

	"heed/engine/calibrate"
	"heed/engine/guide"
	"heed/engine/influence"
	"heed/engine/prompt"
)

// MaxSweepPoints bounds a Δ sweep: each point is one prompt forward pass.
const MaxSweepPoints = 32

// Sweep measures highlight span of p at each Δ in deltas (the other
// highlights keep their Δ) and returns its last-layer Influence scalar per Δ
// (SPEC §2's last-tokens rule), in the order given. onPoint, when not nil,
// sees each value as it is measured. The model is released between points,
// so other work may interleave; on cancellation it returns the values
// measured so far with the context's error.
func (s *Session) Sweep(ctx context.Context, p *prompt.Prompt, span int, deltas []float32, onPoint func(i int, v float32)) ([]float32, error) {
	if span < 0 || span >= len(p.Spans) {
		return nil, fmt.Errorf("the prompt has no highlight %d (it has %d)", span, len(p.Spans))
	}
	if len(deltas) == 0 || len(deltas) > MaxSweepPoints {
		return nil, fmt.Errorf("a sweep takes 1 to %d values of Δ, not %d", MaxSweepPoints, len(deltas))
	}
	for _, d := range deltas {
		if err := guide.CheckDelta(d); err != nil {
			return nil, fmt.Errorf("sweep: %w", err)
		}
	}
	out := make([]float32, 0, len(deltas))
	for i, d := range deltas {
		v, err := s.spanScalar(ctx, p, span, d)
		if err != nil {
			return out, err
		}
		out = append(out, v)
		if onPoint != nil {
			onPoint(i, v)
		}
	}
	return out, nil
}

// spanScalar is the last-layer Influence scalar of highlight span with Δ
// delta in force (biased even if it was a measure-only highlight).
func (s *Session) spanScalar(ctx context.Context, p *prompt.Prompt, span int, delta float32) (float32, error) {
	spans := slices.Clone(p.Spans)
	spans[span].Delta, spans[span].Measure = delta, false
	s.mu.Lock()
	defer s.mu.Unlock()
	tr, err := influence.Measure(ctx, s.m, p.IDs, spans, influence.Options{})
	if err != nil {
		return 0, err
	}
	sc := tr[span].Scalar
	return sc[len(sc)-1], nil
}

// Calibrate runs calibrate.Run (SPEC §3) for highlight span of p, as
// `heed calibrate` does for a prompt holding only that highlight: the other
// highlights are left out of both the plain and the UPPERCASE prompt, and
// the search covers Δ in [-5, 5]. chat is the chat template and system prompt
// p was built with (its DeltaMid and Spans are not used), so the UPPERCASE
// prompt is wrapped the same way.
func (s *Session) Calibrate(ctx context.Context, p *prompt.Prompt, span int, chat prompt.Options) (calibrate.Result, error) {
	if span < 0 || span >= len(p.Spans) {
		return calibrate.Result{}, fmt.Errorf("the prompt has no highlight %d (it has %d)", span, len(p.Spans))
	}
	plain := *p
	plain.Spans = []guide.TokenSpan{p.Spans[span]}
	upperText, upperSpan := calibrate.Uppercase(p.Text, p.Spans[span].Span)
	upper, err := prompt.Build(s.tok, upperText, prompt.Options{
		DeltaMid: prompt.DefaultDeltaMid, Spans: []guide.RuneSpan{upperSpan}, Chat: chat.Chat, System: chat.System, NoBOS: chat.NoBOS,
	})
	if err != nil {
		return calibrate.Result{}, fmt.Errorf("building the UPPERCASE prompt: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return calibrate.Run(ctx, s.m, &plain, upper, calibrate.Options{})
}
