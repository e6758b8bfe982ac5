package tagedit

import (
	"unicode"
	"unicode/utf8"

	"heed/engine/guide"
)

// SourceRange maps the byte range [start, end) of the tag-free text of
// tagged to the tagged text: the start after any tags standing at that
// point, the end before them, so a range next to a highlight never takes in
// its tags. Offsets past the text clamp to its end.
func SourceRange(tagged string, start, end int) (from, to int) {
	from, to = -1, -1
	i, p := 0, 0
	for {
		if p == end && to < 0 {
			to = i
		}
		if n, _ := guide.TagAt(tagged[i:]); n > 0 {
			i += n
			continue
		}
		if p == start && from < 0 {
			from = i
		}
		if i >= len(tagged) {
			break
		}
		i++
		p++
	}
	if from < 0 {
		from = len(tagged)
	}
	if to < 0 {
		to = len(tagged)
	}
	return from, max(from, to)
}

// WordRange widens the byte range [start, end) of text to whole words: a
// selection that starts or ends inside a word takes in the rest of it, as a
// highlight of part of a word would bias the whole token anyway.
func WordRange(text string, start, end int) (int, int) {
	start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
	if start > end {
		start, end = end, start
	}
	word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' }
	before := func(i int) bool { r, _ := utf8.DecodeLastRuneInString(text[:i]); return i > 0 && word(r) }
	at := func(i int) bool { r, _ := utf8.DecodeRuneInString(text[i:]); return i < len(text) && word(r) }
	if start < end && at(start) {
		for before(start) {
			_, w := utf8.DecodeLastRuneInString(text[:start])
			start -= w
		}
	}
	if start < end && before(end) {
		for at(end) {
			_, w := utf8.DecodeRuneInString(text[end:])
			end += w
		}
	}
	return start, end
}

// WrapPlain wraps the range [start, end) of the tag-free text, in UTF-16
// code units as a browser's selection in the rendered prompt counts them,
// widened to whole words, in the tags of l.
func WrapPlain(tagged string, start, end int, l Level) (Edit, error) {
	open, close := l.Tags()
	return wrapPlain(tagged, start, end, open, close)
}

// WrapPlainDelta is WrapPlain with explicit-Δ tags for d.
func WrapPlainDelta(tagged string, start, end int, d float32) (Edit, error) {
	if err := CheckCustomDelta(d); err != nil {
		return Edit{}, err
	}
	open, close := guide.ExplicitOpen(d), guide.ExplicitClose
	return wrapPlain(tagged, start, end, open, close)
}

func wrapPlain(tagged string, start, end int, open, close string) (Edit, error) {
	plain, _, err := guide.Parse(tagged, 1)
	if err != nil {
		return Edit{}, err
	}
	bs, be := ByteOffset(plain, start), ByteOffset(plain, end)
	bs, be = WordRange(plain, bs, be)
	from, to := SourceRange(tagged, bs, be)
	return wrap(tagged, UTF16Offset(tagged, from), UTF16Offset(tagged, to), open, close)
}
