// Package app is heed's browser app, written with go-app: the same
// components render on the server (the first paint, before the wasm has
// loaded) and run in the browser. The page never runs model math: it talks
// to the engine in a dedicated Web Worker (heed/app/wire, heed/app/worker)
// and renders what comes back.
//
// The first screen tells the story: the prompt with its highlights in place,
// one Generate, the continuations with and without GUIDE streaming side by
// side, and the Influence heatmap over the prompt and the generated tokens.
// Settings, the model and the examples open in sheets; the charts, the Δ
// sweep, calibration and the session sit in tabs below; presentation mode
// turns the first screen into a keyboard-driven stage.
//
// The state is one Studio shared by per-section components (PromptView,
// RunView, HeatView, Tabs, the sheets); every long run goes through its one
// job runner (runner.go).
package app

import (
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/chart"
)

// Register routes heed's pages. The wasm client and the server both call it:
// the server to render the first paint, the client to take over.
func Register() {
	goapp.Route("/", func() goapp.Composer { return &Shell{} })
}

// Shell is the page: it owns the Studio, starts the engine worker, loads the
// default model and lays out the sections.
type Shell struct {
	goapp.Compo

	s        *Studio
	unlisten []func()
}

// OnInit makes the page's state (on the server too, for the first paint).
func (sh *Shell) OnInit() { sh.s = newStudio() }

// OnMount starts the engine, restores a shared link, lists the server's
// models and loads the default one, then runs the prompt on it.
func (sh *Shell) OnMount(ctx goapp.Context) {
	s := sh.s
	s.attach(ctx, startEngine(s))
	chart.SetLibrary(goapp.Getenv("HEED_ECHARTS"))
	s.settings.backend = storedBackend()
	s.models.base = ctx.Page().URL()
	s.restoreFromLink(s.models.base)
	s.refreshKept()
	s.listModels(func() {
		if !s.chrome.presenting {
			s.prompt.runWhenBuilt = true
			s.runIfAsked()
		}
	})
	s.replayFirstClick(goapp.Window().Get("heedFirstClick"))
	sh.unlisten = append(sh.unlisten, listen(goapp.Window(), "keydown", func(e goapp.Value) {
		key := e.Get("key").String()
		mods := e.Get("altKey").Bool() || e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool()
		if e.Get("target").Call("closest", "input, textarea, select").Truthy() {
			return
		}
		if (key == "Enter" || key == " ") && e.Get("target").Call("closest", "button, a, [role=button]").Truthy() {
			return // the focused control's own action
		}
		ctx.Dispatch(func(goapp.Context) {
			if s.presentKey(key, mods) {
				e.Call("preventDefault")
			}
		})
	}))
}

// replayFirstClick does what the control clicked before the app ran asked
// for (web/start.js remembers it): open a sheet or presentation mode.
// Generate needs nothing: the page runs the prompt once the model loads.
func (s *Studio) replayFirstClick(v goapp.Value) {
	if v.Type() != goapp.TypeString {
		return
	}
	switch v.String() {
	case "heed-open-gallery":
		s.chrome.sheet = sheetGallery
	case "heed-open-settings":
		s.chrome.sheet = sheetSettings
	case "heed-open-model":
		s.chrome.sheet = sheetModel
	case "heed-open-present":
		s.present(true)
	}
	s.touch(areaChrome)
}

// OnDismount stops the work in flight.
func (sh *Shell) OnDismount() {
	sh.s.stop()
	for _, f := range sh.unlisten {
		f()
	}
}

// Render lays out the header, the first screen, the tabs and the sheets.
func (sh *Shell) Render() goapp.UI {
	s := sh.s
	presenting := s.chrome.presenting
	backend := ""
	if s.models.info != nil {
		backend = s.models.info.Backend.Label
	}
	return goapp.Div().Class("heed-shell").DataSet("live", s.eng != nil).DataSet("presenting", presenting).DataSet("model", s.models.status.String()).
		DataSet("backend", backend).DataSet("job", s.jobs.kind.String()).Body(
		goapp.If(!presenting, func() goapp.UI { return &Header{S: s, Rev: s.rev(areaModel, areaChrome)} }),
		goapp.Main().Class("heed-main").Body(
			goapp.If(presenting, func() goapp.UI { return &PresentBar{S: s, Rev: s.rev(areaChrome, areaPrompt)} }),
			goapp.Div().Class("heed-stage").Body(
				&PromptView{S: s, Rev: s.rev(areaPrompt, areaModel, areaChrome)},
				&RunView{S: s, Rev: s.rev(areaRun, areaPrompt, areaModel, areaChrome)},
				&HeatView{S: s, Rev: s.rev(areaHeat)},
			),
			goapp.If(!presenting, func() goapp.UI { return &Tabs{S: s, Rev: s.rev(areaTabs, areaPrompt, areaModel)} }),
		),
		&ModelSheet{S: s, Rev: s.rev(areaModel), Open: s.chrome.sheet == sheetModel},
		&SettingsSheet{S: s, Rev: s.rev(areaModel, areaPrompt), Open: s.chrome.sheet == sheetSettings},
		&GallerySheet{S: s, Rev: s.rev(areaChrome), Open: s.chrome.sheet == sheetGallery},
	)
}

// Header is the page's title line with the ways into the sheets and
// presentation mode; the model button says what is loaded and on what.
type Header struct {
	goapp.Compo
	S   *Studio
	Rev int
}

// Render draws the header.
func (h *Header) Render() goapp.UI {
	s := h.S
	toggle := func(name, label, class string) goapp.UI {
		open := s.chrome.sheet == name
		return goapp.Button().Type("button").Class("heed-nav-button "+class).Aria("expanded", open).
			Aria("controls", map[string]string{sheetModel: "heed-model-sheet", sheetSettings: "heed-settings", sheetGallery: "heed-gallery"}[name]).
			OnClick(func(ctx goapp.Context, e goapp.Event) {
				if open {
					s.chrome.sheet = ""
				} else {
					s.chrome.sheet = name
				}
				s.touch(areaChrome)
			}).Text(label)
	}
	return goapp.Header().Class("heed-header").Body(
		goapp.Div().Class("heed-brand").Body(
			goapp.H1().Class("heed-title").Text("heed"),
			goapp.P().Class("heed-tagline").Text("Highlight words; the model pays attention."),
		),
		goapp.Nav().Class("heed-nav").Aria("label", "Page").Body(
			toggle(sheetGallery, "Examples", "heed-open-gallery"),
			goapp.Button().Type("button").Class("heed-nav-button heed-open-present").
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.present(true) }).Text("Present"),
			toggle(sheetSettings, "Settings", "heed-open-settings"),
			toggle(sheetModel, modelChip(s), "heed-open-model heed-model-chip"),
		),
	)
}

// modelChip names the loaded model and its backend in one short line.
func modelChip(s *Studio) string {
	m := &s.models
	switch m.status {
	case modelLoading:
		return "Loading " + m.loading + "…"
	case modelError:
		return "Model: failed"
	case modelLoaded:
		return m.loading + " · " + m.info.Backend.Label
	}
	return "Model"
}
