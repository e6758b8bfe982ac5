package app

import (
	"context"
	"fmt"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/wire"
)

// area is a part of the page whose state changed: each section component
// takes the revisions of the areas it shows as a prop, so go-app re-renders
// exactly the sections whose state moved (a streamed token re-renders the
// run view, not the model drawer).
type area int

const (
	areaModel  area = iota // the model list, the loaded model, its backend
	areaPrompt             // the prompt, its highlights and tokens
	areaRun                // the A/B generation and its live figures
	areaHeat               // the Influence heatmap of the last run
	areaTabs               // the charts, sweep, calibration and session tabs
	areaChrome             // open sheets, presentation mode, the gallery
	numAreas
)

// Studio is the page's state, shared by every section component: the engine
// worker's client, the one job runner, and each section's state. Sections
// read it in Render and change it in handlers; long work goes through start
// (runner.go) and reports back through later.
type Studio struct {
	// dispatch runs a function on the UI goroutine through the shell's
	// context (a section's own context drops the call once that section
	// leaves the page); async runs one off it. Tests run them synchronously.
	dispatch func(func())
	async    func(func())
	ctx      context.Context // ends with the page
	eng      *wire.Client
	jobs     runner
	runs     int // generations started, shown for tests and tools in data-runs
	revs     [numAreas]int

	models   modelState
	prompt   promptState
	settings settingsState
	gen      genState
	heat     heatState
	infl     influenceState
	sweep    sweepState
	calib    calibState
	io       sessionIO
	chrome   chromeState
}

// chromeState is what is open around the sections.
type chromeState struct {
	sheet      string // "", sheetModel, sheetSettings or sheetGallery
	tab        string // the tab below the first screen
	presenting bool
	present    presentView
	example    int // the gallery example last loaded, -1 for none
}

// Sheets that open over the page.
const (
	sheetModel    = "model"
	sheetSettings = "settings"
	sheetGallery  = "gallery"
)

// newStudio is the page in its starting state: the sample prompt, greedy
// decoding, A/B with GUIDE.
func newStudio() *Studio {
	s := &Studio{}
	s.prompt = newPromptState()
	s.settings = defaultSettings()
	s.chrome = chromeState{tab: tabCharts, example: -1}
	s.heat.layer = -1
	s.sweep.text = defaultSweep
	s.showFirst(loadFirstScreen())
	return s
}

// touch marks areas changed (all of them when none is named).
func (s *Studio) touch(as ...area) {
	if len(as) == 0 {
		for i := range s.revs {
			s.revs[i]++
		}
		return
	}
	for _, a := range as {
		s.revs[a]++
	}
}

// rev is a revision that changes whenever any of as changes.
func (s *Studio) rev(as ...area) int {
	n := 0
	for _, a := range as {
		n += s.revs[a]
	}
	return n
}

// later runs f on the UI goroutine through the shell's context (a section's
// own context drops the call once that section leaves the page) and marks
// as changed.
func (s *Studio) later(f func(), as ...area) {
	s.dispatch(func() {
		f()
		s.touch(as...)
	})
}

// attach binds the studio to the shell's context and the engine.
func (s *Studio) attach(ctx goapp.Context, eng *wire.Client) {
	s.ctx, s.eng = ctx, eng
	s.dispatch = func(f func()) { ctx.Dispatch(func(goapp.Context) { f() }) }
	s.async = ctx.Async
}

// safely runs fn, turning a panic into an error shown in words instead of a
// dead page.
func safely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	return fn()
}

// ready reports whether a model is loaded and no long run holds the engine.
func (s *Studio) ready() bool {
	return s.models.status == modelLoaded && !s.jobs.busy()
}
