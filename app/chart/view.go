package chart

import (
	"errors"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// ErrUnavailable means the chart library is not loaded (outside a browser, or
// web/echarts.min.js is missing or failed to run).
var ErrUnavailable = errors.New("the chart library (web/echarts.min.js) is not loaded")

// View is one chart on the page: a sized element that ECharts draws into.
// Its props are the element id, a label for screen readers, and the option;
// the chart is drawn on mount, redrawn when the option changes, fitted to
// its element when the window resizes, and released on dismount.
type View struct {
	goapp.Compo

	ID     string
	Label  string
	Option Option

	err string
}

// Render is the element the chart draws into, or, without the chart
// library, a sentence saying so (the page's tables hold the same values).
func (v *View) Render() goapp.UI {
	if v.err != "" {
		return goapp.P().ID(v.ID).Class("heed-chart heed-chart-missing heed-status").Text("No chart: " + v.err + ". The table holds the values.")
	}
	return goapp.Div().ID(v.ID).Class("heed-chart").Role("img").Aria("label", v.Label)
}

// OnMount draws the chart once the element is in the page.
func (v *View) OnMount(ctx goapp.Context) { ctx.Defer(v.draw) }

// OnUpdate redraws the chart with the new option.
func (v *View) OnUpdate(ctx goapp.Context) { ctx.Defer(v.draw) }

// OnResize fits the chart to its element.
func (v *View) OnResize(ctx goapp.Context) { Resize(v.ID) }

// OnDismount releases the chart's canvas and listeners.
func (v *View) OnDismount() { Dispose(v.ID) }

func (v *View) draw(ctx goapp.Context) {
	if !goapp.IsClient {
		return
	}
	Load(func(err error) {
		ctx.Dispatch(func(ctx goapp.Context) {
			if err == nil {
				err = Show(v.ID, v.Option)
			}
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			if msg == v.err {
				ctx.PreventUpdate()
			}
			v.err = msg
		})
	})
}
