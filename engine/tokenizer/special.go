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
		if !parseSpecial && (t.types[id] != typeUserDefined || t.promoted[id]) {
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
				if t.rstrip[id] {
					for at < f.end && isCSpace(text[at]) {
						at++
					}
				}
			}
			if at < f.end {
				next = append(next, fragment{start: at, end: f.end, id: -1})
			}
		}
		frags = next
	}
	return frags
}

// isCSpace is C's isspace in the "C" locale, which llama.cpp's strip uses.
func isCSpace(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' }

// phi3Strip gives Phi-3 vocabularies the attributes llama.cpp gives them by
// model name (llama_vocab::impl::load, "set attributes by model name"): when
// general.name contains "phi-3" or "phi3" (any case), every special token and
// "</s>" swallows the white space that follows it in the text, except "<unk>",
// "<s>" and "<|endoftext|>". This mirrors the rstrip flag of those tokens in
// Phi-3's tokenizer.json, so "<|user|>\nHi" tokenizes as "<|user|>", "▁Hi".
func (t *Tokenizer) phi3Strip(modelName string) {
	name := strings.ToLower(modelName)
	if !strings.Contains(name, "phi-3") && !strings.Contains(name, "phi3") {
		return
	}
	t.rstrip = map[int32]bool{}
	for _, id := range t.specials {
		t.rstrip[id] = true
	}
	if id, ok := t.pieceToID["</s>"]; ok {
		t.rstrip[id] = true
	}
	for _, p := range []string{"<unk>", "<s>", "<|endoftext|>"} {
		if id, ok := t.pieceToID[p]; ok {
			delete(t.rstrip, id)
		}
	}
}

// indexSpecials fills t.specials with the ids partition matches, longest text first.
func (t *Tokenizer) indexSpecials() {
	t.specials = t.specials[:0]
	for id, typ := range t.types {
		if (typ == typeControl || typ == typeUserDefined || typ == typeUnknown || t.promoted[int32(id)]) && t.pieces[id] != "" {
			t.specials = append(t.specials, int32(id))
		}
	}
	sort.SliceStable(t.specials, func(i, j int) bool {
		return len(t.pieces[t.specials[i]]) > len(t.pieces[t.specials[j]])
	})
}

// End-of-turn texts llama.cpp recognises when the metadata names no EOT token.
var eotTexts = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"}

// End-of-generation texts (llama.cpp's special_eog_ids heuristics). llama.cpp
// makes every token with one of these texts end generation and act as a
// control token, whatever its type in the file.
var eogTexts = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~["}

// Fill-in-the-middle texts llama.cpp looks for, in its order, when the
// metadata names no such token (tokenizer.ggml.fim_*_token_id). The one found
// acts as a control token; pad, rep and sep also end generation.
var fimTexts = []struct {
	keys  []string
	texts []string
	eog   bool
}{
	{[]string{"tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.prefix_token_id"}, []string{"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"}, false},
	{[]string{"tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.suffix_token_id"}, []string{"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"}, false},
	{[]string{"tokenizer.ggml.fim_mid_token_id", "tokenizer.ggml.middle_token_id"}, []string{"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"}, false},
	{[]string{"tokenizer.ggml.fim_pad_token_id"}, []string{"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}, true},
	{[]string{"tokenizer.ggml.fim_rep_token_id"}, []string{"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}, true},
	{[]string{"tokenizer.ggml.fim_sep_token_id"}, []string{"<|file_sep|>"}, true},
}

// markByText applies llama.cpp's detection of special tokens by their text
// (llama_vocab::impl::load, "auto-detect special tokens by text"): EOT when
// the metadata names none, fill-in-the-middle tokens, and end-of-generation
// tokens, each made a control token if it was not one. md may be nil (no
// metadata keys, as from tokenizer.json).
func (t *Tokenizer) markByText(md Metadata) {
	t.promoted = map[int32]bool{}
	promote := func(id int32) {
		if t.types[id] != typeControl {
			t.promoted[id] = true
		}
	}
	t.eog = map[int32]bool{}
	if t.eot < 0 {
		for _, s := range eotTexts {
			if id, ok := t.pieceToID[s]; ok {
				t.eot = id
				promote(id)
				break
			}
		}
	}
	for _, f := range fimTexts {
		named := false
		for _, k := range f.keys {
			if md != nil {
				if v, ok := md.Uint(k); ok && v < uint64(len(t.pieces)) {
					named = true
					if f.eog {
						t.eog[int32(v)] = true
					}
				}
			}
		}
		if named {
			continue
		}
		for _, s := range f.texts {
			if id, ok := t.pieceToID[s]; ok {
				if !strings.HasPrefix(s, "<|fim_pad") && s != "<fim-pad>" && s != "<fim_pad>" && s != "<PAD>" && s != "[PAD]" {
					promote(id) // llama.cpp marks every FIM kind but pad as control
				}
				if f.eog {
					t.eog[id] = true
				}
				break
			}
		}
	}
	for _, id := range []int32{t.eos, t.eot, t.eom} {
		if id >= 0 {
			t.eog[id] = true
		}
	}
	for _, s := range eogTexts {
		if id, ok := t.pieceToID[s]; ok {
			t.eog[id] = true
			promote(id)
		}
	}
	// llama.cpp's two exceptions: o200k_harmony's "<|end|>" when "<|return|>"
	// and "<|call|>" end generation (solar-open: "<|calls|>" and
	// "<|flush|>"), and Gemma 4's "</s>" when "<|tool_response>" does, stop
	// ending generation and become a user-defined and a normal token.
	has := func(s string) (int32, bool) {
		id, ok := t.pieceToID[s]
		return id, ok && t.eog[id]
	}
	_, ret := has("<|return|>")
	_, call := has("<|call|>")
	_, calls := has("<|calls|>")
	_, flush := has("<|flush|>")
	if end, ok := has("<|end|>"); ok && (ret && call || calls && flush) {
		delete(t.eog, end)
		delete(t.promoted, end)
		t.types[end] = typeUserDefined
	}
	if _, tr := has("<|tool_response>"); tr {
		if s, ok := has("</s>"); ok {
			delete(t.eog, s)
			delete(t.promoted, s)
			t.types[s] = typeNormal
		}
	}
}

// finish derives the lookup tables shared by every constructor; md is the
// GGUF metadata, or nil.
func (t *Tokenizer) finish(md Metadata) {
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
	t.markByText(md)
	t.indexSpecials()
}
