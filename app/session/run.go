package session

import (
	"context"
	"fmt"

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

// GenOptions are the settings shared by both sides of an A/B generation.
type GenOptions struct {
	MaxTokens int
	Sample    sample.Params
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

// Generate runs one side of an A/B comparison on p, calling onToken for every
// streamed token. Both sides use the same sampling seed, so with Δ = 0 they
// would be identical token for token. On cancellation it returns the partial
// result with the context's error.
func (s *Session) Generate(ctx context.Context, p *prompt.Prompt, side Side, opt GenOptions, onToken func(generate.Token) error) (*generate.Result, error) {
	if err := opt.Sample.Validate(); err != nil {
		return nil, err
	}
	if opt.MaxTokens <= 0 {
		return nil, fmt.Errorf("the token limit must be positive, not %d", opt.MaxTokens)
	}
	var bias []float32
	if side == Guided {
		bias = p.Bias()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return generate.Run(ctx, s.m, s.tok, p.IDs, generate.Options{
		MaxTokens: opt.MaxTokens, Sample: opt.Sample, Bias: bias, OnToken: onToken})
}

// Influence measures every highlight of p with its Δ in force, as
// `heed influence` does.
func (s *Session) Influence(ctx context.Context, p *prompt.Prompt) ([]influence.Track, error) {
	if len(p.Spans) == 0 {
		return nil, fmt.Errorf("the prompt has no highlight to measure")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return influence.Measure(ctx, s.m, p.IDs, p.Spans, influence.Options{})
}
