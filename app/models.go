package app

import (
	"context"
	"net/http"
	"time"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/internal/server/api"
)

// listStatus is where the model list stands.
type listStatus int

const (
	listLoading listStatus = iota
	listError
	listLoaded
)

// listTimeout bounds the listing request; the server answers from memory
// and directory metadata, so seconds mean it is unreachable.
const listTimeout = 15 * time.Second

// ModelList shows the server's models: name, size, architecture,
// quantisation, with the default one marked.
type ModelList struct {
	goapp.Compo

	status listStatus
	models []api.Model
	err    string
}

// OnMount starts the listing request; it runs in the browser only, the
// server-rendered first paint shows the loading state.
func (m *ModelList) OnMount(ctx goapp.Context) {
	page := ctx.Page().URL()
	ctx.Async(func() {
		rctx, cancel := context.WithTimeout(ctx, listTimeout)
		defer cancel()
		models, err := fetchModels(rctx, http.DefaultClient, page)
		ctx.Dispatch(func(goapp.Context) {
			if err != nil {
				m.status, m.err = listError, err.Error()
				return
			}
			m.status, m.models = listLoaded, models
		})
	})
}

// Render draws the state: loading, error, or the table.
func (m *ModelList) Render() goapp.UI {
	switch m.status {
	case listError:
		return goapp.P().Class("heed-status heed-error").Aria("live", "polite").Text("Could not load the model list: " + m.err)
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
			)),
			goapp.TBody().Body(goapp.Range(m.models).Slice(func(i int) goapp.UI {
				return modelRow(m.models[i])
			})),
		)
	default:
		return goapp.P().Class("heed-status").Aria("live", "polite").Text("Loading the model list…")
	}
}

func modelRow(md api.Model) goapp.UI {
	arch, quant := md.Architecture, md.Quantization
	if md.Error != "" {
		arch, quant = md.Error, ""
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
	)
}
