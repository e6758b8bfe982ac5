package app

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"

	"heed/app/chart"
	"heed/app/dataexport"
	"heed/app/wire"
)

// influenceState is the charts tab's state: a measurement of every
// highlight over the prompt (`heed influence`), its charts and exports.
type influenceState struct {
	res   *wire.Influence
	err   string
	note  string // "Stopped." after Stop
	layer int    // the strips' layer
	view  influenceView
}

// influenceView is what the charts tab draws from the last measurement,
// built when the measurement or a choice changes rather than on every
// render: a strip over thousands of tokens is one HTML string and the chart
// options hold thousands of points.
type influenceView struct {
	model string   // the model measured, for exports
	text  string   // the measured prompt's text
	spans []string // each highlight's text

	charted []bool // layers drawn in the charts
	linear  bool   // linear y axis instead of log

	stripLayer int
	strips     []string       // per track: the heatmap's HTML at stripLayer
	lines      []chart.Option // per track: Influence and Rollout over positions
	bars       []chart.Option // per track: last-tokens means per layer
	cursor     []int          // per track: the token the readout shows, -1 for none
	exportErr  string
}

// measure measures every highlight of the current prompt with its Δ in
// force (influence.Measure, as `heed influence` does).
func (s *Studio) measure() bool {
	st := &s.infl
	p := s.prompt.built
	if !s.ready() || p == nil || len(p.Spans) == 0 {
		return false
	}
	args, model := s.args(), s.models.loading
	var res *wire.Influence
	ok := s.start(jobInfluence, func(ctx context.Context) error {
		var err error
		res, err = s.eng.Influence(ctx, args)
		return err
	}, func(err error) {
		switch {
		case stopped(err):
			st.note = "Stopped."
		case err != nil:
			st.err = s.describeRunError("Influence could not be measured: ", err)
		default:
			st.res = res
			st.layer = len(res.Tracks[0].Influence) - 1
			st.view.measured(model, p, res, st.layer)
		}
	})
	if ok {
		st.err, st.note, st.res = "", "", nil
		st.view = influenceView{linear: st.view.linear}
	}
	return ok
}

// measured takes a new measurement of prompt p, shown at layer.
func (v *influenceView) measured(model string, p *wire.Prompt, res *wire.Influence, layer int) {
	tracks := res.Tracks
	v.model, v.text, v.spans = model, "", nil
	if p != nil && len(p.Spans) == len(tracks) {
		v.text = p.Text
		for _, sp := range p.Spans {
			v.spans = append(v.spans, p.Text[sp.Start:sp.End])
		}
	} else {
		for _, tr := range tracks {
			lo, hi := max(0, min(tr.Span.First, len(res.Pieces))), max(0, min(tr.Span.Last, len(res.Pieces)))
			v.spans = append(v.spans, strings.TrimSpace(strings.Join(res.Pieces[lo:max(lo, hi)], "")))
		}
	}
	layers := len(tracks[0].Influence)
	v.charted = make([]bool, layers)
	v.charted[layers-1] = true
	v.cursor = make([]int, len(tracks))
	for i := range v.cursor {
		v.cursor[i] = -1
	}
	v.bars = nil
	for i, tr := range tracks {
		cats := make([]string, len(tr.Scalar))
		for l := range cats {
			cats[l] = strconv.Itoa(l)
		}
		v.bars = append(v.bars, chart.Bars(fmt.Sprintf("“%s”: mean over the last tokens, per layer", v.spanText(i)), cats,
			[]string{"Influence", "Rollout"}, [][]float32{tr.Scalar, tr.RolloutScalar}))
	}
	v.drawStrips(res, layer)
	v.drawLines(res)
}

func (v *influenceView) spanText(i int) string {
	if i < len(v.spans) {
		return v.spans[i]
	}
	return ""
}

// drawStrips builds every track's heatmap at layer.
func (v *influenceView) drawStrips(res *wire.Influence, layer int) {
	v.stripLayer, v.strips = layer, make([]string, len(res.Tracks))
	for i, tr := range res.Tracks {
		v.strips[i] = stripHTML(tr, res, min(layer, len(tr.Influence)-1))
	}
}

// drawLines builds every track's Influence and Rollout chart over the
// charted layers.
func (v *influenceView) drawLines(res *wire.Influence) {
	v.lines = make([]chart.Option, len(res.Tracks))
	for i, tr := range res.Tracks {
		var traces []chart.Trace
		for l, on := range v.charted {
			if on && l < len(tr.Influence) {
				traces = append(traces,
					chart.Trace{Name: fmt.Sprintf("Influence L%d", l), Values: tr.Influence[l]},
					chart.Trace{Name: fmt.Sprintf("Rollout L%d", l), Values: tr.Rollout[l], Dashed: true})
			}
		}
		v.lines[i] = chart.OverPositions(fmt.Sprintf("“%s”: Influence and Rollout over the prompt", v.spanText(i)), res.Pieces, traces, !v.linear)
	}
}

// stripHTML is one highlight's heatmap over the prompt at layer: a
// paragraph of token spans, each coloured by class, carrying its exact
// value and a hover text.
func stripHTML(tr wire.Track, res *wire.Influence, layer int) string {
	var b strings.Builder
	b.Grow(len(res.Pieces) * 160)
	fmt.Fprintf(&b, `<p class="heed-heatmap" data-layer="%d" data-tokens="%d">`, layer, len(res.Pieces))
	for k, piece := range res.Pieces {
		v := tr.Influence[layer][k]
		cls := "heed-tok " + heatClass(v)
		if k >= tr.Span.First && k < tr.Span.Last {
			cls += " heed-tok-span"
		}
		if k >= res.LastFrom && k < res.LastTo {
			cls += " heed-tok-last"
		}
		fmt.Fprintf(&b, `<span class="%s" data-k="%d" data-influence="%s" title="%s">%s</span><wbr>`, cls, k, exact(v),
			html.EscapeString(tokenReadout(k, piece, v, tr.Rollout[layer][k], layer)), html.EscapeString(showPiece(piece)))
	}
	b.WriteString(`</p>`)
	return b.String()
}

// tokenReadout is one token's values in words.
func tokenReadout(k int, piece string, infl, roll float32, layer int) string {
	return fmt.Sprintf("token %d %q: Influence %.4f, Rollout %.4f (layer %d)", k, piece, infl, roll, layer)
}

// influenceExport is the last measurement in dataexport's form.
func (s *Studio) influenceExport() dataexport.Influence {
	st := &s.infl
	res := st.res
	d := dataexport.Influence{Model: st.view.model, Prompt: st.view.text, Tokens: res.Pieces, LastFrom: res.LastFrom, LastTo: res.LastTo}
	for i, tr := range res.Tracks {
		sp := dataexport.Span{Index: i, Text: st.view.spanText(i), First: tr.Span.First, Last: tr.Span.Last, Delta: tr.Span.Delta,
			Measure: tr.Span.Measure, Scalar: tr.Scalar, RolloutScalar: tr.RolloutScalar}
		for l := range tr.Influence {
			sp.Influence = append(sp.Influence, tr.Influence[l])
			sp.Rollout = append(sp.Rollout, tr.Rollout[l])
		}
		d.Spans = append(d.Spans, sp)
	}
	return d
}

// Export formats offered for results.
const (
	formatCSV  = "csv"
	formatJSON = "json"
)

// exportInfluence downloads the last measurement as CSV or JSON.
func (s *Studio) exportInfluence(format string) {
	st := &s.infl
	st.view.exportErr = ""
	if st.res == nil {
		return
	}
	if err := downloadData("heed-influence", format, s.influenceExport()); err != nil {
		st.view.exportErr = "The export failed: " + err.Error()
	}
}

// tabularData is what app/dataexport's Influence and Sweep both write.
type tabularData interface {
	WriteCSV(io.Writer) error
	WriteJSON(io.Writer) error
}

// downloadData encodes d as format (formatCSV or formatJSON) and downloads it
// as base.format.
func downloadData(base, format string, d tabularData) error {
	var b bytes.Buffer
	write, mime := d.WriteCSV, "text/csv"
	if format == formatJSON {
		write, mime = d.WriteJSON, "application/json"
	}
	if err := write(&b); err != nil {
		return err
	}
	return downloadFile(base+"."+format, mime, b.Bytes())
}

// exportChartPNG downloads the chart drawn in element id as name.
func exportChartPNG(id, name string) error {
	png, err := chart.PNG(id)
	if err == nil {
		err = downloadFile(name, "image/png", png)
	}
	if err != nil {
		return fmt.Errorf("the image could not be saved: %w", err)
	}
	return nil
}
