package app

import (
	"context"
	"sync"
	"time"

	"heed/app/wire"
)

// genState is the A/B view's state: one column per side.
type genState struct {
	cols   [2]column    // by sideIndex
	sides  []string     // the sides of the last run
	prompt *wire.Prompt // the prompt it ran on
	err    string
	result *wire.Generated
	first  string // the model the server computed this run on (firstscreen.go); "" for a run here
	run    int    // which of the page's runs this is (Studio.runs)

	mu       sync.Mutex   // guards inbox and flushing: tokens arrive in the worker's message callback
	inbox    []wire.Token // streamed tokens not yet on the page
	flushing bool
	flushed  time.Time // when the page last showed new tokens
}

// column is one side's streamed output.
type column struct {
	tokens  []wire.Token
	live    wire.Live
	done    bool
	reason  string
	timings wire.Timings
}

// sideIndex is a side's column: GUIDE first.
func sideIndex(side string) int {
	if side == wire.SideBaseline {
		return 1
	}
	return 0
}

// sideNames are the sides by column, as the page names them in data-side.
var sideNames = [2]string{"GUIDE", "baseline"}

// canGenerate reports whether Generate may start now.
func (s *Studio) canGenerate() bool {
	return s.ready() && s.prompt.built != nil && s.prompt.buildErr == ""
}

// generate runs the prompt with GUIDE and, in A/B, without, in step from
// the same seed, streaming both columns and following every highlight's
// Influence through the generated tokens for the heatmap.
func (s *Studio) generate() bool {
	if !s.canGenerate() {
		return false
	}
	st := &s.settings
	params, err := samplingParams(st.tempText, st.filters, st.seed)
	if err != nil {
		s.gen.err = err.Error()
		s.touch(areaRun)
		return false
	}
	sides := []string{wire.SideGuide, wire.SideBaseline}
	if st.single {
		sides = sides[:1]
	}
	args, p := s.args(), s.prompt.built
	g := wire.GenerateArgs{Sides: sides, MaxTokens: st.maxTokens, Temperature: params.Temperature, TopK: params.TopK, TopP: params.TopP,
		MinP: params.MinP, RepeatPenalty: params.RepeatPenalty, Seed: params.Seed, Follow: len(p.Spans) > 0}
	var res *wire.Generated
	s.resetRun(p, sides)
	s.runs++
	run := s.runs
	s.gen.run = run
	gen := &s.gen
	return s.start(jobGenerate, func(ctx context.Context) error {
		var err error
		res, err = s.eng.Generate(ctx, args, g, func(t wire.Token) { s.receive(run, t) })
		return err
	}, func(err error) {
		s.flush()
		for i := range gen.cols {
			gen.cols[i].done = true
		}
		switch {
		case stopped(err):
			gen.err = "Stopped."
		case err != nil:
			gen.err = s.describeRunError("Generation failed: ", err)
		default:
			gen.result = res
			for _, sr := range res.Sides {
				c := &gen.cols[sideIndex(sr.Side)]
				c.reason, c.timings = sr.Reason, sr.Timings
			}
			s.heat.ran(p, res)
		}
	})
}

// resetRun clears the columns for a run of sides on p.
func (s *Studio) resetRun(p *wire.Prompt, sides []string) {
	s.gen = genState{prompt: p, sides: sides}
	s.heat.clear()
}

// receive takes a streamed token in the worker's message callback; the page
// shows it at its next frame, with the others that arrived meanwhile.
func (s *Studio) receive(run int, t wire.Token) {
	g := &s.gen
	g.mu.Lock()
	if g.run != run { // a stopped run's last tokens, after the page moved on
		g.mu.Unlock()
		return
	}
	g.inbox = append(g.inbox, t)
	schedule := !g.flushing
	g.flushing = true
	g.mu.Unlock()
	if !schedule {
		return
	}
	// At most one update per showEvery: a fast model streams hundreds of
	// tokens a second, and each update is a render on the page's thread.
	if wait := showEvery - time.Since(g.flushed); wait > 0 {
		s.async(func() {
			time.Sleep(wait)
			s.later(s.flush, areaRun)
		})
		return
	}
	s.later(s.flush, areaRun)
}

// showEvery is how often streamed tokens reach the page at most.
const showEvery = 40 * time.Millisecond

// flush moves the streamed tokens into their columns.
func (s *Studio) flush() {
	g := &s.gen
	g.mu.Lock()
	batch := g.inbox
	g.inbox, g.flushing, g.flushed = nil, false, time.Now()
	g.mu.Unlock()
	for _, t := range batch {
		c := &g.cols[sideIndex(t.Side)]
		c.tokens = append(c.tokens, t)
		c.live = t.Live
	}
}

// divergence is the first position where the two columns' tokens differ
// (the shorter length when one is a prefix of the other).
func (g *genState) divergence() int {
	a, b := g.cols[0].tokens, g.cols[1].tokens
	n := min(len(a), len(b))
	for i := range n {
		if a[i].ID != b[i].ID {
			return i
		}
	}
	return n
}

// ran reports whether the last run included side i.
func (g *genState) ran(i int) bool {
	for _, side := range g.sides {
		if sideIndex(side) == i {
			return true
		}
	}
	return false
}
