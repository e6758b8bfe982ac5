package app

import (
	"fmt"
	"strconv"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/session"
	"heed/internal/server/api"
)

// renderModel draws the model section: the server's list with a Load button
// per model, the load progress or error, the backend banner and the card.
func (w *Workbench) renderModel() goapp.UI {
	return goapp.Section().Class("heed-section heed-model-panel").
		DataSet("state", w.status.String()).
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
		w.renderLoadState(),
	)
}

func (w *Workbench) renderList() goapp.UI {
	switch w.list {
	case listError:
		return goapp.P().Class("heed-status heed-error").Aria("live", "polite").Text("Could not load the model list: " + w.listErr)
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
		return modelCard(w.sess.Card)
	default:
		return goapp.Text("")
	}
}

func modelCard(c session.Card) goapp.UI {
	row := func(k, v string) goapp.UI {
		return goapp.Div().Body(goapp.Dt().Text(k), goapp.Dd().Text(v))
	}
	return goapp.Dl().Class("heed-card").DataSet("backend", c.Backend).Body(
		row("Model", c.Name),
		row("Architecture", c.Architecture),
		row("Parameters", formatCount(c.Parameters)),
		row("Layers", strconv.Itoa(c.Layers)),
		row("Dim", strconv.Itoa(c.Dim)),
		row("Heads", fmt.Sprintf("%d (%d KV)", c.Heads, c.KVHeads)),
		row("Vocabulary", strconv.Itoa(c.Vocab)),
		row("Context", strconv.Itoa(c.Context)),
		row("Tensors", c.TensorTypes),
		goapp.Div().Body(goapp.Dt().Text("Backend"), goapp.Dd().Class("heed-backend").Text(c.Backend)),
	)
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
