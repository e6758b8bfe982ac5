package synth

import (
	"fmt"

	"heed/engine/gguf"
)

// Token types of tokenizer.ggml.token_type (llama_token_type in llama.cpp).
const (
	tokenNormal  = 1
	tokenUnknown = 2
	tokenControl = 3
	tokenByte    = 6
)

// Special token ids of the generated vocabulary (SentencePiece's layout, as in
// stories260K.gguf and Llama 2).
const (
	UnknownID = 0 // <unk>
	BOSID     = 1 // <s>
	EOSID     = 2 // </s>
)

// spaceMark is SentencePiece's word-boundary marker U+2581, which stands for a space.
const spaceMark = "▁"

// setTokenizer writes a SentencePiece ("llama" model) vocabulary of n tokens:
// <unk>, <s>, </s>, the 256 byte tokens <0x00>…<0xFF> (so any text encodes), then
// n-259 word pieces (vocabPieces) whose scores fall with rank, so that merges
// prefer short pieces the way a trained unigram model prefers frequent ones.
// The same vocabulary serves every architecture: llama.cpp picks the tokenizer from
// tokenizer.ggml.model, not from the architecture, and one tokenizer keeps the
// synthetic models comparable. The last len(control) tokens are replaced by these
// control tokens: llama.cpp looks some up by name for some models (Phi-3's <|endoftext|>).
func setTokenizer(b *gguf.Builder, n int, control ...string) {
	tokens := make([]string, 0, n)
	types := make([]int32, 0, n)
	scores := make([]float32, 0, n)
	add := func(tok string, typ int32, score float32) {
		tokens = append(tokens, tok)
		types = append(types, typ)
		scores = append(scores, score)
	}
	add("<unk>", tokenUnknown, 0)
	add("<s>", tokenControl, 0)
	add("</s>", tokenControl, 0)
	for c := range 256 {
		add(fmt.Sprintf("<0x%02X>", c), tokenByte, 0)
	}
	for i, p := range vocabPieces(n - len(tokens) - len(control)) {
		add(p, tokenNormal, -float32(i))
	}
	for _, c := range control {
		add(c, tokenControl, 0)
	}
	b.SetString("tokenizer.ggml.model", "llama")
	b.SetStrings("tokenizer.ggml.tokens", tokens)
	b.SetFloat32s("tokenizer.ggml.scores", scores)
	b.SetInt32s("tokenizer.ggml.token_type", types)
	b.SetUint32("tokenizer.ggml.bos_token_id", BOSID)
	b.SetUint32("tokenizer.ggml.eos_token_id", EOSID)
	b.SetUint32("tokenizer.ggml.unknown_token_id", UnknownID)
	b.SetBool("tokenizer.ggml.add_bos_token", true)
	b.SetBool("tokenizer.ggml.add_eos_token", false)
}

// vocabPieces returns n distinct word pieces: ▁ alone, punctuation, single
// letters and digits (bare and ▁-prefixed), then every lowercase string of
// length 2, 3, … (▁-prefixed first). Every piece longer than one letter is the
// concatenation of two shorter pieces, so SentencePiece merges can reach it.
func vocabPieces(n int) []string {
	out := make([]string, 0, n)
	seen := map[string]bool{}
	add := func(p string) bool {
		if len(out) == n {
			return false
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
		return true
	}
	add(spaceMark)
	for _, p := range []string{".", ",", "!", "?", "'", "\"", ":", ";", "-"} {
		add(p)
	}
	for _, set := range []string{"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"} {
		for _, c := range set {
			add(string(c))
			add(spaceMark + string(c))
		}
	}
	const letters = "abcdefghijklmnopqrstuvwxyz"
	for length := 2; len(out) < n; length++ {
		idx := make([]int, length)
		for {
			word := make([]byte, length)
			for i, j := range idx {
				word[i] = letters[j]
			}
			if !add(spaceMark+string(word)) || !add(string(word)) {
				return out
			}
			k := length - 1
			for k >= 0 && idx[k] == len(letters)-1 {
				idx[k] = 0
				k--
			}
			if k < 0 {
				break
			}
			idx[k]++
		}
	}
	return out
}
