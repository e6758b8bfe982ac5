package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"heed/engine/generate"
	"heed/engine/influence"
	"heed/engine/prompt"
	"heed/engine/sample"
)

// Prompt tokenises tagged text (GUIDE tags, no chat template) and maps its
// highlights to tokens, with <!!-> meaning Δ = deltaMid.
func (s *Session) Prompt(tagged string, deltaMid float32) (*prompt.Prompt, error) {
	return s.BuildPrompt(tagged, prompt.Options{DeltaMid: deltaMid})
}

// GenOptions are the settings of a generation, shared by both sides of an
// A/B comparison.
type GenOptions struct {
	MaxTokens int
	Sample    sample.Params
	// Stop strings end generation; the text is cut before the first one.
	Stop []string
	// Mode and Layers say when and where GUIDE's bias applies (default:
	// prefill and every decode step, all layers).
	Mode   generate.Mode
	Layers []int
	// Context is the KV cache length (0: prompt + MaxTokens, within the model's).
	Context int
	// Follow tracks every highlight's Influence and Rollout through the
	// generated tokens (as `heed influence --follow` does), with the side's
	// bias in force; the tracks come back with the result.
	Follow bool
	// LaggedNorm reproduces the reference code's previous-layer ‖x‖₁ (SPEC §2).
	LaggedNorm bool
}

func (o GenOptions) check() error {
	if err := o.Sample.Validate(); err != nil {
		return err
	}
	if o.MaxTokens <= 0 {
		return fmt.Errorf("the token limit must be positive, not %d", o.MaxTokens)
	}
	return nil
}

// Side names one column of an A/B generation.
type Side int

const (
	Guided   Side = iota // the prompt's GUIDE bias in force
	Baseline             // the same prompt, unbiased (Δmid = 0)
)

func (s Side) String() string {
	if s == Guided {
		return "GUIDE"
	}
	return "baseline"
}

// Output is one side's finished generation, with the highlights' Influence
// followed through it when GenOptions.Follow was set (nil otherwise).
type Output struct {
	Side   Side
	Result *generate.Result
	Tracks []influence.Track
}

// Generate runs one side of an A/B comparison on p, calling onToken for every
// streamed token. Both sides use the same sampling seed, so with Δ = 0 they
// would be identical token for token. On cancellation it returns the partial
// result with the context's error.
func (s *Session) Generate(ctx context.Context, p *prompt.Prompt, side Side, opt GenOptions, onToken func(generate.Token) error) (*generate.Result, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.generate(ctx, p, side, opt, onToken)
	return out.Result, err
}

// Live are one side's figures while it runs, counting only its own turns
// on the model: prefill and the first token, then decoding.
type Live struct {
	PromptTokens int
	First        time.Duration // from the side's start to its first token
	Generated    int
	Decode       time.Duration // since the first token
}

// GenerateSides runs the given sides of an A/B comparison on p in step: one
// token of the first side, then one of the second, and so on, so both
// columns stream together. Only one side works on the model at any moment.
// onToken sees every streamed token with its side and live figures, never
// concurrently. The outputs come in the order of sides, their decode timings
// without the other side's turns; on cancellation or failure they hold what
// was generated, with the first error.
func (s *Session) GenerateSides(ctx context.Context, p *prompt.Prompt, sides []Side, opt GenOptions, onToken func(Side, generate.Token, Live) error) ([]Output, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	if len(sides) == 0 {
		return nil, errors.New("no side to generate")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	outs := make([]Output, len(sides))
	errs := make([]error, len(sides))
	steps := newLockstep(len(sides))
	done := make(chan struct{}, len(sides))
	for i, side := range sides {
		go func() {
			defer func() { done <- struct{}{} }()
			steps.wait(i)
			defer steps.finish(i)
			outs[i], errs[i] = s.side(ctx, p, side, opt, len(sides) > 1, steps, i, onToken)
		}()
	}
	for range sides {
		<-done
	}
	return outs, firstError(errs)
}

// side runs side i of GenerateSides; a panic in the engine becomes an error.
func (s *Session) side(ctx context.Context, p *prompt.Prompt, side Side, opt GenOptions, turns bool, steps *lockstep, i int,
	onToken func(Side, generate.Token, Live) error) (out Output, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	start := time.Now()
	var waited time.Duration // in the other side's turns
	live := Live{PromptTokens: len(p.IDs)}
	emit := func(t generate.Token) error {
		busy := time.Since(start) - waited
		if t.ID >= 0 {
			if live.Generated == 0 {
				live.First = busy
			}
			live.Generated++
			live.Decode = busy - live.First
		}
		var err error
		if onToken != nil {
			err = onToken(side, t, live)
		}
		if turns {
			t0 := time.Now()
			steps.yield(i)
			if t.ID >= 0 { // the held-back text comes after the timings were taken
				waited += time.Since(t0)
			}
		}
		return err
	}
	out, err = s.generate(ctx, p, side, opt, emit)
	out.Side = side
	if r := out.Result; r != nil && r.Timings.Decode > 0 {
		r.Timings.Decode = max(r.Timings.Decode-waited, 0)
	}
	return out, err
}

// firstError is the first non-nil error, preferring one that is not the
// context's (the other side then only stopped because of it).
func firstError(errs []error) error {
	var first error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// generate runs one side; the caller holds s.mu.
func (s *Session) generate(ctx context.Context, p *prompt.Prompt, side Side, opt GenOptions, onToken func(generate.Token) error) (Output, error) {
	var bias []float32
	if side == Guided {
		bias = p.Bias()
	}
	gopt := generate.Options{MaxTokens: opt.MaxTokens, Sample: opt.Sample, Stop: opt.Stop, Bias: bias, BiasLayers: opt.Layers,
		Mode: opt.Mode, Context: opt.Context, LaggedNorm: opt.LaggedNorm, OnToken: onToken}
	if opt.Follow && len(p.Spans) > 0 {
		gopt.Follow = true
		for _, sp := range p.Spans {
			gopt.Tracks = append(gopt.Tracks, influence.Indicator(len(p.IDs), sp))
		}
	}
	res, err := generate.Run(ctx, s.m, s.tok, p.IDs, gopt)
	out := Output{Side: side, Result: res}
	if res != nil && gopt.Follow && len(res.Influence) == len(p.Spans) {
		out.Tracks = followed(p, res)
	}
	return out, err
}

// followed turns a followed generation's Influence into tracks over the
// prompt and the generated tokens; the scalars stay those of the prompt's
// last tokens (SPEC §2).
func followed(p *prompt.Prompt, res *generate.Result) []influence.Track {
	tracks := make([]influence.Track, len(p.Spans))
	for i, sp := range p.Spans {
		tr := influence.Track{Span: sp, Influence: res.Influence[i], Rollout: res.Rollout[i]}
		for l := range tr.Influence {
			n := min(len(p.IDs), len(tr.Influence[l]))
			tr.Scalar = append(tr.Scalar, influence.Scalar(tr.Influence[l][:n]))
			tr.RolloutScalar = append(tr.RolloutScalar, influence.Scalar(tr.Rollout[l][:n]))
		}
		tracks[i] = tr
	}
	return tracks
}

// Follow generates n tokens greedily with the prompt's GUIDE bias and follows
// every highlight's Influence through them (`heed influence --follow`). It
// returns the token ids measured: the prompt, then the generated tokens that
// went through the model.
func (s *Session) Follow(ctx context.Context, p *prompt.Prompt, n int, layers []int, lagged bool) ([]int32, []influence.Track, error) {
	if len(p.Spans) == 0 {
		return nil, nil, fmt.Errorf("the prompt has no highlight to measure")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.generate(ctx, p, Guided, GenOptions{MaxTokens: n, Layers: layers, Follow: true, LaggedNorm: lagged}, nil)
	if err != nil {
		return nil, nil, err
	}
	measured := len(out.Tracks[0].Influence[0])
	ids := append(append([]int32(nil), p.IDs...), out.Result.IDs...)[:measured]
	return ids, out.Tracks, nil
}

// Influence measures every highlight of p with its Δ in force, as
// `heed influence` does.
func (s *Session) Influence(ctx context.Context, p *prompt.Prompt) ([]influence.Track, error) {
	return s.InfluenceWith(ctx, p, influence.Options{})
}

// InfluenceWith is Influence with options (GUIDE layers, the reference
// code's lagged norm).
func (s *Session) InfluenceWith(ctx context.Context, p *prompt.Prompt, opt influence.Options) ([]influence.Track, error) {
	if len(p.Spans) == 0 {
		return nil, fmt.Errorf("the prompt has no highlight to measure")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return influence.Measure(ctx, s.m, p.IDs, p.Spans, opt)
}
