// Package calibrate picks Δ for a highlight by Influence (SPEC §3): the
// last-layer Influence of the span written in UPPERCASE, unbiased, is the
// target, and bisection finds the Δ at which the original span's Influence
// (with that Δ in force) matches it. Influence rises with Δ, so one crossing
// is bracketed and halved. The CLI's `heed calibrate` and the browser app's
// Calibrate both call Run.
package calibrate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"heed/engine/guide"
	"heed/engine/influence"
	"heed/engine/model"
	"heed/engine/prompt"
)

// Options bound the search. Zero values take the defaults.
type Options struct {
	// Min and Max bound Δ (default -5 and 5, SPEC §1's sensible range).
	Min, Max float32
	// Tol ends the search once the bracket is narrower (default 0.01).
	Tol float32
	// MaxIter bounds the bisection steps (default 40).
	MaxIter int
	// GuideLayers limits the bias to these layers (nil: all), as generation will.
	GuideLayers []int
	// LaggedNorm reproduces the reference's previous-layer ‖x‖₁ (SPEC §2).
	LaggedNorm bool
}

func (o *Options) defaults() error {
	if o.Min == 0 && o.Max == 0 {
		o.Min, o.Max = -5, 5
	}
	if o.Tol == 0 {
		o.Tol = 0.01
	}
	if o.MaxIter == 0 {
		o.MaxIter = 40
	}
	for _, d := range []float32{o.Min, o.Max} {
		if err := guide.CheckDelta(d); err != nil {
			return fmt.Errorf("calibrate: %w: bound %g: %w", ErrOptions, d, err)
		}
	}
	switch {
	case o.Min > 0 || o.Max < 0:
		return fmt.Errorf("calibrate: %w: the Δ range [%g, %g] must contain 0", ErrOptions, o.Min, o.Max)
	case !(o.Tol > 0):
		return fmt.Errorf("calibrate: %w: tolerance %g must be positive", ErrOptions, o.Tol)
	case o.MaxIter < 0:
		return fmt.Errorf("calibrate: %w: max iterations %d must not be negative", ErrOptions, o.MaxIter)
	}
	return nil
}

// Result is a calibrated Δ and the Influences that fixed it (last-layer
// scalars, SPEC §2's last-tokens rule).
type Result struct {
	Delta float32
	// Target is the UPPERCASE span's Influence, unbiased; Plain the original
	// span's at Δ 0; Achieved the original span's at Delta.
	Target, Plain, Achieved float32
	// Iterations counts bisection steps (one forward pass each, besides the
	// two reference passes and the bound's).
	Iterations int
	// Clamped is set when the target lies beyond what Δ in [Min, Max]
	// reaches; Delta is then that bound.
	Clamped bool
}

// ErrOptions means the Options are unusable (bounds, tolerance).
var ErrOptions = errors.New("bad calibration options")

// ErrOneSpan means a prompt does not hold exactly one highlight.
var ErrOneSpan = errors.New("calibration needs exactly one highlight")

// Run calibrates the single highlight of plain against upper, the same
// prompt with that span in UPPERCASE (see Uppercase). Both Δs written in the
// prompts are ignored.
func Run(ctx context.Context, m *model.Model, plain, upper *prompt.Prompt, opt Options) (Result, error) {
	if err := opt.defaults(); err != nil {
		return Result{}, err
	}
	if len(plain.Spans) != 1 || len(upper.Spans) != 1 {
		return Result{}, fmt.Errorf("calibrate: %w (got %d and %d)", ErrOneSpan, len(plain.Spans), len(upper.Spans))
	}
	measure := func(p *prompt.Prompt, delta float32, unbiased bool) (float32, error) {
		spans := slices.Clone(p.Spans)
		spans[0].Delta, spans[0].Measure = delta, unbiased
		tr, err := influence.Measure(ctx, m, p.IDs, spans, influence.Options{GuideLayers: opt.GuideLayers, LaggedNorm: opt.LaggedNorm})
		if err != nil {
			return 0, fmt.Errorf("calibrate: %w", err)
		}
		return tr[0].Scalar[len(tr[0].Scalar)-1], nil
	}
	var r Result
	var err error
	if r.Target, err = measure(upper, 0, true); err != nil {
		return Result{}, err
	}
	if r.Plain, err = measure(plain, 0, false); err != nil {
		return Result{}, err
	}
	at := func(d float32) (float32, error) { return measure(plain, d, false) }
	lo, hi := float32(0), opt.Max
	if r.Target < r.Plain {
		lo, hi = opt.Min, 0
	}
	bound := hi
	if r.Target < r.Plain {
		bound = lo
	}
	reach, err := at(bound)
	if err != nil {
		return Result{}, err
	}
	if (r.Target >= r.Plain && reach < r.Target) || (r.Target < r.Plain && reach > r.Target) {
		r.Delta, r.Achieved, r.Clamped = bound, reach, true
		return r, nil
	}
	r.Delta, r.Achieved, r.Iterations, err = Bisect(at, r.Target, lo, hi, opt.Tol, opt.MaxIter)
	return r, err
}

// Bisect finds x in [lo, hi] where f, rising, crosses target: it halves the
// bracket (at least once) until it is no wider than tol, f hits the target
// exactly, or maxIter steps are spent. It returns the midpoint seen whose f is
// closest to target, that f, and the steps taken. The bracket's ends are not
// evaluated: the caller knows f(lo) ≤ target ≤ f(hi).
func Bisect(f func(float32) (float32, error), target, lo, hi, tol float32, maxIter int) (x, fx float32, steps int, err error) {
	bestErr := float32(math.Inf(1))
	for {
		mid := lo + (hi-lo)/2
		v, err := f(mid)
		if err != nil {
			return 0, 0, steps, err
		}
		steps++
		if e := float32(math.Abs(float64(v - target))); e < bestErr {
			x, fx, bestErr = mid, v, e
		}
		if v < target {
			lo = mid
		} else {
			hi = mid
		}
		if v == target || hi-lo <= tol || steps >= maxIter {
			return x, fx, steps, nil
		}
	}
}

// Uppercase returns text with the span sp (byte offsets) written in capitals
// and the span over those capitals as code point offsets, marked Measure.
// Capitals may take other byte lengths ("ſ" becomes "S"), so the span is
// recomputed rather than reused.
func Uppercase(text string, sp guide.Span) (string, guide.RuneSpan) {
	up := strings.ToUpper(text[sp.Start:sp.End])
	start := utf8.RuneCountInString(text[:sp.Start])
	return text[:sp.Start] + up + text[sp.End:], guide.RuneSpan{Start: start, End: start + utf8.RuneCountInString(up), Measure: true}
}
