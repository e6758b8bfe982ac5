// Package tagedit edits GUIDE-tagged prompt text the way the page's editor
// does: it wraps a selection (given in the UTF-16 code units that a browser's
// selectionStart and selectionEnd count) in the tags of an emphasis level,
// or in explicit-Δ tags for a custom Δ, lists a prompt's highlights and
// re-weights or removes one by rewriting its tags (highlights.go), and splits
// tagged text into plain and highlighted segments for display.
package tagedit

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"heed/engine/guide"
)

// Level is an emphasis level of the tag syntax.
type Level int

const (
	Half    Level = iota // <!-> … <-!>: Δ = Δmid/2
	Mid                  // <!!-> … <-!!>: Δ = Δmid
	Double               // <!!!-> … <-!!!>: Δ = 2·Δmid
	Measure              // <?-> … <-?>: Influence only, no bias
)

// Levels lists the levels in the order the page offers them.
var Levels = []Level{Half, Mid, Double, Measure}

// Tags returns the opening and closing tag of l.
func (l Level) Tags() (open, close string) {
	switch l {
	case Half:
		return "<!->", "<-!>"
	case Mid:
		return "<!!->", "<-!!>"
	case Double:
		return "<!!!->", "<-!!!>"
	default:
		return "<?->", "<-?>"
	}
}

// Label is how the page names l on its button.
func (l Level) Label() string {
	switch l {
	case Half:
		return "½ × Δmid"
	case Mid:
		return "1 × Δmid"
	case Double:
		return "2 × Δmid"
	default:
		return "measure only"
	}
}

// ErrEmptySelection means there is nothing but white space to highlight.
var ErrEmptySelection = errors.New("select the words to highlight first")

// Edit is the result of wrapping: the new text and where the caret goes
// (after the closing tag), in UTF-16 code units.
type Edit struct {
	Text  string
	Caret int
}

// Wrap highlights text[start:end] (UTF-16 offsets) at level l. White space at
// either end of the selection stays outside the tags, so a double-clicked
// word with its trailing space highlights just the word. The result must
// still parse: a selection that cuts through a tag or lies inside a highlight
// is refused with the parser's reason.
func Wrap(text string, start, end int, l Level) (Edit, error) {
	open, close := l.Tags()
	return wrap(text, start, end, open, close)
}

// WrapDelta highlights text[start:end] (UTF-16 offsets) with its own Δ d,
// written in the explicit-Δ tags (<!=d-> … <-!=>), as Wrap does for a level.
func WrapDelta(text string, start, end int, d float32) (Edit, error) {
	if err := CheckCustomDelta(d); err != nil {
		return Edit{}, err
	}
	return wrap(text, start, end, guide.ExplicitOpen(d), guide.ExplicitClose)
}

// MaxCustomDelta bounds a custom Δ. The paper saw degenerate output above 5
// (SPEC §1); twice that leaves room to explore while keeping the tag short.
const MaxCustomDelta = 10

// ErrCustomDelta means a custom Δ is not a number in [-MaxCustomDelta, MaxCustomDelta].
var ErrCustomDelta = fmt.Errorf("Δ must be a number from %d to %d", -MaxCustomDelta, MaxCustomDelta)

// CheckCustomDelta refuses a Δ that is not finite or lies outside ±MaxCustomDelta.
func CheckCustomDelta(d float32) error {
	if !(d >= -MaxCustomDelta && d <= MaxCustomDelta) {
		return fmt.Errorf("%w, not %g", ErrCustomDelta, d)
	}
	return nil
}

func wrap(text string, start, end int, open, close string) (Edit, error) {
	if start > end {
		start, end = end, start
	}
	bs, be := ByteOffset(text, start), ByteOffset(text, end)
	sel := text[bs:be]
	trimmed := strings.TrimLeftFunc(sel, unicode.IsSpace)
	bs += len(sel) - len(trimmed)
	trimmed = strings.TrimRightFunc(trimmed, unicode.IsSpace)
	be = bs + len(trimmed)
	if trimmed == "" {
		return Edit{}, ErrEmptySelection
	}
	out := text[:bs] + open + trimmed + close + text[be:]
	if _, _, err := guide.Parse(out, 1); err != nil {
		if _, _, before := guide.Parse(text, 1); before != nil {
			return Edit{}, fmt.Errorf("fix the tags first: %w", before)
		}
		return Edit{}, fmt.Errorf("cannot highlight across or inside another highlight: %w", err)
	}
	return Edit{Text: out, Caret: UTF16Offset(out, bs+len(open)+len(trimmed)+len(close))}, nil
}

// ByteOffset converts a UTF-16 offset into s to a byte offset, clamped to s.
// An offset inside a surrogate pair moves to the start of its code point.
func ByteOffset(s string, units int) int {
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if w < 0 {
			w = 1
		}
		if n+w > units {
			return i
		}
		n += w
	}
	return len(s)
}

// UTF16Offset converts a byte offset into s to UTF-16 code units; an offset
// inside a code point counts up to that code point's start.
func UTF16Offset(s string, bytes int) int {
	n := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if i+w > bytes {
			break
		}
		u := utf16.RuneLen(r)
		if u < 0 {
			u = 1
		}
		n += u
		i += w
	}
	return n
}

// Segment is a run of the tag-free text, highlighted or not.
type Segment struct {
	Text        string
	Highlighted bool
	Delta       float32
	Measure     bool
}

// Segments parses tagged and splits its tag-free text at the highlights.
func Segments(tagged string, deltaMid float32) ([]Segment, error) {
	text, spans, err := guide.Parse(tagged, deltaMid)
	if err != nil {
		return nil, err
	}
	var out []Segment
	at := 0
	for _, sp := range spans {
		if sp.Start > at {
			out = append(out, Segment{Text: text[at:sp.Start]})
		}
		out = append(out, Segment{Text: text[sp.Start:sp.End], Highlighted: true, Delta: sp.Delta, Measure: sp.Measure})
		at = sp.End
	}
	if at < len(text) {
		out = append(out, Segment{Text: text[at:]})
	}
	return out, nil
}
