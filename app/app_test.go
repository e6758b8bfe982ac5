package app

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/gallery"
	"heed/app/tagedit"
	"heed/app/wire"
	"heed/internal/defaultmodel"
	"heed/internal/server/api"
)

// testStudio is a Studio whose UI goroutine is a loop in the test, with the
// engine worker's server in process (engine_other.go).
type testStudio struct {
	*Studio
	ui chan func()
}

func newTestStudio(t *testing.T) *testStudio {
	t.Helper()
	s := newStudio()
	ts := &testStudio{Studio: s, ui: make(chan func(), 4096)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case f := <-ts.ui:
				f()
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	s.ctx = ctx
	s.dispatch = func(f func()) { ts.ui <- f }
	s.async = func(f func()) { go f() }
	s.eng = startEngine(s)
	return ts
}

// do runs f on the UI loop and waits for it.
func (ts *testStudio) do(f func()) {
	done := make(chan struct{})
	ts.ui <- func() { f(); close(done) }
	<-done
}

// until waits for cond, checked on the UI loop.
func (ts *testStudio) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var ok bool
		ts.do(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// loaded is a test studio with the default model loaded on the CPU and the
// sample prompt tokenised.
func loaded(t *testing.T) *testStudio {
	t.Helper()
	b, err := os.ReadFile(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestStudio(t)
	ts.do(func() {
		ts.settings.backend = backendCPU
		ts.loadModel(modelSource{name: defaultmodel.Name, kind: wire.FromFile, file: bytes.NewReader(b)}, nil)
	})
	ts.until(t, "the model and the prompt's tokens", func() bool {
		return ts.models.status == modelLoaded && ts.prompt.built != nil
	})
	return ts
}

// disabled reports whether every button of class in html is disabled.
func disabled(html, class string) bool {
	n := 0
	for _, tag := range regexp.MustCompile(`<button[^>]*>`).FindAllString(html, -1) {
		if !strings.Contains(tag, `class="`+class+`"`) {
			continue
		}
		n++
		if !regexp.MustCompile(`\sdisabled[\s>]`).MatchString(tag) {
			return false
		}
	}
	return n > 0
}

// flag reports whether html sets the boolean attribute name (go-app writes
// true as the bare name on the server).
func flag(html, name string) bool {
	return regexp.MustCompile(`\s` + name + `(="true")?[\s>]`).MatchString(html)
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

// TestFirstPaint pins what the server renders before any wasm runs: the
// sample prompt with its highlight in place, Generate, both columns and the
// Influence placeholder.
func TestFirstPaint(t *testing.T) {
	s := newStudio()
	html := goapp.HTMLString(&PromptView{S: s}) + goapp.HTMLString(&RunView{S: s}) + goapp.HTMLString(&HeatView{S: s})
	checkHTML(t, html, []string{
		`id="heed-rendered"`, `class="heed-hl heed-hl-3"`, `data-delta="2"`, `>cat</mark>`, `data-at="0"`,
		`class="heed-generate heed-primary"`, `data-side="GUIDE"`, `data-side="baseline"`, "Without GUIDE (Δ = 0)",
		"Generate to see how much each highlight shapes every token",
	}, []string{"heed-rendered-error", `id="heed-prompt"`})
}

// TestOneJobAtATime pins the runner: while a generation runs, no other long
// run starts (loading a model included), and the controls say so.
func TestOneJobAtATime(t *testing.T) {
	ts := loaded(t)
	ts.do(func() {
		ts.settings.maxTokens = 400
		if !ts.generate() {
			t.Fatal("Generate did not start")
		}
	})
	ts.until(t, "the first tokens", func() bool { return len(ts.gen.cols[0].tokens) > 0 })
	ts.do(func() {
		if ts.loadModel(ts.models.src, nil) || ts.measure() || ts.startSweep() || ts.startCalibrate(0) || ts.generate() {
			t.Error("a second run started while Generate ran")
		}
		ts.models.list, ts.models.models = listLoaded, []api.Model{{Name: "other.gguf", Size: 10}}
		html := goapp.HTMLString(&RunView{S: ts.Studio}) + goapp.HTMLString(&ModelSheet{S: ts.Studio, Open: true}) +
			goapp.HTMLString(&CalibrateTab{S: ts.Studio}) + goapp.HTMLString(&SweepTab{S: ts.Studio})
		checkHTML(t, html, []string{`class="heed-stop heed-primary"`}, []string{`class="heed-generate`})
		if !flag(html, "data-running") {
			t.Error("the run view does not say it runs")
		}
		for _, class := range []string{"heed-load", "heed-calib-run", "heed-sweep-run heed-primary", "heed-mode"} {
			if !disabled(html, class) {
				t.Errorf("%s not disabled during the run", class)
			}
		}
		ts.stop()
	})
	ts.until(t, "the run to stop", func() bool { return !ts.jobs.busy() })
	ts.do(func() {
		if ts.gen.err != "Stopped." {
			t.Errorf("after Stop: %q", ts.gen.err)
		}
	})
}

// TestGenerateStreamsAndFollowsInfluence runs A/B on the sample prompt: both
// columns fill, GUIDE changes the story, the live figures and timings are
// there, and the heatmap covers the prompt and the generated tokens.
func TestGenerateStreamsAndFollowsInfluence(t *testing.T) {
	ts := loaded(t)
	ts.do(func() {
		if !ts.generate() {
			t.Fatalf("Generate did not start: %q", ts.gen.err)
		}
	})
	ts.until(t, "the run", func() bool { return !ts.jobs.busy() })
	ts.do(func() {
		if ts.gen.result == nil {
			t.Fatalf("no result: %q", ts.gen.err)
		}
	})
	ts.do(func() {
		g := &ts.gen
		text := func(i int) string {
			var b strings.Builder
			for _, tk := range g.cols[i].tokens {
				b.WriteString(tk.Text)
			}
			return b.String()
		}
		if text(0) == text(1) || !strings.Contains(text(0), "cat") {
			t.Errorf("GUIDE %q, baseline %q: want the cat back with GUIDE", text(0), text(1))
		}
		for i, c := range g.cols {
			if !c.done || c.timings.Generated != defaultMaxTokens || c.live.Generated != defaultMaxTokens || !(c.timings.DecodeMS > 0) {
				t.Errorf("column %d: %+v", i, c.timings)
			}
		}
		sh, tr, layer, n, ok := ts.heat.shown()
		if !ok || layer != 4 || n < len(ts.prompt.built.IDs)+defaultMaxTokens-1 || len(sh.tracks) != 1 {
			t.Fatalf("heatmap: ok %v layer %d over %d tokens", ok, layer, n)
		}
		if v := tr.Influence[layer][tr.Span.First]; !(v > 0.5) {
			t.Errorf("the highlight's own Influence is %v", v)
		}
		html := goapp.HTMLString(&RunView{S: ts.Studio}) + goapp.HTMLString(&HeatView{S: ts.Studio})
		checkHTML(t, html, []string{"heed-diff", "tok/s", "first after", `class="heed-tok heed-heat-`, "heed-tok-gen"}, nil)
		if !flag(html, "data-done") || !flag(html, "data-ready") {
			t.Error("columns not done or heatmap not ready")
		}
	})
}

// TestHighlightFromTheRenderedPrompt edits highlights the way the page does:
// words selected in the rendered prompt, a level, then the picked
// highlight's Δ and its removal.
func TestHighlightFromTheRenderedPrompt(t *testing.T) {
	ts := loaded(t)
	ts.do(func() {
		plain := "Once upon a time, there was a girl named Lily. She had a cat and a big red ball. One day,"
		i := strings.Index(plain, "bal") // part of "ball": widened to the word
		ts.prompt.sel = selection{start: i, end: i + 3, ok: true}
		ts.highlight(tagedit.Mid)
		if want := strings.Replace(SamplePrompt, "ball", "<!!->ball<-!!>", 1); ts.prompt.tagged != want {
			t.Errorf("after highlighting: %q", ts.prompt.tagged)
		}
		ts.highlight(tagedit.Mid)
		if ts.prompt.editErr == "" {
			t.Error("highlighting without a selection was not refused")
		}
		ts.prompt.picked = 1
		ts.editHighlight(func(s string) (string, error) { return tagedit.SetDelta(s, 1, -1.5) })
		if !strings.Contains(ts.prompt.tagged, "<!=-1.5->ball<-!=>") {
			t.Errorf("after setting Δ: %q", ts.prompt.tagged)
		}
		ts.editHighlight(func(s string) (string, error) { return tagedit.Remove(s, 0) })
		if strings.Contains(ts.prompt.tagged, "<!!!->") {
			t.Errorf("after removing cat: %q", ts.prompt.tagged)
		}
	})
	ts.until(t, "the new tokens", func() bool { return ts.prompt.built != nil && len(ts.prompt.built.Spans) == 1 })
}

// TestExampleLoadsAndRuns pins the gallery's one click: the example's
// prompt and settings, then a run that brings its noun back.
func TestExampleLoadsAndRuns(t *testing.T) {
	ts := loaded(t)
	ex := gallery.Examples[0]
	ts.do(func() { ts.loadExample(0) })
	ts.until(t, "the example's run", func() bool { return ts.gen.result != nil && !ts.jobs.busy() })
	ts.do(func() {
		if ts.prompt.tagged != ex.Prompt || ts.settings.seed != ex.Seed || ts.settings.tempText != "0.8" || ts.chrome.example != 0 {
			t.Errorf("editor after loading %s: %q seed %d temperature %s", ex.ID, ts.prompt.tagged, ts.settings.seed, ts.settings.tempText)
		}
		if g := ts.gen.result.Sides[0].Text; !strings.Contains(strings.ToLower(g), ex.Noun) {
			t.Errorf("with GUIDE: %q lacks %q", g, ex.Noun)
		}
	})
	// Presentation mode steps to the next example and runs it too.
	ts.do(func() {
		ts.chrome.presenting = true
		if !ts.presentKey("ArrowRight", false) || ts.chrome.example != 1 {
			t.Errorf("→ in presentation mode: example %d", ts.chrome.example)
		}
	})
	ts.until(t, "the next example's run", func() bool {
		return ts.gen.result != nil && !ts.jobs.busy() && ts.prompt.tagged == gallery.Examples[1].Prompt
	})
}

func TestBackendLine(t *testing.T) {
	s := newStudio()
	s.models.status = modelLoaded
	s.models.info = &wire.Loaded{Backend: wire.Backend{Label: "CPU", Chosen: backendAuto, Software: true,
		Why: `GPU "google swiftshader" is a software adapter, slower than the CPU executor`}}
	if l := backendLine(s); !strings.Contains(l, "Running on CPU") || !strings.Contains(l, "pick WebGPU in Settings") {
		t.Errorf("software adapter: %q", l)
	}
	s.models.info.Backend = wire.Backend{Label: "WebGPU (google swiftshader)", Chosen: backendGPU}
	if l := backendLine(s); !strings.Contains(l, "WebGPU (google swiftshader), as chosen in Settings") {
		t.Errorf("chosen WebGPU: %q", l)
	}
}
