package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/dataexport"
	"heed/app/session"
)

// defaultSweep is the Δ list the sweep starts with: SPEC §1's sensible range,
// denser where the paper's best values lie.
const defaultSweep = "-2, -1, 0, 0.5, 1, 2, 3, 5"

// sweepState is the Δ sweep's state.
type sweepState struct {
	span    int    // highlight index in the built prompt
	text    string // the user's Δ list
	running bool
	cancel  context.CancelFunc
	err     string
	// The last sweep: the highlight's text, the Δs and the last-layer
	// Influence scalar measured at each (values may be fewer while running).
	spanText string
	deltas   []float32
	values   []float32
	model    string // the swept model's name, for exports
	prompt   string // the swept prompt's text, for exports
	saveErr  string // why the last export failed
}

// parseDeltas reads a list of Δ separated by commas or spaces.
func parseDeltas(s string) ([]float32, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	if len(fields) == 0 {
		return nil, errors.New("give at least one Δ")
	}
	if len(fields) > session.MaxSweepPoints {
		return nil, fmt.Errorf("give at most %d values of Δ, not %d", session.MaxSweepPoints, len(fields))
	}
	out := make([]float32, len(fields))
	for i, f := range fields {
		d, err := strconv.ParseFloat(f, 32)
		if err != nil || math.IsNaN(d) || math.IsInf(d, 0) {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		out[i] = float32(d)
	}
	return out, nil
}

// startSweep measures the chosen highlight at each Δ of the list, one
// forward pass per Δ, showing each value as it arrives.
func (w *Workbench) startSweep(ctx goapp.Context) {
	st := &w.sweep
	if w.sess == nil || w.built == nil || st.running || len(w.built.Spans) == 0 {
		return
	}
	if st.span >= len(w.built.Spans) {
		st.span = 0 // the prompt lost highlights since the pick; the picker shows the first
	}
	deltas, err := parseDeltas(st.text)
	if err != nil {
		st.err = "Δ list: " + err.Error()
		return
	}
	s, p, span := w.sess, w.built, st.span
	sp := p.Spans[span]
	sctx, cancel := context.WithCancel(ctx)
	st.running, st.cancel, st.err = true, cancel, ""
	st.spanText, st.deltas, st.values, st.prompt, st.saveErr = p.Text[sp.Start:sp.End], deltas, nil, p.Text, ""
	st.model = w.loading
	ctx.Async(func() {
		defer cancel()
		err := safely(func() error {
			_, err := s.Sweep(browserTurns{sctx}, p, span, deltas, func(i int, v float32) {
				ctx.Dispatch(func(goapp.Context) { st.values = append(st.values, v) })
				yieldToBrowser()
			})
			return err
		})
		ctx.Dispatch(func(goapp.Context) {
			st.running, st.cancel = false, nil
			switch {
			case errors.Is(err, context.Canceled):
				st.err = "Stopped."
			case err != nil:
				st.err = w.describeRunError("The sweep failed: ", err)
			}
		})
	})
}

// stopSweep cancels the sweep in flight; it ends after the current pass.
func (w *Workbench) stopSweep() {
	if w.sweep.cancel != nil {
		w.sweep.cancel()
	}
}

// exportSweep downloads the last sweep's points as CSV or JSON.
func (w *Workbench) exportSweep(format string) {
	st := &w.sweep
	n := len(st.values)
	d := dataexport.Sweep{Model: st.model, Prompt: st.prompt, Span: st.span, Text: st.spanText, Deltas: st.deltas[:n], Values: st.values}
	err := downloadData("heed-sweep", format, d)
	st.saveErr = ""
	if err != nil {
		st.saveErr = "The export failed: " + err.Error()
	}
}
