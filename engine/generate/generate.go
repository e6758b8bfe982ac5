// Package generate runs the generation loop: prefill of the prompt (with the
// GUIDE bias and Influence tracking set up), then token-by-token decode with
// the KV cache until an end-of-generation token, a stop string, the token
// limit, the end of the context, or cancellation.
package generate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"heed/engine/model"
	"heed/engine/sample"
)

// Vocab is what the loop needs of a tokenizer; *tokenizer.Tokenizer implements it.
type Vocab interface {
	IsEOG(id int32) bool
	Decode(ids []int32) string
}

// Mode says when the GUIDE bias applies (SPEC §1).
type Mode int

const (
	// Always biases the prompt and every decode step (the reference pipeline).
	Always Mode = iota
	// PrefillOnly biases the prompt only (the paper's experiment code).
	PrefillOnly
)

// ParseMode maps "always" or "prefill-only" to a Mode.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "always", "":
		return Always, nil
	case "prefill-only":
		return PrefillOnly, nil
	}
	return 0, fmt.Errorf("unknown GUIDE mode %q (want always or prefill-only)", s)
}

func (m Mode) String() string {
	if m == PrefillOnly {
		return "prefill-only"
	}
	return "always"
}

// Options configure one generation.
type Options struct {
	// MaxTokens bounds the generated tokens (0: until the context is full).
	MaxTokens int
	// Sample picks each token. Greedy parameters (temperature 0, no repetition penalty) on a
	// model.Argmaxer executor pick it there and read back only its id; sampling bounded by
	// top-k, top-p or min-p (no repetition penalty) on a model.TopKer executor reads back the
	// most likely tokens and the normaliser, and the whole logits only when those cannot decide
	// the draw. Either way the token is the one the sampler picks from the whole logits.
	Sample sample.Params
	// Stop strings end generation; the text is cut before the first one.
	Stop []string

	// Bias is the GUIDE bias over prompt positions (nil or all zero: none),
	// applied in BiasLayers (nil: all) according to Mode.
	Bias       []float32
	BiasLayers []int
	Mode       Mode

	// Tracks are highlight indicators I(-1) over prompt positions whose
	// Influence and Rollout are computed; Follow continues them through the
	// generated tokens.
	Tracks     [][]float32
	Follow     bool
	LaggedNorm bool

	// Context is the KV cache length (default: prompt + MaxTokens, or 4096
	// without a token limit, within the model's context length); Batch the
	// prefill chunk size (default 64).
	Context, Batch int

	// OnToken, when set, is called for every generated token with the text it
	// completes (possibly empty while a character or a possible stop string is
	// incomplete). Returning an error stops generation with that error.
	OnToken func(Token) error
}

// Token is one streamed token.
type Token struct {
	ID   int32
	Text string
}

// Stop reasons.
const (
	StopEOG     = "eog"     // the model produced an end-of-generation token
	StopString  = "stop"    // a stop string appeared
	StopLength  = "length"  // MaxTokens were generated
	StopContext = "context" // the KV cache is full
)

// Timings of one generation.
type Timings struct {
	PromptTokens int
	Generated    int
	Prefill      time.Duration // the prompt's forward pass
	FirstToken   time.Duration // from the start until the first token was chosen
	Decode       time.Duration // every decode step after the first token
}

// PrefillPerSecond is prompt tokens per second.
func (t Timings) PrefillPerSecond() float64 { return perSecond(t.PromptTokens, t.Prefill) }

// DecodePerSecond is generated tokens per second after the first.
func (t Timings) DecodePerSecond() float64 { return perSecond(t.Generated-1, t.Decode) }

func perSecond(n int, d time.Duration) float64 {
	if n <= 0 || d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Result is a finished (or cancelled) generation.
type Result struct {
	IDs     []int32 // generated tokens, the stopping EOG token excluded
	Text    string
	Reason  string
	Timings Timings
	// Influence[t][l][k] and Rollout[t][l][k]: track t, layer l, position k over
	// the prompt, and the generated tokens too when Follow was set.
	Influence, Rollout [][][]float32
}

// Run generates a continuation of prompt. On cancellation it returns the
// partial result together with the context's error.
func Run(ctx context.Context, m *model.Model, v Vocab, prompt []int32, opt Options) (*Result, error) {
	if len(prompt) == 0 {
		return nil, errors.New("generate: empty prompt")
	}
	if err := opt.Sample.Validate(); err != nil {
		return nil, err
	}
	if opt.Context <= 0 {
		// Enough for the request, never the whole trained context (128k
		// positions of a Llama 3.2 KV cache would be gigabytes).
		want := len(prompt) + opt.MaxTokens
		if opt.MaxTokens == 0 {
			want = max(4096, 2*len(prompt))
		}
		opt.Context = min(m.Context, want)
	}
	if len(prompt) > opt.Context {
		return nil, fmt.Errorf("%w: prompt of %d tokens, context of %d", model.ErrContextFull, len(prompt), opt.Context)
	}
	s, err := m.NewState(model.StateOptions{Context: opt.Context, Batch: opt.Batch, Tracks: len(opt.Tracks), LaggedNorm: opt.LaggedNorm})
	if err != nil {
		return nil, err
	}
	if err := s.SetBias(opt.Bias, opt.BiasLayers); err != nil {
		return nil, err
	}
	for i, ind := range opt.Tracks {
		if err := s.SetTrack(i, ind); err != nil {
			return nil, err
		}
	}
	_, argmaxer := m.Exec.(model.Argmaxer)
	g := &loop{m: m, s: s, v: v, opt: opt, sampler: sample.New(opt.Sample), onDevice: argmaxer && greedy(opt.Sample),
		logits: make([]float32, m.Vocab), history: append([]int32(nil), prompt...),
		anchor: prompt[len(prompt)-1:], res: &Result{}}
	if _, topker := m.Exec.(model.TopKer); topker && !g.onDevice {
		if k, ok := opt.Sample.Head(m.Vocab, model.MaxCandidates); ok {
			g.head = k
		}
	}
	err = g.run(ctx, prompt)
	if rerr := g.readInfluence(); err == nil {
		err = rerr
	}
	return g.res, err
}

// loop is the state of one generation.
type loop struct {
	m       *model.Model
	s       *model.State
	v       Vocab
	opt     Options
	sampler *sample.Sampler
	// onDevice picks each token with State.ArgmaxLogits, so decode reads back one index and
	// not the logits: only when the sampler would pick the argmax itself (see greedy).
	onDevice bool
	// head, when positive, is how many candidates State.TopKLogits reads back for
	// Sampler.SampleTop before falling back to the whole logits.
	head    int
	logits  []float32
	history []int32 // prompt and generated tokens, for the repetition penalty
	anchor  []int32 // the last prompt token, decoded before the generated ones
	sent    int     // bytes of the text already streamed
	res     *Result
}

func (g *loop) run(ctx context.Context, prompt []int32) error {
	start := time.Now()
	tracks := len(g.opt.Tracks) > 0
	if err := g.m.Prefill(ctx, g.s, prompt, model.Step{Guide: true, Track: tracks, Logits: model.LogitsLast}); err != nil {
		return err
	}
	g.res.Timings.PromptTokens = len(prompt)
	g.res.Timings.Prefill = time.Since(start)
	step := model.Step{Guide: g.opt.Mode == Always, Track: tracks && g.opt.Follow, Logits: model.LogitsLast}
	var decodeStart time.Time
	for {
		id, err := g.next()
		if err != nil {
			return err
		}
		if len(g.res.IDs) == 0 {
			g.res.Timings.FirstToken = time.Since(start)
			decodeStart = time.Now()
		}
		if g.v.IsEOG(id) {
			g.res.Reason = StopEOG
			break
		}
		g.res.IDs = append(g.res.IDs, id)
		g.history = append(g.history, id)
		stopped, err := g.emit(id)
		if err != nil {
			return err
		}
		if stopped {
			g.res.Reason = StopString
			break
		}
		if g.opt.MaxTokens > 0 && len(g.res.IDs) >= g.opt.MaxTokens {
			g.res.Reason = StopLength
			break
		}
		if g.s.Pos() >= g.s.Context() {
			g.res.Reason = StopContext
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := g.m.Forward(g.s, g.history[len(g.history)-1:], step); err != nil {
			return err
		}
	}
	g.res.Timings.Generated = len(g.res.IDs)
	if !decodeStart.IsZero() {
		g.res.Timings.Decode = time.Since(decodeStart)
	}
	if g.sent < len(g.res.Text) && g.opt.OnToken != nil {
		rest := g.res.Text[g.sent:]
		g.sent = len(g.res.Text)
		return g.opt.OnToken(Token{ID: -1, Text: rest})
	}
	return nil
}

// next picks the token after the last step.
func (g *loop) next() (int32, error) {
	if g.onDevice {
		return g.s.ArgmaxLogits(0)
	}
	if g.head > 0 {
		c, err := g.s.TopKLogits(0, g.head)
		if err != nil {
			return 0, err
		}
		if id, ok := g.sampler.SampleTop(sample.Top{IDs: c.IDs, Logits: c.Logits, Vocab: g.m.Vocab, Sum: c.Sum, SumErr: c.SumErr}); ok {
			return id, nil
		}
	}
	if err := g.s.Logits(0, g.logits); err != nil {
		return 0, err
	}
	return g.sampler.Sample(g.logits, g.history), nil
}

// greedy reports whether a sampler with p returns the argmax of the logits unchanged: no
// temperature, and no repetition penalty rewriting logits first. The sampler's argmax and
// every model.Argmaxer break ties alike (lowest index), so either gives the same token.
func greedy(p sample.Params) bool {
	return p.Temperature <= 0 && (p.RepeatPenalty == 0 || p.RepeatPenalty == 1)
}

// emit decodes the generated text, cuts it at a stop string, and streams what
// can no longer change. It reports whether a stop string was found.
func (g *loop) emit(id int32) (bool, error) {
	text := g.decode()
	stopped := false
	for _, stop := range g.opt.Stop {
		if stop == "" {
			continue
		}
		if i := strings.Index(text, stop); i >= 0 {
			text, stopped = text[:i], true
		}
	}
	g.res.Text = text
	if g.opt.OnToken == nil {
		return stopped, nil
	}
	safe := len(text)
	if !stopped {
		safe -= g.holdBack(text)
	}
	out := ""
	if safe > g.sent {
		out, g.sent = text[g.sent:safe], safe
	}
	return stopped, g.opt.OnToken(Token{ID: id, Text: out})
}

// decode returns the text of the generated tokens, decoded after the last
// prompt token so that a leading space is kept as it would be in context.
func (g *loop) decode() string {
	ctx := g.v.Decode(g.anchor)
	full := g.v.Decode(append(append(make([]int32, 0, len(g.res.IDs)+1), g.anchor...), g.res.IDs...))
	if strings.HasPrefix(full, ctx) {
		return full[len(ctx):]
	}
	return g.v.Decode(g.res.IDs)
}

// holdBack is how many trailing bytes of text must wait: an incomplete UTF-8
// character (or a replacement character a later byte token may complete), or
// the start of a stop string.
func (g *loop) holdBack(text string) int {
	hold := 0
	for _, stop := range g.opt.Stop {
		for n := min(len(stop)-1, len(text)); n > hold; n-- {
			if strings.HasSuffix(text, stop[:n]) {
				hold = n
				break
			}
		}
	}
	if r, size := utf8.DecodeLastRuneInString(text); r == utf8.RuneError {
		hold = max(hold, size)
	}
	return hold
}

// readInfluence copies the tracked vectors out of the state.
func (g *loop) readInfluence() error {
	n := len(g.history) - len(g.res.IDs)
	if g.opt.Follow {
		n = g.s.Pos()
	}
	for t := range g.opt.Tracks {
		var in, ro [][]float32
		for l := range g.m.Layers {
			a, b := make([]float32, n), make([]float32, n)
			if err := g.s.Influence(t, l, 0, n, a); err != nil {
				return err
			}
			if err := g.s.Rollout(t, l, 0, n, b); err != nil {
				return err
			}
			in, ro = append(in, a), append(ro, b)
		}
		g.res.Influence, g.res.Rollout = append(g.res.Influence, in), append(g.res.Rollout, ro)
	}
	return nil
}
