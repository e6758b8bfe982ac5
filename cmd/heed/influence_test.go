package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"heed/internal/defaultmodel"
)

const influencePrompt = "Once upon a time, there was a <?->girl<-?> named Lily. She had a <!!->cat<-!!> and a ball."

func TestInfluenceJSON(t *testing.T) {
	code, out, errOut := heed(t, "influence", defaultmodel.ForTest(t), influencePrompt, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r influenceJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Spans) != 2 || !r.Spans[0].Measure || r.Spans[1].Delta != 1 || r.ScalarRule == "" {
		t.Fatalf("spans %+v", r.Spans)
	}
	for _, s := range r.Spans {
		if len(s.Layers) != 5 {
			t.Fatalf("%d layers, want 5", len(s.Layers))
		}
		for _, l := range s.Layers {
			if len(l.Influence) != len(r.Tokens) || len(l.Rollout) != len(r.Tokens) {
				t.Fatalf("layer %d: %d values for %d tokens", l.Layer, len(l.Influence), len(r.Tokens))
			}
			for k := s.First; k < s.Last; k++ {
				if l.Influence[k] <= 0 {
					t.Fatalf("span %q layer %d: Influence %v on its own token %d", s.Text, l.Layer, l.Influence[k], k)
				}
			}
		}
	}
}

func TestInfluenceTableAndCSV(t *testing.T) {
	model := defaultmodel.ForTest(t)
	code, out, errOut := heed(t, "influence", model, influencePrompt)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`span 0 "girl"`, "measured, unbiased", `span 1 "cat"`, "Δ 1", "I4", "R4", "scalar"} {
		if !strings.Contains(out, want) {
			t.Fatalf("table lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = heed(t, "influence", model, influencePrompt, "--csv", "--reference-compatible")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "span" || len(rows) < 2*5*10 {
		t.Fatalf("%d CSV rows, header %v", len(rows), rows[0])
	}
}

func TestInfluenceNeedsASpan(t *testing.T) {
	model := defaultmodel.ForTest(t)
	if code, _, _ := heed(t, "influence", model, "no highlight here"); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if code, _, _ := heed(t, "influence", model, influencePrompt, "--json", "--csv"); code != 2 {
		t.Fatalf("--json --csv: exit %d, want 2", code)
	}
}

func TestInfluenceFollowsGeneratedTokens(t *testing.T) {
	code, out, errOut := heed(t, "influence", defaultmodel.ForTest(t), influencePrompt, "--json", "--follow", "6")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r influenceJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	generated := 0
	for _, tk := range r.Tokens {
		if tk.Start < 0 {
			generated++
		}
	}
	// Six tokens generated; the last one is never fed back, so five are measured.
	if generated != 5 {
		t.Fatalf("%d generated tokens measured, want 5", generated)
	}
	for _, s := range r.Spans {
		for _, l := range s.Layers {
			if len(l.Influence) != len(r.Tokens) {
				t.Fatalf("layer %d: %d values for %d tokens", l.Layer, len(l.Influence), len(r.Tokens))
			}
		}
	}
}
