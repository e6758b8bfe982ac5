package guide

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RuneSpan is a highlight given as code point offsets, as the CLI's --span
// flag and the UI's text selection give it.
type RuneSpan struct {
	Start, End int // Unicode code point offsets into the text, Start < End
	Delta      float32
	Measure    bool // Influence only; Delta is ignored
}

// Errors of explicit spans, matched with errors.Is.
var (
	ErrDeltaNotFinite = errors.New("non-finite Δ")
	ErrSpanBounds     = errors.New("span out of bounds")
	ErrSpanOverlap    = errors.New("spans overlap")
	ErrSpanFlag       = errors.New("malformed span, want START:END:DELTA")
)

// CheckDelta reports a Δ that cannot be used as a logit bias (NaN or ±Inf).
// Any finite Δ is accepted: the paper found [-5, 5] useful, but larger
// values are legitimate experiments.
func CheckDelta(d float32) error {
	if math.IsNaN(float64(d)) || math.IsInf(float64(d), 0) {
		return fmt.Errorf("%w: %v", ErrDeltaNotFinite, d)
	}
	return nil
}

// SpansFromRunes converts code point ranges of text into byte Spans, sorted
// by Start. A range must satisfy 0 ≤ Start < End ≤ the code point count of
// text, have a finite Δ, and not overlap another range: each highlighted byte
// carries exactly one Δ.
func SpansFromRunes(text string, ranges []RuneSpan) ([]Span, error) {
	// byteAt[i] is the byte offset of code point i; byteAt[count] == len(text).
	byteAt := make([]int, 0, utf8.RuneCountInString(text)+1)
	for i := range text {
		byteAt = append(byteAt, i)
	}
	byteAt = append(byteAt, len(text))
	count := len(byteAt) - 1
	spans := make([]Span, 0, len(ranges))
	for i, r := range ranges {
		if r.Start < 0 || r.End > count || r.Start >= r.End {
			return nil, fmt.Errorf("span %d [%d,%d): %w: want 0 ≤ START < END ≤ %d (code points in the text)", i, r.Start, r.End, ErrSpanBounds, count)
		}
		sp := Span{Start: byteAt[r.Start], End: byteAt[r.End], Measure: r.Measure}
		if !r.Measure {
			if err := CheckDelta(r.Delta); err != nil {
				return nil, fmt.Errorf("span %d [%d,%d): %w", i, r.Start, r.End, err)
			}
			sp.Delta = r.Delta
		}
		spans = append(spans, sp)
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	for i := 1; i < len(spans); i++ {
		if a, b := spans[i-1], spans[i]; b.Start < a.End {
			return nil, fmt.Errorf("%w: %q and %q", ErrSpanOverlap, text[a.Start:a.End], text[b.Start:b.End])
		}
	}
	return spans, nil
}

// ParseSpanFlag parses "START:END:DELTA" (code point offsets, a decimal Δ
// that may be negative) or "START:END:?" for a span whose Influence is
// measured without bias. Bounds against the text are checked by SpansFromRunes.
func ParseSpanFlag(s string) (RuneSpan, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return RuneSpan{}, fmt.Errorf("%q: %w", s, ErrSpanFlag)
	}
	start, err := strconv.Atoi(parts[0])
	if err != nil {
		return RuneSpan{}, fmt.Errorf("%q: START: %w: %w", s, ErrSpanFlag, err)
	}
	end, err := strconv.Atoi(parts[1])
	if err != nil {
		return RuneSpan{}, fmt.Errorf("%q: END: %w: %w", s, ErrSpanFlag, err)
	}
	if start < 0 || start >= end {
		return RuneSpan{}, fmt.Errorf("%q: %w: want 0 ≤ START < END", s, ErrSpanBounds)
	}
	if parts[2] == "?" {
		return RuneSpan{Start: start, End: end, Measure: true}, nil
	}
	d, err := strconv.ParseFloat(parts[2], 32)
	if err != nil {
		return RuneSpan{}, fmt.Errorf("%q: DELTA: %w: %w", s, ErrSpanFlag, err)
	}
	if err := CheckDelta(float32(d)); err != nil {
		return RuneSpan{}, fmt.Errorf("%q: %w", s, err)
	}
	return RuneSpan{Start: start, End: end, Delta: float32(d)}, nil
}
