package session

import (
	"context"
	"errors"
	"slices"
	"testing"

	"heed/engine/generate"
	"heed/engine/sample"
	"heed/internal/defaultmodel"
)

// TestGenerateSidesInStep pins that A/B in step streams the two sides'
// tokens alternately and gives each side exactly what Generate gives it
// alone, greedy and sampled: taking turns changes nothing but the order.
func TestGenerateSidesInStep(t *testing.T) {
	s, err := loadBytes(t, defaultModel(t), defaultmodel.Name)
	if err != nil {
		t.Fatal(err)
	}
	p := mustPrompt(t, s, samplePrompt)
	for _, sp := range []sample.Params{{}, {Temperature: 0.8, TopK: 40, Seed: 7}} {
		opt := GenOptions{MaxTokens: 12, Sample: sp}
		var order []Side
		streamed := map[Side][]int32{}
		outs, err := s.GenerateSides(context.Background(), p, []Side{Guided, Baseline}, opt, func(side Side, tk generate.Token, _ Live) error {
			order = append(order, side)
			if tk.ID >= 0 {
				streamed[side] = append(streamed[side], tk.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, side := range []Side{Guided, Baseline} {
			alone, err := s.Generate(context.Background(), p, side, opt, nil)
			if err != nil {
				t.Fatal(err)
			}
			if outs[i].Side != side || !slices.Equal(outs[i].Result.IDs, alone.IDs) || !slices.Equal(streamed[side], alone.IDs) {
				t.Errorf("%v (temperature %g): in step %v (streamed %v), alone %v", side, sp.Temperature, outs[i].Result.IDs, streamed[side], alone.IDs)
			}
		}
		// Both sides run to the 12-token limit, so the turns alternate from the start.
		for k := 0; k+1 < 2*opt.MaxTokens && k+1 < len(order); k += 2 {
			if order[k] != Guided || order[k+1] != Baseline {
				t.Fatalf("turns %v: want GUIDE and baseline alternating", order)
			}
		}
		if slices.Equal(outs[0].Result.IDs, outs[1].Result.IDs) {
			t.Errorf("GUIDE did not change the continuation (temperature %g)", sp.Temperature)
		}
	}
}

// TestGenerateSidesFollowsInfluence pins that a followed side's tracks are
// those `heed influence --follow` computes (Session.Follow): the same greedy
// generation with the same bias, over the prompt and the generated tokens.
func TestGenerateSidesFollowsInfluence(t *testing.T) {
	s, err := loadBytes(t, defaultModel(t), defaultmodel.Name)
	if err != nil {
		t.Fatal(err)
	}
	p := mustPrompt(t, s, "Lily had a <!!->cat<-!!> and a <?->ball<-?>. One day,")
	outs, err := s.GenerateSides(context.Background(), p, []Side{Guided}, GenOptions{MaxTokens: 8, Follow: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids, want, err := s.Follow(context.Background(), p, 8, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	got := outs[0].Tracks
	if len(got) != 2 || len(got) != len(want) {
		t.Fatalf("%d tracks, want %d", len(got), len(want))
	}
	for i := range want {
		for l := range want[i].Influence {
			if len(got[i].Influence[l]) != len(ids) || !slices.Equal(got[i].Influence[l], want[i].Influence[l]) ||
				!slices.Equal(got[i].Rollout[l], want[i].Rollout[l]) || got[i].Scalar[l] != want[i].Scalar[l] {
				t.Errorf("span %d layer %d: followed Influence differs from Session.Follow", i, l)
			}
		}
	}
	if n := len(got[0].Influence[0]); n <= len(p.IDs) {
		t.Errorf("followed over %d positions, the prompt has %d: the generated tokens are missing", n, len(p.IDs))
	}
}

// TestGenerateSidesStopsBothOnCancel pins that cancelling ends both sides,
// each with what it had generated, and reports the context's error.
func TestGenerateSidesStopsBothOnCancel(t *testing.T) {
	s, err := loadBytes(t, defaultModel(t), defaultmodel.Name)
	if err != nil {
		t.Fatal(err)
	}
	p := mustPrompt(t, s, samplePrompt)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	outs, err := s.GenerateSides(ctx, p, []Side{Guided, Baseline}, GenOptions{MaxTokens: 400}, func(Side, generate.Token, Live) error {
		if n++; n == 6 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	for _, o := range outs {
		if o.Result == nil || len(o.Result.IDs) == 0 || len(o.Result.IDs) > 5 {
			t.Errorf("%v after cancel: %+v", o.Side, o.Result)
		}
	}
}
