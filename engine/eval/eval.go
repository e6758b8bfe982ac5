// Package eval measures GUIDE's effect the way the paper did (arXiv 2409.19001,
// SPEC §4): a task's examples are run over a grid of Δ on one highlighted span
// and over natural-emphasis baselines (the span in UPPERCASE, an "IMPORTANT:"
// prefix), each output is scored, and the span's last-layer Influence and
// Attention Rollout are recorded beside the score so that their power to
// predict success can be reported (AUC, Pearson correlation).
//
// Rows are appended to a JSONL file as they finish, so an interrupted run
// resumes where it stopped; the summary, CSV and plots are derived from the
// rows alone.
package eval

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"heed/engine/guide"
)

// Emphasis is how a condition emphasises the span besides Δ.
type Emphasis int

const (
	// Plain leaves the text as written.
	Plain Emphasis = iota
	// Uppercase writes the span in capitals (Δ 0).
	Uppercase
	// Important inserts ImportantPrefix before the span's sentence (Δ 0).
	Important
)

// ImportantPrefix is the natural-emphasis prefix of the Important baseline.
const ImportantPrefix = "IMPORTANT: "

// Condition is one arm of an evaluation: a Δ on the span, or a baseline.
type Condition struct {
	Name     string // "delta=2", "uppercase", "important"
	Delta    float32
	Emphasis Emphasis
}

// DeltaCondition is the condition "Δ = d on the span, text unchanged".
func DeltaCondition(d float32) Condition {
	return Condition{Name: "delta=" + strconv.FormatFloat(float64(d), 'g', -1, 32), Delta: d}
}

// Baselines are the natural-emphasis conditions, both with Δ 0.
func Baselines() []Condition {
	return []Condition{{Name: "uppercase", Emphasis: Uppercase}, {Name: "important", Emphasis: Important}}
}

// Conditions returns the Δ grid followed by the baselines.
func Conditions(deltas []float32) []Condition {
	out := make([]Condition, 0, len(deltas)+2)
	for _, d := range deltas {
		out = append(out, DeltaCondition(d))
	}
	return append(out, Baselines()...)
}

// DefaultDeltas is the Δ grid when none is given: the paper's values and a
// few between, up to the edge of its sensible range (SPEC §1).
var DefaultDeltas = []float32{0, 0.5, 1, 2, 3, 5}

// ParseDeltas parses a comma-separated Δ list such as "0,0.5,1,2".
func ParseDeltas(s string) ([]float32, error) {
	var out []float32
	seen := map[float32]bool{}
	for _, part := range strings.Split(s, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(part), 32)
		if err != nil {
			return nil, fmt.Errorf("eval: Δ %q is not a number", part)
		}
		d := float32(f)
		if err := guide.CheckDelta(d); err != nil {
			return nil, fmt.Errorf("eval: Δ %q: %w", part, err)
		}
		if seen[d] {
			return nil, fmt.Errorf("eval: Δ %g appears twice", d)
		}
		seen[d] = true
		out = append(out, d)
	}
	return out, nil
}

// Score is how well one output did.
type Score struct {
	// Success is the binary outcome AUC is computed on.
	Success bool
	// Value is the task's graded metric (mentions, key share, …).
	Value float64
}

// Example is one prompt of a task: Before + Span + After, with Span highlighted.
type Example struct {
	ID string
	// Bin is the context-length bin in tokens (0: the task has none).
	Bin int
	// Depth is the needle's relative position in [0, 1] (needle task only).
	Depth               *float64
	Before, Span, After string
	// EmphasisAt is the byte offset in Before where the Important baseline
	// inserts its prefix (the start of the span's sentence).
	EmphasisAt int
	// Check scores an output of this example.
	Check func(output string) Score
}

// Render returns the text the model reads under emphasis em and the span to
// highlight as code point offsets into it (Δ and Measure left to the caller).
func (ex Example) Render(em Emphasis) (string, guide.RuneSpan) {
	before, span := ex.Before, ex.Span
	switch em {
	case Uppercase:
		span = strings.ToUpper(span)
	case Important:
		at := min(max(ex.EmphasisAt, 0), len(before))
		before = before[:at] + ImportantPrefix + before[at:]
	}
	start := utf8.RuneCountInString(before)
	return before + span + ex.After, guide.RuneSpan{Start: start, End: start + utf8.RuneCountInString(span)}
}

// exampleFromTagged builds an Example from text holding exactly one highlight
// tag, which marks the span.
func exampleFromTagged(id, tagged string) (Example, error) {
	text, spans, err := guide.Parse(tagged, 1)
	if err != nil {
		return Example{}, fmt.Errorf("eval: example %s: %w", id, err)
	}
	if len(spans) != 1 {
		return Example{}, fmt.Errorf("eval: example %s has %d highlights, want 1", id, len(spans))
	}
	s := spans[0]
	return Example{ID: id, Before: text[:s.Start], Span: text[s.Start:s.End], After: text[s.End:],
		EmphasisAt: sentenceStart(text[:s.Start])}, nil
}

// sentenceStart returns the byte offset where the last sentence of s starts:
// after the last ". ", "! ", "? " or newline, or 0.
func sentenceStart(s string) int {
	at := 0
	for i := 0; i+1 < len(s); i++ {
		switch {
		case s[i] == '\n':
			at = i + 1
		case (s[i] == '.' || s[i] == '!' || s[i] == '?') && s[i+1] == ' ':
			at = i + 2
		}
	}
	if len(s) > 0 && s[len(s)-1] == '\n' {
		at = len(s)
	}
	return at
}
