package app

import (
	"fmt"
	"math"
	"strconv"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/engine/influence"
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

// renderInfluence draws the measure button, the layer picker, and per
// highlight a heatmap over the prompt's tokens and the per-layer scalars.
func (w *Workbench) renderInfluence() goapp.UI {
	st := &w.infl
	ready := w.sess != nil && w.built != nil && len(w.built.Spans) > 0 && !w.gen.running && !st.running
	layers := 0
	if w.sess != nil {
		layers = w.sess.Layers()
	}
	return goapp.Section().Class("heed-section heed-influence").Aria("labelledby", "heed-infl-title").
		DataSet("running", st.running).Body(
		goapp.H2().ID("heed-infl-title").Text("Influence"),
		goapp.Div().Class("heed-toolbar").Body(
			goapp.Button().Type("button").Class("heed-measure heed-primary").Disabled(!ready).
				OnClick(func(ctx goapp.Context, e goapp.Event) { w.startInfluence(ctx) }).Text("Measure Influence"),
			goapp.If(len(st.tracks) > 0, func() goapp.UI {
				return goapp.Label().For("heed-layer").Class("heed-field").Text("Layer")
			}),
			goapp.If(len(st.tracks) > 0, func() goapp.UI {
				return goapp.Select().ID("heed-layer").OnChange(func(ctx goapp.Context, e goapp.Event) {
					if l, err := strconv.Atoi(ctx.JSSrc().Get("value").String()); err == nil && l >= 0 && l < layers {
						st.layer = l
					}
				}).Body(goapp.Range(st.tracks[0].Influence).Slice(func(l int) goapp.UI {
					return goapp.Option().Value(strconv.Itoa(l)).Selected(l == st.layer).Text(fmt.Sprintf("layer %d", l))
				}))
			}),
		),
		goapp.If(st.running, func() goapp.UI {
			return goapp.P().Class("heed-status").Aria("live", "polite").Text("Measuring…")
		}),
		goapp.If(st.err != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error").Role("alert").Text(st.err)
		}),
		goapp.Range(st.tracks).Slice(func(i int) goapp.UI { return w.renderTrack(i, st.tracks[i]) }),
	)
}

// renderTrack draws one highlight's heatmap at the chosen layer and its
// last-tokens scalar per layer.
func (w *Workbench) renderTrack(i int, tr influence.Track) goapp.UI {
	st := &w.infl
	layer := min(st.layer, len(tr.Influence)-1)
	from, to := influence.LastTokens(len(st.pieces))
	peak := float32(0)
	for _, v := range tr.Scalar {
		peak = max(peak, v)
	}
	text := ""
	if w.built != nil && i < len(w.built.Spans) {
		sp := w.built.Spans[i]
		text = w.built.Text[sp.Start:sp.End]
	}
	return goapp.Div().Class("heed-track").DataSet("span", i).DataSet("layer", layer).Body(
		goapp.H3().Text(fmt.Sprintf("“%s” · %s · tokens %d–%d", text, spanTitle(tr.Span.Delta, tr.Span.Measure), tr.Span.First, tr.Span.Last-1)),
		goapp.P().Class("heed-heatmap").Aria("label", fmt.Sprintf("Influence at layer %d over the prompt's tokens", layer)).Body(
			goapp.Range(st.pieces).Slice(func(k int) goapp.UI {
				v := tr.Influence[layer][k]
				cls := "heed-tok " + heatClass(v)
				if k >= tr.Span.First && k < tr.Span.Last {
					cls += " heed-tok-span"
				}
				if k >= from && k < to {
					cls += " heed-tok-last"
				}
				return goapp.Span().Class(cls).DataSet("influence", exact(v)).
					Title(fmt.Sprintf("token %d %q: Influence %.4f, Rollout %.4f (layer %d)", k, st.pieces[k], v, tr.Rollout[layer][k], layer)).
					Text(showPiece(st.pieces[k]))
			}),
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
