package app

import goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

// gpuFault is a failure of the GPU itself, as opposed to a failure of the
// work asked of it. After one the WebGPU executor refuses all further work
// (engine/webgpu makes device loss and out-of-memory sticky), so the model
// must be loaded again.
type gpuFault int

const (
	noGPUFault gpuFault = iota
	gpuLost
	gpuOutOfMemory
)

// classifyGPU finds a GPU failure in an engine error. The browser build
// (backend_js.go) knows the WebGPU executor's errors; other builds run on
// the CPU and have none.
var classifyGPU = func(error) gpuFault { return noGPUFault }

// describeRunError says in words why work on the loaded model failed: failed
// ("Generation failed: ") prefixes any error but a GPU failure, which gets a
// sentence of its own and makes the model panel offer to reload the model.
func (w *Workbench) describeRunError(failed string, err error) string {
	switch classifyGPU(err) {
	case gpuLost:
		w.gpuFailed = true
		return "The GPU stopped working: the browser lost the WebGPU device (a driver reset, or the system reclaimed the GPU). Reload the model to go on; heed uses the CPU if the GPU stays unavailable."
	case gpuOutOfMemory:
		w.gpuFailed = true
		return "The GPU ran out of memory for this work. Reload the model and use a shorter prompt, or a smaller model."
	}
	return failed + err.Error()
}

// renderGPUFailure offers to reload the model after a GPU failure, from
// wherever it was read (server, file, URL or kept copy).
func (w *Workbench) renderGPUFailure() goapp.UI {
	if !w.gpuFailed || w.status != modelLoaded {
		return goapp.Text("")
	}
	return goapp.Div().Class("heed-banner heed-gpu-failed").Role("alert").Body(
		goapp.Text("The GPU failed, so this model can no longer run. "),
		goapp.Button().Type("button").Class("heed-reload heed-primary").
			Disabled(w.gen.running || w.infl.running).
			OnClick(func(ctx goapp.Context, e goapp.Event) { w.reloadAfterGPUFailure(ctx) }).
			Text("Reload the model"),
	)
}

// reloadAfterGPUFailure loads the model again from its source; openBackend
// tries the GPU afresh and falls back to the CPU when it is gone.
func (w *Workbench) reloadAfterGPUFailure(ctx goapp.Context) {
	if w.src.loaded.open == nil {
		return
	}
	w.loadFrom(ctx, w.src.loaded)
}
