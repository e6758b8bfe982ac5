package app

import (
	"fmt"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/sessionfile"
)

// SessionTab exports the session (prompt, settings, outputs, Influence) as a
// file or a link, and imports one.
type SessionTab struct {
	goapp.Compo
	S   *Studio
	Rev int
}

// Render draws Export, Import and Copy link, and an imported session's
// outputs and Influence, marked as imported.
func (v *SessionTab) Render() goapp.UI {
	s := v.S
	io := &s.io
	return goapp.Div().Class("heed-session").DataSet("imported", strconv.FormatBool(io.imported != nil)).Body(
		goapp.Div().Class("heed-toolbar").Body(
			goapp.Button().Type("button").Class("heed-export").
				OnClick(func(goapp.Context, goapp.Event) { s.exportSession(); s.touch(areaTabs) }).Text("Export "+sessionFileName),
			goapp.Label().For(importID).Class("heed-field").Text("Import"),
			goapp.Input().ID(importID).Class("heed-import").Type("file").Accept("application/json,.json").
				OnChange(func(ctx goapp.Context, e goapp.Event) { s.importSession() }),
			goapp.Button().Type("button").Class("heed-copy-link").
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.copyLink(ctx); s.touch(areaTabs) }).Text("Copy link"),
		),
		goapp.If(io.link != "", func() goapp.UI {
			return goapp.P().Class("heed-hint").Body(goapp.Text("Link: "), goapp.A().Class("heed-link").Href(io.link).Text(io.link))
		}),
		goapp.If(io.err != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error heed-session-error").Role("alert").Text(io.err)
		}),
		goapp.Pre().Class("heed-export-json").Hidden(true).Text(io.exported),
		goapp.If(io.imported != nil, func() goapp.UI { return v.renderImported(io.imported) }),
	)
}

// renderImported draws a session file's saved results.
func (v *SessionTab) renderImported(f *sessionfile.Session) goapp.UI {
	w := v.S
	return goapp.Div().Class("heed-imported").Body(
		goapp.P().Class("heed-status").Role("status").Text(fmt.Sprintf(
			"Imported from %s (model %s). The outputs and Influence below are the saved ones, not a new run.", w.io.fileName, f.Model.Name)),
		goapp.If(w.io.mismatch != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error heed-model-mismatch").Role("alert").Text(w.io.mismatch)
		}),
		goapp.Div().Class("heed-ab").Body(
			goapp.Range(f.Outputs).Slice(func(i int) goapp.UI {
				o := f.Outputs[i]
				ids := make([]string, len(o.IDs))
				for j, id := range o.IDs {
					ids[j] = fmt.Sprint(id)
				}
				return goapp.Div().Class("heed-column heed-imported-output").DataSet("side", o.Side).DataSet("ids", strings.Join(ids, " ")).Body(
					goapp.H3().Text(o.Side+" (imported)"),
					goapp.P().Class("heed-output").Text(o.Text),
				)
			}),
		),
		goapp.If(f.Influence != nil, func() goapp.UI { return renderImportedInfluence(f.Influence) }),
	)
}

// renderImportedInfluence draws each span's saved heatmap and per-layer scalars.
func renderImportedInfluence(in *sessionfile.Influence) goapp.UI {
	return goapp.Div().Class("heed-imported-influence").Body(
		goapp.Range(in.Spans).Slice(func(i int) goapp.UI {
			sp := in.Spans[i]
			return goapp.Div().Class("heed-track").DataSet("span", i).DataSet("layer", in.Layer).Body(
				goapp.H3().Text(fmt.Sprintf("Influence (imported) · %s · tokens %d–%d", spanTitle(sp.Delta, sp.Measure), sp.First, sp.Last-1)),
				goapp.P().Class("heed-heatmap").Aria("label", fmt.Sprintf("Saved Influence at layer %d", in.Layer)).Body(
					goapp.Range(in.Tokens).Slice(func(k int) goapp.UI {
						cls := "heed-tok " + heatClass(sp.Values[k])
						if k >= sp.First && k < sp.Last {
							cls += " heed-tok-span"
						}
						return goapp.Span().Class(cls).DataSet("influence", exact(sp.Values[k])).
							Title(fmt.Sprintf("token %d: Influence %.4f (layer %d)", k, sp.Values[k], in.Layer)).Text(showPiece(in.Tokens[k]))
					}),
				),
				goapp.P().Class("heed-scalars").Text("Per layer: "+joinScalars(sp.Scalars)),
			)
		}),
	)
}

func joinScalars(vs []float32) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("%d: %.4f", i, v)
	}
	return strings.Join(parts, " · ")
}
