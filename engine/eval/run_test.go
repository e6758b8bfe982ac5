package eval

import (
	"context"
	"errors"
	"heed/internal/testmodel"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"heed/engine/ggml"
	"heed/engine/model"
	"heed/engine/sample"
	"heed/engine/tokenizer"
	"heed/internal/defaultmodel"
)

// loaded is a model ready for Run.
type loaded struct {
	m   *model.Model
	tok *tokenizer.Tokenizer
}

func load(t *testing.T, path string) loaded {
	t.Helper()
	l := testmodel.Load(t, path, nil)
	return loaded{l.Model, l.Tok}
}

// tinySynth writes a two-layer synthetic model (random weights, SentencePiece
// vocabulary with byte fallback, so every corpus text encodes).
func tinySynth(t *testing.T) string {
	t.Helper()
	return testmodel.WriteSynth(t, "arch=llama,layers=2,dim=32,heads=4,kv=2,ffn=64", ggml.F32, 7)
}

func (l loaded) counter(s string) (int, error) {
	enc, err := l.tok.Encode(s, false, false)
	return len(enc.IDs), err
}

// smallSettings keeps every task to a handful of short prompts.
var smallSettings = map[string]Settings{
	"mention": {Examples: 2},
	"json":    {Examples: 2},
	"french":  {Examples: 1, Bins: []int{48}},
	"needle":  {Examples: 1, Bins: []int{64}, Depths: []float64{0, 1}},
}

// TestTasksEndToEnd runs every task on the default model and a synthetic one
// through Run, Summarize, WriteCSV and WritePlots.
func TestTasksEndToEnd(t *testing.T) {
	models := map[string]string{"default": defaultmodel.ForTest(t), "synthetic": tinySynth(t)}
	for name, path := range models {
		l := load(t, path)
		for _, taskName := range Names() {
			t.Run(name+"/"+taskName, func(t *testing.T) {
				task, err := New(taskName, smallSettings[taskName])
				if err != nil {
					t.Fatal(err)
				}
				exs, err := task.Examples(l.counter)
				if err != nil {
					t.Fatal(err)
				}
				opt := Options{Conditions: Conditions([]float32{0, 2}), Samples: 1, MaxTokens: 6,
					Sample: sample.Params{Temperature: 0.8}, Seed: 3}
				store := NewMemoryStore()
				if err := Run(context.Background(), l.m, l.tok, taskName, exs, opt, store); err != nil {
					t.Fatal(err)
				}
				rows := store.Rows()
				if want := len(exs) * len(opt.Conditions); len(rows) != want {
					t.Fatalf("%d rows, want %d", len(rows), want)
				}
				for _, r := range rows {
					if r.PromptTokens == 0 || r.SpanTokens == 0 || r.Generated == 0 ||
						r.Influence < 0 || r.Influence > 1 || r.Rollout < 0 || r.Rollout > 1 {
						t.Fatalf("implausible row %+v", r)
					}
					if r.Success != ex(exs, r.Example).Check(r.Output).Success {
						t.Fatalf("row %s scored differently from its example's check", r.Key())
					}
				}
				// With Δ 2 in force the span's Influence rises over Δ 0 for the same example.
				if rows[1].Influence <= rows[0].Influence {
					t.Fatalf("Influence at Δ 2 %v not above Δ 0 %v", rows[1].Influence, rows[0].Influence)
				}
				s := Summarize(task.Info(), opt.Conditions, rows)
				if len(s.Conditions) != len(opt.Conditions) || s.Rows != len(rows) {
					t.Fatalf("summary %+v", s)
				}
				dir := t.TempDir()
				files, err := WritePlots(dir, s)
				if err != nil || len(files) < 2 {
					t.Fatalf("plots %v: %v", files, err)
				}
				for _, f := range files {
					if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || len(b) < 1000 {
						t.Fatalf("plot %s: %d bytes, %v", f, len(b), err)
					}
				}
			})
		}
	}
}

func ex(exs []Example, id string) Example {
	for _, e := range exs {
		if e.ID == id {
			return e
		}
	}
	return Example{}
}

// TestResume interrupts a run through its context, reruns it on the same
// directory, and expects exactly the rows of an uninterrupted run.
func TestResume(t *testing.T) {
	l := load(t, defaultmodel.ForTest(t))
	task, _ := New("mention", Settings{Examples: 3})
	exs, err := task.Examples(nil)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Conditions: Conditions([]float32{0, 1}), Samples: 2, MaxTokens: 8,
		Sample: sample.Params{Temperature: 0.9}, Seed: 11}
	settings := RunSettings{Task: "mention", Model: "stories260K", MaxTokens: 8, Temperature: 0.9, Seed: 11}

	whole := NewMemoryStore()
	if err := Run(context.Background(), l.m, l.tok, "mention", exs, opt, whole); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	store, err := OpenStore(dir, settings)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopAt := len(whole.Rows()) / 2
	opt.OnRow = func(done, _ int) {
		if done == stopAt {
			cancel()
		}
	}
	if err := Run(ctx, l.m, l.tok, "mention", exs, opt, store); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v", err)
	}
	store.Close()
	// A write cut short by a crash leaves a partial last line; it is dropped.
	f, err := os.OpenFile(filepath.Join(dir, RowsFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"task":"mention","exam`)
	f.Close()

	store, err = OpenStore(dir, settings)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(store.Rows()); got != stopAt {
		t.Fatalf("resumed with %d rows, want %d", got, stopAt)
	}
	var ran int
	opt.OnRow = nil
	counting := opt
	counting.OnRow = func(done, total int) { ran = done }
	if err := Run(context.Background(), l.m, l.tok, "mention", exs, counting, store); err != nil {
		t.Fatal(err)
	}
	store.Close()
	if ran != len(whole.Rows()) {
		t.Fatalf("progress reached %d of %d", ran, len(whole.Rows()))
	}
	store, err = OpenStore(dir, settings)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if !reflect.DeepEqual(byKey(store.Rows()), byKey(whole.Rows())) {
		t.Fatalf("resumed rows differ from an uninterrupted run")
	}

	other := settings
	other.MaxTokens = 9
	if _, err := OpenStore(dir, other); !errors.Is(err, ErrOtherRun) {
		t.Fatalf("changed settings: %v", err)
	}
	other = settings
	other.Backend = "webgpu"
	if s, err := OpenStore(dir, other); err != nil {
		t.Fatalf("a different backend must resume: %v", err)
	} else {
		s.Close()
	}
}

func byKey(rows []Row) map[string]Row {
	m := map[string]Row{}
	for _, r := range rows {
		m[r.Key()] = r
	}
	return m
}

func TestOpenStoreRejectsCorruptRows(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, RowsFile), []byte("{\"example\":\"a\"}\nnot json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(dir, RunSettings{}); err == nil {
		t.Fatal("a corrupt complete line was accepted")
	}
}

func TestSelectKeepsPlannedRows(t *testing.T) {
	exs := []Example{{ID: "a"}, {ID: "b"}}
	conds := Conditions([]float32{1})
	rows := []Row{{Example: "a", Condition: "delta=1"}, {Example: "c", Condition: "delta=1"},
		{Example: "b", Condition: "uppercase", Sample: 1}, {Example: "b", Condition: "important"}}
	got := Select(rows, exs, conds, 1)
	if len(got) != 2 || got[0].Example != "a" || got[1].Condition != "important" {
		t.Fatalf("selected %+v", got)
	}
}
