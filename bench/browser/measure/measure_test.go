package measure

import (
	"slices"
	"testing"

	"heed/engine/ggml"
	"heed/internal/testmodel"
)

const tinyShape = "arch=llama,layers=2,dim=64,heads=4,kv=2,ffn=128,vocab=512"

// TestRunIsGreedyAndReportsDivergence pins what the table's tokens column
// reads: the greedy tokens (steps of them, the same on a second run), banned
// ids never picked, no divergence from the run's own tokens, and, against a
// reference that differs at one step, that step, both tokens and a gap the
// run's logits prefer its own token by (never negative: it is the argmax).
func TestRunIsGreedyAndReportsDivergence(t *testing.T) {
	m := testmodel.Load(t, testmodel.WriteSynth(t, tinyShape, ggml.F32, 3), nil).Model
	prompt := []int32{1, 40, 41, 42, 300, 7}
	r, err := Run(m, prompt, 6, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Tokens) != 6 || r.PrefillTPS <= 0 || r.DecodeTPS <= 0 || r.Diverge != nil {
		t.Fatalf("result %+v", r)
	}
	again, err := Run(m, prompt, 6, nil, r.Tokens)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Tokens, r.Tokens) || again.Diverge != nil {
		t.Fatalf("second run %v (diverge %+v), first %v", again.Tokens, again.Diverge, r.Tokens)
	}
	banned, err := Run(m, prompt, 6, r.Tokens[:1], nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(banned.Tokens, r.Tokens[0]) {
		t.Fatalf("banned token %d picked: %v", r.Tokens[0], banned.Tokens)
	}
	ref := slices.Clone(r.Tokens)
	ref[2] = (ref[2] + 1) % 512
	d, err := Run(m, prompt, 6, nil, ref)
	if err != nil {
		t.Fatal(err)
	}
	if d.Diverge == nil || d.Diverge.At != 2 || d.Diverge.Token != r.Tokens[2] || d.Diverge.Ref != ref[2] || !(d.Diverge.Gap >= 0) {
		t.Fatalf("divergence %+v, want at 2: %d over %d", d.Diverge, r.Tokens[2], ref[2])
	}
}
