package app

import (
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The tabs below the first screen.
const (
	tabCharts    = "charts"
	tabSweep     = "sweep"
	tabCalibrate = "calibrate"
	tabSession   = "session"
)

var tabNames = []struct{ id, label string }{
	{tabCharts, "Charts & exports"},
	{tabSweep, "Δ sweep"},
	{tabCalibrate, "Calibrate Δ"},
	{tabSession, "Session"},
}

// Tabs holds the analysis below the first screen, one tab at a time: the
// Influence charts and exports, the Δ sweep, calibration, and the session.
type Tabs struct {
	goapp.Compo
	S   *Studio
	Rev int
}

// Render draws the tab list and the open tab's panel.
func (v *Tabs) Render() goapp.UI {
	s := v.S
	cur := s.chrome.tab
	return goapp.Section().Class("heed-tabs").Aria("label", "Analysis").Body(
		goapp.Div().Class("heed-tablist").Role("tablist").Aria("label", "Analysis").Body(
			goapp.Range(tabNames).Slice(func(i int) goapp.UI {
				t := tabNames[i]
				sel := t.id == cur
				tab := -1
				if sel {
					tab = 0
				}
				return goapp.Button().Type("button").Role("tab").ID("heed-tab-"+t.id).Class("heed-tab").
					DataSet("tab", t.id).Aria("selected", sel).Aria("controls", "heed-panel-"+t.id).TabIndex(tab).
					OnClick(func(ctx goapp.Context, e goapp.Event) { v.open(t.id) }).
					OnKeyDown(func(ctx goapp.Context, e goapp.Event) { v.key(e, i) }).
					Text(t.label)
			}),
		),
		goapp.Div().Role("tabpanel").ID("heed-panel-"+cur).Class("heed-tabpanel").Aria("labelledby", "heed-tab-"+cur).Body(
			v.panel(cur),
		),
	)
}

func (v *Tabs) open(id string) {
	v.S.chrome.tab = id
	v.S.touch(areaTabs)
}

// key moves between tabs with the arrow keys, as tab lists do.
func (v *Tabs) key(e goapp.Event, i int) {
	n := len(tabNames)
	switch e.Get("key").String() {
	case "ArrowRight":
		i = (i + 1) % n
	case "ArrowLeft":
		i = (i + n - 1) % n
	default:
		return
	}
	e.PreventDefault()
	v.open(tabNames[i].id)
	goapp.Window().GetElementByID("heed-tab-" + tabNames[i].id).Call("focus")
}

func (v *Tabs) panel(id string) goapp.UI {
	s := v.S
	switch id {
	case tabSweep:
		return &SweepTab{S: s, Rev: v.Rev}
	case tabCalibrate:
		return &CalibrateTab{S: s, Rev: v.Rev}
	case tabSession:
		return &SessionTab{S: s, Rev: v.Rev}
	}
	return &ChartsTab{S: s, Rev: v.Rev}
}
