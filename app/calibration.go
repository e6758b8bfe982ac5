package app

import (
	"context"
	"fmt"

	"heed/app/tagedit"
	"heed/app/wire"
)

// calibKey names a highlight by the prompt text and its byte range, so a
// result disappears from view as soon as the prompt is edited.
type calibKey struct {
	text       string
	start, end int
}

// calibState is the Calibrate view's state.
type calibState struct {
	running *calibKey // the highlight being calibrated, nil when idle
	results map[calibKey]wire.Calibrated
	errs    map[calibKey]string
	note    string // what the last Apply did
}

// keyOf is the key of highlight i of the built prompt.
func (s *Studio) keyOf(i int) calibKey {
	sp := s.prompt.built.Spans[i]
	return calibKey{text: s.prompt.built.Text, start: sp.Start, end: sp.End}
}

// startCalibrate finds Δ for highlight i (SPEC §3).
func (s *Studio) startCalibrate(i int) bool {
	st := &s.calib
	p := s.prompt.built
	if !s.ready() || p == nil || i >= len(p.Spans) {
		return false
	}
	if st.results == nil {
		st.results, st.errs = map[calibKey]wire.Calibrated{}, map[calibKey]string{}
	}
	args, key := s.args(), s.keyOf(i)
	var r *wire.Calibrated
	ok := s.start(jobCalibrate, func(ctx context.Context) error {
		var err error
		r, err = s.eng.Calibrate(ctx, args, i)
		return err
	}, func(err error) {
		st.running = nil
		switch {
		case stopped(err):
			st.errs[key] = "Stopped."
		case err != nil:
			st.errs[key] = s.describeRunError("Calibration failed: ", err)
		default:
			st.results[key] = *r
		}
	})
	if ok {
		st.running, st.note = &key, ""
		delete(st.errs, key)
	}
	return ok
}

// applyCalibration makes highlight i's tag give Δ delta. A tag names a level
// (½, 1 or 2 × Δmid), not a Δ, so Apply sets Δmid to delta ÷ that level's
// factor: the highlight then gets exactly delta, and every other tagged
// highlight scales with Δmid as well, which the note says. Measure-only
// highlights (<?->) carry no Δ; Apply leaves them as they are and says so.
func (s *Studio) applyCalibration(i int, delta float32) {
	p := s.prompt.built
	if p == nil || i >= len(p.Spans) {
		return
	}
	// With Δmid 1, each highlight's Δ is its level's factor.
	hs, err := tagedit.Highlights(s.prompt.tagged, 1)
	if err != nil || len(hs) != len(p.Spans) {
		s.calib.note = "The prompt changed; calibrate again."
		return
	}
	h := hs[i]
	if h.Measure {
		s.calib.note = "A measure-only highlight (<?->) is not biased, so there is no Δ to apply: tag it with a level first."
		return
	}
	if h.Custom {
		s.editHighlight(func(t string) (string, error) { return tagedit.SetDelta(t, i, delta) })
		s.calib.note = fmt.Sprintf("“%s” now has its own Δ %s.", h.Text, exact(delta))
		return
	}
	mid := delta / h.Delta
	s.prompt.deltaText = exact(mid)
	s.rebuildPrompt()
	s.calib.note = fmt.Sprintf("Δmid set to %s, so that “%s” (level %g × Δmid) gets Δ %.3f. Tags name levels, not values: every other tagged highlight scales with Δmid too.",
		exact(mid), h.Text, h.Delta, delta)
}
