package app

import (
	"context"
	"net/http"
	"net/url"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/httprange"
	"heed/app/session"
	"heed/engine/influence"
	"heed/engine/model"
	"heed/engine/prompt"
	"heed/internal/server/api"
)

// SamplePrompt is the prompt the editor starts with: a story opening whose
// noun "cat" is highlighted at the strongest level.
const SamplePrompt = "Once upon a time, there was a girl named Lily. She had a <!!!->cat<-!!!> and a big red ball. One day,"

// modelStatus is where the model stands.
type modelStatus int

const (
	modelNone modelStatus = iota
	modelLoading
	modelError
	modelLoaded
)

func (s modelStatus) String() string {
	return [...]string{"none", "loading", "error", "loaded"}[s]
}

// backend is the executor a model is loaded onto.
type backend struct {
	exec   model.Executor
	name   string
	banner string // why the page is not on the GPU, in one sentence; empty when it is
	detail string // the error behind banner
	gpu    bool
}

// Workbench is the page's working area: the model, the prompt editor, the
// A/B generation, the Influence view, the Δ sweep and calibration. Long work runs in ctx.Async and
// reports back through ctx.Dispatch; the render methods only read state.
type Workbench struct {
	goapp.Compo

	// The server's model list.
	list       listStatus
	models     []api.Model
	listErr    string
	modelsPage *url.URL

	// The loaded (or loading) model.
	status     modelStatus
	loading    string // name of the model being loaded
	progress   httprange.Progress
	loadErr    string
	banner     string
	bannerInfo string
	sess       *session.Session
	cancelLoad context.CancelFunc
	src        sources // local files, URLs and kept models
	gpuFailed  bool    // the GPU failed under the loaded model (gpufailure.go)

	// The prompt editor.
	prompt    string
	deltaMid  float32
	deltaText string
	editErr   string
	built     *prompt.Prompt
	buildErr  string
	chat      chatState // chat template and system prompt (chatview.go)
	custom    string    // the custom Δ field, as typed (editor.go)

	gen   generation
	infl  influenceState
	sweep sweepState
	calib calibState
	io    sessionIO
}

// influenceState is the Influence view's state.
type influenceState struct {
	running bool
	err     string
	tracks  []influence.Track
	pieces  []string // token texts of the measured prompt
	layer   int
	cancel  context.CancelFunc // stops the measurement in flight
	note    string             // "Stopped." after Stop
	view    influenceView      // charts, heatmap strips and exports (influenceview.go)
}

// NewWorkbench returns a workbench in its starting state: the sample prompt,
// Δmid 1, 20 greedy tokens per side.
func NewWorkbench() *Workbench {
	w := &Workbench{prompt: SamplePrompt, deltaMid: prompt.DefaultDeltaMid, deltaText: "1"}
	w.sweep.text = defaultSweep
	w.gen.maxTokens, w.gen.tempText, w.gen.seed = 20, "0", 1
	w.gen.filters, w.custom = defaultFilters, "-1"
	return w
}

// OnMount fetches the model list and then loads the default model.
func (w *Workbench) OnMount(ctx goapp.Context) {
	page := ctx.Page().URL()
	w.modelsPage = page
	w.restoreFromLink(ctx, page)
	w.mountSources(ctx)
	ctx.Async(func() {
		rctx, cancel := context.WithTimeout(ctx, listTimeout)
		defer cancel()
		models, err := fetchModels(rctx, http.DefaultClient, page)
		ctx.Dispatch(func(ctx goapp.Context) {
			if err != nil {
				w.list, w.listErr = listError, describeListError(err)
				return
			}
			w.list, w.models = listLoaded, models
			for _, m := range models {
				if m.Default && m.Error == "" && w.status == modelNone {
					w.loadModel(ctx, m.Name)
				}
			}
		})
	})
}

// OnDismount stops the work in flight and releases the model.
func (w *Workbench) OnDismount() {
	if w.cancelLoad != nil {
		w.cancelLoad()
	}
	if w.gen.cancel != nil {
		w.gen.cancel()
	}
	w.stopSweep()
	w.stopInfluence()
	if w.calib.cancel != nil {
		w.calib.cancel()
	}
	if w.sess != nil {
		w.sess.Close()
	}
}

// Render lays out the page's sections.
func (w *Workbench) Render() goapp.UI {
	return goapp.Div().Class("heed-workbench").Body(
		w.renderModel(),
		w.renderEditor(),
		w.renderGeneration(),
		w.renderInfluence(),
		w.renderSweep(),
		w.renderCalibration(),
		w.renderSession(),
	)
}
