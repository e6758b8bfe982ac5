package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"heed/app/dataexport"
	"heed/app/wire"
)

// defaultSweep is the Δ list the sweep starts with: SPEC §1's sensible range,
// denser where the paper's best values lie.
const defaultSweep = "-2, -1, 0, 0.5, 1, 2, 3, 5"

// sweepState is the Δ sweep's state.
type sweepState struct {
	span int    // highlight index in the built prompt
	text string // the user's Δ list
	err  string
	// The last sweep: the highlight's text, the Δs and the last-layer
	// Influence scalar measured at each (values may be fewer while running).
	spanText string
	deltas   []float32
	values   []float32
	model    string // the swept model's name, for exports
	prompt   string // the swept prompt's text, for exports
	saveErr  string // why the last export failed
}

// maxSweepPoints bounds a Δ sweep: each point is one prompt forward pass
// (engine/session.MaxSweepPoints).
const maxSweepPoints = 32

// parseDeltas reads a list of Δ separated by commas or spaces.
func parseDeltas(s string) ([]float32, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	if len(fields) == 0 {
		return nil, errors.New("give at least one Δ")
	}
	if len(fields) > maxSweepPoints {
		return nil, fmt.Errorf("give at most %d values of Δ, not %d", maxSweepPoints, len(fields))
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
func (s *Studio) startSweep() bool {
	st := &s.sweep
	p := s.prompt.built
	if !s.ready() || p == nil || len(p.Spans) == 0 {
		return false
	}
	if st.span >= len(p.Spans) {
		st.span = 0 // the prompt lost highlights since the pick; the picker shows the first
	}
	deltas, err := parseDeltas(st.text)
	if err != nil {
		st.err = "Δ list: " + err.Error()
		s.touch(areaTabs)
		return false
	}
	args, span := s.args(), st.span
	sp := p.Spans[span]
	ok := s.start(jobSweep, func(ctx context.Context) error {
		_, err := s.eng.Sweep(ctx, args, wire.SweepArgs{Span: span, Deltas: deltas}, func(pt wire.Point) {
			s.later(func() { st.values = append(st.values, pt.Value) }, areaTabs)
		})
		return err
	}, func(err error) {
		switch {
		case stopped(err):
			st.err = "Stopped."
		case err != nil:
			st.err = s.describeRunError("The sweep failed: ", err)
		}
	})
	if ok {
		st.err, st.saveErr = "", ""
		st.spanText, st.deltas, st.values, st.prompt, st.model = p.Text[sp.Start:sp.End], deltas, nil, p.Text, s.models.loading
	}
	return ok
}

// exportSweep downloads the last sweep's points as CSV or JSON.
func (s *Studio) exportSweep(format string) {
	st := &s.sweep
	n := len(st.values)
	d := dataexport.Sweep{Model: st.model, Prompt: st.prompt, Span: st.span, Text: st.spanText, Deltas: st.deltas[:n], Values: st.values}
	err := downloadData("heed-sweep", format, d)
	st.saveErr = ""
	if err != nil {
		st.saveErr = "The export failed: " + err.Error()
	}
}
