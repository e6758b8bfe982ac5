package app

import (
	"fmt"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderCalibration lists the prompt's highlights, each with a Calibrate
// button and, once calibrated, the target, the Δ found, the Influence it
// achieves and an Apply button.
func (w *Workbench) renderCalibration() goapp.UI {
	st := &w.calib
	n := 0
	if w.built != nil {
		n = len(w.built.Spans)
	}
	return goapp.Section().Class("heed-section heed-calibrate").Aria("labelledby", "heed-calib-title").
		DataSet("running", st.running != nil).Body(
		goapp.H2().ID("heed-calib-title").Text("Calibrate Δ"),
		goapp.P().Class("heed-hint").Text("Finds the Δ at which a highlight's last-layer Influence matches that of the same words in UPPERCASE, unbiased (the other highlights are left out)."),
		goapp.If(n == 0, func() goapp.UI {
			return goapp.P().Class("heed-status").Text("Highlight some words to calibrate them.")
		}),
		goapp.Ul().Class("heed-calib-list").Body(goapp.Range(make([]struct{}, n)).Slice(func(i int) goapp.UI {
			return w.renderCalibSpan(i)
		})),
		goapp.If(st.note != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-calib-note").Aria("live", "polite").Text(st.note)
		}),
	)
}

// renderCalibSpan is one highlight's row.
func (w *Workbench) renderCalibSpan(i int) goapp.UI {
	st := &w.calib
	key := w.keyOf(i)
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
			Disabled(w.sess == nil || st.running != nil).
			OnClick(func(ctx goapp.Context, e goapp.Event) { w.startCalibrate(ctx, i) }).Text("Calibrate"),
		goapp.If(running, func() goapp.UI {
			return goapp.Button().Type("button").Class("heed-calib-stop").Aria("label", fmt.Sprintf("Stop calibrating %s", text)).
				OnClick(func(ctx goapp.Context, e goapp.Event) { w.stopCalibrate() }).Text("Stop")
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
					OnClick(func(ctx goapp.Context, e goapp.Event) { w.applyCalibration(i, r.Delta) }).Text("Apply"),
			)
		}),
	)
}
