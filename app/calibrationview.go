package app

import (
	"fmt"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// CalibrateTab finds, per highlight, the Δ whose Influence matches that of
// the same words in UPPERCASE (SPEC §3), and applies it.
type CalibrateTab struct {
	goapp.Compo
	S   *Studio
	Rev int
}

// Render lists the prompt's highlights, each with a Calibrate
// button and, once calibrated, the target, the Δ found, the Influence it
// achieves and an Apply button.
func (v *CalibrateTab) Render() goapp.UI {
	s := v.S
	st := &s.calib
	n := 0
	if s.prompt.built != nil {
		n = len(s.prompt.built.Spans)
	}
	return goapp.Div().Class("heed-calibrate").DataSet("running", st.running != nil).Body(
		goapp.P().Class("heed-hint").Text("Finds the Δ at which a highlight's last-layer Influence matches that of the same words in UPPERCASE, unbiased (the other highlights are left out)."),
		goapp.If(n == 0, func() goapp.UI {
			return goapp.P().Class("heed-status").Text("Highlight some words to calibrate them.")
		}),
		goapp.Ul().Class("heed-calib-list").Body(goapp.Range(make([]struct{}, n)).Slice(func(i int) goapp.UI {
			return v.renderCalibSpan(i)
		})),
		goapp.If(st.note != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-calib-note").Aria("live", "polite").Text(st.note)
		}),
	)
}

// renderCalibSpan is one highlight's row.
func (v *CalibrateTab) renderCalibSpan(i int) goapp.UI {
	s := v.S
	st := &s.calib
	key := s.keyOf(i)
	text := key.text[key.start:key.end]
	r, done := st.results[key]
	running := st.running != nil && *st.running == key
	row := goapp.Li().Class("heed-calib-span").DataSet("span", i)
	if done {
		row = row.DataSet("target", exact(r.Target)).DataSet("delta", exact(r.Delta)).DataSet("achieved", exact(r.Achieved)).
			DataSet("plain", exact(r.Plain)).DataSet("iterations", r.Iterations).DataSet("clamped", r.Clamped)
	}
	return row.Body(
		goapp.Span().Class("heed-calib-name").Text(fmt.Sprintf("“%s”", text)),
		goapp.Button().Type("button").Class("heed-calib-run").Aria("label", fmt.Sprintf("Calibrate %s", text)).
			Disabled(!s.ready()).
			OnClick(func(ctx goapp.Context, e goapp.Event) { s.startCalibrate(i) }).Text("Calibrate"),
		goapp.If(running, func() goapp.UI {
			return goapp.Button().Type("button").Class("heed-calib-stop").Aria("label", fmt.Sprintf("Stop calibrating %s", text)).
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.stop() }).Text("Stop")
		}),
		goapp.If(running, func() goapp.UI {
			return goapp.Span().Class("heed-status").Aria("live", "polite").Text(" Calibrating…")
		}),
		goapp.If(st.errs[key] != "", func() goapp.UI {
			return goapp.Span().Class("heed-status heed-error").Role("alert").Text(" " + st.errs[key])
		}),
		goapp.If(done, func() goapp.UI {
			clamped := ""
			if r.Clamped {
				clamped = " (the target lies beyond Δ ∈ [−5, 5]; Δ is the bound)"
			}
			return goapp.Span().Class("heed-calib-result").Body(
				goapp.Span().Class("heed-num").Text(fmt.Sprintf(" UPPERCASE Influence %.4f · at Δ 0 %.4f · found Δ %.3f → Influence %.4f · %d steps%s ",
					r.Target, r.Plain, r.Delta, r.Achieved, r.Iterations, clamped)),
				goapp.Button().Type("button").Class("heed-calib-apply").Aria("label", fmt.Sprintf("Apply Δ %.3f to %s", r.Delta, text)).
					OnClick(func(ctx goapp.Context, e goapp.Event) {
						s.applyCalibration(i, r.Delta)
						s.touch(areaPrompt, areaRun, areaTabs)
					}, goapp.EventScope(i, r.Delta)).Text("Apply"),
			)
		}),
	)
}
