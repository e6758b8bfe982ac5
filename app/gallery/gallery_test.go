package gallery

import (
	"context"
	"strings"
	"testing"

	"heed/engine/eval"
	"heed/engine/prompt"
	"heed/engine/sample"
	"heed/engine/session"
	"heed/internal/defaultmodel"
)

// TestExamplesSteer runs every example as the page runs it (A/B in step on
// the CPU executor) and checks that the effect it was picked for holds: the
// continuation with GUIDE names the noun, the one without does not.
func TestExamplesSteer(t *testing.T) {
	b, err := session.Open(context.Background(), session.CPU, 1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.OpenFile(defaultmodel.ForTest(t), b, nil)
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	defer s.Close()
	for _, ex := range Examples {
		t.Run(ex.ID, func(t *testing.T) {
			if !strings.Contains(ex.Prompt, "<!!!->"+ex.Noun+"<-!!!>") {
				t.Fatalf("prompt %q does not highlight %q", ex.Prompt, ex.Noun)
			}
			p, err := s.BuildPrompt(ex.Prompt, prompt.Options{DeltaMid: ex.DeltaMid})
			if err != nil {
				t.Fatal(err)
			}
			outs, err := s.GenerateSides(context.Background(), p, []session.Side{session.Guided, session.Baseline},
				session.GenOptions{MaxTokens: ex.MaxTokens, Sample: sample.Params{Temperature: ex.Temperature, Seed: ex.Seed}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			guided, base := outs[0].Result.Text, outs[1].Result.Text
			if eval.CountMentions(guided, ex.Noun) == 0 || eval.CountMentions(base, ex.Noun) != 0 {
				t.Errorf("with GUIDE: %q\nwithout: %q\nwant %q named with GUIDE only", guided, base, ex.Noun)
			}
			if ex.Seed != eval.SampleSeed(evalSeed, ex.ID, ex.Sample) {
				t.Errorf("seed %d is not sample %d of %s (eval.SampleSeed gives %d)", ex.Seed, ex.Sample, ex.ID, eval.SampleSeed(evalSeed, ex.ID, ex.Sample))
			}
		})
	}
}

// evalSeed is `heed eval`'s default --seed, the run's base seed.
const evalSeed = 1
