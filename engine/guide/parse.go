package guide

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Span is one highlight of the tag-free text.
type Span struct {
	Start, End int // byte offsets into the tag-free text, Start < End
	Delta      float32
	Measure    bool // <?->: Influence only, no bias
}

// level is one pair of tags and the Δ it gives, as a multiple of deltaMid.
type level struct {
	open, close string
	scale       float32
	measure     bool
}

// levels are the reference's tags (SPEC §1); no tag is a prefix of another.
var levels = [...]level{
	{open: "<!->", close: "<-!>", scale: 0.5},
	{open: "<!!->", close: "<-!!>", scale: 1},
	{open: "<!!!->", close: "<-!!!>", scale: 2},
	{open: "<?->", close: "<-?>", measure: true},
}

// Kinds of syntax error, matched with errors.Is on a *SyntaxError.
var (
	ErrUnclosed   = errors.New("opening tag is never closed")
	ErrUnopened   = errors.New("closing tag without an open span")
	ErrMismatched = errors.New("closing tag of another level than the open span")
	ErrNested     = errors.New("tags cannot be nested")
	ErrEmptySpan  = errors.New("span has no text")
	ErrFormedTag  = errors.New("removing tags leaves tag text behind")
)

// SyntaxError locates a tag error in the tagged input.
type SyntaxError struct {
	Offset       int    // byte offset of the tag in the tagged input
	Line, Column int    // 1-based; Column counts code points
	Tag          string // the tag text at Offset
	Err          error  // one of the Err* kinds above
	Detail       string // more context, such as where the open tag was
}

func (e *SyntaxError) Error() string {
	msg := fmt.Sprintf("%d:%d (byte %d): %v: %q", e.Line, e.Column, e.Offset, e.Err, e.Tag)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Parse removes the tags from tagged and returns the text the model sees with
// one Span per tagged highlight, in text order. deltaMid is the Δ of the
// <!!-> level; it must be finite (see CheckDelta).
func Parse(tagged string, deltaMid float32) (text string, spans []Span, err error) {
	if err := CheckDelta(deltaMid); err != nil {
		return "", nil, fmt.Errorf("delta_mid: %w", err)
	}
	var b strings.Builder
	b.Grow(len(tagged))
	// removed records where each tag was cut out, to map text offsets back.
	type cut struct{ textAt, length int }
	var removed []cut
	openLevel, openAt, spanStart := -1, 0, 0
	for i := 0; i < len(tagged); {
		lv, isOpen, n := matchTag(tagged[i:])
		if n == 0 {
			next := strings.IndexByte(tagged[i+1:], '<')
			if next < 0 {
				next = len(tagged) - i - 1
			}
			b.WriteString(tagged[i : i+1+next])
			i += 1 + next
			continue
		}
		tag := tagged[i : i+n]
		switch {
		case isOpen && openLevel >= 0:
			return "", nil, syntaxError(tagged, i, tag, ErrNested, "inside "+describeAt(tagged, openAt, levels[openLevel].open))
		case isOpen:
			openLevel, openAt, spanStart = lv, i, b.Len()
		case openLevel < 0:
			return "", nil, syntaxError(tagged, i, tag, ErrUnopened, "")
		case lv != openLevel:
			return "", nil, syntaxError(tagged, i, tag, ErrMismatched, "the open span is "+describeAt(tagged, openAt, levels[openLevel].open))
		case b.Len() == spanStart:
			return "", nil, syntaxError(tagged, openAt, levels[openLevel].open, ErrEmptySpan, "")
		default:
			sp := Span{Start: spanStart, End: b.Len(), Measure: levels[openLevel].measure}
			if !sp.Measure {
				sp.Delta = levels[openLevel].scale * deltaMid
			}
			spans = append(spans, sp)
			openLevel = -1
		}
		removed = append(removed, cut{textAt: b.Len(), length: n})
		i += n
	}
	if openLevel >= 0 {
		return "", nil, syntaxError(tagged, openAt, levels[openLevel].open, ErrUnclosed, "")
	}
	text = b.String()
	if at, n := findTag(text); n > 0 {
		in := at
		for _, c := range removed {
			if c.textAt <= at {
				in += c.length
			}
		}
		return "", nil, syntaxError(tagged, in, text[at:at+n], ErrFormedTag, "")
	}
	return text, spans, nil
}

// matchTag reports which tag s starts with: its level, whether it opens, and
// its length (0 when s starts with no tag).
func matchTag(s string) (lv int, isOpen bool, n int) {
	if len(s) < 4 || s[0] != '<' {
		return 0, false, 0
	}
	for i, l := range levels {
		if strings.HasPrefix(s, l.open) {
			return i, true, len(l.open)
		}
		if strings.HasPrefix(s, l.close) {
			return i, false, len(l.close)
		}
	}
	return 0, false, 0
}

// findTag returns the byte offset and length of the first tag in s (n == 0: none).
func findTag(s string) (at, n int) {
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		if _, _, n := matchTag(s[i:]); n > 0 {
			return i, n
		}
	}
	return -1, 0
}

func syntaxError(tagged string, at int, tag string, kind error, detail string) *SyntaxError {
	line, col := LineColumn(tagged, at)
	return &SyntaxError{Offset: at, Line: line, Column: col, Tag: tag, Err: kind, Detail: detail}
}

func describeAt(s string, at int, tag string) string {
	line, col := LineColumn(s, at)
	return fmt.Sprintf("%q at %d:%d", tag, line, col)
}

// LineColumn converts a byte offset in s to a 1-based line and a 1-based
// column counted in code points (an invalid UTF-8 byte counts as one).
func LineColumn(s string, at int) (line, column int) {
	at = min(max(at, 0), len(s))
	before := s[:at]
	line = 1 + strings.Count(before, "\n")
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return line, 1 + utf8.RuneCountInString(before[lineStart:])
}
