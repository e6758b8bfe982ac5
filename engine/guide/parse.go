package guide

import (
	"errors"
	"fmt"
	"math"
	"strconv"
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
	explicit    bool // open is a prefix followed by the Δ and "->"
}

// levels are the reference's tags (SPEC §1) and the explicit-Δ form; no tag
// is a prefix of another.
var levels = [...]level{
	{open: "<!->", close: "<-!>", scale: 0.5},
	{open: "<!!->", close: "<-!!>", scale: 1},
	{open: "<!!!->", close: "<-!!!>", scale: 2},
	{open: "<?->", close: "<-?>", measure: true},
	{open: ExplicitOpenPrefix, close: ExplicitClose, explicit: true},
}

// The explicit-Δ tags, beyond the reference (SPEC §1 allows any Δ per span,
// negative included): "<!=" Δ "->" … "<-!=>", with Δ a decimal number of at
// most maxDeltaLen bytes (optional sign, digits, optional fraction; no
// exponent), such as "<!=-1.5->". The Δ is absolute: Δmid does not scale it.
const (
	ExplicitOpenPrefix = "<!="
	ExplicitClose      = "<-!=>"
	maxDeltaLen        = 12
)

// ExplicitOpen returns the opening tag that gives its span Δ = d rounded to
// four decimals (a finer Δ has no visible effect on attention). |d| must stay
// below 1e6 for the tag to fit maxDeltaLen ("-999999.9999" is 12 bytes).
func ExplicitOpen(d float32) string {
	r := math.Round(float64(d)*1e4) / 1e4
	if r == 0 {
		r = 0 // no "-0"
	}
	return ExplicitOpenPrefix + strconv.FormatFloat(r, 'f', -1, 32) + "->"
}

// explicitDelta reads the Δ of the explicit opening tag at the start of s and
// returns it with the tag's length (0 when s does not start with one).
func explicitDelta(s string) (d float32, n int) {
	rest, ok := strings.CutPrefix(s, ExplicitOpenPrefix)
	if !ok {
		return 0, 0
	}
	i := 0
	if i < len(rest) && (rest[i] == '-' || rest[i] == '+') {
		i++
	}
	digits, dot := 0, false
	for ; i < len(rest) && i <= maxDeltaLen; i++ {
		c := rest[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			continue
		case c == '.' && !dot:
			dot = true
			continue
		}
		break
	}
	if digits == 0 || i > maxDeltaLen || !strings.HasPrefix(rest[i:], "->") {
		return 0, 0
	}
	v, err := strconv.ParseFloat(rest[:i], 32)
	if err != nil {
		return 0, 0
	}
	return float32(v), len(ExplicitOpenPrefix) + i + len("->")
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
	var openTag string
	var openDelta float32
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
			return "", nil, syntaxError(tagged, i, tag, ErrNested, "inside "+describeAt(tagged, openAt, openTag))
		case isOpen:
			openLevel, openAt, spanStart, openTag = lv, i, b.Len(), tag
			if levels[lv].explicit {
				openDelta, _ = explicitDelta(tag)
			}
		case openLevel < 0:
			return "", nil, syntaxError(tagged, i, tag, ErrUnopened, "")
		case lv != openLevel:
			return "", nil, syntaxError(tagged, i, tag, ErrMismatched, "the open span is "+describeAt(tagged, openAt, openTag))
		case b.Len() == spanStart:
			return "", nil, syntaxError(tagged, openAt, openTag, ErrEmptySpan, "")
		default:
			sp := Span{Start: spanStart, End: b.Len(), Measure: levels[openLevel].measure}
			switch {
			case levels[openLevel].explicit:
				sp.Delta = openDelta
			case !sp.Measure:
				sp.Delta = levels[openLevel].scale * deltaMid
			}
			spans = append(spans, sp)
			openLevel = -1
		}
		removed = append(removed, cut{textAt: b.Len(), length: n})
		i += n
	}
	if openLevel >= 0 {
		return "", nil, syntaxError(tagged, openAt, openTag, ErrUnclosed, "")
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

// TagAt reports whether s starts with a tag: its length (0 when it does not)
// and whether it opens a span. Scanning a text that Parse accepts left to
// right with TagAt finds exactly the tags Parse removed.
func TagAt(s string) (n int, isOpen bool) {
	_, isOpen, n = matchTag(s)
	return n, isOpen
}

// matchTag reports which tag s starts with: its level, whether it opens, and
// its length (0 when s starts with no tag).
func matchTag(s string) (lv int, isOpen bool, n int) {
	if len(s) < 4 || s[0] != '<' {
		return 0, false, 0
	}
	for i, l := range levels {
		if l.explicit {
			if _, n := explicitDelta(s); n > 0 {
				return i, true, n
			}
		} else if strings.HasPrefix(s, l.open) {
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
