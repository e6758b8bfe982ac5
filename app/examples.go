package app

import (
	"fmt"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/gallery"
	"heed/app/sharelink"
)

// loadExample puts gallery example i in the editor and the settings and
// runs it as soon as its prompt is tokenised (after the run in progress,
// which it stops).
func (s *Studio) loadExample(i int) {
	n := len(gallery.Examples)
	i = ((i % n) + n) % n
	ex := gallery.Examples[i]
	s.chrome.example = i
	if s.jobs.running(jobGenerate) {
		s.stop()
	}
	s.gen = genState{}
	s.heat.clear()
	s.heat.span, s.heat.layer = 0, -1
	s.prompt.runWhenBuilt = true
	s.restore(sharelink.State{Prompt: ex.Prompt, DeltaMid: ex.DeltaMid, Temperature: ex.Temperature, Seed: ex.Seed, MaxTokens: ex.MaxTokens})
}

// runIfAsked starts the generation a gallery example asked for, once its
// prompt is tokenised and no other run holds the engine.
func (s *Studio) runIfAsked() {
	if s.prompt.runWhenBuilt && s.prompt.built != nil && !s.jobs.busy() && s.models.status == modelLoaded {
		s.prompt.runWhenBuilt = false
		s.generate()
	}
}

// GallerySheet lists the ready examples; one click loads and runs one.
type GallerySheet struct {
	goapp.Compo
	S    *Studio
	Rev  int
	Open bool
}

// Render draws the examples while the sheet is open.
func (v *GallerySheet) Render() goapp.UI {
	s := v.S
	return sheet("heed-gallery", "Examples", v.Open, s, func() []goapp.UI {
		return []goapp.UI{
			goapp.P().Class("heed-hint").Text("Story openings where GUIDE brings the highlighted word back, on the default model (stories260K): " +
				"each reproduces a run of heed eval mention with the same seed. Presentation mode steps through them with ← and →."),
			goapp.Ol().Class("heed-gallery-list").Body(goapp.Range(gallery.Examples).Slice(func(i int) goapp.UI {
				ex := gallery.Examples[i]
				return goapp.Li().Class("heed-example").DataSet("id", ex.ID).Body(
					goapp.Button().Type("button").Class("heed-example-run").Aria("current", s.chrome.example == i).
						OnClick(func(ctx goapp.Context, e goapp.Event) {
							s.loadExample(i)
							s.chrome.sheet = ""
							s.touch()
						}).Body(
						goapp.Span().Class("heed-example-title").Text(ex.Title),
						goapp.Span().Class("heed-example-meta heed-hint").Text(fmt.Sprintf("“%s” at Δ %g · temperature %g · seed %d", ex.Noun,
							2*ex.DeltaMid, ex.Temperature, ex.Seed)),
					),
				)
			})),
		}
	})
}
