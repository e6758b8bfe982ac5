package eval

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"

	"heed/engine/chat"
	"heed/engine/generate"
	"heed/engine/guide"
	"heed/engine/influence"
	"heed/engine/model"
	"heed/engine/prompt"
	"heed/engine/sample"
	"heed/engine/tokenizer"
)

// Row is one scored generation: an example under one condition and sample.
type Row struct {
	Task      string   `json:"task"`
	Example   string   `json:"example"`
	Bin       int      `json:"bin,omitempty"`
	Depth     *float64 `json:"depth,omitempty"`
	Condition string   `json:"condition"`
	Delta     float32  `json:"delta"`
	Sample    int      `json:"sample"`
	Seed      uint64   `json:"seed"`
	// PromptTokens and SpanTokens are the prompt's and the span's lengths.
	PromptTokens int     `json:"prompt_tokens"`
	SpanTokens   int     `json:"span_tokens"`
	Generated    int     `json:"generated_tokens"`
	Output       string  `json:"output"`
	Success      bool    `json:"success"`
	Value        float64 `json:"value"`
	// Influence and Rollout are the span's last-layer scalars over the prompt
	// (SPEC §2), with the condition's Δ in force.
	Influence float64 `json:"influence"`
	Rollout   float64 `json:"rollout"`
}

// Key identifies a row within a run; a resumed run skips keys already done.
func (r Row) Key() string { return rowKey(r.Example, r.Condition, r.Sample) }

func rowKey(example, condition string, sample int) string {
	return example + "|" + condition + "|" + strconv.Itoa(sample)
}

// Options configure a run.
type Options struct {
	Conditions []Condition
	// Samples generations per example and condition; each sample's seed is
	// derived from Seed and the example, so every condition sees the same
	// random stream (common random numbers make conditions comparable).
	Samples int
	Seed    uint64
	// Sample is the sampling setup; its Seed is replaced per sample.
	Sample    sample.Params
	MaxTokens int
	Mode      generate.Mode
	Layers    []int
	// Chat wraps each prompt as a user message in this template family.
	Chat chat.Family
	// OnRow, when set, is called after every row, including rows found
	// already done (done counts both; total is the run's size).
	OnRow func(done, total int)
}

// Run generates and scores every example under every condition and sample,
// skipping rows the store already holds, and appends each new row to it.
// Cancelling ctx abandons the row in progress; the rows already appended stay,
// and a rerun with the same store finishes the work.
func Run(ctx context.Context, m *model.Model, tok *tokenizer.Tokenizer, task string, examples []Example, opt Options, store *Store) error {
	if opt.Samples <= 0 {
		return errors.New("eval: samples must be positive")
	}
	if opt.MaxTokens <= 0 {
		return errors.New("eval: max tokens must be positive")
	}
	if len(opt.Conditions) == 0 {
		return errors.New("eval: no conditions")
	}
	total := len(examples) * len(opt.Conditions) * opt.Samples
	done := 0
	for _, ex := range examples {
		for _, c := range opt.Conditions {
			for s := range opt.Samples {
				if err := ctx.Err(); err != nil {
					return err
				}
				if !store.Has(rowKey(ex.ID, c.Name, s)) {
					row, err := runOne(ctx, m, tok, task, ex, c, s, opt)
					if err != nil {
						return fmt.Errorf("eval: %s under %s, sample %d: %w", ex.ID, c.Name, s, err)
					}
					if err := store.Append(row); err != nil {
						return err
					}
				}
				done++
				if opt.OnRow != nil {
					opt.OnRow(done, total)
				}
			}
		}
	}
	return nil
}

// SampleSeed is the seed of sample s of an example: the same under every
// condition.
func SampleSeed(base uint64, example string, s int) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d|%s|%d", base, example, s)
	return h.Sum64()
}

func runOne(ctx context.Context, m *model.Model, tok *tokenizer.Tokenizer, task string, ex Example, c Condition, s int, opt Options) (Row, error) {
	text, span := ex.Render(c.Emphasis)
	span.Delta = c.Delta
	p, err := prompt.Build(tok, text, prompt.Options{DeltaMid: prompt.DefaultDeltaMid, Spans: []guide.RuneSpan{span}, Chat: opt.Chat})
	if err != nil {
		return Row{}, err
	}
	sp := opt.Sample
	sp.Seed = SampleSeed(opt.Seed, ex.ID, s)
	res, err := generate.Run(ctx, m, tok, p.IDs, generate.Options{MaxTokens: opt.MaxTokens, Sample: sp,
		Bias: p.Bias(), BiasLayers: opt.Layers, Mode: opt.Mode,
		Tracks: [][]float32{influence.Indicator(len(p.IDs), p.Spans[0])}})
	if err != nil {
		return Row{}, err
	}
	last := len(res.Influence[0]) - 1
	score := ex.Check(res.Text)
	return Row{Task: task, Example: ex.ID, Bin: ex.Bin, Depth: ex.Depth, Condition: c.Name, Delta: c.Delta,
		Sample: s, Seed: sp.Seed, PromptTokens: len(p.IDs), SpanTokens: p.Spans[0].Last - p.Spans[0].First,
		Generated: len(res.IDs), Output: res.Text, Success: score.Success, Value: score.Value,
		Influence: float64(influence.Scalar(res.Influence[0][last][:len(p.IDs)])),
		Rollout:   float64(influence.Scalar(res.Rollout[0][last][:len(p.IDs)]))}, nil
}
