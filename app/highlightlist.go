package app

import (
	"fmt"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/tagedit"
)

// renderHighlights lists the prompt's highlights, each with a Δ field to give
// it its own Δ and a button to remove it; both rewrite the tags in the prompt.
func (w *Workbench) renderHighlights() goapp.UI {
	hs, err := tagedit.Highlights(w.prompt, w.deltaMid)
	if err != nil || len(hs) == 0 {
		return goapp.Text("") // the preview shows the tag error
	}
	return goapp.Div().Class("heed-highlights").Body(
		goapp.H3().ID("heed-highlights-title").Text("Highlights"),
		goapp.Ul().Class("heed-highlight-list").Aria("labelledby", "heed-highlights-title").Body(
			goapp.Range(hs).Slice(func(i int) goapp.UI { return w.highlightItem(i, hs[i]) }),
		),
	)
}

func (w *Workbench) highlightItem(i int, h tagedit.Highlight) goapp.UI {
	id := fmt.Sprintf("heed-hl-delta-%d", i)
	level := "custom"
	if !h.Custom {
		level = h.Level.Label()
	}
	value := formatFilter(h.Delta)
	return goapp.Li().Class("heed-highlight").DataSet("index", i).Body(
		goapp.Mark().Class("heed-hl "+deltaClass(h.Delta, h.Measure)).Text(h.Text),
		goapp.Span().Class("heed-highlight-level").Text(" "+level+" · "+spanTitle(h.Delta, h.Measure)+" "),
		goapp.Label().For(id).Class("heed-field").Text("Δ"),
		goapp.Input().ID(id).Class("heed-hl-delta").Type("number").Step(0.1).
			Min(-tagedit.MaxCustomDelta).Max(tagedit.MaxCustomDelta).Value(value).
			Aria("label", fmt.Sprintf("Δ of highlight %d (%s)", i+1, h.Text)).
			OnChange(func(ctx goapp.Context, e goapp.Event) {
				d, err := parseCustomDelta(ctx.JSSrc().Get("value").String())
				if err != nil {
					w.editErr = err.Error()
					return
				}
				w.editHighlight(func(s string) (string, error) { return tagedit.SetDelta(s, i, d) })
			}),
		goapp.Button().Type("button").Class("heed-hl-remove").Aria("label", fmt.Sprintf("Remove highlight %d (%s)", i+1, h.Text)).
			OnClick(func(ctx goapp.Context, e goapp.Event) {
				w.editHighlight(func(s string) (string, error) { return tagedit.Remove(s, i) })
			}).Text("Remove"),
	)
}

// editHighlight applies edit to the prompt and puts the result in the textarea.
func (w *Workbench) editHighlight(edit func(string) (string, error)) {
	out, err := edit(w.prompt)
	if err != nil {
		w.editErr = err.Error()
		return
	}
	w.prompt, w.editErr = out, ""
	if ta := goapp.Window().GetElementByID(promptID); ta.Truthy() {
		ta.Set("value", out)
	}
	w.rebuildPrompt()
}
