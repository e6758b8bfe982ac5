package app

import (
	"fmt"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/tagedit"
)

// renderPicked is the editor of the highlight last clicked: its level, its
// own Δ, or removal; each rewrites the tags in the prompt.
func (v *PromptView) renderPicked() goapp.UI {
	s := v.S
	p := &s.prompt
	hs, err := tagedit.Highlights(p.tagged, p.deltaMid)
	if err != nil || p.picked >= len(hs) {
		return goapp.Text("")
	}
	i, h := p.picked, hs[p.picked]
	level := "custom Δ"
	if !h.Custom {
		level = h.Level.Label()
	}
	id := fmt.Sprintf("heed-hl-delta-%d", i)
	return goapp.Div().Class("heed-picked").Role("group").Aria("label", fmt.Sprintf("Highlight %d (%s)", i+1, h.Text)).
		DataSet("index", i).Body(
		goapp.Mark().Class("heed-hl "+deltaClass(h.Delta, h.Measure)).Text(h.Text),
		goapp.Span().Class("heed-picked-level").Text(" "+level+" · "+spanTitle(h.Delta, h.Measure)+" "),
		goapp.Range(tagedit.Levels).Slice(func(j int) goapp.UI {
			l := tagedit.Levels[j]
			return goapp.Button().Type("button").Class("heed-set-level "+levelClass(l)).DataSet("level", int(l)).
				Aria("pressed", !h.Custom && h.Level == l).Title(l.Label()).
				OnClick(func(ctx goapp.Context, e goapp.Event) {
					s.editHighlight(func(t string) (string, error) { return tagedit.SetLevel(t, i, l) })
					s.touch(areaPrompt, areaRun)
				}, goapp.EventScope(i, l)).Text(levelLabel(l))
		}),
		goapp.Label().For(id).Class("heed-field").Text("Δ"),
		goapp.Input().ID(id).Class("heed-hl-delta").Type("number").Step(0.1).
			Min(-tagedit.MaxCustomDelta).Max(tagedit.MaxCustomDelta).Value(exact(h.Delta)).
			Aria("label", fmt.Sprintf("Δ of highlight %d (%s)", i+1, h.Text)).
			OnChange(func(ctx goapp.Context, e goapp.Event) {
				d, err := parseCustomDelta(ctx.JSSrc().Get("value").String())
				if err != nil {
					p.editErr = err.Error()
					return
				}
				s.editHighlight(func(t string) (string, error) { return tagedit.SetDelta(t, i, d) })
				s.touch(areaPrompt, areaRun)
			}, goapp.EventScope(i)),
		goapp.Button().Type("button").Class("heed-hl-remove").Aria("label", fmt.Sprintf("Remove highlight %d (%s)", i+1, h.Text)).
			OnClick(func(ctx goapp.Context, e goapp.Event) {
				s.editHighlight(func(t string) (string, error) { return tagedit.Remove(t, i) })
				p.picked = -1
				s.touch(areaPrompt, areaRun)
			}, goapp.EventScope(i)).Text("Remove"),
		goapp.Button().Type("button").Class("heed-picked-close heed-quiet").Aria("label", "Done: close the highlight editor").
			OnClick(func(ctx goapp.Context, e goapp.Event) { p.picked = -1; s.touch(areaPrompt) }).Text("Done"),
	)
}

// renderSource is the tag source, editable: the text with its GUIDE tags.
func (v *PromptView) renderSource() goapp.UI {
	s := v.S
	return goapp.Div().ID("heed-source").Class("heed-source").Body(
		goapp.Label().For(promptID).Class("heed-hint").Text(
			"The prompt with its tags: <!-> … <-!> ½ × Δmid, <!!-> … <-!!> Δmid, <!!!-> … <-!!!> 2 × Δmid, <?-> … <-?> measure only, <!=Δ-> … <-!=> this Δ. The level buttons and Alt+Shift+1, 2, 3, 0, D also work on a selection here."),
		goapp.Textarea().ID(promptID).Class("heed-prompt").Rows(4).Spellcheck(false).
			OnInput(func(ctx goapp.Context, e goapp.Event) {
				s.setPrompt(ctx.JSSrc().Get("value").String())
				s.touch(areaPrompt, areaRun)
			}).Text(s.prompt.tagged),
	)
}
