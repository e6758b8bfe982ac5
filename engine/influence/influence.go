// Package influence measures how much highlighted prompt tokens still shape
// each position, per layer (Influence, SPEC §2), with Attention Rollout as the
// baseline. The recursion itself runs inside model.Forward; this package sets
// up the highlights, runs the prompt, and reads the per-layer vectors back.
package influence

import (
	"context"
	"fmt"

	"heed/engine/guide"
	"heed/engine/model"
)

// Window is how many trailing prompt tokens the scalar averages: the paper's
// last 10, or the last 5 when the prompt is shorter than ShortPrompt tokens
// (SPEC §2 "last 5 for short prompts"). Prompts under 5 tokens use all of them.
const (
	Window      = 10
	ShortWindow = 5
	ShortPrompt = 20
)

// LastTokens returns the range [from, n) of prompt positions the scalar averages.
func LastTokens(n int) (from, to int) {
	w := Window
	if n < ShortPrompt {
		w = ShortWindow
	}
	return max(0, n-w), n
}

// Scalar is the mean of v over the last tokens of a prompt of len(v) tokens.
func Scalar(v []float32) float32 {
	from, to := LastTokens(len(v))
	if to == from {
		return 0
	}
	var s float64
	for _, x := range v[from:to] {
		s += float64(x)
	}
	return float32(s / float64(to-from))
}

// Options adjust a measurement.
type Options struct {
	// GuideLayers limits the GUIDE bias to these layers (nil: all).
	GuideLayers []int
	// LaggedNorm reproduces the reference's previous-layer ‖x‖₁ (SPEC §2).
	LaggedNorm bool
	// Batch is the prefill chunk size (default 64).
	Batch int
}

// Track is the Influence and Rollout of one highlight over a prompt.
type Track struct {
	Span guide.TokenSpan
	// Influence[l][k] and Rollout[l][k]: layer l, prompt token k.
	Influence, Rollout [][]float32
	// Scalar[l] and RolloutScalar[l]: the last-tokens mean of each layer.
	Scalar, RolloutScalar []float32
}

// Measure runs the prompt once, with the Δ of every emphasised span in force
// (as generation would run it) and Measure spans unbiased, and reports each
// span's Influence and Rollout at every layer.
func Measure(ctx context.Context, m *model.Model, ids []int32, spans []guide.TokenSpan, opt Options) ([]Track, error) {
	if len(spans) == 0 {
		return nil, fmt.Errorf("influence: no highlighted span to measure")
	}
	s, err := m.NewState(model.StateOptions{Context: len(ids), Batch: opt.Batch, Tracks: len(spans), LaggedNorm: opt.LaggedNorm})
	if err != nil {
		return nil, err
	}
	if err := s.SetBias(guide.BiasVector(len(ids), spans), opt.GuideLayers); err != nil {
		return nil, err
	}
	for i, sp := range spans {
		if err := s.SetTrack(i, Indicator(len(ids), sp)); err != nil {
			return nil, err
		}
	}
	if err := m.Prefill(ctx, s, ids, model.Step{Guide: true, Track: true, Logits: model.LogitsNone}); err != nil {
		return nil, err
	}
	tracks := make([]Track, len(spans))
	for i, sp := range spans {
		tr := Track{Span: sp}
		for l := range m.Layers {
			in, ro := make([]float32, len(ids)), make([]float32, len(ids))
			if err := s.Influence(i, l, 0, len(ids), in); err != nil {
				return nil, err
			}
			if err := s.Rollout(i, l, 0, len(ids), ro); err != nil {
				return nil, err
			}
			tr.Influence, tr.Rollout = append(tr.Influence, in), append(tr.Rollout, ro)
			tr.Scalar, tr.RolloutScalar = append(tr.Scalar, Scalar(in)), append(tr.RolloutScalar, Scalar(ro))
		}
		tracks[i] = tr
	}
	return tracks, nil
}

// Indicator is I(-1) of one span over n positions: 1 on its tokens, 0 elsewhere.
func Indicator(n int, sp guide.TokenSpan) []float32 {
	v := make([]float32, n)
	for k := max(sp.First, 0); k < min(sp.Last, n); k++ {
		v[k] = 1
	}
	return v
}
