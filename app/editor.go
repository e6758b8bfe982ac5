package app

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/tagedit"
	"heed/engine/guide"
)

// promptID is the textarea's element id; the emphasis buttons read its selection.
const promptID = "heed-prompt"

// levelKeys are the keyboard shortcuts (with Alt+Shift, matched on
// KeyboardEvent.code so the keyboard layout does not matter).
var levelKeys = map[string]tagedit.Level{"Digit1": tagedit.Half, "Digit2": tagedit.Mid, "Digit3": tagedit.Double, "Digit0": tagedit.Measure}

// customKey applies the custom Δ (Alt+Shift+D).
const customKey, customShortcut = "KeyD", "Alt+Shift+D"

// customID is the custom Δ field's element id.
const customID = "heed-custom-delta"

func levelShortcut(l tagedit.Level) string {
	for k, v := range levelKeys {
		if v == l {
			return "Alt+Shift+" + strings.TrimPrefix(k, "Digit")
		}
	}
	return ""
}

// renderEditor draws the prompt textarea, the emphasis buttons, Δmid, and the
// preview with the highlights and their tokens.
func (w *Workbench) renderEditor() goapp.UI {
	return goapp.Section().Class("heed-section heed-editor").Aria("labelledby", "heed-prompt-title").Body(
		goapp.H2().ID("heed-prompt-title").Text("Prompt"),
		goapp.Label().For(promptID).Class("heed-hint").Text(
			"Select words and press an emphasis button (or Alt+Shift+1, 2, 3; Alt+Shift+0 to measure only; Alt+Shift+D for the custom Δ)."),
		goapp.Textarea().ID(promptID).Class("heed-prompt").Rows(5).Spellcheck(false).
			OnInput(w.onPromptInput).OnKeyDown(w.onPromptKey).Text(w.prompt),
		goapp.Div().Class("heed-toolbar").Body(
			goapp.Range(tagedit.Levels).Slice(func(i int) goapp.UI {
				l := tagedit.Levels[i]
				return goapp.Button().Type("button").Class("heed-emphasis").DataSet("level", int(l)).
					Aria("keyshortcuts", levelShortcut(l)).Title(levelShortcut(l)).
					OnClick(func(ctx goapp.Context, e goapp.Event) { w.applyLevel(ctx, l) }).
					Text(l.Label())
			}),
			goapp.Span().Class("heed-custom").Body(
				goapp.Label().For(customID).Class("heed-field").Text("Custom Δ"),
				goapp.Input().ID(customID).Class("heed-custom-delta").Type("number").Step(0.1).
					Min(-tagedit.MaxCustomDelta).Max(tagedit.MaxCustomDelta).Value(w.custom).
					Title("any Δ from -10 to 10; negative Δ de-emphasises").
					OnInput(func(ctx goapp.Context, e goapp.Event) { w.custom = ctx.JSSrc().Get("value").String() }),
				goapp.Button().Type("button").Class("heed-apply-custom").
					Aria("keyshortcuts", customShortcut).Title(customShortcut).
					OnClick(func(ctx goapp.Context, e goapp.Event) { w.applyCustom(ctx) }).Text("Apply custom Δ"),
			),
			goapp.Label().For("heed-delta-mid").Class("heed-field").Text("Δmid"),
			goapp.Input().ID("heed-delta-mid").Class("heed-delta-mid").Type("number").Step(0.1).
				Value(w.deltaText).OnInput(w.onDeltaInput),
		),
		goapp.If(w.editErr != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error heed-edit-error").Role("alert").Text(w.editErr)
		}),
		w.renderChat(),
		w.renderHighlights(),
		w.renderPreview(),
	)
}

func (w *Workbench) onPromptInput(ctx goapp.Context, e goapp.Event) {
	w.prompt = ctx.JSSrc().Get("value").String()
	w.editErr = ""
	w.rebuildPrompt()
}

func (w *Workbench) onPromptKey(ctx goapp.Context, e goapp.Event) {
	if !e.Get("altKey").Bool() || !e.Get("shiftKey").Bool() {
		return
	}
	code := e.Get("code").String()
	if l, ok := levelKeys[code]; ok {
		e.PreventDefault()
		w.applyLevel(ctx, l)
	} else if code == customKey {
		e.PreventDefault()
		w.applyCustom(ctx)
	}
}

func (w *Workbench) onDeltaInput(ctx goapp.Context, e goapp.Event) {
	w.deltaText = ctx.JSSrc().Get("value").String()
	w.rebuildPrompt()
}

// applyLevel wraps the textarea's selection in the tags of l.
func (w *Workbench) applyLevel(ctx goapp.Context, l tagedit.Level) {
	w.wrapSelection(func(text string, start, end int) (tagedit.Edit, error) { return tagedit.Wrap(text, start, end, l) })
}

// applyCustom wraps the textarea's selection in explicit-Δ tags with the
// custom Δ field's value.
func (w *Workbench) applyCustom(ctx goapp.Context) {
	d, err := parseCustomDelta(w.custom)
	if err != nil {
		w.editErr = err.Error()
		return
	}
	w.wrapSelection(func(text string, start, end int) (tagedit.Edit, error) { return tagedit.WrapDelta(text, start, end, d) })
}

// parseCustomDelta reads a custom Δ field, saying in words what is wrong.
func parseCustomDelta(s string) (float32, error) {
	d, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
	if err != nil || tagedit.CheckCustomDelta(float32(d)) != nil {
		return 0, fmt.Errorf("Custom Δ must be a number from %d to %d, not %q.", -tagedit.MaxCustomDelta, tagedit.MaxCustomDelta, s)
	}
	return float32(d), nil
}

// wrapSelection applies wrap to the textarea's text and selection and puts
// the caret after the new closing tag.
func (w *Workbench) wrapSelection(wrap func(text string, start, end int) (tagedit.Edit, error)) {
	ta := goapp.Window().GetElementByID(promptID)
	text := ta.Get("value").String()
	edit, err := wrap(text, ta.Get("selectionStart").Int(), ta.Get("selectionEnd").Int())
	if err != nil {
		w.editErr = err.Error()
		return
	}
	ta.Set("value", edit.Text)
	ta.Call("focus")
	ta.Call("setSelectionRange", edit.Caret, edit.Caret)
	w.prompt, w.editErr = edit.Text, ""
	w.rebuildPrompt()
}

// rebuildPrompt parses Δmid and tokenises the prompt with the loaded model.
func (w *Workbench) rebuildPrompt() {
	w.built, w.buildErr = nil, ""
	d, err := strconv.ParseFloat(strings.TrimSpace(w.deltaText), 32)
	if err != nil || math.IsInf(d, 0) || math.IsNaN(d) {
		w.buildErr = fmt.Sprintf("Δmid must be a number, not %q.", w.deltaText)
		return
	}
	w.deltaMid = float32(d)
	if w.sess == nil {
		return
	}
	p, err := w.sess.BuildPrompt(w.prompt, w.promptOptions(w.deltaMid))
	if err != nil {
		w.buildErr = describePromptError(err)
		return
	}
	w.built = p
}

// describePromptError places a tag error at its line and column.
func describePromptError(err error) string {
	var se *guide.SyntaxError
	if errors.As(err, &se) {
		msg := fmt.Sprintf("Line %d, column %d: %q: %v", se.Line, se.Column, se.Tag, se.Err)
		if se.Detail != "" {
			msg += " (" + se.Detail + ")"
		}
		return msg
	}
	return err.Error()
}
