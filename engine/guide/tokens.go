package guide

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// TokenSpan is a Span with the tokens it covers.
type TokenSpan struct {
	Span
	First, Last int // tokens [First, Last)
	// Partial is set when a covered token also covers text outside the span
	// that is not white space: the highlight starts or ends inside a token,
	// and the whole token is biased.
	Partial bool
}

// Errors of MapToTokens, matched with errors.Is.
var (
	ErrNoTokens    = errors.New("highlight covers no token")
	ErrSharedToken = errors.New("highlights share a token")
	ErrOffsets     = errors.New("invalid token offsets")
)

// MapToTokens finds the tokens of each span. offsets[t] is the byte range of
// token t in the tokenized text, which holds the tag-free text at byte
// textOffset (after a chat template's prefix, or 0). A token belongs to a
// span when its range overlaps the span's; a token with an empty range (BOS,
// EOS) never belongs. Spans must be sorted and not overlap, as Parse and
// SpansFromRunes return them. It is an error for a span to cover no token
// (it would silently do nothing) and for two spans to share a token (it can
// carry only one Δ). text is the tag-free text, for positions in errors.
//
// textOffset may be negative: a chat template that trims the text (Gemma,
// Llama 3) drops its leading white space, and chat.Render then reports where
// the text would start so that every kept byte j is at textOffset+j.
func MapToTokens(spans []Span, offsets [][2]int, textOffset int, text string) ([]TokenSpan, error) {
	for t, o := range offsets {
		if o[0] < 0 || o[1] < o[0] {
			return nil, fmt.Errorf("%w: token %d has range [%d,%d)", ErrOffsets, t, o[0], o[1])
		}
	}
	out := make([]TokenSpan, 0, len(spans))
	for i, sp := range spans {
		if sp.Start < 0 || sp.End > len(text) || sp.Start >= sp.End {
			return nil, fmt.Errorf("span %d [%d,%d): %w: text has %d bytes", i, sp.Start, sp.End, ErrSpanBounds, len(text))
		}
		if i > 0 && sp.Start < spans[i-1].End {
			return nil, fmt.Errorf("%w: %s and %s", ErrSpanOverlap, describeSpan(text, spans[i-1]), describeSpan(text, sp))
		}
		start, end := textOffset+sp.Start, textOffset+sp.End
		ts := TokenSpan{Span: sp, First: -1}
		for t, o := range offsets {
			if o[0] == o[1] || o[1] <= start || o[0] >= end {
				continue
			}
			if ts.First < 0 {
				ts.First = t
			}
			ts.Last = t + 1
			if extendsBeyond(text, textOffset, o, start, end) {
				ts.Partial = true
			}
		}
		if ts.First < 0 {
			return nil, fmt.Errorf("%w: %s", ErrNoTokens, describeSpan(text, sp))
		}
		if n := len(out); n > 0 && ts.First < out[n-1].Last {
			return nil, fmt.Errorf("%w: token %d is in %s and %s", ErrSharedToken, ts.First, describeSpan(text, out[n-1].Span), describeSpan(text, sp))
		}
		out = append(out, ts)
	}
	return out, nil
}

// extendsBeyond reports whether token range o covers non-space bytes outside
// [start, end) (all in tokenized-text coordinates). Bytes outside the
// tag-free text (chat template) count as non-space: they are not the user's.
func extendsBeyond(text string, textOffset int, o [2]int, start, end int) bool {
	outside := func(a, b int) bool { // does [a,b) hold anything but white space of text?
		if a >= b {
			return false
		}
		if a < textOffset || b > textOffset+len(text) {
			return true
		}
		return strings.TrimSpace(text[a-textOffset:b-textOffset]) != ""
	}
	return outside(o[0], start) || outside(end, o[1])
}

func describeSpan(text string, sp Span) string {
	line, col := LineColumn(text, sp.Start)
	return fmt.Sprintf("%q at %d:%d (bytes [%d,%d) of the text)", text[sp.Start:sp.End], line, col, sp.Start, sp.End)
}

// BiasVector returns the GUIDE bias over n key positions: the span's Δ at
// each of its tokens, 0 elsewhere and for Measure spans (SPEC §1).
func BiasVector(n int, spans []TokenSpan) []float32 {
	bias := make([]float32, n)
	for _, sp := range spans {
		if sp.Measure {
			continue
		}
		for k := max(sp.First, 0); k < min(sp.Last, n); k++ {
			bias[k] = sp.Delta
		}
	}
	return bias
}

// Positions returns the highlighted token positions, the set U that
// Influence starts from (SPEC §2): the tokens of every span, biased or
// Measure, in increasing order without repeats.
func Positions(spans []TokenSpan) []int {
	seen := map[int]bool{}
	var u []int
	for _, sp := range spans {
		for k := max(sp.First, 0); k < sp.Last; k++ {
			if !seen[k] {
				seen[k] = true
				u = append(u, k)
			}
		}
	}
	slices.Sort(u)
	return u
}
