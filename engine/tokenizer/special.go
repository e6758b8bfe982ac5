package tokenizer

import (
	"sort"
	"strings"
)

// fragment is a byte range of the input: either text to tokenize (id < 0) or
// a special token written out in the text.
type fragment struct {
	start, end int
	id         int32
}

// partition cuts text around special tokens the way llama.cpp's
// tokenizer_st_partition does: each special token in turn, longest first, is
// split out of every text fragment left by the previous ones. Control and
// unknown tokens take part only when parseSpecial; user-defined tokens always.
func (t *Tokenizer) partition(text string, parseSpecial bool) []fragment {
	if text == "" {
		return nil
	}
	frags := []fragment{{start: 0, end: len(text), id: -1}}
	for _, id := range t.specials {
		if !parseSpecial && t.types[id] != typeUserDefined {
			continue
		}
		piece := t.pieces[id]
		var next []fragment
		for _, f := range frags {
			if f.id >= 0 {
				next = append(next, f)
				continue
			}
			at := f.start
			for at < f.end {
				i := strings.Index(text[at:f.end], piece)
				if i < 0 {
					break
				}
				if i > 0 {
					next = append(next, fragment{start: at, end: at + i, id: -1})
				}
				next = append(next, fragment{start: at + i, end: at + i + len(piece), id: id})
				at += i + len(piece)
			}
			if at < f.end {
				next = append(next, fragment{start: at, end: f.end, id: -1})
			}
		}
		frags = next
	}
	return frags
}

// indexSpecials fills t.specials with the ids partition matches, longest text first.
func (t *Tokenizer) indexSpecials() {
	t.specials = t.specials[:0]
	for id, typ := range t.types {
		if (typ == typeControl || typ == typeUserDefined || typ == typeUnknown) && t.pieces[id] != "" {
			t.specials = append(t.specials, int32(id))
		}
	}
	sort.SliceStable(t.specials, func(i, j int) bool {
		return len(t.pieces[t.specials[i]]) > len(t.pieces[t.specials[j]])
	})
}

// End-of-turn texts llama.cpp recognises when the metadata names no EOT token.
var eotTexts = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "_<EOT>", "<｜end▁of▁sentence｜>"}

// End-of-generation texts (llama.cpp's special_eog_ids heuristics).
var eogTexts = []string{"<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "<end_of_utterance>", "<｜end▁of▁sentence｜>"}

// finish derives the lookup tables shared by every constructor.
func (t *Tokenizer) finish() {
	t.pieceToID = make(map[string]int32, len(t.pieces))
	for i, p := range t.pieces {
		t.pieceToID[p] = int32(i) // later duplicates win, as in llama.cpp
	}
	for b := range t.byteTokens {
		t.byteTokens[b] = -1
	}
	if t.model == ModelLlama {
		for i, p := range t.pieces {
			if b, ok := parseByteToken(p); ok && (t.types[i] == typeByte || t.types[i] == typeNormal) {
				if t.byteTokens[b] < 0 || t.types[i] == typeByte {
					t.byteTokens[b] = int32(i)
				}
			}
		}
	}
	t.indexSpecials()
	if t.eot < 0 {
		for _, s := range eotTexts {
			if id, ok := t.pieceToID[s]; ok && t.types[id] == typeControl {
				t.eot = id
				break
			}
		}
	}
	t.eog = map[int32]bool{}
	for _, id := range []int32{t.eos, t.eot, t.eom} {
		if id >= 0 {
			t.eog[id] = true
		}
	}
	for _, s := range eogTexts {
		if id, ok := t.pieceToID[s]; ok && t.types[id] == typeControl {
			t.eog[id] = true
		}
	}
}
