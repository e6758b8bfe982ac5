// Package app is heed's browser app, written with go-app: the same components
// render on the server (the first paint, before the wasm has loaded) and run in
// the browser, where they load a model through HTTP Range requests, edit a
// GUIDE-tagged prompt, compare generation with and without GUIDE, and show
// Influence.
package app

import (
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Register routes heed's pages. The wasm client and the server both call it:
// the server to render the first paint, the client to take over.
func Register() {
	goapp.Route("/", func() goapp.Composer { return &Shell{} })
}

// Shell is the page frame: header, then the workbench.
type Shell struct {
	goapp.Compo
}

// Render draws the header and the main area.
func (s *Shell) Render() goapp.UI {
	return goapp.Div().Class("heed-shell").Body(
		goapp.Header().Class("heed-header").Body(
			goapp.H1().Class("heed-title").Text("heed"),
			goapp.P().Class("heed-tagline").Text("Steer a language model's attention."),
		),
		goapp.Main().Class("heed-main").Body(NewWorkbench()),
	)
}
