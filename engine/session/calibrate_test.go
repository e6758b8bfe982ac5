package session

import (
	"context"
	"errors"
	"heed/internal/testmodel"
	"testing"

	"heed/engine/calibrate"
	"heed/engine/guide"
	"heed/engine/model"
	"heed/engine/prompt"
	"heed/engine/tokenizer"
	"heed/internal/defaultmodel"
)

// nativeModel loads the default model from disk the way cmd/heed does.
func nativeModel(t *testing.T) (*model.Model, *tokenizer.Tokenizer) {
	t.Helper()
	l := testmodel.Stories(t)
	return l.Model, l.Tok
}

func TestSweepMatchesInfluenceAtEachDelta(t *testing.T) {
	s, err := loadBytes(t, defaultModel(t), defaultmodel.Name)
	if err != nil {
		t.Fatal(err)
	}
	p := mustPrompt(t, s, "Lily had a <!!->cat<-!!> and a <?->ball<-?>. One day,")
	deltas := []float32{-2, 0, 1, 3}
	var seen []int
	got, err := s.Sweep(context.Background(), p, 0, deltas, func(i int, v float32) { seen = append(seen, i) })
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(deltas) {
		t.Errorf("onPoint called for %v, want every point", seen)
	}
	// At the span's own Δ (1) the sweep is the Influence view's last-layer scalar.
	tracks, err := s.Influence(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if last := tracks[0].Scalar[len(tracks[0].Scalar)-1]; got[2] != last {
		t.Errorf("sweep at Δ 1 = %v, Influence view's scalar %v", got[2], last)
	}
	for i := 1; i < len(got); i++ {
		if !(got[i] > got[i-1]) {
			t.Errorf("Influence not rising with Δ: %v at %v", got, deltas)
		}
	}
}

func TestSweepRejectsBadInput(t *testing.T) {
	s, err := loadBytes(t, defaultModel(t), defaultmodel.Name)
	if err != nil {
		t.Fatal(err)
	}
	p := mustPrompt(t, s, "Lily had a <!!->cat<-!!>.")
	tests := []struct {
		name   string
		span   int
		deltas []float32
	}{
		{"no such span", 1, []float32{1}},
		{"negative span", -1, []float32{1}},
		{"no Δ", 0, nil},
		{"too many Δ", 0, make([]float32, MaxSweepPoints+1)},
	}
	for _, tt := range tests {
		if _, err := s.Sweep(context.Background(), p, tt.span, tt.deltas, nil); err == nil {
			t.Errorf("%s: Sweep succeeded", tt.name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Sweep(ctx, p, 0, []float32{0, 1}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled sweep: %v, want context.Canceled", err)
	}
}

// TestCalibrateMatchesCLIPath compares Session.Calibrate on the second of two
// highlights with calibrate.Run on the prompt `heed calibrate` builds for that
// highlight alone: the same code on the same inputs gives identical results.
func TestCalibrateMatchesCLIPath(t *testing.T) {
	s, err := loadBytes(t, defaultModel(t), defaultmodel.Name)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Calibrate(context.Background(), mustPrompt(t, s, "Lily had a <!->dog<-!> and a <!!!->cat<-!!!>. One day,"), 1, prompt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, tok := nativeModel(t)
	plain, err := prompt.Build(tok, "Lily had a dog and a <!!->cat<-!!>. One day,", prompt.Options{DeltaMid: 1})
	if err != nil {
		t.Fatal(err)
	}
	upText, upSpan := calibrate.Uppercase(plain.Text, plain.Spans[0].Span)
	upper, err := prompt.Build(tok, upText, prompt.Options{DeltaMid: 1, Spans: []guide.RuneSpan{upSpan}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := calibrate.Run(context.Background(), m, plain, upper, calibrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Calibrate = %+v, want %+v", got, want)
	}
	if _, err := s.Calibrate(context.Background(), mustPrompt(t, s, "no highlight"), 0, prompt.Options{}); err == nil {
		t.Error("Calibrate of a prompt without highlight succeeded")
	}
}
