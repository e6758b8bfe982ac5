package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/session"
	"heed/app/sessionfile"
	"heed/engine/generate"
	"heed/engine/sample"
)

// generation is the A/B section's state: one column per side.
type generation struct {
	maxTokens int
	tempText  string
	seed      uint64
	filters   filterText // top-k, top-p, min-p, repetition penalty, as typed
	tokensErr string     // why the max tokens field's value was not taken
	running   bool
	err       string
	cancel    context.CancelFunc
	cols      [2]column // indexed by session.Side
}

// filterText holds the sampling filters' fields as typed, so a half-typed
// value stays in its field and is refused in words on Generate.
type filterText struct {
	topK, topP, minP, repeat string
}

// defaultFilters leave every filter off (engine/sample: top-k 0, top-p 1,
// min-p 0 and repetition penalty 1 change nothing).
var defaultFilters = filterText{topK: "0", topP: "1", minP: "0", repeat: "1"}

// samplingParams reads the temperature, the filters and the seed into
// sample.Params, or says in words which field is wrong.
func samplingParams(temp string, f filterText, seed uint64) (sample.Params, error) {
	p := sample.Params{Seed: seed}
	t, err := strconv.ParseFloat(strings.TrimSpace(temp), 32)
	if err != nil || !(t >= 0 && t <= sessionfile.MaxTemperature) {
		return p, fmt.Errorf("Temperature must be a number from 0 to %d (0: greedy), not %q.", sessionfile.MaxTemperature, temp)
	}
	k, err := strconv.Atoi(strings.TrimSpace(f.topK))
	if err != nil || k < 0 || k > sessionfile.MaxTopK {
		return p, fmt.Errorf("Top-k must be a whole number ≥ 0 (0: off), not %q.", f.topK)
	}
	p.Temperature, p.TopK = float32(t), k
	for _, fl := range []struct {
		text, rule string
		max        float64
		dst        *float32
	}{
		{f.topP, "Top-p must be a number from 0 to 1 (1: off)", 1, &p.TopP},
		{f.minP, "Min-p must be a number from 0 to 1 (0: off)", 1, &p.MinP},
		{f.repeat, fmt.Sprintf("Repetition penalty must be a number from 0 to %d (1: off)", sessionfile.MaxRepeatPenalty), sessionfile.MaxRepeatPenalty, &p.RepeatPenalty},
	} {
		v, err := strconv.ParseFloat(strings.TrimSpace(fl.text), 32)
		if err != nil || !(v >= 0 && v <= fl.max) {
			return p, fmt.Errorf("%s, not %q.", fl.rule, fl.text)
		}
		*fl.dst = float32(v)
	}
	return p, p.Validate()
}

// formatFilter writes a filter value back into its field.
func formatFilter(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }

// column is one side's streamed output.
type column struct {
	tokens  []generate.Token
	done    bool
	reason  string
	timings generate.Timings
}

func (g *generation) reset() {
	g.running, g.err, g.cancel, g.cols = false, "", nil, [2]column{}
}

// paintEvery bounds how long streaming goes without giving the browser a
// chance to paint the new tokens and handle a click on Stop. Tokens are
// handed to the page in batches at that pace: one re-render and one timer per
// batch, instead of per token, which would cost more than the model itself.
const paintEvery = 20 * time.Millisecond

// tokenStream batches one column's streamed tokens for the UI goroutine.
type tokenStream struct {
	ctx     goapp.Context
	col     *column // written on the UI goroutine only
	pending []generate.Token
	last    time.Time
}

func (s *tokenStream) add(t generate.Token) error {
	s.pending = append(s.pending, t)
	if time.Since(s.last) >= paintEvery {
		s.flush()
	}
	return nil
}

// flush hands the pending tokens to the page and lets the browser paint.
func (s *tokenStream) flush() {
	batch := s.pending
	s.pending = nil
	if len(batch) > 0 {
		s.ctx.Dispatch(func(goapp.Context) { s.col.tokens = append(s.col.tokens, batch...) })
	}
	yieldToBrowser()
	s.last = time.Now()
}

// sides in the order they run and are shown.
var sides = []session.Side{session.Guided, session.Baseline}

// startAB runs the prompt with GUIDE and then without, from the same seed,
// streaming both into their columns.
func (w *Workbench) startAB(ctx goapp.Context) {
	if w.sess == nil || w.built == nil || w.gen.running || w.infl.running {
		return
	}
	params, err := samplingParams(w.gen.tempText, w.gen.filters, w.gen.seed)
	if err != nil {
		w.gen.err = err.Error()
		return
	}
	opt := session.GenOptions{MaxTokens: w.gen.maxTokens, Sample: params}
	s, p := w.sess, w.built
	w.gen.reset()
	gctx, cancel := context.WithCancel(ctx)
	w.gen.running, w.gen.cancel = true, cancel
	ctx.Async(func() {
		defer cancel()
		var failed error
		for _, side := range sides {
			st := &tokenStream{ctx: ctx, col: &w.gen.cols[side], last: time.Now()}
			var res *generate.Result
			err := safely(func() (err error) {
				res, err = s.Generate(gctx, p, side, opt, st.add)
				return err
			})
			st.flush()
			ctx.Dispatch(func(goapp.Context) {
				c := &w.gen.cols[side]
				c.done = true
				if res != nil {
					c.reason, c.timings = res.Reason, res.Timings
				}
			})
			if err != nil {
				failed = err
				break
			}
		}
		ctx.Dispatch(func(goapp.Context) {
			w.gen.running, w.gen.cancel = false, nil
			switch {
			case errors.Is(failed, context.Canceled):
				w.gen.err = "Stopped."
			case failed != nil:
				w.gen.err = w.describeRunError("Generation failed: ", failed)
			}
		})
	})
}

// divergence is the first position where the two columns' tokens differ
// (the shorter length when one is a prefix of the other).
func (g *generation) divergence() int {
	a, b := g.cols[0].tokens, g.cols[1].tokens
	n := min(len(a), len(b))
	for i := range n {
		if a[i].ID != b[i].ID {
			return i
		}
	}
	return n
}
