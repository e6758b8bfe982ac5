package app

import (
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/wire"
)

// describeRunError says in words why work on the loaded model failed: failed
// ("Generation failed: ") prefixes any error but a GPU failure, which gets a
// sentence of its own and makes the model drawer offer to reload the model.
// After one the WebGPU executor refuses all further work (engine/webgpu
// makes device loss and out-of-memory sticky).
func (s *Studio) describeRunError(failed string, err error) string {
	switch wire.Code(err) {
	case wire.CodeGPULost:
		s.models.gpuFailed = true
		return "The GPU stopped working: the browser lost the WebGPU device (a driver reset, or the system reclaimed the GPU). Reload the model to go on; heed uses the CPU if the GPU stays unavailable."
	case wire.CodeGPUMemory:
		s.models.gpuFailed = true
		return "The GPU ran out of memory for this work. Reload the model and use a shorter prompt, or a smaller model."
	}
	return failed + err.Error()
}

// renderGPUFailure offers to reload the model after a GPU failure, from
// wherever it was read (server, file, URL or kept copy).
func (v *ModelSheet) renderGPUFailure() goapp.UI {
	s := v.S
	if !s.models.gpuFailed || s.models.status != modelLoaded {
		return goapp.Text("")
	}
	return goapp.Div().Class("heed-banner heed-gpu-failed").Role("alert").Body(
		goapp.Text("The GPU failed, so this model can no longer run. "),
		goapp.Button().Type("button").Class("heed-reload heed-primary").Disabled(s.jobs.busy()).
			OnClick(func(ctx goapp.Context, e goapp.Event) { s.loadModel(s.models.src, nil) }).
			Text("Reload the model"),
	)
}

// renderBackendNote says, when the model runs on the CPU though a GPU was
// allowed, why: no adapter, a failed self-test, a software adapter, or a
// model too large for the GPU.
func (v *ModelSheet) renderBackendNote() goapp.UI {
	info := v.S.models.info
	if info == nil || info.Backend.Why == "" {
		return goapp.Text("")
	}
	return goapp.Div().Class("heed-banner").Role("status").Body(
		goapp.P().Class("heed-banner-text").Text(backendLine(v.S)),
		goapp.Details().Body(goapp.Summary().Text("Details"), goapp.P().Class("heed-banner-detail").Text(info.Backend.Why)),
	)
}
