package app

import (
	"fmt"
	"strconv"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/chart"
	"heed/app/wire"
)

// ChartsTab measures Influence over the prompt and draws, per highlight, its
// heatmap, its charts against Attention Rollout and its per-layer scalars,
// with CSV, JSON and PNG exports.
type ChartsTab struct {
	goapp.Compo
	S   *Studio
	Rev int
}

// renderInfluence draws the measure and stop buttons, the layer pickers, the
// exports, and per highlight a heatmap, its charts and its scalars.
func (v *ChartsTab) Render() goapp.UI {
	s := v.S
	st := &s.infl
	running := s.jobs.running(jobInfluence)
	ready := s.ready() && s.prompt.built != nil && len(s.prompt.built.Spans) > 0
	has := st.res != nil
	return goapp.Div().Class("heed-influence").DataSet("running", running).Body(
		goapp.P().Class("heed-hint").Text("Measures every highlight over the prompt, at every layer, with its Δ in force (heed influence), and charts it against Attention Rollout."),
		goapp.Div().Class("heed-toolbar").Body(
			goapp.Button().Type("button").Class("heed-measure heed-primary").Disabled(!ready).
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.measure() }).Text("Measure Influence"),
			goapp.Button().Type("button").Class("heed-measure-stop").Disabled(!running).
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.stop() }).Text("Stop"),
			goapp.If(has, func() goapp.UI { return v.renderLayerPicker() }),
			goapp.If(has, func() goapp.UI {
				return goapp.Button().Type("button").Class("heed-infl-csv").
					OnClick(func(ctx goapp.Context, e goapp.Event) { s.exportInfluence(formatCSV) }).Text("Export CSV")
			}),
			goapp.If(has, func() goapp.UI {
				return goapp.Button().Type("button").Class("heed-infl-json").
					OnClick(func(ctx goapp.Context, e goapp.Event) { s.exportInfluence(formatJSON) }).Text("Export JSON")
			}),
		),
		goapp.If(has, func() goapp.UI { return v.renderChartLayers() }),
		goapp.If(running, func() goapp.UI {
			return goapp.P().Class("heed-status").Aria("live", "polite").Text("Measuring…")
		}),
		goapp.If(st.note != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-infl-note").Aria("live", "polite").Text(st.note)
		}),
		goapp.If(st.err != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error").Role("alert").Text(st.err)
		}),
		goapp.If(st.view.exportErr != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error").Role("alert").Text(st.view.exportErr)
		}),
		goapp.If(has, func() goapp.UI {
			return goapp.Range(st.res.Tracks).Slice(func(i int) goapp.UI { return v.renderTrack(i, st.res.Tracks[i]) })
		}),
	)
}

// renderLayerPicker chooses the heatmaps' layer.
func (v *ChartsTab) renderLayerPicker() goapp.UI {
	s := v.S
	st := &s.infl
	layers := len(st.res.Tracks[0].Influence)
	return goapp.Span().Class("heed-field-group").Body(
		goapp.Label().For("heed-layer").Class("heed-field").Text("Heatmap layer"),
		goapp.Select().ID("heed-layer").OnChange(func(ctx goapp.Context, e goapp.Event) {
			if l, err := strconv.Atoi(ctx.JSSrc().Get("value").String()); err == nil && l >= 0 && l < layers {
				st.layer = l
				st.view.drawStrips(st.res, l)
				s.touch(areaTabs)
			}
		}, goapp.EventScope(layers)).Body(goapp.Range(st.res.Tracks[0].Influence).Slice(func(l int) goapp.UI {
			return goapp.Option().Value(strconv.Itoa(l)).Selected(l == st.layer).Text(fmt.Sprintf("layer %d", l))
		})),
	)
}

// renderChartLayers picks the layers the Influence charts draw and their scale.
func (c *ChartsTab) renderChartLayers() goapp.UI {
	s := c.S
	v := &s.infl.view
	return goapp.FieldSet().Class("heed-chart-layers").Body(
		goapp.Legend().Text("Chart layers"),
		goapp.Range(v.charted).Slice(func(l int) goapp.UI {
			id := fmt.Sprintf("heed-chart-layer-%d", l)
			return goapp.Span().Class("heed-check").Body(
				goapp.Input().Type("checkbox").ID(id).Value(strconv.Itoa(l)).Checked(v.charted[l]).
					OnChange(func(ctx goapp.Context, e goapp.Event) {
						v.charted[l] = ctx.JSSrc().Get("checked").Bool()
						v.drawLines(s.infl.res)
						s.touch(areaTabs)
					}),
				goapp.Label().For(id).Text(fmt.Sprintf("layer %d", l)),
			)
		}),
		goapp.Span().Class("heed-check").Body(
			goapp.Input().Type("checkbox").ID("heed-chart-log").Checked(!v.linear).
				OnChange(func(ctx goapp.Context, e goapp.Event) {
					v.linear = !ctx.JSSrc().Get("checked").Bool()
					v.drawLines(s.infl.res)
					s.touch(areaTabs)
				}),
			goapp.Label().For("heed-chart-log").Text("Log scale (zeros not drawn)"),
		),
	)
}

// renderTrack draws one highlight's heatmap at the chosen layer, with a
// readout of the token under the pointer or the keyboard cursor, its charts,
// and its last-tokens scalar per layer.
func (c *ChartsTab) renderTrack(i int, tr wire.Track) goapp.UI {
	s := c.S
	st := &s.infl
	v := &st.view
	pieces := st.res.Pieces
	layer := min(st.layer, len(tr.Influence)-1)
	from, to := st.res.LastFrom, st.res.LastTo
	peak := float32(0)
	for _, x := range tr.Scalar {
		peak = max(peak, x)
	}
	readout := "Point at a token, or focus the heatmap and use the arrow keys, to read its values."
	if k := v.cursor[i]; k >= 0 && k < len(pieces) {
		readout = tokenReadout(k, pieces[k], tr.Influence[layer][k], tr.Rollout[layer][k], layer)
	}
	readoutID := fmt.Sprintf("heed-readout-%d", i)
	lineID, barID := fmt.Sprintf("heed-chart-infl-%d", i), fmt.Sprintf("heed-chart-scalar-%d", i)
	text := v.spanText(i)
	return goapp.Div().Class("heed-track").DataSet("span", i).DataSet("layer", layer).Body(
		goapp.H3().Text(fmt.Sprintf("“%s” · %s · tokens %d–%d", text, spanTitle(tr.Span.Delta, tr.Span.Measure), tr.Span.First, tr.Span.Last-1)),
		goapp.Div().Class("heed-strip").TabIndex(0).Role("group").
			Aria("label", fmt.Sprintf("Heatmap of “%s” at layer %d over %d tokens", text, layer, len(pieces))).
			Aria("describedby", readoutID).
			OnMouseOver(func(ctx goapp.Context, e goapp.Event) { c.pointAt(i, e) }).
			OnKeyDown(func(ctx goapp.Context, e goapp.Event) { c.stepCursor(i, e) }).
			Body(goapp.Raw(v.strips[i])),
		goapp.P().ID(readoutID).Class("heed-heat-readout heed-num").Aria("live", "polite").Text(readout),
		goapp.Div().Class("heed-charts").Body(
			goapp.Figure().Class("heed-figure").Body(
				&chart.View{ID: lineID, Option: v.lines[i],
					Label: fmt.Sprintf("Line chart of the Influence and Rollout of “%s” over the prompt's tokens", text)},
				c.pngButton(lineID, fmt.Sprintf("heed-influence-span%d.png", i), "Influence chart"),
			),
			goapp.Figure().Class("heed-figure").Body(
				&chart.View{ID: barID, Option: v.bars[i],
					Label: fmt.Sprintf("Bar chart of the last-tokens mean Influence and Rollout of “%s” per layer", text)},
				c.pngButton(barID, fmt.Sprintf("heed-scalars-span%d.png", i), "per-layer chart"),
			),
		),
		goapp.Table().Class("heed-scalars").Body(
			goapp.Caption().Text(fmt.Sprintf("Mean Influence over the last %d prompt tokens, per layer", to-from)),
			goapp.THead().Body(goapp.Tr().Body(goapp.Th().Text("Layer"), goapp.Th().Text("Influence"), goapp.Th().Text("Rollout"))),
			goapp.TBody().Body(goapp.Range(tr.Scalar).Slice(func(l int) goapp.UI {
				return goapp.Tr().DataSet("scalar", exact(tr.Scalar[l])).Body(
					goapp.Th().Text(strconv.Itoa(l)),
					goapp.Td().Body(
						goapp.Meter().Min(0).Max(max(peak, 1e-6)).Value(tr.Scalar[l]).Aria("label", fmt.Sprintf("layer %d", l)),
						goapp.Span().Class("heed-num").Text(fmt.Sprintf(" %.4f", tr.Scalar[l])),
					),
					goapp.Td().Class("heed-num").Text(fmt.Sprintf("%.4f", tr.RolloutScalar[l])),
				)
			})),
		),
	)
}

// pngButton saves the chart in element id as a PNG called name.
func (c *ChartsTab) pngButton(id, name, what string) goapp.UI {
	s := c.S
	return goapp.Button().Type("button").Class("heed-png").DataSet("chart", id).Aria("label", "Save PNG of the "+what).
		OnClick(func(ctx goapp.Context, e goapp.Event) {
			s.infl.view.exportErr = ""
			if err := exportChartPNG(id, name); err != nil {
				s.infl.view.exportErr = err.Error()
			}
			s.touch(areaTabs)
		}).Text("Save PNG")
}

// pointAt moves track i's readout to the token under the pointer.
func (c *ChartsTab) pointAt(i int, e goapp.Event) {
	s := c.S
	tok := e.Get("target").Call("closest", ".heed-tok")
	if !tok.Truthy() {
		return
	}
	if k, err := strconv.Atoi(tok.Get("dataset").Get("k").String()); err == nil && k >= 0 && k < len(s.infl.res.Pieces) {
		s.infl.view.cursor[i] = k
		s.touch(areaTabs)
	}
}

// stepCursor moves track i's readout with the arrow, Home and End keys.
func (c *ChartsTab) stepCursor(i int, e goapp.Event) {
	s := c.S
	n := len(s.infl.res.Pieces)
	k := s.infl.view.cursor[i]
	switch e.Get("key").String() {
	case "ArrowRight", "ArrowDown":
		k++
	case "ArrowLeft", "ArrowUp":
		k--
	case "Home":
		k = 0
	case "End":
		k = n - 1
	default:
		return
	}
	e.PreventDefault()
	s.infl.view.cursor[i] = max(0, min(k, n-1))
	s.touch(areaTabs)
}
