package app

import (
	"fmt"
	"strconv"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/session"
	"heed/app/sessionfile"
)

// renderGeneration draws the A/B controls and the two columns.
func (w *Workbench) renderGeneration() goapp.UI {
	g := &w.gen
	ready := w.sess != nil && w.built != nil && !g.running && !w.infl.running
	return goapp.Section().Class("heed-section heed-generation").Aria("labelledby", "heed-gen-title").
		DataSet("running", g.running).Body(
		goapp.H2().ID("heed-gen-title").Text("Generate: with and without GUIDE"),
		goapp.Div().Class("heed-toolbar").Body(
			goapp.Button().Type("button").Class("heed-generate heed-primary").Disabled(!ready).
				OnClick(func(ctx goapp.Context, e goapp.Event) { w.startAB(ctx) }).Text("Generate A/B"),
			goapp.Button().Type("button").Class("heed-stop").Disabled(!g.running).
				OnClick(func(goapp.Context, goapp.Event) {
					if g.cancel != nil {
						g.cancel()
					}
				}).Text("Stop"),
			goapp.Label().For("heed-max-tokens").Class("heed-field").Text("Max tokens"),
			goapp.Input().ID("heed-max-tokens").Type("number").Min(1).Max(sessionfile.MaxTokens).Value(g.maxTokens).
				Aria("invalid", g.tokensErr != "").OnInput(func(ctx goapp.Context, e goapp.Event) {
				v := ctx.JSSrc().Get("value").String()
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > sessionfile.MaxTokens {
					g.tokensErr = fmt.Sprintf("Max tokens must be a whole number from 1 to %d, not %q; still using %d.", sessionfile.MaxTokens, v, g.maxTokens)
					return
				}
				g.maxTokens, g.tokensErr = n, ""
			}),
			goapp.Label().For("heed-temperature").Class("heed-field").Text("Temperature (0: greedy)"),
			goapp.Input().ID("heed-temperature").Type("number").Min(0).Step(0.1).Value(g.tempText).
				OnInput(func(ctx goapp.Context, e goapp.Event) { g.tempText = ctx.JSSrc().Get("value").String() }),
			goapp.Label().For("heed-seed").Class("heed-field").Text("Seed"),
			goapp.Input().ID("heed-seed").Type("number").Min(0).Value(g.seed).
				OnInput(func(ctx goapp.Context, e goapp.Event) {
					if n, err := strconv.ParseUint(ctx.JSSrc().Get("value").String(), 10, 64); err == nil {
						g.seed = n
					}
				}),
		),
		w.renderFilters(),
		goapp.If(g.tokensErr != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error heed-tokens-error").Role("alert").Text(g.tokensErr)
		}),
		goapp.If(g.err != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-gen-error").Role("status").Text(g.err)
		}),
		goapp.Div().Class("heed-ab").Body(
			goapp.Range(sides).Slice(func(i int) goapp.UI { return w.renderColumn(sides[i]) }),
		),
	)
}

// renderFilters draws the sampling filters, each with its label and its
// "off" value named in the hint; they are checked on Generate.
func (w *Workbench) renderFilters() goapp.UI {
	f := &w.gen.filters
	field := func(id, label, hint string, min, max, step float64, v *string) goapp.UI {
		return goapp.Span().Class("heed-filter").Body(
			goapp.Label().For(id).Class("heed-field").Text(label),
			goapp.Input().ID(id).Type("number").Min(min).Max(max).Step(step).Value(*v).
				Aria("describedby", "heed-filters-hint").Title(hint).
				OnInput(func(ctx goapp.Context, e goapp.Event) {
					*v = ctx.JSSrc().Get("value").String()
					if !w.gen.running {
						w.gen.err = "" // a refusal of the old value no longer applies
					}
				}),
		)
	}
	return goapp.Div().Class("heed-toolbar heed-filters").Role("group").Aria("label", "sampling filters").Body(
		field("heed-top-k", "Top-k", "0: off", 0, sessionfile.MaxTopK, 1, &f.topK),
		field("heed-top-p", "Top-p", "1: off", 0, 1, 0.05, &f.topP),
		field("heed-min-p", "Min-p", "0: off", 0, 1, 0.01, &f.minP),
		field("heed-repeat", "Repetition penalty", "1: off", 0, sessionfile.MaxRepeatPenalty, 0.05, &f.repeat),
		goapp.Span().ID("heed-filters-hint").Class("heed-hint").
			Text("Top-k 0, top-p 1, min-p 0 and penalty 1 are off. Top-k, top-p and min-p act when temperature > 0; the penalty also in greedy decoding."),
	)
}

// renderColumn draws one side's tokens, those after the point where the two
// sides part marked, and its timings.
func (w *Workbench) renderColumn(side session.Side) goapp.UI {
	c := &w.gen.cols[side]
	div := w.gen.divergence()
	title := "With GUIDE"
	if side == session.Baseline {
		title = "Without GUIDE (Δmid = 0)"
	}
	stats := ""
	if c.done && c.timings.Generated > 0 {
		t := c.timings
		stats = fmt.Sprintf("%d tokens · first after %.0f ms · %.1f tok/s · stop: %s",
			t.Generated, float64(t.FirstToken.Microseconds())/1000, t.DecodePerSecond(), c.reason)
	}
	return goapp.Div().Class("heed-column").DataSet("side", side.String()).DataSet("done", c.done).Body(
		goapp.H3().Text(title),
		goapp.P().Class("heed-output").Aria("live", "polite").Body(
			goapp.Range(c.tokens).Slice(func(i int) goapp.UI {
				cls := "heed-out-tok"
				other := &w.gen.cols[1-side]
				if i >= div && (i < len(other.tokens) || other.done) {
					cls += " heed-diff"
				}
				return goapp.Span().Class(cls).DataSet("id", c.tokens[i].ID).Text(c.tokens[i].Text)
			}),
		),
		goapp.P().Class("heed-stats").Text(stats),
	)
}
