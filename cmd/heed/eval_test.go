package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"heed/internal/defaultmodel"
)

// synthModel writes a small synthetic model with heed synth.
func synthModel(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tiny.gguf")
	if code, _, errOut := heed(t, "synth", "--shape", "arch=llama,layers=2,dim=32,heads=4,kv=2,ffn=64", "--type", "f32", path); code != 0 {
		t.Fatalf("synth: %s", errOut)
	}
	return path
}

func readReport(t *testing.T, out string) evalReport {
	t.Helper()
	var r evalReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	return r
}

func TestEvalMentionResumes(t *testing.T) {
	model := defaultmodel.ForTest(t)
	dir := filepath.Join(t.TempDir(), "out")
	args := []string{"eval", "mention", model, "--examples", "3", "--deltas", "0,2", "--max-tokens", "8",
		"--backend", "cpu", "--threads", "2", "--out", dir, "--json"}
	code, out, errOut := heed(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	first := readReport(t, out)
	// 3 examples × (2 Δ + 2 baselines) × 1 greedy sample.
	if first.Rows != 12 || len(first.Conditions) != 4 || first.Samples != 1 || first.Settings.Temperature != 0 {
		t.Fatalf("report %+v", first)
	}
	if first.Conditions[1].MeanInfluence <= first.Conditions[0].MeanInfluence {
		t.Fatalf("Influence does not rise with Δ: %+v", first.Conditions)
	}
	for _, f := range []string{"results.jsonl", "run.json", "results.csv", "results.json", "success.svg", "value.svg", "influence.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	rows, _ := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	// A second run finds every row done: same report, no new lines.
	code, out, errOut = heed(t, args...)
	if code != 0 {
		t.Fatalf("rerun exit %d: %s", code, errOut)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	if string(again) != string(rows) {
		t.Fatal("the rerun changed results.jsonl")
	}
	if second := readReport(t, out); !jsonEqual(t, first, second) {
		t.Fatalf("reports differ:\n%+v\n%+v", first, second)
	}
	// Other settings on the same directory are refused.
	code, _, errOut = heed(t, append(args, "--max-tokens", "9")...)
	if code != 1 || !strings.Contains(errOut, "another run") {
		t.Fatalf("changed settings: exit %d, %s", code, errOut)
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestEvalTasksOnSyntheticModel runs every task through the command on a
// synthetic model, with a few tiny prompts each.
func TestEvalTasksOnSyntheticModel(t *testing.T) {
	model := synthModel(t)
	tests := []struct {
		task  string
		extra []string
		plots []string
	}{
		{"mention", []string{"--examples", "2"}, []string{"success.svg", "value.svg", "influence.svg"}},
		{"french", []string{"--examples", "1", "--bins", "48,64", "--samples", "2"}, []string{"success.svg", "influence.svg"}},
		{"needle", []string{"--bins", "64", "--depths", "0,0.5,1"}, []string{"success.svg", "influence.svg", "depth.svg"}},
		{"json", []string{"--examples", "2"}, []string{"success.svg", "value.svg", "influence.svg"}},
	}
	for _, tc := range tests {
		t.Run(tc.task, func(t *testing.T) {
			dir := t.TempDir()
			pos := []string{tc.task, model}
			if tc.task == "json" { // the model may come first, as in other commands
				pos = []string{model, tc.task}
			}
			args := append([]string{"eval", pos[0], pos[1], "--deltas", "0,1", "--max-tokens", "4", "--backend", "cpu",
				"--threads", "2", "--out", dir}, tc.extra...)
			code, out, errOut := heed(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, want := range []string{"task " + tc.task, "delta=1", "uppercase", "important", "Influence AUC"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			for _, p := range tc.plots {
				if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestEvalUsageErrors(t *testing.T) {
	model := defaultmodel.ForTest(t)
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no task", []string{"eval"}, "expected TASK"},
		{"unknown task", []string{"eval", "poetry", model}, `unknown task "poetry"`},
		{"depths on mention", []string{"eval", "mention", "--depths", "0.5"}, "--depths is for the needle task"},
		{"bins on json", []string{"eval", "json", "--bins", "64"}, "--bins is for"},
		{"bad bins", []string{"eval", "needle", "--bins", "64,x"}, "--bins"},
		{"greedy samples", []string{"eval", "mention", "--samples", "3"}, "greedy decoding"},
		{"bad delta", []string{"eval", "mention", "--deltas", "0,big"}, "not a number"},
		{"text on needle", []string{"eval", "needle", "--text", "x.txt"}, "--text is for the french task"},
		{"haystack on french", []string{"eval", "french", "--haystack", "x.txt"}, "--haystack is for the needle task"},
		{"bin beyond the context", []string{"eval", "needle", model, "--bins", "4096", "--backend", "cpu", "--out", dir}, "smaller --bins"},
		{"bad backend", []string{"eval", "mention", model, "--backend", "tpu", "--out", dir}, "unknown backend"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := heed(t, tc.args...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q, want 2 and %q", code, errOut, tc.want)
			}
		})
	}
}

func TestEvalOwnHaystack(t *testing.T) {
	model := defaultmodel.ForTest(t)
	hay := filepath.Join(t.TempDir(), "hay.txt")
	if err := os.WriteFile(hay, []byte("The cat sat on the mat. The dog ran in the park. A bird sang in the tree.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := heed(t, "eval", "needle", model, "--haystack", hay, "--bins", "64", "--depths", "0.5",
		"--deltas", "1", "--baselines=false", "--backend", "cpu", "--out", t.TempDir(), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := readReport(t, out)
	if r.Rows != 1 || !strings.HasPrefix(r.Settings.Text, "hay.txt") || len(r.Cells) != 1 || *r.Cells[0].Depth != 0.5 {
		t.Fatalf("report %+v", r)
	}
}
