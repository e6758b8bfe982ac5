package app

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/httprange"
	"heed/app/session"
	"heed/engine/cpu"
	"heed/engine/generate"
	"heed/internal/defaultmodel"
	"heed/internal/server/api"
)

// loadedWorkbench has the default model loaded on the CPU, read from disk.
func loadedWorkbench(t *testing.T) *Workbench {
	t.Helper()
	f, err := os.Open(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.Load(f, fi.Size(), cpu.New(1), defaultmodel.Name, "CPU", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	w := NewWorkbench()
	w.status, w.sess = modelLoaded, s
	w.rebuildPrompt()
	if w.built == nil {
		t.Fatalf("sample prompt did not build: %s", w.buildErr)
	}
	return w
}

func checkHTML(t *testing.T, html string, want, absent []string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(html, s) {
			t.Errorf("missing %q in\n%s", s, html)
		}
	}
	for _, s := range absent {
		if strings.Contains(html, s) {
			t.Errorf("unexpected %q in\n%s", s, html)
		}
	}
}

func TestModelPanelRendersEachState(t *testing.T) {
	models := []api.Model{
		{Name: "stories260K.gguf", Size: 1185376, Architecture: "llama", Quantization: "F32", Default: true},
		{Name: "broken.gguf", Size: 10, Error: "unreadable GGUF header"},
	}
	tests := []struct {
		name         string
		set          func(w *Workbench)
		want, absent []string
	}{
		{"list loading", func(w *Workbench) {}, []string{"Loading the model list", `data-state="none"`}, []string{"<table"}},
		{"list error", func(w *Workbench) { w.list, w.listErr = listError, "model list: server answered 500" },
			[]string{"heed-error", "server answered 500"}, []string{"<table"}},
		{"list empty", func(w *Workbench) { w.list = listLoaded }, []string{"No models yet"}, []string{"<table"}},
		{"list loaded", func(w *Workbench) { w.list, w.models = listLoaded, models }, []string{
			"stories260K.gguf", `class="heed-default"`, "1.13 MiB", "llama", "F32",
			"broken.gguf", "unreadable GGUF header", "10 B", `aria-label="Load stories260K.gguf"`,
		}, []string{"Loading the model list"}},
		{"model loading", func(w *Workbench) {
			w.status, w.loading = modelLoading, "stories260K.gguf"
			w.progress = httprange.Progress{Fetched: 262144, Size: 1185376, Elapsed: 1e9}
		}, []string{`data-state="loading"`, "Loading stories260K.gguf: 256 KiB of 1.13 MiB (256 KiB/s)", "<progress", "Cancel"}, nil},
		{"model error", func(w *Workbench) { w.status, w.loadErr = modelError, "This file is not a GGUF model" },
			[]string{`data-state="error"`, `role="alert"`, "not a GGUF model"}, nil},
		{"banner", func(w *Workbench) { w.banner = "no WebGPU adapter: running on the CPU" },
			[]string{`class="heed-banner"`, "running on the CPU"}, []string{"<details"}},
		{"banner with details", func(w *Workbench) {
			w.banner, w.bannerInfo = "WebGPU failed its self-test: running on the CPU", "webgpu: validation error"
		}, []string{"<details", "<summary>Details</summary>", "webgpu: validation error"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWorkbench()
			tc.set(w)
			checkHTML(t, goapp.HTMLString(w), tc.want, tc.absent)
		})
	}
}

func TestModelCardOfDefaultModel(t *testing.T) {
	w := loadedWorkbench(t)
	w.list, w.models = listLoaded, []api.Model{{Name: defaultmodel.Name, Size: 1185376, Default: true}}
	html := goapp.HTMLString(w)
	checkHTML(t, html, []string{`data-state="loaded"`, `data-backend="CPU"`, "<dd>llama</dd>", "<dd>5</dd>", "<dd>64</dd>",
		"<dd>8 (4 KV)</dd>", "<dd>512</dd>", "F32 ×48", ">Loaded</button>"}, nil)
}

func TestEditorPreview(t *testing.T) {
	w := loadedWorkbench(t)
	html := goapp.HTMLString(w)
	checkHTML(t, html, []string{
		`id="heed-prompt"`, `value="Once upon a time, there was a girl named Lily. She had a <!!!->cat<-!!!> and a big red ball. One day,"`,
		`class="heed-hl heed-hl-3"`, `data-delta="2"`, `title="Δ = 2"`, `>cat</mark>`,
		// stories260K's 512-token vocabulary splits " cat" in two.
		"Δ = 2 · tokens 18–19: ␣c | at",
		"½ × Δmid", "1 × Δmid", "2 × Δmid", "measure only", `aria-keyshortcuts="Alt+Shift+2"`,
	}, []string{"heed-tag-error"})

	w.prompt = "a <!!->cat and\na <-!> dog"
	w.rebuildPrompt()
	checkHTML(t, goapp.HTMLString(w), []string{"heed-tag-error", "Line 2, column 3"}, []string{"heed-hl-2"})

	w.prompt, w.deltaText = SamplePrompt, "x"
	w.rebuildPrompt()
	checkHTML(t, goapp.HTMLString(w), []string{"Δmid must be a number"}, nil)
}

func TestDeltaClass(t *testing.T) {
	tests := []struct {
		d       float32
		measure bool
		want    string
	}{
		{0.5, false, "heed-hl-1"}, {1, false, "heed-hl-2"}, {2, false, "heed-hl-3"}, {5, false, "heed-hl-3"},
		{-1, false, "heed-hl-negative"}, {0, false, "heed-hl-zero"}, {0, true, "heed-hl-measure"},
	}
	for _, tc := range tests {
		if got := deltaClass(tc.d, tc.measure); got != tc.want {
			t.Errorf("deltaClass(%g, %v) = %s, want %s", tc.d, tc.measure, got, tc.want)
		}
	}
}

func TestGenerationMarksDivergence(t *testing.T) {
	w := NewWorkbench()
	toks := func(ids ...int32) []generate.Token {
		out := make([]generate.Token, len(ids))
		for i, id := range ids {
			out[i] = generate.Token{ID: id, Text: fmt.Sprintf("t%d ", id)}
		}
		return out
	}
	tests := []struct {
		name     string
		a, b     []generate.Token
		bDone    bool
		wantDiff int
	}{
		{"identical", toks(1, 2, 3), toks(1, 2, 3), true, 0},
		{"part at 1", toks(1, 2, 3), toks(1, 5, 3), true, 4},
		{"baseline still streaming", toks(1, 2, 3), toks(1), false, 0},
		{"baseline streaming, parted", toks(1, 2, 3), toks(1, 4), false, 2},
		{"baseline ended early", toks(1, 2, 3), toks(1), true, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w.gen.cols = [2]column{{tokens: tc.a, done: true}, {tokens: tc.b, done: tc.bDone}}
			html := goapp.HTMLString(w)
			if got := strings.Count(html, "heed-diff"); got != tc.wantDiff {
				t.Errorf("%d tokens marked, want %d\n%s", got, tc.wantDiff, html)
			}
		})
	}
}

func TestGenerationStats(t *testing.T) {
	w := loadedWorkbench(t)
	s := w.sess
	res, err := s.Generate(context.Background(), w.built, session.Guided, session.GenOptions{MaxTokens: 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.gen.cols[0] = column{done: true, reason: res.Reason, timings: res.Timings}
	checkHTML(t, goapp.HTMLString(w), []string{"5 tokens · first after", "tok/s · stop: length", ">Generate A/B</button>"}, nil)
}

// TestInfluenceViewShowsMeasuredValues renders the Influence of the sample
// prompt and reads the numbers back from the data attributes the browser
// test reads: every heatmap cell and every per-layer scalar round-trips.
func TestInfluenceViewShowsMeasuredValues(t *testing.T) {
	w := loadedWorkbench(t)
	tracks, err := w.sess.Influence(context.Background(), w.built)
	if err != nil {
		t.Fatal(err)
	}
	w.infl.tracks, w.infl.layer = tracks, 2
	for _, id := range w.built.IDs {
		w.infl.pieces = append(w.infl.pieces, w.sess.TokenText(id))
	}
	html := goapp.HTMLString(w)
	cells := regexp.MustCompile(`data-influence="([^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(cells) != len(w.built.IDs) {
		t.Fatalf("%d heatmap cells, want %d", len(cells), len(w.built.IDs))
	}
	for k, c := range cells {
		v, err := strconv.ParseFloat(c[1], 32)
		if err != nil || float32(v) != tracks[0].Influence[2][k] {
			t.Errorf("cell %d = %s, want %v", k, c[1], tracks[0].Influence[2][k])
		}
	}
	scalars := regexp.MustCompile(`data-scalar="([^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(scalars) != 5 {
		t.Fatalf("%d scalars, want 5", len(scalars))
	}
	for l, c := range scalars {
		if c[1] != exact(tracks[0].Scalar[l]) {
			t.Errorf("layer %d scalar %s, want %v", l, c[1], tracks[0].Scalar[l])
		}
	}
	checkHTML(t, html, []string{`data-layer="2"`, "heed-tok-span", "heed-tok-last", "<meter", `selected`}, nil)
}

func TestHeatClass(t *testing.T) {
	tests := []struct {
		v    float32
		want string
	}{
		{0, "heed-heat-0"}, {-1, "heed-heat-0"}, {0.0001, "heed-heat-0"}, {0.01, "heed-heat-1"},
		{0.25, "heed-heat-5"}, {1, "heed-heat-10"}, {3, "heed-heat-10"},
	}
	for _, tc := range tests {
		if got := heatClass(tc.v); got != tc.want {
			t.Errorf("heatClass(%g) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int64]string{999: "999", 260_000: "260K", 135_000_000: "135.0M", 1_700_000_000: "1.7B"} {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestShellHasTitleAndWorkbench(t *testing.T) {
	html := goapp.HTMLString(&Shell{})
	checkHTML(t, html, []string{`<h1 class="heed-title">heed</h1>`, "Loading the model list", "Generate A/B", "Measure Influence",
		"Once upon a time"}, nil)
}
