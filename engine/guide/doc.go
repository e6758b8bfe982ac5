// Package guide is the prompt side of GUIDE (arXiv 2409.19001): it finds the
// highlighted spans of a prompt, maps them to tokens, and builds the per-key
// attention bias and the position set U that Influence starts from.
//
// # Tag grammar
//
// Parse reads text in which highlights are marked with tags. A tag is one of
// eight byte sequences or an explicit-Δ opening tag:
//
//	open      close     Span
//	<!->      <-!>      Delta = deltaMid/2
//	<!!->     <-!!>     Delta = deltaMid
//	<!!!->    <-!!!>    Delta = 2·deltaMid
//	<?->      <-?>      Measure = true, Delta = 0 (Influence is reported, nothing is biased)
//	<!=D->    <-!=>     Delta = D, a decimal such as -1.5 (not scaled by deltaMid)
//
// The reference has only the first four; the explicit form gives one span
// any Δ, negative included (SPEC §1: each span has its own Δ). D is an
// optional sign, digits with an optional fraction, at most 12 bytes, no
// exponent; "<!=x->" or "<!=1e3->" is no tag and stays text.
//
// Formally, over bytes:
//
//	tagged  = { text | span }
//	span    = open(L) text close(L)    (same level L on both sides, text not empty)
//	text    = any byte sequence that contains no tag
//
// Everything else is text: "<!--" (an HTML comment), "a <- b", "<!>", "<-->"
// and "<!!!!->" contain no tag and are kept byte for byte. Tags are matched
// exactly and no tag is a prefix of another, so scanning left to right is
// unambiguous. There is no escape: a prompt that must contain a literal tag
// is highlighted with explicit spans (SpansFromRunes) instead.
//
// Tags are removed; Span offsets index the remaining, tag-free text. Any
// number of spans may appear, in any order of levels. Parse rejects, with a
// *SyntaxError giving the byte offset, the 1-based line:column (columns count
// code points) and the tag text:
//   - an opening tag that is never closed (ErrUnclosed),
//   - a closing tag with no open span (ErrUnopened),
//   - a closing tag of another level than the open span (ErrMismatched),
//   - an opening tag inside an open span (ErrNested),
//   - a span with no text between its tags (ErrEmptySpan),
//   - tag text that only appears once tags are removed: "<!-<?->><-?>" would
//     leave "<!->" in the text the model sees (ErrFormedTag).
//
// # From text to tokens
//
// MapToTokens assigns each span the tokens whose byte range overlaps it, so a
// SentencePiece token "▁cat" covering " cat" belongs to the highlight "cat",
// as the reference's separate tokenisation of prefix | span | suffix gives.
// A token that also covers non-space text outside the highlight (a highlight
// starting or ending inside a token) is included and flagged with Partial.
package guide
