package app

import (
	"fmt"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/keep"
)

// renderSources draws the other ways to get a model: open or drop a local
// file, load one from a URL, and the models kept on this device.
func (w *Workbench) renderSources() goapp.UI {
	busy := w.busy()
	return goapp.Div().Class("heed-sources").Body(
		goapp.Div().Class("heed-open").Body(
			goapp.Label().For(fileInputID).Class("heed-open-label").Text("Open file…"),
			goapp.Input().Type("file").ID(fileInputID).Class("heed-open-file").Accept(".gguf").
				Disabled(busy).
				OnChange(func(ctx goapp.Context, e goapp.Event) { w.openChosenFile(ctx) }),
			goapp.Span().Class("heed-drop-hint").Text("or drop a .gguf file on this panel. The file stays on this device."),
		),
		goapp.Form().Class("heed-url-form").
			OnSubmit(func(ctx goapp.Context, e goapp.Event) {
				e.PreventDefault()
				w.loadURL(ctx)
			}).Body(
			goapp.Label().For(urlInputID).Text("Model URL"),
			goapp.Input().Type("url").ID(urlInputID).Class("heed-url").
				Placeholder("https://example.org/model.gguf").Value(w.src.url).
				OnInput(func(ctx goapp.Context, e goapp.Event) { w.src.url = ctx.JSSrc().Get("value").String() }),
			goapp.Button().Type("submit").Class("heed-url-load").Disabled(busy).Text("Load from URL"),
		),
		w.renderKept(),
	)
}

// renderKept draws the kept models with Load and Delete, the storage in use,
// and Keep offline for the loaded model.
func (w *Workbench) renderKept() goapp.UI {
	k := w.src.kept
	return goapp.Div().Class("heed-kept").Aria("labelledby", "heed-kept-title").Body(
		goapp.H3().ID("heed-kept-title").Text("Kept models"),
		w.renderKeepLoaded(),
		goapp.If(k.err != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error heed-kept-error").Role("alert").Text(k.err)
		}),
		goapp.If(k.listed && len(k.models) == 0, func() goapp.UI {
			return goapp.P().Class("heed-status heed-kept-empty").Text("No models are kept on this device.")
		}),
		goapp.If(len(k.models) > 0, func() goapp.UI {
			return goapp.Table().Class("heed-models heed-kept-models").Body(
				goapp.THead().Body(goapp.Tr().Body(
					goapp.Th().Text("Name"),
					goapp.Th().Text("Size"),
					goapp.Th().Body(goapp.Span().Class("heed-visually-hidden").Text("Actions")),
				)),
				goapp.TBody().Body(goapp.Range(k.models).Slice(func(i int) goapp.UI {
					return w.keptRow(k.models[i])
				})),
			)
		}),
		goapp.If(k.usage.Quota > 0, func() goapp.UI {
			note := "The browser may clear kept models when the device runs short of space."
			if k.persisted {
				note = "The browser keeps them until you delete them."
			}
			return goapp.P().Class("heed-status heed-kept-usage").Text(fmt.Sprintf("This site uses %s of the %s the browser allows it. %s",
				formatSize(k.usage.Used), formatSize(k.usage.Quota), note))
		}),
	)
}

func (w *Workbench) keptRow(m keep.Model) goapp.UI {
	busy := w.busy()
	current := w.sess != nil && w.src.loaded.kind == fromKept && w.sess.Card.Name == m.Name
	label := "Load"
	if current {
		label = "Loaded"
	}
	return goapp.Tr().Class("heed-kept-model").Body(
		goapp.Td().Class("heed-model-name").Text(m.Name),
		goapp.Td().Class("heed-num").Text(formatSize(m.Size)),
		goapp.Td().Class("heed-kept-actions").Body(
			goapp.Button().Type("button").Class("heed-kept-load").
				Disabled(busy || current).Aria("label", "Load kept "+m.Name).
				OnClick(func(ctx goapp.Context, e goapp.Event) { w.loadFrom(ctx, keptSource(m.Name)) }).
				Text(label),
			goapp.Button().Type("button").Class("heed-kept-delete").
				Disabled(w.src.kept.saving == m.Name).Aria("label", "Delete kept "+m.Name).
				OnClick(func(goapp.Context, goapp.Event) { w.deleteKept(m.Name) }).
				Text("Delete"),
		),
	)
}

// renderKeepLoaded offers to keep the loaded model, or shows the save's
// progress with Cancel.
func (w *Workbench) renderKeepLoaded() goapp.UI {
	k := w.src.kept
	if k.saving != "" {
		p := k.progress
		return goapp.Div().Class("heed-keeping").Body(
			goapp.P().Class("heed-status").Aria("live", "polite").Text(fmt.Sprintf("Keeping %s on this device: %s of %s",
				k.saving, formatSize(p.Fetched), formatSize(p.Size))),
			goapp.Progress().Max(max(p.Size, 1)).Value(p.Fetched).Aria("label", "keeping the model on this device"),
			goapp.Button().Type("button").Class("heed-keep-cancel").
				OnClick(func(goapp.Context, goapp.Event) {
					if k.cancel != nil {
						k.cancel()
					}
				}).Text("Cancel"),
		)
	}
	if w.status != modelLoaded || w.sess == nil || w.src.loaded.open == nil || w.src.loaded.kind == fromKept {
		return goapp.Text("")
	}
	name := w.src.loaded.name
	if m, ok := w.keptCopy(); ok {
		return goapp.P().Class("heed-status heed-kept-already").Text(fmt.Sprintf("%s is kept on this device (%s).", name, formatSize(m.Size)))
	}
	return goapp.Button().Type("button").Class("heed-keep").Disabled(w.busy()).
		Aria("label", "Keep "+name+" offline").
		OnClick(func(goapp.Context, goapp.Event) { w.keepLoaded() }).
		Text("Keep offline")
}
