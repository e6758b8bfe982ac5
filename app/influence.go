package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/chart"
	"heed/app/dataexport"
	"heed/engine/influence"
)

// browserTurns is a context whose Err first gives the browser a turn. The
// engine checks Err between prefill chunks and between calibration steps;
// the wasm build runs on one thread, so without that turn a Stop click would
// only be seen once the work had finished. Natively yieldToBrowser does nothing.
type browserTurns struct{ context.Context }

func (c browserTurns) Err() error {
	yieldToBrowser()
	return c.Context.Err()
}

// startInfluence measures every highlight of the current prompt with its Δ in
// force (influence.Measure, as `heed influence` does).
func (w *Workbench) startInfluence(ctx goapp.Context) {
	st := &w.infl
	if w.sess == nil || w.built == nil || len(w.built.Spans) == 0 || w.gen.running || st.running {
		return
	}
	s, p := w.sess, w.built
	ictx, cancel := context.WithCancel(ctx)
	st.running, st.cancel, st.err, st.note = true, cancel, "", ""
	st.tracks, st.pieces, st.layer = nil, nil, s.Layers()-1
	st.view.reset(w.loading)
	ctx.Async(func() {
		defer cancel()
		var tracks []influence.Track
		err := safely(func() (err error) {
			tracks, err = s.Influence(browserTurns{ictx}, p)
			return err
		})
		if err == nil && ictx.Err() != nil {
			err = ictx.Err() // Stop came after the last check: the user asked for no result
		}
		pieces := make([]string, len(p.IDs))
		for i, id := range p.IDs {
			pieces[i] = s.TokenText(id)
		}
		ctx.Dispatch(func(goapp.Context) {
			st.running, st.cancel = false, nil
			switch {
			case errors.Is(err, context.Canceled):
				st.note = "Stopped."
			case err != nil:
				st.err = w.describeRunError("Influence could not be measured: ", err)
			default:
				st.tracks, st.pieces = tracks, pieces
				st.view.measured(p, tracks, pieces, st.layer)
			}
		})
	})
}

// stopInfluence cancels the measurement in flight; it ends at the next
// prefill chunk.
func (w *Workbench) stopInfluence() {
	if w.infl.cancel != nil {
		w.infl.cancel()
	}
}

// influenceExport is the last measurement in dataexport's form.
func (w *Workbench) influenceExport() dataexport.Influence {
	st := &w.infl
	from, to := influence.LastTokens(len(st.pieces))
	d := dataexport.Influence{Model: st.view.model, Prompt: st.view.text, Tokens: st.pieces, LastFrom: from, LastTo: to}
	for i, tr := range st.tracks {
		d.Spans = append(d.Spans, dataexport.Span{
			Index: i, Text: st.view.spanText(i), First: tr.Span.First, Last: tr.Span.Last, Delta: tr.Span.Delta, Measure: tr.Span.Measure,
			Influence: tr.Influence, Rollout: tr.Rollout, Scalar: tr.Scalar, RolloutScalar: tr.RolloutScalar,
		})
	}
	return d
}

// Export formats offered for results.
const (
	formatCSV  = "csv"
	formatJSON = "json"
)

// exportInfluence downloads the last measurement as CSV or JSON.
func (w *Workbench) exportInfluence(format string) {
	st := &w.infl
	st.view.exportErr = ""
	if len(st.tracks) == 0 {
		return
	}
	if err := downloadData("heed-influence", format, w.influenceExport()); err != nil {
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
