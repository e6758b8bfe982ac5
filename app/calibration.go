package app

import (
	"context"
	"errors"
	"fmt"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/engine/calibrate"
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
	cancel  context.CancelFunc
	results map[calibKey]calibrate.Result
	errs    map[calibKey]string
	note    string // what the last Apply did
}

// keyOf is the key of highlight i of the built prompt.
func (w *Workbench) keyOf(i int) calibKey {
	sp := w.built.Spans[i]
	return calibKey{text: w.built.Text, start: sp.Start, end: sp.End}
}

// startCalibrate finds Δ for highlight i with calibrate.Run (SPEC §3).
func (w *Workbench) startCalibrate(ctx goapp.Context, i int) {
	st := &w.calib
	if w.sess == nil || w.built == nil || i >= len(w.built.Spans) || st.running != nil {
		return
	}
	if st.results == nil {
		st.results, st.errs = map[calibKey]calibrate.Result{}, map[calibKey]string{}
	}
	s, p, key, opts := w.sess, w.built, w.keyOf(i), w.promptOptions(w.deltaMid)
	cctx, cancel := context.WithCancel(ctx)
	st.running, st.cancel, st.note = &key, cancel, ""
	delete(st.errs, key)
	ctx.Async(func() {
		defer cancel()
		var r calibrate.Result
		err := safely(func() (err error) {
			r, err = s.Calibrate(browserTurns{cctx}, p, i, opts)
			return err
		})
		if err == nil && cctx.Err() != nil {
			err = cctx.Err() // Stop came after the last step: the user asked for no result
		}
		ctx.Dispatch(func(goapp.Context) {
			st.running, st.cancel = nil, nil
			switch {
			case errors.Is(err, context.Canceled):
				st.errs[key] = "Stopped."
			case err != nil:
				st.errs[key] = w.describeRunError("Calibration failed: ", err)
			default:
				st.results[key] = r
			}
		})
	})
}

// stopCalibrate cancels the calibration in flight; it ends after the
// current prefill chunk.
func (w *Workbench) stopCalibrate() {
	if w.calib.cancel != nil {
		w.calib.cancel()
	}
}

// applyCalibration makes highlight i's tag give Δ delta. A tag names a level
// (½, 1 or 2 × Δmid), not a Δ, so Apply sets Δmid to delta ÷ that level's
// factor: the highlight then gets exactly delta, and every other tagged
// highlight scales with Δmid as well, which the note says. Measure-only
// highlights (<?->) carry no Δ; Apply leaves them as they are and says so.
func (w *Workbench) applyCalibration(i int, delta float32) {
	if w.sess == nil || w.built == nil || i >= len(w.built.Spans) {
		return
	}
	// Built with Δmid 1, each highlight's Δ is its level's factor.
	unit, err := w.sess.BuildPrompt(w.prompt, w.promptOptions(1))
	if err != nil || len(unit.Spans) != len(w.built.Spans) {
		w.calib.note = "The prompt changed; calibrate again."
		return
	}
	sp := unit.Spans[i]
	if sp.Measure {
		w.calib.note = "A measure-only highlight (<?->) is not biased, so there is no Δ to apply: tag it with a level first."
		return
	}
	mid := delta / sp.Delta
	w.deltaText = exact(mid)
	w.rebuildPrompt()
	w.calib.note = fmt.Sprintf("Δmid set to %s, so that “%s” (level %g × Δmid) gets Δ %.3f. Tags name levels, not values: every other tagged highlight scales with Δmid too.",
		exact(mid), unit.Text[sp.Start:sp.End], sp.Delta, delta)
}
