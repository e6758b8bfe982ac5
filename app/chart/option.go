// Package chart draws the page's charts with Apache ECharts (web/echarts.min.js,
// fetched by internal/webdeps). Options are built from Go data and sent to
// ECharts as JSON; the builders are plain Go, tested natively, and the
// browser side (echarts_js.go) only initialises, updates, resizes, disposes
// and exports charts by element id.
//
// Every option keeps the page's Content-Security-Policy: tooltips render as
// rich text on the canvas (renderMode "richText"), never as HTML with style
// attributes, and nothing carries a JavaScript function.
package chart

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Option is the subset of an ECharts option the page uses.
type Option struct {
	Animation bool     `json:"animation"`
	Aria      Aria     `json:"aria"`
	Title     Title    `json:"title"`
	Tooltip   Tooltip  `json:"tooltip"`
	Legend    *Legend  `json:"legend,omitempty"`
	Grid      Grid     `json:"grid"`
	XAxis     Axis     `json:"xAxis"`
	YAxis     Axis     `json:"yAxis"`
	DataZoom  []Zoom   `json:"dataZoom,omitempty"`
	Series    []Series `json:"series"`
}

// Aria turns on ECharts' generated description of the chart for screen readers.
type Aria struct {
	Enabled bool `json:"enabled"`
}

// Title is the chart's heading, drawn on the canvas (and so in its PNG).
type Title struct {
	Text      string    `json:"text"`
	Left      string    `json:"left,omitempty"`
	TextStyle TextStyle `json:"textStyle"`
}

// TextStyle sizes a text.
type TextStyle struct {
	FontSize int `json:"fontSize,omitempty"`
}

// Tooltip shows the values under the pointer.
type Tooltip struct {
	Trigger    string `json:"trigger"`
	RenderMode string `json:"renderMode"`
	Confine    bool   `json:"confine"`
}

// Legend names the series; clicking a name hides or shows it.
type Legend struct {
	Top  int    `json:"top"`
	Type string `json:"type,omitempty"`
}

// Grid is the plot area's margins in pixels.
type Grid struct {
	Left         int  `json:"left"`
	Right        int  `json:"right"`
	Top          int  `json:"top"`
	Bottom       int  `json:"bottom"`
	ContainLabel bool `json:"containLabel"`
}

// Axis is a category, value or log axis.
type Axis struct {
	Type         string   `json:"type"`
	Name         string   `json:"name,omitempty"`
	NameLocation string   `json:"nameLocation,omitempty"`
	NameGap      int      `json:"nameGap,omitempty"`
	Data         []string `json:"data,omitempty"`
	Scale        bool     `json:"scale,omitempty"`
	LogBase      int      `json:"logBase,omitempty"`
	Min          *float64 `json:"min,omitempty"`
	Max          *float64 `json:"max,omitempty"`
}

// Zoom is a data zoom: a slider, or zooming with the wheel and dragging.
type Zoom struct {
	Type       string `json:"type"`
	XAxisIndex int    `json:"xAxisIndex"`
	FilterMode string `json:"filterMode,omitempty"`
}

// Series is one line or bar series. Data holds, per point, either a value
// (category axes) or an [x, y] pair (value axes); a nil value is a gap.
type Series struct {
	Name       string     `json:"name"`
	Type       string     `json:"type"`
	Data       []any      `json:"data"`
	ShowSymbol bool       `json:"showSymbol"`
	Symbol     string     `json:"symbol,omitempty"`
	SymbolSize int        `json:"symbolSize,omitempty"`
	Sampling   string     `json:"sampling,omitempty"`
	LineStyle  *LineStyle `json:"lineStyle,omitempty"`
	ItemStyle  *ItemStyle `json:"itemStyle,omitempty"`
	Large      bool       `json:"large,omitempty"`
}

// LineStyle draws a line solid or dashed.
type LineStyle struct {
	Type  string  `json:"type,omitempty"`
	Width float64 `json:"width,omitempty"`
}

// ItemStyle colours a series.
type ItemStyle struct {
	Color string `json:"color,omitempty"`
}

// JSON is the option as ECharts' setOption takes it.
func (o Option) JSON() ([]byte, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("chart option: %w", err)
	}
	return b, nil
}

// base is what every chart shares: no animation (a chart is exported or
// measured as soon as it is drawn), a description for screen readers, and a
// canvas-drawn tooltip (no HTML, so no inline styles under the CSP).
func base(title string) Option {
	return Option{
		Aria:    Aria{Enabled: true},
		Title:   Title{Text: title, Left: "center", TextStyle: TextStyle{FontSize: 13}},
		Tooltip: Tooltip{Trigger: "axis", RenderMode: "richText", Confine: true},
		Legend:  &Legend{Top: 24, Type: "scroll"},
		Grid:    Grid{Left: 16, Right: 24, Top: 60, Bottom: 48, ContainLabel: true},
	}
}

// value is v as a chart value; NaN and ±Inf (never produced by the engine,
// but not representable in JSON) become gaps.
func value(v float32) any {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return nil
	}
	// The shortest text that reads back as the same float32: exact, and
	// half the size of the float64 expansion.
	return json.Number(strconv.FormatFloat(float64(v), 'g', -1, 32))
}

// logValue is v on a log axis: zero (and anything not positive) has no place
// there, so it becomes a gap rather than a made-up floor. Influence is
// exactly 0 before a highlight (the causal mask keeps those positions from
// reading it), which shows as the line starting at the highlight.
func logValue(v float32) any {
	if !(v > 0) {
		return nil
	}
	return value(v)
}

// Trace is one named curve over token positions.
type Trace struct {
	Name   string
	Values []float32
	Dashed bool
}

// OverPositions is a line chart of traces over token positions 0…n-1, each
// position labelled with its index and token text. With logScale the y axis
// is logarithmic and zeros are gaps (see logValue); otherwise it is linear
// from 0. Long prompts get a zoom slider.
func OverPositions(title string, tokens []string, traces []Trace, logScale bool) Option {
	o := base(title)
	labels := make([]string, len(tokens))
	for k, t := range tokens {
		labels[k] = fmt.Sprintf("%d %s", k, t)
	}
	o.XAxis = Axis{Type: "category", Name: "token position", NameLocation: "middle", NameGap: 28, Data: labels}
	if logScale {
		o.YAxis = Axis{Type: "log", Name: "log scale", LogBase: 10}
	} else {
		zero := 0.0
		o.YAxis = Axis{Type: "value", Min: &zero}
	}
	if len(tokens) > 64 {
		o.DataZoom = []Zoom{{Type: "inside", XAxisIndex: 0, FilterMode: "none"}, {Type: "slider", XAxisIndex: 0, FilterMode: "none"}}
		o.Grid.Bottom = 72
	}
	conv := value
	if logScale {
		conv = logValue
	}
	for _, tr := range traces {
		s := Series{Name: tr.Name, Type: "line", ShowSymbol: len(tokens) <= 64, SymbolSize: 4, Data: make([]any, len(tr.Values))}
		for k, v := range tr.Values {
			s.Data[k] = conv(v)
		}
		if tr.Dashed {
			s.LineStyle = &LineStyle{Type: "dashed"}
		}
		o.Series = append(o.Series, s)
	}
	return o
}

// Bars is a bar chart of one or more named value lists over categories.
func Bars(title string, categories []string, names []string, values [][]float32) Option {
	o := base(title)
	o.Tooltip.Trigger = "axis"
	o.XAxis = Axis{Type: "category", Data: slices.Clone(categories)}
	zero := 0.0
	o.YAxis = Axis{Type: "value", Min: &zero}
	for i, name := range names {
		s := Series{Name: name, Type: "bar", Data: make([]any, len(values[i]))}
		for k, v := range values[i] {
			s.Data[k] = value(v)
		}
		o.Series = append(o.Series, s)
	}
	return o
}

// XY is a line chart of y against x on value axes, points joined in x order
// (the order given is kept for equal x).
func XY(title, xName, yName, seriesName string, x, y []float32) Option {
	o := base(title)
	o.Legend = nil
	o.Grid.Top = 40
	o.XAxis = Axis{Type: "value", Name: xName, NameLocation: "middle", NameGap: 28, Scale: true}
	o.YAxis = Axis{Type: "value", Name: yName, Scale: true}
	order := make([]int, min(len(x), len(y)))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	s := Series{Name: seriesName, Type: "line", ShowSymbol: true, Symbol: "circle", SymbolSize: 7, Data: make([]any, len(order))}
	for k, i := range order {
		s.Data[k] = []any{value(x[i]), value(y[i])}
	}
	o.Series = []Series{s}
	return o
}
