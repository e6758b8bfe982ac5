package app

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/keep"
	"heed/app/wire"
	"heed/internal/server/api"
)

// ModelSheet is the model drawer: the server's models, a local file, a URL,
// the models kept on this device, and the loaded model's card with its
// backend and GPU details. A file dropped anywhere on it loads.
type ModelSheet struct {
	goapp.Compo
	S    *Studio
	Rev  int
	Open bool
}

// Render draws the drawer while it is open.
func (v *ModelSheet) Render() goapp.UI {
	s := v.S
	return sheet("heed-model-sheet", "Model", v.Open, s, func() []goapp.UI {
		m := &s.models
		return []goapp.UI{goapp.Div().Class("heed-model-panel").
			DataSet("state", m.status.String()).
			DataSet("drop", m.dropState()).
			OnDragOver(s.onDragOver).OnDragLeave(s.onDragLeave).OnDrop(s.onDrop).Body(
			v.renderLoadState(),
			v.renderList(),
			v.renderSources(),
			v.renderKept(),
		)}
	})
}

func (v *ModelSheet) renderList() goapp.UI {
	m := &v.S.models
	switch m.list {
	case listError:
		return goapp.Div().Class("heed-list-error").Body(
			goapp.P().Class("heed-status heed-error").Aria("live", "polite").Text("Could not load the server's model list: "+m.listErr),
			goapp.P().Class("heed-status").Text("You can still open a model file from this device, load one from a URL, or load a kept model below."),
		)
	case listLoaded:
		if len(m.models) == 0 {
			return goapp.P().Class("heed-status").Text("No models yet: put GGUF files in the server's models directory.")
		}
		return goapp.Table().Class("heed-models").Body(
			goapp.THead().Body(goapp.Tr().Body(
				goapp.Th().Text("Name"),
				goapp.Th().Text("Size"),
				goapp.Th().Text("Architecture"),
				goapp.Th().Text("Quantisation"),
				goapp.Th().Body(goapp.Span().Class("heed-visually-hidden").Text("Action")),
			)),
			goapp.TBody().Body(goapp.Range(m.models).Slice(func(i int) goapp.UI {
				return v.modelRow(m.models[i])
			})),
		)
	default:
		return goapp.P().Class("heed-status").Aria("live", "polite").Text("Loading the model list…")
	}
}

func (v *ModelSheet) modelRow(md api.Model) goapp.UI {
	s := v.S
	arch, quant := md.Architecture, md.Quantization
	if md.Error != "" {
		arch, quant = md.Error, ""
	}
	busy := s.jobs.busy()
	current := s.models.status == modelLoaded && s.models.src.server && s.models.src.name == md.Name
	label := "Load"
	if current {
		label = "Loaded"
	}
	return goapp.Tr().Class("heed-model").Body(
		goapp.Td().Body(
			goapp.Span().Class("heed-model-name").Text(md.Name),
			goapp.If(md.Default, func() goapp.UI {
				return goapp.Span().Class("heed-default").Text("default")
			}),
		),
		goapp.Td().Class("heed-num").Text(formatSize(md.Size)),
		goapp.Td().Text(arch),
		goapp.Td().Text(quant),
		goapp.Td().Body(goapp.Button().Class("heed-load").Type("button").
			Disabled(busy || current || md.Error != "").
			Aria("label", label+" "+md.Name).
			OnClick(func(ctx goapp.Context, e goapp.Event) { s.loadModel(s.serverSource(md.Name), nil) }, goapp.EventScope(md.Name)).
			Text(label)),
	)
}

// renderLoadState draws progress while loading, the error, or the card.
func (v *ModelSheet) renderLoadState() goapp.UI {
	s := v.S
	m := &s.models
	switch m.status {
	case modelLoading:
		p := progressOf(m.progress)
		return goapp.Div().Class("heed-loading").Body(
			goapp.P().Class("heed-status").Aria("live", "polite").Text(fmt.Sprintf("Loading %s: %s of %s (%s/s)",
				m.loading, formatSize(p.Fetched), formatSize(p.Size), formatSize(int64(p.BytesPerSecond())))),
			goapp.Progress().Max(max(p.Size, 1)).Value(p.Fetched).Aria("label", "model download"),
			goapp.Button().Type("button").Class("heed-cancel").
				OnClick(func(goapp.Context, goapp.Event) { s.stop() }).Text("Cancel"),
		)
	case modelError:
		return goapp.P().Class("heed-status heed-error").Role("alert").Text(m.err)
	case modelLoaded:
		return goapp.Div().Body(v.renderBackendNote(), v.renderGPUFailure(), modelCardOf(m.info))
	default:
		return goapp.Text("")
	}
}

func modelCardOf(l *wire.Loaded) goapp.UI {
	c, chatFamily, gpu := l.Card, l.ChatFamily, l.Adapter
	row := func(k, v string) goapp.UI {
		return goapp.Div().Body(goapp.Dt().Text(k), goapp.Dd().Text(v))
	}
	return goapp.Dl().Class("heed-card").DataSet("backend", l.Backend.Label).Body(
		row("Model", c.Name),
		row("Architecture", c.Architecture),
		row("Parameters", formatCount(c.Parameters)),
		row("Quantisation", c.TensorTypes),
		row("Layers", strconv.Itoa(c.Layers)),
		row("Dim", strconv.Itoa(c.Dim)),
		row("Heads", fmt.Sprintf("%d (%d KV)", c.Heads, c.KVHeads)),
		row("Vocabulary", strconv.Itoa(c.Vocab)),
		row("Context", strconv.Itoa(c.Context)),
		goapp.Div().Body(goapp.Dt().Text("Chat template"), goapp.Dd().Class("heed-chat-family").Text(chatFamily)),
		goapp.Div().Body(goapp.Dt().Text("Backend"), goapp.Dd().Class("heed-backend").Text(l.Backend.Label)),
		goapp.If(l.Backend.Detail != "", func() goapp.UI {
			return goapp.Div().Body(goapp.Dt().Text("Executor"), goapp.Dd().Class("heed-executor").Text(l.Backend.Detail))
		}),
		goapp.If(gpu != nil, func() goapp.UI {
			rows := adapterRows(gpu)
			return goapp.Div().Class("heed-adapter").Body(
				goapp.Dt().Text("GPU adapter"),
				goapp.Dd().Body(
					goapp.Span().Class("heed-adapter-name").Text(describeAdapter(gpu)),
					goapp.Dl().Class("heed-limits").Body(
						goapp.Range(rows).Slice(func(i int) goapp.UI {
							r := rows[i]
							return goapp.Div().DataSet("key", r.key).Body(goapp.Dt().Text(r.key), goapp.Dd().Text(r.value))
						}),
					),
				),
			)
		}),
	)
}

// describeAdapter names the adapter in one line: "SwiftShader (cpu, browser)".
func describeAdapter(a *wire.Adapter) string {
	name := a.Name
	if name == "" {
		name = "unnamed adapter"
	}
	var extra []string
	for _, s := range []string{a.Type, a.Backend} {
		if s != "" {
			extra = append(extra, s)
		}
	}
	if len(extra) > 0 {
		name += " (" + strings.Join(extra, ", ") + ")"
	}
	return name
}

type cardRow struct{ key, value string }

// adapterRows are the adapter's features and key limits, named as WebGPU names them.
func adapterRows(a *wire.Adapter) []cardRow {
	features := "none of shader-f16, subgroups"
	if len(a.Features) > 0 {
		features = strings.Join(a.Features, ", ")
	}
	return []cardRow{
		{"features", features},
		{"maxStorageBufferBindingSize", formatBytes(a.MaxStorageBufferBindingSize)},
		{"maxBufferSize", formatBytes(a.MaxBufferSize)},
		{"maxComputeWorkgroupStorageSize", formatBytes(uint64(a.MaxComputeWorkgroupStorageSize))},
		{"maxComputeInvocationsPerWorkgroup", strconv.FormatUint(uint64(a.MaxComputeInvocationsPerWorkgroup), 10)},
	}
}

// formatCount writes a parameter count the way model names do (260K, 1.7B).
func formatCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0fK", float64(n)/1e3)
	default:
		return strconv.FormatInt(n, 10)
	}
}

// formatBytes writes a byte limit readably with its exact value.
func formatBytes(n uint64) string {
	return fmt.Sprintf("%s (%d bytes)", formatSize(int64(min(n, math.MaxInt64))), n)
}

// renderSources draws the other ways to get a model: open or drop a local
// file, load one from a URL, and the models kept on this device.
func (v *ModelSheet) renderSources() goapp.UI {
	s := v.S
	busy := s.jobs.busy()
	return goapp.Div().Class("heed-sources").Body(
		goapp.Div().Class("heed-open").Body(
			goapp.Label().For(fileInputID).Class("heed-open-label").Text("Open file…"),
			goapp.Input().Type("file").ID(fileInputID).Class("heed-open-file").Accept(".gguf").
				Disabled(busy).
				OnChange(func(ctx goapp.Context, e goapp.Event) { s.openChosenFile() }),
			goapp.Span().Class("heed-drop-hint").Text("or drop a .gguf file on this panel. The file stays on this device."),
		),
		goapp.Form().Class("heed-url-form").
			OnSubmit(func(ctx goapp.Context, e goapp.Event) {
				e.PreventDefault()
				s.loadURL()
			}).Body(
			goapp.Label().For(urlInputID).Text("Model URL"),
			goapp.Input().Type("url").ID(urlInputID).Class("heed-url").
				Placeholder("https://example.org/model.gguf").Value(s.models.url).
				OnInput(func(ctx goapp.Context, e goapp.Event) { s.models.url = ctx.JSSrc().Get("value").String() }),
			goapp.Button().Type("submit").Class("heed-url-load").Disabled(busy).Text("Load from URL"),
		),
	)
}

// renderKept draws the kept models with Load and Delete, the storage in use,
// and Keep offline for the loaded model.
func (v *ModelSheet) renderKept() goapp.UI {
	s := v.S
	k := s.models.kept
	return goapp.Div().Class("heed-kept").Aria("labelledby", "heed-kept-title").Body(
		goapp.H3().ID("heed-kept-title").Text("Kept models"),
		v.renderKeepLoaded(),
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
					return v.keptRow(k.models[i])
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

func (v *ModelSheet) keptRow(m keep.Model) goapp.UI {
	s := v.S
	busy := s.jobs.busy()
	current := s.models.status == modelLoaded && s.models.src.kind == wire.FromKept && s.models.src.name == m.Name
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
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.loadModel(keptSource(m.Name), nil) }, goapp.EventScope(m.Name)).
				Text(label),
			goapp.Button().Type("button").Class("heed-kept-delete").
				Disabled(s.models.kept.saving == m.Name).Aria("label", "Delete kept "+m.Name).
				OnClick(func(goapp.Context, goapp.Event) { s.deleteKept(m.Name) }, goapp.EventScope(m.Name)).
				Text("Delete"),
		),
	)
}

// renderKeepLoaded offers to keep the loaded model, or shows the save's
// progress with Cancel.
func (v *ModelSheet) renderKeepLoaded() goapp.UI {
	s := v.S
	k := s.models.kept
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
	if s.models.status != modelLoaded || s.models.src.kind == wire.FromKept {
		return goapp.Text("")
	}
	name := s.models.src.name
	if m, ok := s.keptCopy(); ok {
		return goapp.P().Class("heed-status heed-kept-already").Text(fmt.Sprintf("%s is kept on this device (%s).", name, formatSize(m.Size)))
	}
	return goapp.Button().Type("button").Class("heed-keep").Disabled(s.jobs.busy()).
		Aria("label", "Keep offline: "+name).
		OnClick(func(goapp.Context, goapp.Event) { s.keepLoaded() }).
		Text("Keep offline")
}
