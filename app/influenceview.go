package app

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/chart"
	"heed/engine/influence"
	"heed/engine/prompt"
)

// heatLevels is the number of heatmap colour classes (heed-heat-0 … -10 in heed.css).
const heatLevels = 10

// heatClass buckets an Influence value in [0, 1] on a square-root scale, so
// the small values most tokens carry still show.
func heatClass(v float32) string {
	if !(v > 0) {
		return "heed-heat-0"
	}
	b := int(math.Round(math.Sqrt(float64(min(v, 1))) * heatLevels))
	return "heed-heat-" + strconv.Itoa(b)
}

// exact writes a float32 so that parsing it gives the same float32 back.
func exact(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }

// influenceView is what the Influence view draws from the last measurement,
// built when the measurement or a choice changes rather than on every
// render: a heatmap over thousands of tokens is one HTML string (inserted
// once, outside go-app's per-element diff) and the chart options hold
// thousands of points.
type influenceView struct {
	model  string   // the model measured, for exports
	text   string   // the measured prompt's text
	spans  []string // each highlight's text
	tracks []influence.Track
	pieces []string

	charted []bool // layers drawn in the charts
	linear  bool   // linear y axis instead of log

	stripLayer int
	strips     []string       // per track: the heatmap's HTML at stripLayer
	lines      []chart.Option // per track: Influence and Rollout over positions
	bars       []chart.Option // per track: last-tokens means per layer
	cursor     []int          // per track: the token the readout shows, -1 for none
	exportErr  string
}

func (v *influenceView) reset(model string) { *v = influenceView{linear: v.linear, model: model} }

// ensure rebuilds the view when the tracks on show are not the ones it was
// built from (a session file restored them, or a test set them), and the
// strips when the layer changed.
func (v *influenceView) ensure(p *prompt.Prompt, tracks []influence.Track, pieces []string, layer int) {
	if len(tracks) == 0 {
		return
	}
	if len(v.tracks) == len(tracks) && &v.tracks[0] == &tracks[0] && len(v.pieces) == len(pieces) {
		if v.stripLayer != layer {
			v.drawStrips(layer)
		}
		return
	}
	v.measured(p, tracks, pieces, layer)
}

// measured takes a new measurement of prompt p, shown at layer. When p does
// not hold the measured highlights, their texts are read from the tokens.
func (v *influenceView) measured(p *prompt.Prompt, tracks []influence.Track, pieces []string, layer int) {
	v.tracks, v.pieces, v.text, v.spans = tracks, pieces, "", nil
	if p != nil && len(p.Spans) == len(tracks) {
		v.text = p.Text
		for _, sp := range p.Spans {
			v.spans = append(v.spans, p.Text[sp.Start:sp.End])
		}
	} else {
		for _, tr := range tracks {
			lo, hi := max(0, min(tr.Span.First, len(pieces))), max(0, min(tr.Span.Last, len(pieces)))
			v.spans = append(v.spans, strings.TrimSpace(strings.Join(pieces[lo:max(lo, hi)], "")))
		}
	}
	layers := len(tracks[0].Influence)
	v.charted = make([]bool, layers)
	v.charted[layers-1] = true
	v.cursor = make([]int, len(tracks))
	for i := range v.cursor {
		v.cursor[i] = -1
	}
	v.bars = nil
	for i, tr := range tracks {
		cats := make([]string, len(tr.Scalar))
		for l := range cats {
			cats[l] = strconv.Itoa(l)
		}
		o := chart.Bars(fmt.Sprintf("“%s”: mean over the last tokens, per layer", v.spanText(i)), cats,
			[]string{"Influence", "Rollout"}, [][]float32{tr.Scalar, tr.RolloutScalar})
		v.bars = append(v.bars, o)
	}
	v.drawStrips(layer)
	v.drawLines()
}

func (v *influenceView) spanText(i int) string {
	if i < len(v.spans) {
		return v.spans[i]
	}
	return ""
}

// drawStrips builds every track's heatmap at layer.
func (v *influenceView) drawStrips(layer int) {
	v.stripLayer, v.strips = layer, make([]string, len(v.tracks))
	for i, tr := range v.tracks {
		v.strips[i] = heatmapHTML(tr, v.pieces, min(layer, len(tr.Influence)-1))
	}
}

// drawLines builds every track's Influence and Rollout chart over the
// charted layers.
func (v *influenceView) drawLines() {
	v.lines = make([]chart.Option, len(v.tracks))
	for i, tr := range v.tracks {
		var traces []chart.Trace
		for l, on := range v.charted {
			if on && l < len(tr.Influence) {
				traces = append(traces,
					chart.Trace{Name: fmt.Sprintf("Influence L%d", l), Values: tr.Influence[l]},
					chart.Trace{Name: fmt.Sprintf("Rollout L%d", l), Values: tr.Rollout[l], Dashed: true})
			}
		}
		v.lines[i] = chart.OverPositions(fmt.Sprintf("“%s”: Influence and Rollout over the prompt", v.spanText(i)), v.pieces, traces, !v.linear)
	}
}

// heatmapHTML is one highlight's heatmap at layer: a paragraph of token
// spans, each coloured by class, carrying its exact value and a hover text.
// Only classes and data attributes: the page's CSP refuses inline styles.
func heatmapHTML(tr influence.Track, pieces []string, layer int) string {
	from, to := influence.LastTokens(len(pieces))
	var b strings.Builder
	b.Grow(len(pieces) * 160)
	fmt.Fprintf(&b, `<p class="heed-heatmap" data-layer="%d" data-tokens="%d">`, layer, len(pieces))
	for k, piece := range pieces {
		v := tr.Influence[layer][k]
		cls := "heed-tok " + heatClass(v)
		if k >= tr.Span.First && k < tr.Span.Last {
			cls += " heed-tok-span"
		}
		if k >= from && k < to {
			cls += " heed-tok-last"
		}
		// <wbr>: the pieces carry no spaces (␣ shows them), so without a
		// break opportunity between tokens the strip would be one line.
		fmt.Fprintf(&b, `<span class="%s" data-k="%d" data-influence="%s" title="%s">%s</span><wbr>`, cls, k, exact(v),
			html.EscapeString(tokenReadout(k, piece, v, tr.Rollout[layer][k], layer)), html.EscapeString(showPiece(piece)))
	}
	b.WriteString(`</p>`)
	return b.String()
}

// tokenReadout is one token's values in words.
func tokenReadout(k int, piece string, infl, roll float32, layer int) string {
	return fmt.Sprintf("token %d %q: Influence %.4f, Rollout %.4f (layer %d)", k, piece, infl, roll, layer)
}

// renderInfluence draws the measure and stop buttons, the layer pickers, the
// exports, and per highlight a heatmap, its charts and its scalars.
func (w *Workbench) renderInfluence() goapp.UI {
	st := &w.infl
	ready := w.sess != nil && w.built != nil && len(w.built.Spans) > 0 && !w.gen.running && !st.running
	has := len(st.tracks) > 0
	st.view.ensure(w.built, st.tracks, st.pieces, st.layer)
	return goapp.Section().Class("heed-section heed-influence").Aria("labelledby", "heed-infl-title").
		DataSet("running", st.running).Body(
		goapp.H2().ID("heed-infl-title").Text("Influence"),
		goapp.Div().Class("heed-toolbar").Body(
			goapp.Button().Type("button").Class("heed-measure heed-primary").Disabled(!ready).
				OnClick(func(ctx goapp.Context, e goapp.Event) { w.startInfluence(ctx) }).Text("Measure Influence"),
			goapp.Button().Type("button").Class("heed-measure-stop").Disabled(!st.running).
				OnClick(func(ctx goapp.Context, e goapp.Event) { w.stopInfluence() }).Text("Stop"),
			goapp.If(has, func() goapp.UI { return w.renderLayerPicker() }),
			goapp.If(has, func() goapp.UI {
				return goapp.Button().Type("button").Class("heed-infl-csv").
					OnClick(func(ctx goapp.Context, e goapp.Event) { w.exportInfluence(formatCSV) }).Text("Export CSV")
			}),
			goapp.If(has, func() goapp.UI {
				return goapp.Button().Type("button").Class("heed-infl-json").
					OnClick(func(ctx goapp.Context, e goapp.Event) { w.exportInfluence(formatJSON) }).Text("Export JSON")
			}),
		),
		goapp.If(has, func() goapp.UI { return w.renderChartLayers() }),
		goapp.If(st.running, func() goapp.UI {
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
		goapp.Range(st.tracks).Slice(func(i int) goapp.UI { return w.renderTrack(i, st.tracks[i]) }),
	)
}

// renderLayerPicker chooses the heatmaps' layer.
func (w *Workbench) renderLayerPicker() goapp.UI {
	st := &w.infl
	layers := len(st.tracks[0].Influence)
	return goapp.Span().Class("heed-field-group").Body(
		goapp.Label().For("heed-layer").Class("heed-field").Text("Heatmap layer"),
		goapp.Select().ID("heed-layer").OnChange(func(ctx goapp.Context, e goapp.Event) {
			if l, err := strconv.Atoi(ctx.JSSrc().Get("value").String()); err == nil && l >= 0 && l < layers {
				st.layer = l
				st.view.drawStrips(l)
			}
		}).Body(goapp.Range(st.tracks[0].Influence).Slice(func(l int) goapp.UI {
			return goapp.Option().Value(strconv.Itoa(l)).Selected(l == st.layer).Text(fmt.Sprintf("layer %d", l))
		})),
	)
}

// renderChartLayers picks the layers the Influence charts draw and their scale.
func (w *Workbench) renderChartLayers() goapp.UI {
	v := &w.infl.view
	return goapp.FieldSet().Class("heed-chart-layers").Body(
		goapp.Legend().Text("Chart layers"),
		goapp.Range(v.charted).Slice(func(l int) goapp.UI {
			id := fmt.Sprintf("heed-chart-layer-%d", l)
			return goapp.Span().Class("heed-check").Body(
				goapp.Input().Type("checkbox").ID(id).Value(strconv.Itoa(l)).Checked(v.charted[l]).
					OnChange(func(ctx goapp.Context, e goapp.Event) {
						v.charted[l] = ctx.JSSrc().Get("checked").Bool()
						v.drawLines()
					}),
				goapp.Label().For(id).Text(fmt.Sprintf("layer %d", l)),
			)
		}),
		goapp.Span().Class("heed-check").Body(
			goapp.Input().Type("checkbox").ID("heed-chart-log").Checked(!v.linear).
				OnChange(func(ctx goapp.Context, e goapp.Event) {
					v.linear = !ctx.JSSrc().Get("checked").Bool()
					v.drawLines()
				}),
			goapp.Label().For("heed-chart-log").Text("Log scale (zeros not drawn)"),
		),
	)
}

// renderTrack draws one highlight's heatmap at the chosen layer, with a
// readout of the token under the pointer or the keyboard cursor, its charts,
// and its last-tokens scalar per layer.
func (w *Workbench) renderTrack(i int, tr influence.Track) goapp.UI {
	st := &w.infl
	v := &st.view
	layer := min(st.layer, len(tr.Influence)-1)
	from, to := influence.LastTokens(len(st.pieces))
	peak := float32(0)
	for _, x := range tr.Scalar {
		peak = max(peak, x)
	}
	readout := "Point at a token, or focus the heatmap and use the arrow keys, to read its values."
	if k := v.cursor[i]; k >= 0 && k < len(st.pieces) {
		readout = tokenReadout(k, st.pieces[k], tr.Influence[layer][k], tr.Rollout[layer][k], layer)
	}
	readoutID := fmt.Sprintf("heed-readout-%d", i)
	lineID, barID := fmt.Sprintf("heed-chart-infl-%d", i), fmt.Sprintf("heed-chart-scalar-%d", i)
	text := v.spanText(i)
	return goapp.Div().Class("heed-track").DataSet("span", i).DataSet("layer", layer).Body(
		goapp.H3().Text(fmt.Sprintf("“%s” · %s · tokens %d–%d", text, spanTitle(tr.Span.Delta, tr.Span.Measure), tr.Span.First, tr.Span.Last-1)),
		goapp.Div().Class("heed-strip").TabIndex(0).Role("group").
			Aria("label", fmt.Sprintf("Heatmap of “%s” at layer %d over %d tokens", text, layer, len(st.pieces))).
			Aria("describedby", readoutID).
			OnMouseOver(func(ctx goapp.Context, e goapp.Event) { w.pointAt(i, e) }).
			OnKeyDown(func(ctx goapp.Context, e goapp.Event) { w.stepCursor(i, e) }).
			Body(goapp.Raw(v.strips[i])),
		goapp.P().ID(readoutID).Class("heed-heat-readout heed-num").Aria("live", "polite").Text(readout),
		goapp.Div().Class("heed-charts").Body(
			goapp.Figure().Class("heed-figure").Body(
				&chart.View{ID: lineID, Option: v.lines[i],
					Label: fmt.Sprintf("Line chart of the Influence and Rollout of “%s” over the prompt's tokens", text)},
				w.pngButton(lineID, fmt.Sprintf("heed-influence-span%d.png", i), "Influence chart"),
			),
			goapp.Figure().Class("heed-figure").Body(
				&chart.View{ID: barID, Option: v.bars[i],
					Label: fmt.Sprintf("Bar chart of the last-tokens mean Influence and Rollout of “%s” per layer", text)},
				w.pngButton(barID, fmt.Sprintf("heed-scalars-span%d.png", i), "per-layer chart"),
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
func (w *Workbench) pngButton(id, name, what string) goapp.UI {
	return goapp.Button().Type("button").Class("heed-png").DataSet("chart", id).Aria("label", "Save the "+what+" as PNG").
		OnClick(func(ctx goapp.Context, e goapp.Event) {
			w.infl.view.exportErr = ""
			if err := exportChartPNG(id, name); err != nil {
				w.infl.view.exportErr = err.Error()
			}
		}).Text("Save PNG")
}

// pointAt moves track i's readout to the token under the pointer.
func (w *Workbench) pointAt(i int, e goapp.Event) {
	tok := e.Get("target").Call("closest", ".heed-tok")
	if !tok.Truthy() {
		return
	}
	if k, err := strconv.Atoi(tok.Get("dataset").Get("k").String()); err == nil && k >= 0 && k < len(w.infl.pieces) {
		w.infl.view.cursor[i] = k
	}
}

// stepCursor moves track i's readout with the arrow, Home and End keys.
func (w *Workbench) stepCursor(i int, e goapp.Event) {
	n := len(w.infl.pieces)
	k := w.infl.view.cursor[i]
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
	w.infl.view.cursor[i] = max(0, min(k, n-1))
}
