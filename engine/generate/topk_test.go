package generate_test

import (
	"context"
	"slices"
	"testing"

	"heed/engine/cpu"
	"heed/engine/generate"
	"heed/engine/model"
	"heed/engine/sample"
)

// topKCounter adds the wrapped executor's TopK to readCounter, counting its calls.
type topKCounter struct {
	*readCounter
	topks int
}

func (c *topKCounter) TopK(b model.Buffer, row, n, k int) (model.Candidates, error) {
	c.topks++
	return c.Executor.(model.TopKer).TopK(b, row, n, k)
}

// TestSampledFastPathMatchesFullLogits generates with the same seed through an executor that
// is a model.TopKer and one that is not, and requires the same tokens. With top-k inside the
// candidates nothing but candidates comes back; with top-p or min-p the whole logits come back
// only for the draws the candidates cannot decide, which the test bounds.
func TestSampledFastPathMatchesFullLogits(t *testing.T) {
	const tokens = 60
	prompt := []int32{1, 403, 407, 261, 378}
	for mi, mc := range fastPathModels {
		t.Run(mc.name, func(t *testing.T) {
			f := mc.open(t)
			e := cpu.New(2)
			t.Cleanup(e.Close)
			for _, tc := range []struct {
				name string
				p    sample.Params
				// most full-logits reads allowed of tokens draws, per model of fastPathModels
				fallbacks [2]int
			}{
				{"top-k", sample.Params{Temperature: 0.9, TopK: 40, TopP: 0.95, Seed: 3}, [2]int{0, 0}},
				{"top-k 128", sample.Params{Temperature: 1.5, TopK: 128, Seed: 4}, [2]int{0, 0}},
				// The synthetic model's random weights give flat logits: top-p 0.9 or min-p 0.2
				// of 1000 tokens often reaches past 128 candidates, so only the identity is
				// required there. stories260K's logits are peaked like a trained model's.
				{"top-p", sample.Params{Temperature: 0.8, TopP: 0.9, Seed: 5}, [2]int{0, tokens}},
				{"min-p", sample.Params{Temperature: 1, MinP: 0.2, Seed: 6}, [2]int{0, tokens}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					run := func(exec model.Executor) []int32 {
						t.Helper()
						m, err := model.Load(f, exec)
						if err != nil {
							t.Fatal(err)
						}
						res, err := generate.Run(context.Background(), m, silentVocab{}, prompt, generate.Options{MaxTokens: tokens, Sample: tc.p})
						if err != nil {
							t.Fatal(err)
						}
						return res.IDs
					}
					plain := &readCounter{Executor: e}
					fast := &topKCounter{readCounter: &readCounter{Executor: e}}
					want, got := run(plain), run(fast)
					if !slices.Equal(got, want) {
						t.Fatalf("top-k path %v\nfull logits %v", got, want)
					}
					m, _ := model.Load(f, e)
					fallbacks := fast.floats / m.Vocab
					if fast.topks != tokens || fallbacks > tc.fallbacks[mi] {
						t.Fatalf("%d TopK calls and %d full-logits reads for %d tokens; want %d calls and at most %d reads", fast.topks, fallbacks, tokens, tokens, tc.fallbacks[mi])
					}
					t.Logf("%d of %d draws read the whole logits", fallbacks, tokens)
				})
			}
		})
	}
}
