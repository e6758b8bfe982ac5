package generate_test

import (
	"context"
	"strings"
	"testing"

	"heed/engine/generate"
	"heed/engine/guide"
	"heed/engine/influence"
	"heed/engine/prompt"
)

// guidePrompt is the acceptance prompt: "cat" emphasised at level 3.
const guidePrompt = "Once upon a time, there was a girl named Lily. She had a <!!!->cat<-!!!> and a big red ball. One day,"

// TestGuideSteersStories260K: with Δ on "cat" the greedy story changes, and the
// span's last-layer Influence scalar rises strictly with Δ.
func TestGuideSteersStories260K(t *testing.T) {
	m, tok := stories(t)
	p, err := prompt.Build(tok, guidePrompt, prompt.Options{DeltaMid: prompt.DefaultDeltaMid})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Spans) != 1 || p.Text[p.Spans[0].Start:p.Spans[0].End] != "cat" || p.Spans[0].Delta != 2 {
		t.Fatalf("spans %+v", p.Spans)
	}
	continuation := func(delta float32, mode generate.Mode) string {
		spans := append(p.Spans[:0:0], p.Spans...)
		spans[0].Delta = delta
		bias := guide.BiasVector(len(p.IDs), spans)
		res, err := generate.Run(context.Background(), m, tok, p.IDs, generate.Options{MaxTokens: 60, Bias: bias, Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		return res.Text
	}
	plain := continuation(0, generate.Always)
	guided := continuation(2, generate.Always)
	if plain == guided {
		t.Fatalf("Δ=2 on \"cat\" left the greedy continuation unchanged: %q", plain)
	}
	t.Logf("Δ=0: %q", plain)
	t.Logf("Δ=2: %q", guided)
	// prefill-only biases the same prompt pass, so the first token agrees with
	// always; later tokens attend without the bias.
	prefillOnly := continuation(2, generate.PrefillOnly)
	t.Logf("Δ=2 prefill-only: %q", prefillOnly)
	if first := strings.Fields(guided)[0]; !strings.HasPrefix(strings.TrimSpace(prefillOnly), first) {
		t.Fatalf("prefill-only starts %q, always %q: the prompt pass differs", prefillOnly, guided)
	}

	prev := float32(-1)
	for _, delta := range []float32{0, 0.5, 1, 2, 3, 5} {
		spans := append(p.Spans[:0:0], p.Spans...)
		spans[0].Delta = delta
		tracks, err := influence.Measure(context.Background(), m, p.IDs, spans, influence.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := tracks[0].Scalar[m.NumLayers-1]
		t.Logf("Δ=%g: last-layer Influence scalar %.5f", delta, got)
		if !(got > prev) {
			t.Fatalf("Influence scalar %v at Δ=%g does not exceed %v at the previous Δ", got, delta, prev)
		}
		prev = got
	}
}
