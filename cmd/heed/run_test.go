package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"heed/internal/defaultmodel"
)

// heed runs the command line and returns its exit status and outputs.
func heed(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runMain(context.Background(), args, &env{stdout: &out, stderr: &errOut})
	return code, out.String(), errOut.String()
}

func TestRunJSON(t *testing.T) {
	model := defaultmodel.ForTest(t)
	code, out, errOut := heed(t, "run", model, "Once upon a time, there was a girl named Lily. She had a <!!!->cat<-!!!> and a big red ball. One day,",
		"--max-tokens", "20", "--json", "--threads", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r runJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(r.PromptIDs) < 20 || len(r.Generated) != 20 || r.Text == "" || r.Stop != "length" || r.Mode != "always" {
		t.Fatalf("unexpected output %+v", r)
	}
	if len(r.Spans) != 1 || r.Spans[0].Text != "cat" || r.Spans[0].Delta != 2 || r.Spans[0].Last <= r.Spans[0].First {
		t.Fatalf("spans %+v", r.Spans)
	}
	if r.Timings.PromptTokens != len(r.PromptIDs) || r.Timings.GeneratedTokens != 20 || r.Timings.DecodePerSecond <= 0 {
		t.Fatalf("timings %+v", r.Timings)
	}
}

func TestRunStreamsText(t *testing.T) {
	code, out, errOut := heed(t, "run", defaultmodel.ForTest(t), "Once upon a time", "--max-tokens", "30", "--stop", "Lily")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out != ", there was a little girl named \n" {
		t.Fatalf("stdout %q", out)
	}
	if !strings.Contains(errOut, "tok/s") || !strings.Contains(errOut, "stop: stop") {
		t.Fatalf("stderr %q", errOut)
	}
}

func TestRunGuideChangesOutput(t *testing.T) {
	model := defaultmodel.ForTest(t)
	text := "Once upon a time, there was a girl named Lily. She had a cat and a big red ball. One day,"
	start := strings.Index(text, "cat")
	span := func(delta string) string { return strings.Join([]string{itoa(start), itoa(start + 3), delta}, ":") }
	_, plain, _ := heed(t, "run", model, text, "--max-tokens", "40", "--span", span("0"))
	_, guided, _ := heed(t, "run", model, text, "--max-tokens", "40", "--span", span("2"))
	_, layered, _ := heed(t, "run", model, text, "--max-tokens", "40", "--span", span("2"), "--layers", "0-1", "--mode", "prefill-only")
	if plain == guided || guided == layered {
		t.Fatalf("GUIDE options changed nothing:\nΔ0: %q\nΔ2: %q\nΔ2 layers 0-1 prefill-only: %q", plain, guided, layered)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestRunUsageErrors(t *testing.T) {
	model := defaultmodel.ForTest(t)
	for _, args := range [][]string{
		{"run", model, "x", "--mode", "sometimes"},
		{"run", model, "x", "--layers", "7"},
		{"run", model, "x", "--layers", "3-1"},
		{"run", model, "x", "--top-p", "2"},
		{"run", model, "x", "--max-tokens", "0"},
		{"run", model},
	} {
		if code, _, errOut := heed(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
	if code, _, _ := heed(t, "run", "missing.gguf", "x"); code != 1 {
		t.Errorf("missing model: exit %d, want 1", code)
	}
}

func TestLayerList(t *testing.T) {
	for in, want := range map[string][]int{"3": {3}, "0-2,5": {0, 1, 2, 5}, " 1 , 4-4": {1, 4}} {
		var l layerList
		if err := l.Set(in); err != nil || !slices.Equal(l, want) {
			t.Errorf("%q: got %v, %v; want %v", in, l, err, want)
		}
	}
	for _, in := range []string{"", "a", "-1", "3-1", "1-", "2,,3", "0-99999999"} {
		var l layerList
		if err := l.Set(in); err == nil {
			t.Errorf("%q accepted as %v", in, l)
		}
	}
}

func FuzzLayerList(f *testing.F) {
	for _, s := range []string{"0", "0-3,7", "5-2", "x", "1-1000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var l layerList
		if err := l.Set(s); err != nil {
			return
		}
		for _, v := range l {
			if v < 0 || v >= maxLayers {
				t.Fatalf("%q gave layer %d", s, v)
			}
		}
	})
}
