package app

import (
	"fmt"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/tagedit"
)

// Element ids of the prompt card.
const (
	renderedID = "heed-rendered" // the prompt with its highlights in place
	promptID   = "heed-prompt"   // the tag source textarea
	customID   = "heed-custom-delta"
)

// levelKeys are the keyboard shortcuts (with Alt+Shift, matched on
// KeyboardEvent.code so the keyboard layout does not matter).
var levelKeys = map[string]tagedit.Level{"Digit1": tagedit.Half, "Digit2": tagedit.Mid, "Digit3": tagedit.Double, "Digit0": tagedit.Measure}

// customKey applies the custom Δ (Alt+Shift+D).
const customKey, customShortcut = "KeyD", "Alt+Shift+D"

func levelShortcut(l tagedit.Level) string {
	for k, v := range levelKeys {
		if v == l {
			return "Alt+Shift+" + strings.TrimPrefix(k, "Digit")
		}
	}
	return ""
}

// levelLabel is a level's short name on its button.
func levelLabel(l tagedit.Level) string {
	switch l {
	case tagedit.Half:
		return "½ Δ"
	case tagedit.Mid:
		return "1 Δ"
	case tagedit.Double:
		return "2 Δ"
	}
	return "measure"
}

// PromptView is the prompt card: the prompt with its highlights shown in
// place, the level buttons that highlight the selected words, the editor of
// a clicked highlight, and the tag source on request.
type PromptView struct {
	goapp.Compo
	S   *Studio
	Rev int

	unlisten []func()
}

// OnMount listens for selections in the rendered prompt and for the level
// shortcuts, which work wherever the selection was made.
func (v *PromptView) OnMount(ctx goapp.Context) {
	v.unlisten = append(v.unlisten,
		listen(document(), "selectionchange", func(goapp.Value) {
			if sel, ok := renderedSelection(renderedID); ok {
				v.S.prompt.sel = sel
			}
		}),
		listen(goapp.Window(), "keydown", func(e goapp.Value) { v.onKey(ctx, e) }),
	)
}

// OnDismount stops listening.
func (v *PromptView) OnDismount() {
	for _, f := range v.unlisten {
		f()
	}
}

func (v *PromptView) onKey(ctx goapp.Context, e goapp.Value) {
	if !e.Get("altKey").Bool() || !e.Get("shiftKey").Bool() || v.S.chrome.presenting {
		return
	}
	code := e.Get("code").String()
	if l, ok := levelKeys[code]; ok {
		e.Call("preventDefault")
		ctx.Dispatch(func(goapp.Context) { v.S.highlight(l); v.S.touch(areaPrompt, areaRun) })
	} else if code == customKey {
		e.Call("preventDefault")
		ctx.Dispatch(func(goapp.Context) { v.S.highlightCustom(); v.S.touch(areaPrompt, areaRun) })
	}
}

// Render draws the card.
func (v *PromptView) Render() goapp.UI {
	s := v.S
	p := &s.prompt
	return goapp.Section().Class("heed-panel heed-prompt-card").Aria("labelledby", "heed-prompt-title").Body(
		goapp.Div().Class("heed-card-head").Body(
			goapp.H2().ID("heed-prompt-title").Text("Prompt"),
			v.renderLevels(),
			goapp.Button().Type("button").Class("heed-source-toggle heed-quiet").Aria("expanded", p.source).
				Aria("controls", "heed-source").
				OnClick(func(ctx goapp.Context, e goapp.Event) {
					p.source = !p.source
					s.touch(areaPrompt)
				}).Text(map[bool]string{false: "Edit text", true: "Close text"}[p.source]),
		),
		v.renderRendered(),
		v.renderMeta(),
		goapp.If(p.editErr != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error heed-edit-error").Role("alert").Text(p.editErr)
		}),
		goapp.If(p.picked >= 0, func() goapp.UI { return v.renderPicked() }),
		goapp.If(p.source, func() goapp.UI { return v.renderSource() }),
	)
}

// renderLevels draws the buttons that highlight the selection. They keep
// the selection: pressing one does not move the focus off the prompt.
func (v *PromptView) renderLevels() goapp.UI {
	s := v.S
	keep := func(ctx goapp.Context, e goapp.Event) { e.PreventDefault() }
	return goapp.Div().Class("heed-levels").Role("toolbar").Aria("label", "Highlight the selected words").Body(
		goapp.Span().Class("heed-hint heed-levels-hint").Text("Select words, then"),
		goapp.Range(tagedit.Levels).Slice(func(i int) goapp.UI {
			l := tagedit.Levels[i]
			return goapp.Button().Type("button").Class("heed-emphasis "+levelClass(l)).DataSet("level", int(l)).
				Aria("keyshortcuts", levelShortcut(l)).Title(l.Label() + " (" + levelShortcut(l) + ")").
				OnMouseDown(keep).
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.highlight(l); s.touch(areaPrompt, areaRun) }).
				Text(levelLabel(l))
		}),
		goapp.Span().Class("heed-custom").Body(
			goapp.Label().For(customID).Class("heed-visually-hidden").Text("Custom Δ"),
			goapp.Input().ID(customID).Class("heed-custom-delta").Type("number").Step(0.1).
				Min(-tagedit.MaxCustomDelta).Max(tagedit.MaxCustomDelta).Value(s.prompt.custom).
				Title("any Δ from -10 to 10; negative Δ de-emphasises").
				OnInput(func(ctx goapp.Context, e goapp.Event) { s.prompt.custom = ctx.JSSrc().Get("value").String() }),
			goapp.Button().Type("button").Class("heed-apply-custom").
				Aria("keyshortcuts", customShortcut).Title("Highlight with the custom Δ ("+customShortcut+")").
				OnMouseDown(keep).
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.highlightCustom(); s.touch(areaPrompt, areaRun) }).Text("Δ"),
		),
	)
}

func levelClass(l tagedit.Level) string {
	switch l {
	case tagedit.Half:
		return "heed-hl-1"
	case tagedit.Mid:
		return "heed-hl-2"
	case tagedit.Double:
		return "heed-hl-3"
	}
	return "heed-hl-measure"
}

// renderRendered draws the tag-free prompt, each highlight a focusable mark
// coloured by its Δ; every run carries its start in the tag-free text
// (data-at, UTF-16 units) so a selection maps back to the tags.
func (v *PromptView) renderRendered() goapp.UI {
	s := v.S
	p := &s.prompt
	segs, err := tagedit.Segments(p.tagged, p.deltaMid)
	if err != nil {
		return goapp.P().ID(renderedID).Class("heed-rendered heed-rendered-error").DataSet("tagged", p.tagged).Text(p.tagged)
	}
	before, after, templated := templateParts(p)
	plain := 0
	hl := 0
	parts := make([]goapp.UI, 0, len(segs)+2)
	if before != "" {
		parts = append(parts, goapp.Span().Class("heed-template").DataSet("side", "before").Text(before))
	}
	for _, sg := range segs {
		at := strconv.Itoa(plain)
		plain += utf16Len(sg.Text)
		if !sg.Highlighted {
			parts = append(parts, goapp.Span().DataSet("at", at).Text(sg.Text))
			continue
		}
		i := hl
		hl++
		title := spanTitle(sg.Delta, sg.Measure)
		if p.built != nil && i < len(p.built.Spans) {
			title += " · tokens " + spanPieces(p.built, p.built.Spans[i])
		}
		parts = append(parts, goapp.Mark().Class("heed-hl "+deltaClass(sg.Delta, sg.Measure)).DataSet("at", at).
			DataSet("index", i).DataSet("delta", exact(sg.Delta)).TabIndex(0).Role("button").
			Aria("label", fmt.Sprintf("%s, %s: change or remove", sg.Text, title)).Title(title).Text(sg.Text))
	}
	if after != "" {
		parts = append(parts, goapp.Span().Class("heed-template").DataSet("side", "after").Text(after))
	}
	return goapp.P().ID(renderedID).Class("heed-rendered").DataSet("templated", templated).DataSet("len", plain).DataSet("tagged", p.tagged).
		Aria("label", "Prompt: select words to highlight them, click a highlight to change it").
		OnClick(func(ctx goapp.Context, e goapp.Event) { v.pick(e) }).
		OnKeyDown(func(ctx goapp.Context, e goapp.Event) {
			if k := e.Get("key").String(); k == "Enter" || k == " " {
				if v.pick(e) {
					e.PreventDefault()
				}
			}
		}).Body(parts...)
}

// pick opens the editor of the highlight the event hit.
func (v *PromptView) pick(e goapp.Event) bool {
	m := e.Get("target").Call("closest", "mark.heed-hl")
	if !m.Truthy() {
		return false
	}
	i, err := strconv.Atoi(m.Get("dataset").Get("index").String())
	if err != nil {
		return false
	}
	v.S.prompt.picked = i
	v.S.touch(areaPrompt)
	return true
}

// templateParts is the chat template's text around the user's prompt, when
// the built prompt is templated and holds the prompt verbatim at TextOffset.
func templateParts(p *promptState) (before, after string, templated bool) {
	b := p.built
	if b == nil || b.Rendered == b.Text {
		return "", "", false
	}
	end := b.TextOffset + len(b.Text)
	if b.TextOffset < 0 || end > len(b.Rendered) || b.Rendered[b.TextOffset:end] != b.Text {
		return "", "", false
	}
	return b.Rendered[:b.TextOffset], b.Rendered[end:], true
}

// renderMeta is one line under the prompt: its token count and the tokens
// of each highlight, or why the prompt does not build.
func (v *PromptView) renderMeta() goapp.UI {
	p := &v.S.prompt
	if p.buildErr != "" {
		return goapp.P().Class("heed-meta heed-error heed-build-error").Role("alert").Text(p.buildErr)
	}
	if p.built == nil {
		return goapp.P().Class("heed-meta heed-hint").Text("Select words in the prompt and press a level: ½, 1 or 2 × Δmid, or measure only.")
	}
	_, _, templated := templateParts(p)
	text := fmt.Sprintf("%d tokens", len(p.built.IDs))
	if templated {
		text += ", chat template included (shaded)"
	}
	return goapp.P().Class("heed-meta heed-hint heed-token-count").Body(
		goapp.Text(text),
		goapp.Range(p.built.Spans).Slice(func(i int) goapp.UI {
			sp := p.built.Spans[i]
			partial := ""
			if sp.Partial {
				partial = " (the whole token)"
			}
			return goapp.Span().Class("heed-span-tokens").DataSet("span", i).
				Text(fmt.Sprintf(" · “%s” %s: %s%s", p.built.Text[sp.Start:sp.End], spanTitle(sp.Delta, sp.Measure), spanPieces(p.built, sp), partial))
		}),
	)
}
