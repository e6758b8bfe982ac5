package app

import (
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/engine/chat"
	"heed/engine/prompt"
)

// Element ids of the chat settings.
const (
	useChatID = "heed-use-chat"
	systemID  = "heed-system"
)

// chatState is whether the prompt is wrapped in the model's chat template,
// and the system prompt that goes with it.
type chatState struct {
	use    bool
	system string
}

// chatFamily is the loaded model's chat template family (chat.Raw when there
// is no model or no template heed recognises).
func (w *Workbench) chatFamily() chat.Family {
	if w.sess == nil {
		return chat.Raw
	}
	return w.sess.ChatFamily()
}

// promptOptions are the options every prompt of the editor is built with:
// Δmid, and the chat template and system prompt when they are on.
func (w *Workbench) promptOptions(deltaMid float32) prompt.Options {
	opts := prompt.Options{DeltaMid: deltaMid}
	if fam := w.chatFamily(); w.chat.use && fam != chat.Raw {
		opts.Chat, opts.System = fam, w.chat.system
	}
	return opts
}

// renderChat draws the chat template checkbox, disabled with the reason when
// the model has no template, and the system prompt.
func (w *Workbench) renderChat() goapp.UI {
	fam := w.chatFamily()
	note := "The model's chat template (" + fam.String() + ") wraps the prompt as a user turn; highlights keep their tokens inside it."
	switch {
	case w.sess == nil:
		note = "Load a model to use its chat template."
	case fam == chat.Raw:
		note = "This model has no chat template that heed recognises: the prompt is used as it is."
	}
	on := w.chat.use && fam != chat.Raw
	return goapp.FieldSet().Class("heed-chat").Body(
		goapp.Legend().Text("Chat"),
		goapp.Div().Class("heed-toolbar").Body(
			goapp.Input().ID(useChatID).Type("checkbox").Checked(on).Disabled(fam == chat.Raw).
				Aria("describedby", "heed-chat-note").
				OnChange(func(ctx goapp.Context, e goapp.Event) {
					w.chat.use = ctx.JSSrc().Get("checked").Bool()
					w.rebuildPrompt()
				}),
			goapp.Label().For(useChatID).Text("Use chat template"),
		),
		goapp.P().ID("heed-chat-note").Class("heed-hint heed-chat-note").Text(note),
		goapp.Label().For(systemID).Class("heed-field").Text("System prompt (with the chat template)"),
		goapp.Textarea().ID(systemID).Class("heed-system").Rows(2).Disabled(!on).
			Placeholder("e.g. You are a helpful assistant.").Text(w.chat.system).
			OnInput(func(ctx goapp.Context, e goapp.Event) {
				w.chat.system = ctx.JSSrc().Get("value").String()
				w.rebuildPrompt()
			}),
	)
}
