package tokenizer

import (
	"container/heap"
	"fmt"
	"unicode/utf8"

	"github.com/sugarme/tokenizer/pretokenizer"
)

// The merge loop is written here rather than taken from sugarme's bpe.Word:
// sugarme breaks ties between equal-rank merges by heap order instead of
// leftmost position, has no score-ranked (SentencePiece) mode, no byte
// fallback, and panics on characters missing from the vocabulary.

// symbol is a run of bytes [start, end) of the work string in a doubly linked list.
type symbol struct {
	start, end int
	prev, next int
}

// candidate is a possible merge of symbols left and right (adjacent when queued).
type candidate struct {
	left, right int
	priority    float64 // higher merges first
	size        int     // byte length of the merged text, to detect stale entries
}

type candidates []candidate

func (c candidates) Len() int { return len(c) }
func (c candidates) Less(i, j int) bool {
	// llama.cpp's llm_bigram_spm/llm_bigram_bpe order: best priority, then leftmost.
	if c[i].priority != c[j].priority {
		return c[i].priority > c[j].priority
	}
	return c[i].left < c[j].left
}
func (c candidates) Swap(i, j int) { c[i], c[j] = c[j], c[i] }
func (c *candidates) Push(x any)   { *c = append(*c, x.(candidate)) }
func (c *candidates) Pop() any {
	old := *c
	x := old[len(old)-1]
	*c = old[:len(old)-1]
	return x
}

// priority says whether left+right may merge and how urgently: the merged
// piece's score for SentencePiece vocabularies, minus the merge rank for BPE
// merges lists.
func (t *Tokenizer) priority(left, right string) (float64, bool) {
	if t.ranks != nil {
		r, ok := t.ranks[mergePair{left, right}]
		return -float64(r), ok
	}
	id, ok := t.pieceToID[left+right]
	if !ok {
		return 0, false
	}
	return float64(t.scores[id]), true
}

// merge splits work into runes and merges adjacent symbols until no allowed
// pair is left. It returns the surviving symbols in order.
func (t *Tokenizer) merge(work string) []symbol {
	syms := make([]symbol, 0, len(work))
	for i := 0; i < len(work); {
		_, n := utf8.DecodeRuneInString(work[i:])
		syms = append(syms, symbol{start: i, end: i + n, prev: len(syms) - 1, next: len(syms) + 1})
		i += n
	}
	if len(syms) == 0 {
		return nil
	}
	syms[len(syms)-1].next = -1

	var queue candidates
	try := func(left, right int) {
		if left < 0 || right < 0 {
			return
		}
		l, r := syms[left], syms[right]
		p, ok := t.priority(work[l.start:l.end], work[r.start:r.end])
		if !ok {
			return
		}
		heap.Push(&queue, candidate{left: left, right: right, priority: p, size: r.end - l.start})
	}
	for i := 1; i < len(syms); i++ {
		try(i-1, i)
	}
	for queue.Len() > 0 {
		c := heap.Pop(&queue).(candidate)
		l, r := &syms[c.left], &syms[c.right]
		if l.end == l.start || r.end == r.start || l.next != c.right || r.end-l.start != c.size {
			continue
		}
		l.end = r.end
		l.next = r.next
		r.end = r.start
		if l.next >= 0 {
			syms[l.next].prev = c.left
		}
		try(l.prev, c.left)
		try(c.left, l.next)
	}

	out := make([]symbol, 0, len(syms))
	for i := 0; i >= 0; i = syms[i].next {
		out = append(out, syms[i])
	}
	return out
}

// sourceMap records, for every byte of a work string, the byte range of the
// input text it stands for.
type sourceMap struct {
	work     []byte
	from, to []int
}

func (m *sourceMap) add(s string, from, to int) {
	for i := 0; i < len(s); i++ {
		m.work = append(m.work, s[i])
		m.from = append(m.from, from)
		m.to = append(m.to, to)
	}
}

// span is the input range covered by work bytes [start, end).
func (m *sourceMap) span(start, end int) (int, int) { return m.from[start], m.to[end-1] }

// encodeSentencePiece follows llama.cpp's llm_tokenizer_spm over text[start:end]:
// spaces become "▁", an optional dummy "▁" is prepended, the whole fragment is
// merged by piece score, and symbols missing from the vocabulary fall back to
// <0xNN> byte tokens.
func (t *Tokenizer) encodeSentencePiece(enc *Encoding, text string, start, end int, dummyPrefix bool) error {
	m := sourceMap{}
	if dummyPrefix {
		// The dummy "▁" spells no input byte: it covers an empty range where the
		// fragment starts, so the first word's token range begins there.
		m.add(spaceMarker, start, start)
	}
	for i := start; i < end; i++ {
		if text[i] == ' ' {
			m.add(spaceMarker, i, i+1)
		} else {
			m.add(text[i:i+1], i, i+1)
		}
	}
	work := string(m.work)
	for _, s := range t.merge(work) {
		if id, ok := t.pieceToID[work[s.start:s.end]]; ok {
			a, b := m.span(s.start, s.end)
			enc.add(id, a, b)
			continue
		}
		for j := s.start; j < s.end; j++ {
			id := t.byteTokens[work[j]]
			if id < 0 {
				id = t.unk
			}
			if id < 0 {
				return fmt.Errorf("tokenizer: byte 0x%02X has no <0x%02X> token and the vocabulary has no unknown token", work[j], work[j])
			}
			a, b := m.span(j, j+1)
			enc.add(id, a, b)
		}
	}
	return nil
}

// byteChar is GPT-2's reversible byte-to-printable-rune table (sugarme's copy of it).
var byteChar, charByte = func() ([256]string, map[rune]byte) {
	var fwd [256]string
	back := make(map[rune]byte, 256)
	for b, s := range pretokenizer.BytesChar {
		fwd[b] = s
		r, _ := utf8.DecodeRuneInString(s)
		back[r] = b
	}
	return fwd, back
}()

// decodeByteLevel maps a byte-level piece back to the bytes it encodes; runes
// outside the table pass through unchanged.
func decodeByteLevel(piece string) string {
	out := make([]byte, 0, len(piece))
	for _, r := range piece {
		if b, ok := charByte[r]; ok {
			out = append(out, b)
		} else {
			out = utf8.AppendRune(out, r)
		}
	}
	return string(out)
}

// encodeByteLevel follows llama.cpp's llm_tokenizer_bpe over text[start:end]:
// pre-tokenize, map each word's bytes to GPT-2's printable runes, merge by rank.
func (t *Tokenizer) encodeByteLevel(enc *Encoding, text string, start, end int) error {
	for _, w := range t.pre.split(text[start:end]) {
		m := sourceMap{}
		for i := w[0]; i < w[1]; i++ {
			m.add(byteChar[text[start+i]], start+i, start+i+1)
		}
		work := string(m.work)
		if t.ignoreMerges {
			if id, ok := t.pieceToID[work]; ok {
				enc.add(id, start+w[0], start+w[1])
				continue
			}
		}
		for _, s := range t.merge(work) {
			if id, ok := t.pieceToID[work[s.start:s.end]]; ok {
				a, b := m.span(s.start, s.end)
				enc.add(id, a, b)
				continue
			}
			// Only a vocabulary lacking some of the 256 byte runes gets here.
			for j := s.start; j < s.end; {
				_, n := utf8.DecodeRuneInString(work[j:])
				id, ok := t.pieceToID[work[j:j+n]]
				if !ok {
					id = t.unk
				}
				if id < 0 {
					return fmt.Errorf("tokenizer: byte-level piece %q is not in the vocabulary and there is no unknown token", work[j:j+n])
				}
				a, b := m.span(j, j+n)
				enc.add(id, a, b)
				j += n
			}
		}
	}
	return nil
}
