package app

import (
	"fmt"
	"strconv"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/sessionfile"
)

// Element ids of the settings.
const (
	useChatID = "heed-use-chat"
	systemID  = "heed-system"
)

// SettingsSheet is the collapsed settings panel: sampling, Δmid, the chat
// template, and the backend (CPU, WebGPU or automatic).
type SettingsSheet struct {
	goapp.Compo
	S    *Studio
	Rev  int
	Open bool
}

// Render draws the sheet's frame, and its fields while it is open.
func (v *SettingsSheet) Render() goapp.UI {
	return sheet("heed-settings", "Settings", v.Open, v.S, func() []goapp.UI {
		return []goapp.UI{v.renderGeneration(), v.renderGuide(), v.renderChat(), v.renderBackend()}
	})
}

// sheet is a panel over the page's side, with a title and a close button;
// its body is built only while it is open.
func sheet(id, title string, open bool, s *Studio, body func() []goapp.UI) goapp.UI {
	if !open {
		return goapp.Aside().ID(id).Class("heed-sheet").Hidden(true).Aria("label", title)
	}
	return goapp.Aside().ID(id).Class("heed-sheet").Aria("labelledby", id+"-title").Body(
		goapp.Div().Class("heed-sheet-head").Body(
			goapp.H2().ID(id+"-title").Text(title),
			goapp.Button().Type("button").Class("heed-sheet-close heed-quiet").Aria("label", "Close "+title).
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.chrome.sheet = ""; s.touch(areaChrome) }).Text("✕"),
		),
		goapp.Div().Class("heed-sheet-body").Body(body()...),
	)
}

// field is a labelled input.
func field(id, label string, input goapp.HTMLInput) goapp.UI {
	return goapp.Div().Class("heed-field-row").Body(goapp.Label().For(id).Text(label), input.ID(id))
}

func (v *SettingsSheet) renderGeneration() goapp.UI {
	s := v.S
	st := &s.settings
	f := &st.filters
	text := func(dst *string) goapp.EventHandler {
		return func(ctx goapp.Context, e goapp.Event) {
			*dst = ctx.JSSrc().Get("value").String()
			if !s.jobs.busy() {
				s.gen.err = "" // a refusal of the old value no longer applies
			}
			s.touch(areaRun)
		}
	}
	return goapp.FieldSet().Class("heed-fieldset").Body(
		goapp.Legend().Text("Generation"),
		field("heed-max-tokens", "Max tokens", goapp.Input().Type("number").Min(1).Max(sessionfile.MaxTokens).Value(st.maxTokens).
			Aria("invalid", st.tokensErr != "").OnInput(func(ctx goapp.Context, e goapp.Event) {
			val := ctx.JSSrc().Get("value").String()
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > sessionfile.MaxTokens {
				st.tokensErr = fmt.Sprintf("Max tokens must be a whole number from 1 to %d, not %q; still using %d.", sessionfile.MaxTokens, val, st.maxTokens)
			} else {
				st.maxTokens, st.tokensErr = n, ""
			}
			s.touch(areaRun)
		})),
		goapp.If(st.tokensErr != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error heed-tokens-error").Role("alert").Text(st.tokensErr)
		}),
		field("heed-temperature", "Temperature (0: greedy)", goapp.Input().Type("number").Min(0).Step(0.1).Value(st.tempText).OnInput(text(&st.tempText))),
		field("heed-seed", "Seed", goapp.Input().Type("number").Min(0).Value(st.seed).OnInput(func(ctx goapp.Context, e goapp.Event) {
			if n, err := strconv.ParseUint(ctx.JSSrc().Get("value").String(), 10, 64); err == nil {
				st.seed = n
			}
		})),
		field("heed-top-k", "Top-k (0: off)", goapp.Input().Type("number").Min(0).Max(sessionfile.MaxTopK).Step(1).Value(f.topK).OnInput(text(&f.topK))),
		field("heed-top-p", "Top-p (1: off)", goapp.Input().Type("number").Min(0).Max(1).Step(0.05).Value(f.topP).OnInput(text(&f.topP))),
		field("heed-min-p", "Min-p (0: off)", goapp.Input().Type("number").Min(0).Max(1).Step(0.01).Value(f.minP).OnInput(text(&f.minP))),
		field("heed-repeat", "Repetition penalty (1: off)", goapp.Input().Type("number").Min(0).Max(sessionfile.MaxRepeatPenalty).Step(0.05).Value(f.repeat).OnInput(text(&f.repeat))),
		goapp.P().Class("heed-hint").Text("Top-k, top-p and min-p act when temperature > 0; the penalty also in greedy decoding. Both sides of A/B use the same seed."),
	)
}

func (v *SettingsSheet) renderGuide() goapp.UI {
	s := v.S
	return goapp.FieldSet().Class("heed-fieldset").Body(
		goapp.Legend().Text("GUIDE"),
		field("heed-delta-mid", "Δmid (the Δ of 1 × Δmid)", goapp.Input().Class("heed-delta-mid").Type("number").Step(0.1).Value(s.prompt.deltaText).
			OnInput(func(ctx goapp.Context, e goapp.Event) {
				s.prompt.deltaText = ctx.JSSrc().Get("value").String()
				s.rebuildPrompt()
				s.touch(areaPrompt, areaRun)
			})),
		goapp.P().Class("heed-hint").Text("Levels scale with Δmid: ½ Δ = Δmid/2, 1 Δ = Δmid, 2 Δ = 2·Δmid. A custom Δ does not scale."),
	)
}

// renderChat draws the chat template checkbox, disabled with the reason when
// the model has no template, and the system prompt.
func (v *SettingsSheet) renderChat() goapp.UI {
	s := v.S
	p := &s.prompt
	fam := s.chatFamily()
	note := "The model's chat template (" + fam + ") wraps the prompt as a user turn; highlights keep their tokens inside it."
	switch {
	case s.models.info == nil:
		note = "Load a model to use its chat template."
	case fam == "raw":
		note = "This model has no chat template that heed recognises: the prompt is used as it is."
	}
	on := p.chat && fam != "raw"
	return goapp.FieldSet().Class("heed-fieldset heed-chat").Body(
		goapp.Legend().Text("Chat"),
		goapp.Div().Class("heed-check").Body(
			goapp.Input().ID(useChatID).Type("checkbox").Checked(on).Disabled(fam == "raw").Aria("describedby", "heed-chat-note").
				OnChange(func(ctx goapp.Context, e goapp.Event) {
					p.chat = ctx.JSSrc().Get("checked").Bool()
					s.rebuildPrompt()
					s.touch(areaPrompt, areaRun)
				}),
			goapp.Label().For(useChatID).Text("Use the chat template"),
		),
		goapp.P().ID("heed-chat-note").Class("heed-hint heed-chat-note").Text(note),
		goapp.Label().For(systemID).Class("heed-field").Text("System prompt (with the chat template)"),
		goapp.Textarea().ID(systemID).Class("heed-system").Rows(2).Disabled(!on).
			Placeholder("e.g. You are a helpful assistant.").Text(p.system).
			OnInput(func(ctx goapp.Context, e goapp.Event) {
				p.system = ctx.JSSrc().Get("value").String()
				s.rebuildPrompt()
				s.touch(areaPrompt, areaRun)
			}),
	)
}

// renderBackend offers the executors the way `heed --backend` does: auto
// passes over software adapters, WebGPU takes any adapter.
func (v *SettingsSheet) renderBackend() goapp.UI {
	s := v.S
	opt := func(value, label, hint string) goapp.UI {
		id := "heed-backend-" + value
		return goapp.Div().Class("heed-check").Body(
			goapp.Input().Type("radio").ID(id).Name("heed-backend").Value(value).Checked(s.settings.backend == value).
				Disabled(s.jobs.busy()).Aria("describedby", id+"-hint").
				OnChange(func(ctx goapp.Context, e goapp.Event) { s.setBackend(value) }),
			goapp.Label().For(id).Text(label),
			goapp.Span().ID(id+"-hint").Class("heed-hint").Text(" "+hint),
		)
	}
	return goapp.FieldSet().Class("heed-fieldset heed-backend-choice").Body(
		goapp.Legend().Text("Backend"),
		opt(backendAuto, "Automatic", "a hardware GPU that passes the self-test, else the CPU (software GPUs such as SwiftShader are slower than the CPU)"),
		opt(backendCPU, "CPU", "the CPU executor, in a worker"),
		opt(backendGPU, "WebGPU", "any WebGPU adapter that passes the self-test, software ones included"),
		goapp.P().Class("heed-hint").Text("The choice is kept in this browser; changing it loads the model again."),
	)
}

// setBackend keeps the choice and loads the model again on it.
func (s *Studio) setBackend(c string) {
	if s.settings.backend == c {
		return
	}
	s.settings.backend = c
	storeBackend(c)
	if s.models.status == modelLoaded && s.models.src.name != "" {
		s.loadModel(s.models.src, nil)
	}
	s.touch()
}
