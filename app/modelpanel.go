package app

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/session"
	"heed/internal/server/api"
)

// renderModel draws the model section: the server's list with a Load button
// per model, the load progress or error, the backend banner and the card.
func (w *Workbench) renderModel() goapp.UI {
	return goapp.Section().Class("heed-section heed-model-panel").
		DataSet("state", w.status.String()).
		DataSet("drop", w.src.dropState()).
		OnDragOver(w.onDragOver).OnDragLeave(w.onDragLeave).OnDrop(w.onDrop).
		Aria("labelledby", "heed-models-title").Body(
		goapp.H2().ID("heed-models-title").Text("Model"),
		goapp.If(w.banner != "", func() goapp.UI {
			return goapp.Div().Class("heed-banner").Role("status").Body(
				goapp.P().Class("heed-banner-text").Text(w.banner),
				goapp.If(w.bannerInfo != "", func() goapp.UI {
					return goapp.Details().Body(goapp.Summary().Text("Details"), goapp.P().Class("heed-banner-detail").Text(w.bannerInfo))
				}),
			)
		}),
		w.renderList(),
		w.renderSources(),
		w.renderLoadState(),
	)
}

func (w *Workbench) renderList() goapp.UI {
	switch w.list {
	case listError:
		return goapp.Div().Class("heed-list-error").Body(
			goapp.P().Class("heed-status heed-error").Aria("live", "polite").Text("Could not load the server's model list: "+w.listErr),
			goapp.P().Class("heed-status").Text("You can still open a model file from this device, load one from a URL, or load a kept model below."),
		)
	case listLoaded:
		if len(w.models) == 0 {
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
			goapp.TBody().Body(goapp.Range(w.models).Slice(func(i int) goapp.UI {
				return w.modelRow(w.models[i])
			})),
		)
	default:
		return goapp.P().Class("heed-status").Aria("live", "polite").Text("Loading the model list…")
	}
}

func (w *Workbench) modelRow(md api.Model) goapp.UI {
	arch, quant := md.Architecture, md.Quantization
	if md.Error != "" {
		arch, quant = md.Error, ""
	}
	busy := w.status == modelLoading || w.gen.running || w.infl.running
	current := w.sess != nil && w.sess.Card.Name == md.Name
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
			Aria("label", "Load "+md.Name).
			OnClick(func(ctx goapp.Context, e goapp.Event) { w.loadModel(ctx, md.Name) }).
			Text(label)),
	)
}

// renderLoadState draws progress while loading, the error, or the card.
func (w *Workbench) renderLoadState() goapp.UI {
	switch w.status {
	case modelLoading:
		p := w.progress
		return goapp.Div().Class("heed-loading").Body(
			goapp.P().Class("heed-status").Aria("live", "polite").Text(fmt.Sprintf("Loading %s: %s of %s (%s/s)",
				w.loading, formatSize(p.Fetched), formatSize(p.Size), formatSize(int64(p.BytesPerSecond())))),
			goapp.Progress().Max(max(p.Size, 1)).Value(p.Fetched).Aria("label", "model download"),
			goapp.Button().Type("button").Class("heed-cancel").
				OnClick(func(goapp.Context, goapp.Event) {
					if w.cancelLoad != nil {
						w.cancelLoad()
					}
				}).Text("Cancel"),
		)
	case modelError:
		return goapp.P().Class("heed-status heed-error").Role("alert").Text(w.loadErr)
	case modelLoaded:
		return goapp.Div().Body(w.renderGPUFailure(), w.modelCard())
	default:
		return goapp.Text("")
	}
}

// modelCard describes the loaded model and what it runs on, with the GPU
// adapter's features and the limits that bound which models fit.
func (w *Workbench) modelCard() goapp.UI {
	c := w.sess.Card
	var gpu *adapterCard
	if d, ok := w.sess.Executor().(adapterDescriber); ok {
		a := d.adapterCard()
		gpu = &a
	}
	return modelCardOf(c, w.sess.ChatFamily().String(), gpu)
}

func modelCardOf(c session.Card, chatFamily string, gpu *adapterCard) goapp.UI {
	row := func(k, v string) goapp.UI {
		return goapp.Div().Body(goapp.Dt().Text(k), goapp.Dd().Text(v))
	}
	return goapp.Dl().Class("heed-card").DataSet("backend", c.Backend).Body(
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
		goapp.Div().Body(goapp.Dt().Text("Backend"), goapp.Dd().Class("heed-backend").Text(c.Backend)),
		goapp.If(gpu != nil, func() goapp.UI {
			rows := gpu.rows()
			return goapp.Div().Class("heed-adapter").Body(
				goapp.Dt().Text("GPU adapter"),
				goapp.Dd().Body(
					goapp.Span().Class("heed-adapter-name").Text(gpu.describe()),
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

// adapterDescriber is an executor on a GPU adapter (backend_js.go's).
type adapterDescriber interface{ adapterCard() adapterCard }

// adapterCard is what the card shows of a WebGPU adapter: engine/webgpu's
// Info, copied so that native builds need not link the WebGPU binding.
type adapterCard struct {
	Name, Backend, Type string
	Features            []string // WebGPU feature names, such as "shader-f16"
	// The limits that decide which models and kernels fit, in bytes or counts.
	MaxStorageBufferBindingSize, MaxBufferSize                        uint64
	MaxComputeWorkgroupStorageSize, MaxComputeInvocationsPerWorkgroup uint32
}

// describe names the adapter in one line: "SwiftShader (cpu, browser)".
func (a adapterCard) describe() string {
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

// rows are the adapter's features and key limits, named as WebGPU names them.
func (a adapterCard) rows() []cardRow {
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
