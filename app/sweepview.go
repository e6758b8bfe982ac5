package app

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/chart"
)

// svgNS is the SVG namespace: the chart's elements are created in it so the
// browser draws them.
const svgNS = "http://www.w3.org/2000/svg"

// Chart geometry in viewBox units: the plot area sits inside the margins.
const (
	chartW, chartH        = 320, 160
	chartLeft, chartRight = 48, 12
	chartTop, chartBottom = 12, 28
)

// SweepTab runs a Δ sweep of one highlight: Influence against Δ, charted,
// tabled and exported.
type SweepTab struct {
	goapp.Compo
	S   *Studio
	Rev int
}

// Render draws the highlight picker, the Δ list, Run and Stop, and the
// last sweep as a line chart and a table.
func (v *SweepTab) Render() goapp.UI {
	s := v.S
	st := &s.sweep
	var names []string
	if p := s.prompt.built; p != nil {
		for _, sp := range p.Spans {
			names = append(names, p.Text[sp.Start:sp.End])
		}
	}
	running := s.jobs.running(jobSweep)
	ready := s.ready() && len(names) > 0
	picked := st.span
	if picked >= len(names) {
		picked = 0
	}
	return goapp.Div().Class("heed-sweep").DataSet("running", running).Body(
		goapp.P().Class("heed-hint").Text("Measures one highlight's last-layer Influence at each Δ, one forward pass per value."),
		goapp.Div().Class("heed-toolbar").Body(
			goapp.Label().For("heed-sweep-span").Class("heed-field").Text("Highlight"),
			goapp.Select().ID("heed-sweep-span").OnChange(func(ctx goapp.Context, e goapp.Event) {
				if i, err := strconv.Atoi(ctx.JSSrc().Get("value").String()); err == nil && i >= 0 && i < len(names) {
					st.span = i
					s.touch(areaTabs)
				}
			}, goapp.EventScope(len(names))).Body(goapp.Range(names).Slice(func(i int) goapp.UI {
				return goapp.Option().Value(strconv.Itoa(i)).Selected(i == picked).Text(fmt.Sprintf("%d: “%s”", i, names[i]))
			})),
			goapp.Label().For("heed-sweep-deltas").Class("heed-field").Text("Δ values"),
			goapp.Input().ID("heed-sweep-deltas").Class("heed-sweep-deltas").Type("text").Value(st.text).
				OnInput(func(ctx goapp.Context, e goapp.Event) { st.text = ctx.JSSrc().Get("value").String() }),
			goapp.Button().Type("button").Class("heed-sweep-run heed-primary").Disabled(!ready).
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.startSweep() }).Text("Sweep"),
			goapp.Button().Type("button").Class("heed-sweep-stop").Disabled(!running).
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.stop() }).Text("Stop"),
		),
		goapp.If(running, func() goapp.UI {
			return goapp.P().Class("heed-status").Aria("live", "polite").
				Text(fmt.Sprintf("Measuring Δ %d of %d…", len(st.values)+1, len(st.deltas)))
		}),
		goapp.If(st.err != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error heed-sweep-error").Role("alert").Text(st.err)
		}),
		goapp.If(len(st.values) > 0, func() goapp.UI { return v.renderSweepResult() }),
	)
}

// renderSweepResult is the chart and the table of the last sweep.
func (v *SweepTab) renderSweepResult() goapp.UI {
	s := v.S
	st := &s.sweep
	running := s.jobs.running(jobSweep)
	n := len(st.values)
	// The inline SVG chart is the fallback when the chart library is not
	// loaded; heed.css hides it while ECharts draws the same points.
	cls := "heed-sweep-result"
	if chart.Available() {
		cls += " heed-charts-on"
	}
	opt := chart.XY(fmt.Sprintf("“%s”: last-layer Influence by Δ", st.spanText), "Δ", "Influence", "Influence", st.deltas[:n], st.values)
	return goapp.Div().Class(cls).DataSet("points", n).Body(
		goapp.Figure().Class("heed-figure").Body(
			&chart.View{ID: "heed-chart-sweep", Option: opt,
				Label: fmt.Sprintf("Line chart: last-layer Influence of “%s” for %d values of Δ", st.spanText, n)},
			goapp.Div().Class("heed-chart-fallback").Body(sweepChart(st.spanText, st.deltas[:n], st.values)),
		),
		goapp.Div().Class("heed-toolbar").Body(
			goapp.Button().Type("button").Class("heed-png").DataSet("chart", "heed-chart-sweep").Aria("label", "Save PNG of the sweep chart").
				OnClick(func(ctx goapp.Context, e goapp.Event) {
					st.saveErr = ""
					if err := exportChartPNG("heed-chart-sweep", "heed-sweep.png"); err != nil {
						st.saveErr = err.Error()
					}
					s.touch(areaTabs)
				}).Text("Save PNG"),
			goapp.Button().Type("button").Class("heed-sweep-csv").Disabled(running).
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.exportSweep(formatCSV); s.touch(areaTabs) }).Text("Export CSV"),
			goapp.Button().Type("button").Class("heed-sweep-json").Disabled(running).
				OnClick(func(ctx goapp.Context, e goapp.Event) { s.exportSweep(formatJSON); s.touch(areaTabs) }).Text("Export JSON"),
		),
		goapp.If(st.saveErr != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error").Role("alert").Text(st.saveErr)
		}),
		goapp.Table().Class("heed-sweep-table").Body(
			goapp.Caption().Text(fmt.Sprintf("“%s”: last-layer Influence by Δ", st.spanText)),
			goapp.THead().Body(goapp.Tr().Body(goapp.Th().Text("Δ"), goapp.Th().Text("Influence"))),
			goapp.TBody().Body(goapp.Range(st.values).Slice(func(i int) goapp.UI {
				return goapp.Tr().DataSet("delta", exact(st.deltas[i])).DataSet("influence", exact(st.values[i])).Body(
					goapp.Th().Class("heed-num").Text(fmt.Sprintf("%g", st.deltas[i])),
					goapp.Td().Class("heed-num").Text(fmt.Sprintf("%.4f", st.values[i])),
				)
			})),
		),
	)
}

// sweepChart draws Influence against Δ as an inline SVG line chart, points
// joined in Δ order. Colours are presentation attributes, not styles, so
// the page's Content-Security-Policy (no inline styles) allows them.
func sweepChart(spanText string, deltas, values []float32) goapp.UI {
	order := make([]int, len(deltas))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case deltas[a] < deltas[b]:
			return -1
		case deltas[a] > deltas[b]:
			return 1
		}
		return 0
	})
	x0, x1 := deltas[order[0]], deltas[order[len(order)-1]]
	y0, y1 := slices.Min(values), slices.Max(values)
	// A flat series still needs a height to draw in.
	if x1 == x0 {
		x0, x1 = x0-1, x1+1
	}
	if y1 == y0 {
		y0, y1 = y0-0.01, y1+0.01
	}
	px := func(d float32) float64 {
		return chartLeft + float64((d-x0)/(x1-x0))*(chartW-chartLeft-chartRight)
	}
	py := func(v float32) float64 {
		return chartH - chartBottom - float64((v-y0)/(y1-y0))*(chartH-chartTop-chartBottom)
	}
	pts := make([]string, len(order))
	for k, i := range order {
		pts[k] = fmt.Sprintf("%.1f,%.1f", px(deltas[i]), py(values[i]))
	}
	el := func(tag string) goapp.HTMLElem { return goapp.Elem(tag).XMLNS(svgNS) }
	label := func(x, y float64, anchor, text string) goapp.UI {
		return el("text").Class("heed-chart-label").Attr("x", fmt.Sprintf("%.1f", x)).Attr("y", fmt.Sprintf("%.1f", y)).
			Attr("text-anchor", anchor).Attr("font-size", "10").Attr("fill", "currentColor").Text(text)
	}
	line := func(xa, ya, xb, yb float64) goapp.UI {
		return el("line").Class("heed-chart-axis").Attr("x1", fmt.Sprintf("%.1f", xa)).Attr("y1", fmt.Sprintf("%.1f", ya)).
			Attr("x2", fmt.Sprintf("%.1f", xb)).Attr("y2", fmt.Sprintf("%.1f", yb)).Attr("stroke", "currentColor").Attr("stroke-width", "1")
	}
	base, top := float64(chartH-chartBottom), float64(chartTop)
	body := []goapp.UI{
		el("title").Text(fmt.Sprintf("Last-layer Influence of “%s” against Δ", spanText)),
		line(chartLeft, top, chartLeft, base),
		line(chartLeft, base, chartW-chartRight, base),
		label(chartLeft-4, top+4, "end", fmt.Sprintf("%.3f", y1)),
		label(chartLeft-4, base, "end", fmt.Sprintf("%.3f", y0)),
		label(chartLeft, chartH-12, "middle", fmt.Sprintf("%g", x0)),
		label(chartW-chartRight, chartH-12, "middle", fmt.Sprintf("%g", x1)),
		label((chartW+chartLeft-chartRight)/2, chartH-2, "middle", "Δ"),
		el("polyline").Class("heed-chart-line").Attr("points", strings.Join(pts, " ")).
			Attr("fill", "none").Attr("stroke", "#c2410c").Attr("stroke-width", "2"),
	}
	for _, i := range order {
		body = append(body, el("circle").Class("heed-chart-point").DataSet("delta", exact(deltas[i])).DataSet("influence", exact(values[i])).
			Attr("cx", fmt.Sprintf("%.1f", px(deltas[i]))).Attr("cy", fmt.Sprintf("%.1f", py(values[i]))).Attr("r", "3").
			Attr("fill", "#c2410c").Body(el("title").Text(fmt.Sprintf("Δ %g: Influence %.4f", deltas[i], values[i]))))
	}
	return el("svg").Class("heed-sweep-chart").Attr("viewBox", fmt.Sprintf("0 0 %d %d", chartW, chartH)).
		Attr("width", strconv.Itoa(chartW)).Attr("height", strconv.Itoa(chartH)).Role("img").
		Aria("label", fmt.Sprintf("Line chart: last-layer Influence of “%s” for %d values of Δ", spanText, len(values))).Body(body...)
}
