package app

import (
	"fmt"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/gallery"
)

// presentView is what presentation mode shows of the run.
type presentView int

const (
	presentAB       presentView = iota // both continuations side by side
	presentGuide                       // the continuation with GUIDE, alone and large
	presentBaseline                    // the one without
)

// presentKeys are presentation mode's keys, as its legend names them.
var presentKeys = []struct{ keys, does string }{
	{"Enter", "generate"},
	{"← →", "previous, next example"},
	{"G", "GUIDE on / off"},
	{"A", "side by side"},
	{"F", "full screen"},
	{"Esc", "leave"},
}

// present enters presentation mode: full screen where the browser allows,
// large type, high contrast, driven by the keyboard. Without an example on
// the page it starts with the gallery's first.
func (s *Studio) present(on bool) {
	s.chrome.presenting, s.chrome.sheet = on, ""
	s.chrome.present = presentAB
	if on {
		fullscreen(true)
		if s.chrome.example < 0 {
			s.loadExample(0)
		}
	} else {
		fullscreen(false)
	}
	s.touch()
}

// presentKey handles a key in presentation mode; it reports whether the
// key was one of its own.
func (s *Studio) presentKey(key string, mods bool) bool {
	if !s.chrome.presenting || mods {
		return false
	}
	switch strings.ToLower(key) {
	case "enter", " ":
		if s.jobs.running(jobGenerate) {
			s.stop()
		} else {
			s.generate()
		}
	case "arrowright", "pagedown", "n":
		s.loadExample(s.chrome.example + 1)
	case "arrowleft", "pageup", "p":
		s.loadExample(s.chrome.example - 1)
	case "g":
		if s.chrome.present == presentGuide {
			s.chrome.present = presentBaseline
		} else {
			s.chrome.present = presentGuide
		}
		if s.chrome.present == presentBaseline && s.settings.single {
			// A GUIDE-only run has no baseline to show: run both.
			s.settings.single = false
			s.generate()
		}
	case "a":
		s.chrome.present = presentAB
	case "f":
		fullscreen(!isFullscreen())
	case "escape":
		s.present(false)
	default:
		return false
	}
	s.touch()
	return true
}

// shown is which columns the run view shows.
func (s *Studio) shown() [2]bool {
	if s.chrome.presenting {
		switch s.chrome.present {
		case presentGuide:
			return [2]bool{true, false}
		case presentBaseline:
			return [2]bool{false, true}
		}
	}
	return [2]bool{true, !s.settings.single}
}

// PresentBar is presentation mode's top line: the example, where it sits in
// the gallery, the keys, and the way out.
type PresentBar struct {
	goapp.Compo
	S   *Studio
	Rev int
}

// Render draws the bar.
func (v *PresentBar) Render() goapp.UI {
	s := v.S
	title := "Your prompt"
	if i := s.chrome.example; i >= 0 && i < len(gallery.Examples) {
		title = fmt.Sprintf("%s · %d / %d", gallery.Examples[i].Title, i+1, len(gallery.Examples))
	}
	view := map[presentView]string{presentAB: "with and without GUIDE", presentGuide: "with GUIDE", presentBaseline: "without GUIDE"}[s.chrome.present]
	return goapp.Div().Class("heed-present-bar").Role("region").Aria("label", "Presentation").Body(
		goapp.H1().Class("heed-present-title").Aria("live", "polite").Text(title+" — "+view),
		goapp.Ul().Class("heed-present-keys").Aria("label", "Keys").Body(goapp.Range(presentKeys).Slice(func(i int) goapp.UI {
			k := presentKeys[i]
			return goapp.Li().Body(goapp.Kbd().Text(k.keys), goapp.Text(" "+k.does))
		})),
		goapp.Button().Type("button").Class("heed-present-exit").
			OnClick(func(ctx goapp.Context, e goapp.Event) { s.present(false) }).Text("Leave"),
	)
}

// fullscreen asks the browser to show the page full screen, or to stop; a
// refusal (no user gesture, an embedding frame) leaves the page as it is.
func fullscreen(on bool) {
	doc := document()
	if !doc.Truthy() {
		return
	}
	var p goapp.Value
	switch {
	case on && !isFullscreen() && doc.Get("documentElement").Get("requestFullscreen").Truthy():
		p = doc.Get("documentElement").Call("requestFullscreen")
	case !on && isFullscreen():
		p = doc.Call("exitFullscreen")
	default:
		return
	}
	if p.Truthy() && p.Get("catch").Truthy() {
		var f goapp.Func
		f = goapp.FuncOf(func(goapp.Value, []goapp.Value) any { f.Release(); return nil })
		p.Call("catch", f)
	}
}

func isFullscreen() bool {
	doc := document()
	return doc.Truthy() && doc.Get("fullscreenElement").Truthy()
}
