package app

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/engine/calibrate"
	"heed/engine/prompt"
)

func TestCalibrationViewShowsResult(t *testing.T) {
	w := loadedWorkbench(t)
	r, err := w.sess.Calibrate(context.Background(), w.built, 0, prompt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.calib.results = map[calibKey]calibrate.Result{w.keyOf(0): r}
	html := goapp.HTMLString(w)
	row := regexp.MustCompile(`<li [^>]*data-span="0"[^>]*>`).FindString(html)
	for name, want := range map[string]string{
		"data-target": exact(r.Target), "data-delta": exact(r.Delta), "data-achieved": exact(r.Achieved),
		"data-plain": exact(r.Plain), "data-iterations": strconv.Itoa(r.Iterations),
	} {
		if got := attr(row, name); got != want {
			t.Errorf("%s = %q, want %q (row %s)", name, got, want, row)
		}
	}
	checkHTML(t, html, []string{"heed-calib-apply", "UPPERCASE Influence", `aria-label="Calibrate cat"`}, []string{"Calibrating…"})

	// Editing the prompt hides the result: it belongs to the old text.
	w.prompt = strings.Replace(w.prompt, "Lily", "Sue", 1)
	w.rebuildPrompt()
	checkHTML(t, goapp.HTMLString(w), []string{"heed-calib-run"}, []string{"heed-calib-apply", "data-target"})
}

// TestApplyCalibrationSetsDeltaMid pins Apply: the highlight gets exactly the
// calibrated Δ through Δmid (tags name levels), and a measure-only highlight
// is left alone with a note.
func TestApplyCalibrationSetsDeltaMid(t *testing.T) {
	tests := []struct {
		name, prompt string
		delta        float32
		wantMid      string
		wantNote     string
	}{
		{"level 2", "A <!!!->cat<-!!!> sat.", 1.375, "0.6875", "level 2 × Δmid"},
		{"level 1", "A <!!->cat<-!!> sat.", 1.375, "1.375", "level 1 × Δmid"},
		{"level ½", "A <!->cat<-!> sat.", -0.75, "-1.5", "level 0.5 × Δmid"},
		{"measure-only", "A <?->cat<-?> sat.", 1.375, "1", "measure-only"},
	}
	for _, tt := range tests {
		w := loadedWorkbench(t)
		w.prompt = tt.prompt
		w.rebuildPrompt()
		w.applyCalibration(0, tt.delta)
		if w.deltaText != tt.wantMid || !strings.Contains(w.calib.note, tt.wantNote) {
			t.Errorf("%s: Δmid %q, note %q; want %s and a note saying %q", tt.name, w.deltaText, w.calib.note, tt.wantMid, tt.wantNote)
		}
		if sp := w.built.Spans[0]; !sp.Measure && sp.Delta != tt.delta {
			t.Errorf("%s: the highlight's Δ is %v after Apply, want %v", tt.name, sp.Delta, tt.delta)
		}
	}
}

// TestCalibrationInsideChatTemplate: with the chat template on, the
// UPPERCASE prompt is wrapped the same way as the plain one, so the two
// differ only in the highlight's case and calibration runs.
func TestCalibrationInsideChatTemplate(t *testing.T) {
	w := chatWorkbench(t)
	w.chat = chatState{use: true, system: "Be brief."}
	w.rebuildPrompt()
	if w.buildErr != "" || w.built.Rendered == w.built.Text {
		t.Fatalf("prompt not templated: %q %s", w.built.Rendered, w.buildErr)
	}
	r, err := w.sess.Calibrate(context.Background(), w.built, 0, w.promptOptions(w.deltaMid))
	if err != nil {
		t.Fatal(err)
	}
	if r.Iterations == 0 || !(r.Target > 0) {
		t.Errorf("calibration result %+v", r)
	}
	w.applyCalibration(0, r.Delta)
	if strings.Contains(w.calib.note, "prompt changed") {
		t.Errorf("apply refused the templated prompt: %s", w.calib.note)
	}
}
