package app

import (
	"context"
	"strings"
	"testing"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/session"
	"heed/app/sessionfile"
	"heed/engine/generate"
	"heed/internal/defaultmodel"
	"heed/internal/server/api"
)

const (
	shaA = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d"
	shaB = "0000000000000000000000000000000000000000000000000000000000000000"
)

// TestSnapshotRoundTrips exports the page's state after a run and reads it
// back: the prompt, settings, outputs and shown Influence survive the file,
// and the imported view shows them marked as imported.
func TestSnapshotRoundTrips(t *testing.T) {
	w := loadedWorkbench(t)
	w.loading, w.models = defaultmodel.Name, []api.Model{{Name: defaultmodel.Name, SHA256: shaA}}
	w.gen.tempText, w.gen.seed, w.gen.maxTokens = "0.5", 7, 3
	var toks []generate.Token
	if _, err := w.sess.Generate(context.Background(), w.built, session.Guided, session.GenOptions{MaxTokens: 3},
		func(tk generate.Token) error { toks = append(toks, tk); return nil }); err != nil {
		t.Fatal(err)
	}
	w.gen.cols[session.Guided] = column{tokens: toks, done: true}
	tracks, err := w.sess.Influence(context.Background(), w.built)
	if err != nil {
		t.Fatal(err)
	}
	w.infl.tracks, w.infl.layer = tracks, 4
	for _, id := range w.built.IDs {
		w.infl.pieces = append(w.infl.pieces, w.sess.TokenText(id))
	}

	s, err := w.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := sessionfile.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sessionfile.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Prompt != SamplePrompt || got.DeltaMid != 1 || got.Settings != (sessionfile.Settings{MaxTokens: 3, Temperature: 0.5, Seed: 7}) {
		t.Errorf("restored %q, Δmid %v, settings %+v", got.Prompt, got.DeltaMid, got.Settings)
	}
	if got.Model != (sessionfile.Model{Name: defaultmodel.Name, SHA256: shaA}) {
		t.Errorf("model %+v", got.Model)
	}
	if len(got.Outputs) != 1 || got.Outputs[0].Side != sessionfile.SideGuided || len(got.Outputs[0].IDs) != 3 || got.Outputs[0].IDs[2] != toks[2].ID {
		t.Errorf("outputs %+v, want the 3 GUIDE tokens %+v", got.Outputs, toks)
	}
	in := got.Influence
	if in == nil || in.Layer != 4 || len(in.Spans) != len(tracks) || len(in.Spans[0].Values) != len(w.built.IDs) {
		t.Fatalf("influence %+v", in)
	}
	for k, v := range in.Spans[0].Values {
		// Exact: JSON writes float32 values so they parse back unchanged, and
		// Influence stays in [0, 1] (clamping only moves values by one ulp).
		if want := min(max(tracks[0].Influence[4][k], 0), 1); v != want {
			t.Errorf("token %d: saved %v, measured %v", k, v, want)
		}
	}

	w.io.imported, w.io.fileName = got, sessionFileName
	checkHTML(t, goapp.HTMLString(w), []string{"Imported from heed-session.json", "GUIDE (imported)", "Influence (imported)"}, nil)
}

func TestModelMismatch(t *testing.T) {
	tests := []struct {
		name   string
		loaded bool
		cur    string
		saved  sessionfile.Model
		want   string
	}{
		{"same", true, shaA, sessionfile.Model{Name: "a.gguf", SHA256: shaA}, ""},
		{"other file", true, shaA, sessionfile.Model{Name: "b.gguf", SHA256: shaB}, "its results may differ"},
		{"no hash saved", true, shaA, sessionfile.Model{Name: "b.gguf"}, ""},
		{"nothing loaded", false, shaA, sessionfile.Model{Name: "b.gguf", SHA256: shaB}, "no model is loaded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWorkbench()
			w.loading, w.models = "a.gguf", []api.Model{{Name: "a.gguf", SHA256: tt.cur}}
			if tt.loaded {
				w.status = modelLoaded
			}
			got := w.modelMismatch(tt.saved)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("mismatch %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSessionSectionRenders(t *testing.T) {
	w := NewWorkbench()
	w.io.err = "Import failed: sessionfile: unsupported version 9"
	checkHTML(t, goapp.HTMLString(w), []string{"Export heed-session.json", `id="heed-import-file"`, "Copy link", "unsupported version 9"},
		[]string{"heed-imported\""})
}
