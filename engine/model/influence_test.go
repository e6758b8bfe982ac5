package model_test

import (
	"math"
	"testing"

	"heed/engine/ggml"
	"heed/engine/model"
	"heed/internal/defaultmodel"
)

// runTracked computes Influence and Rollout of each indicator: a prefill of
// the first `prefill` tokens, then one decode step per remaining token.
func runTracked(t *testing.T, m *model.Model, ids []int32, bias []float32, tracks [][]float32, lagged bool, prefill int) (infl, roll [][][]float32) {
	t.Helper()
	s, err := m.NewState(model.StateOptions{Context: len(ids), Batch: prefill, Tracks: len(tracks), LaggedNorm: lagged})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetBias(bias, nil); err != nil {
		t.Fatal(err)
	}
	for i, ind := range tracks {
		if err := s.SetTrack(i, ind); err != nil {
			t.Fatal(err)
		}
	}
	st := model.Step{Guide: true, Track: true, Logits: model.LogitsNone}
	if err := m.Forward(s, ids[:prefill], st); err != nil {
		t.Fatal(err)
	}
	for i := prefill; i < len(ids); i++ {
		if err := m.Forward(s, ids[i:i+1], st); err != nil {
			t.Fatal(err)
		}
	}
	for tr := range tracks {
		var in, ro [][]float32
		for l := range m.Layers {
			a, b := make([]float32, len(ids)), make([]float32, len(ids))
			if err := s.Influence(tr, l, 0, len(ids), a); err != nil {
				t.Fatal(err)
			}
			if err := s.Rollout(tr, l, 0, len(ids), b); err != nil {
				t.Fatal(err)
			}
			in, ro = append(in, a), append(ro, b)
		}
		infl, roll = append(infl, in), append(roll, ro)
	}
	return infl, roll
}

// TestInfluenceMatchesNaive checks the O(T) in-pass Influence and Rollout
// against the reference's explicit T×T head-averaged attention matrices, with
// and without GUIDE, with the same-layer and the lagged norm, batched and
// followed token by token.
func TestInfluenceMatchesNaive(t *testing.T) {
	f, m := open(t, defaultmodel.ForTest(t), 2)
	ref := loadReference(t, f)
	T := len(storyTokens)
	span := make([]float32, T) // "a little girl"
	other := make([]float32, T)
	for k := 7; k < 10; k++ {
		span[k] = 1
	}
	other[2], other[3] = 1, 1
	bias := make([]float32, T)
	for k := 7; k < 10; k++ {
		bias[k] = 2
	}
	tracks := [][]float32{span, other}
	for _, tc := range []struct {
		name    string
		bias    []float32
		lagged  bool
		prefill int
	}{
		{"unbiased", nil, false, T},
		{"guided", bias, false, T},
		{"lagged norm", bias, true, T},
		{"followed through decode", bias, false, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			infl, roll := runTracked(t, m, storyTokens, tc.bias, tracks, tc.lagged, tc.prefill)
			want := ref.run(storyTokens, tc.bias, tracks, tc.lagged)
			// Influence values lie in [0, 1]; the in-pass version differs from the
			// float64 reference only by f32 rounding of attention weights and norms
			// through five layers, well under 1e-5.
			const tol = 1e-5
			for tr := range tracks {
				for l := range m.Layers {
					for k := range T {
						for _, c := range []struct {
							what string
							got  float32
							want float64
						}{{"influence", infl[tr][l][k], want.infl[tr][l][k]}, {"rollout", roll[tr][l][k], want.roll[tr][l][k]}} {
							if math.Abs(float64(c.got)-c.want) > tol || c.got < 0 || c.got > 1 {
								t.Fatalf("track %d layer %d token %d: %s %v, naive %v", tr, l, k, c.what, c.got, c.want)
							}
						}
					}
				}
			}
		})
	}
}

// TestInfluenceInEveryArchitecture checks GUIDE and Influence where the architectures
// differ (SPEC §1, §2): Δ after Gemma's scale and soft cap and only inside a layer's
// window, ‖o_k‖₁ after Gemma's post-norm, per-layer RoPE. Every synth architecture (F32),
// prefilled and followed token by token, against the naive reference.
func TestInfluenceInEveryArchitecture(t *testing.T) {
	ids := []int32{1, 300, 17, 99, 99, 4, 250, 511, 8, 42, 3, 77}
	T := len(ids)
	span, bias := make([]float32, T), make([]float32, T)
	for k := 2; k < 5; k++ {
		span[k], bias[k] = 1, 2
	}
	for _, spec := range synthShapes[5:] {
		t.Run(spec, func(t *testing.T) {
			f, m := open(t, writeSynth(t, spec, ggml.F32), 2)
			want := loadReference(t, f).run(ids, bias, [][]float32{span}, false)
			for _, prefill := range []int{T, 5} {
				infl, roll := runTracked(t, m, ids, bias, [][]float32{span}, false, prefill)
				// As TestInfluenceMatchesNaive: values in [0, 1], f32 against float64.
				for l := range m.Layers {
					for k := range T {
						if d := math.Abs(float64(infl[0][l][k]) - want.infl[0][l][k]); d > 1e-5 {
							t.Fatalf("prefill %d, layer %d token %d: influence %v, naive %v", prefill, l, k, infl[0][l][k], want.infl[0][l][k])
						}
						if d := math.Abs(float64(roll[0][l][k]) - want.roll[0][l][k]); d > 1e-5 {
							t.Fatalf("prefill %d, layer %d token %d: rollout %v, naive %v", prefill, l, k, roll[0][l][k], want.roll[0][l][k])
						}
					}
				}
			}
		})
	}
}
