package tokenizer

import (
	"fmt"
	"math"
	"strings"
)

// Metadata is the part of a GGUF file's key-value section a tokenizer needs
// (*gguf.File satisfies it). Each accessor reports false when the key is
// absent or holds another type.
type Metadata interface {
	String(key string) (string, bool)
	Strings(key string) ([]string, bool)
	Float32s(key string) ([]float32, bool)
	Int32s(key string) ([]int32, bool)
	Uint(key string) (uint64, bool)
	Bool(key string) (bool, bool)
}

// Largest vocabulary accepted; real ones stay under 300k.
const maxVocab = 1 << 22

// FromGGUF builds the tokenizer described by the tokenizer.ggml.* keys.
// Supported models: "llama" (SentencePiece BPE: Llama 2, Mistral, Gemma 1-3,
// Phi-3; tokenizer.ggml.pre is ignored for it, as llama.cpp does) and "gpt2"
// (byte-level BPE: Llama 3, Qwen, SmolLM, GPT-2, Phi-4-mini), whose
// pre-tokenizer tokenizer.ggml.pre names; a name heed does not know is an
// ErrUnsupported error, never a guess, as in llama.cpp. Like llama.cpp, a
// vocabulary whose general.name says Phi-3 drops the white space after
// special tokens, and tokens are treated as control and end-of-generation
// tokens by their text (see markByText).
func FromGGUF(md Metadata) (*Tokenizer, error) {
	model, ok := md.String("tokenizer.ggml.model")
	if !ok {
		return nil, fmt.Errorf("tokenizer: metadata has no tokenizer.ggml.model: %w", ErrUnsupported)
	}
	if model != ModelLlama && model != ModelGPT2 {
		return nil, fmt.Errorf("tokenizer: tokenizer.ggml.model %q (supported: %q, %q): %w", model, ModelLlama, ModelGPT2, ErrUnsupported)
	}
	pieces, ok := md.Strings("tokenizer.ggml.tokens")
	if !ok || len(pieces) == 0 {
		return nil, fmt.Errorf("tokenizer: metadata has no tokenizer.ggml.tokens")
	}
	if len(pieces) > maxVocab {
		return nil, fmt.Errorf("tokenizer: %d tokens exceeds the limit of %d", len(pieces), maxVocab)
	}
	n := len(pieces)
	t := &Tokenizer{model: model, pieces: pieces, bos: -1, eos: -1, unk: -1, eot: -1, eom: -1, pad: -1}

	t.types = make([]int32, n)
	if types, ok := md.Int32s("tokenizer.ggml.token_type"); ok {
		if len(types) != n {
			return nil, fmt.Errorf("tokenizer: %d token types for %d tokens", len(types), n)
		}
		copy(t.types, types)
	} else {
		for i := range t.types {
			t.types[i] = typeNormal
		}
	}

	// Defaults are llama.cpp's llama_vocab::load for each model.
	switch model {
	case ModelLlama:
		scores, ok := md.Float32s("tokenizer.ggml.scores")
		if !ok || len(scores) != n {
			return nil, fmt.Errorf("tokenizer: SentencePiece vocabulary needs tokenizer.ggml.scores for all %d tokens", n)
		}
		for i, s := range scores {
			if math.IsNaN(float64(s)) {
				return nil, fmt.Errorf("tokenizer: score of token %d is NaN", i)
			}
		}
		t.scores = scores
		t.bos, t.eos, t.unk = 1, 2, 0
		t.addBOS, t.addSpacePrefix = true, true
	case ModelGPT2:
		merges, ok := md.Strings("tokenizer.ggml.merges")
		if !ok {
			return nil, fmt.Errorf("tokenizer: byte-level BPE vocabulary needs tokenizer.ggml.merges")
		}
		ranks, err := parseMerges(merges)
		if err != nil {
			return nil, err
		}
		t.ranks = ranks
		name, _ := md.String("tokenizer.ggml.pre")
		pre, ok := preTokenizers[name]
		if !ok {
			return nil, fmt.Errorf("tokenizer: tokenizer.ggml.pre %q (supported: %s): %w", name, supportedPre(), ErrUnsupported)
		}
		t.pre = pre
		t.bos, t.eos = 11, 11
		if isLlama3(name) {
			t.ignoreMerges, t.addBOS = true, true
		}
	}

	if v, ok := md.Bool("tokenizer.ggml.add_bos_token"); ok {
		t.addBOS = v
	}
	if v, ok := md.Bool("tokenizer.ggml.add_eos_token"); ok {
		t.addEOS = v
	}
	if v, ok := md.Bool("tokenizer.ggml.add_space_prefix"); ok && model == ModelLlama {
		t.addSpacePrefix = v
	}
	for _, k := range []struct {
		key string
		id  *int32
	}{
		{"tokenizer.ggml.bos_token_id", &t.bos},
		{"tokenizer.ggml.eos_token_id", &t.eos},
		{"tokenizer.ggml.unknown_token_id", &t.unk},
		{"tokenizer.ggml.eot_token_id", &t.eot},
		{"tokenizer.ggml.eom_token_id", &t.eom},
		{"tokenizer.ggml.padding_token_id", &t.pad},
	} {
		// Out-of-range ids (often 0xFFFFFFFF for "none") keep the default, as in llama.cpp.
		if v, ok := md.Uint(k.key); ok && v < uint64(n) {
			*k.id = int32(v)
		}
		if *k.id >= int32(n) {
			*k.id = -1
		}
	}
	t.finish(md)
	name, _ := md.String("general.name")
	t.phi3Strip(name)
	return t, nil
}

func isLlama3(pre string) bool {
	switch pre {
	case "llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral":
		return true
	}
	return false
}

// parseMerges reads "left right" lines into ranks (line order; the first of
// duplicate pairs wins, as in llama.cpp).
func parseMerges(merges []string) (map[mergePair]int, error) {
	ranks := make(map[mergePair]int, len(merges))
	for i, m := range merges {
		p, err := splitMerge(i, m)
		if err != nil {
			return nil, err
		}
		if _, dup := ranks[p]; !dup {
			ranks[p] = i
		}
	}
	return ranks, nil
}

// splitMerge cuts a merge line at the first space after its first byte, as
// llama.cpp does, so a left piece may itself start with a space.
func splitMerge(i int, m string) (mergePair, error) {
	if len(m) > 1 {
		if j := strings.IndexByte(m[1:], ' '); j >= 0 {
			return mergePair{m[:j+1], m[j+2:]}, nil
		}
	}
	return mergePair{}, fmt.Errorf("tokenizer: merge %d %q is not \"left right\"", i, m)
}
