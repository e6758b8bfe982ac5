package tokenizer

import (
	"encoding/json"
	"fmt"
	"io"
)

// hfComponent is one normalizer, pre-tokenizer or post-processor entry of a
// tokenizer.json; Sequence entries nest.
type hfComponent struct {
	Type          string        `json:"type"`
	Normalizers   []hfComponent `json:"normalizers"`
	Pretokenizers []hfComponent `json:"pretokenizers"`
	Prepend       string        `json:"prepend"`
	Content       string        `json:"content"`
	Pattern       struct {
		String *string `json:"String"`
		Regex  *string `json:"Regex"`
	} `json:"pattern"`
	UseRegex         *bool  `json:"use_regex"`
	AddPrefixSpace   *bool  `json:"add_prefix_space"`
	PrependScheme    string `json:"prepend_scheme"`
	IndividualDigits bool   `json:"individual_digits"`
	Single           []struct {
		SpecialToken *struct {
			ID string `json:"id"`
		} `json:"SpecialToken"`
	} `json:"single"`
}

func (c *hfComponent) flatten() []hfComponent {
	if c == nil {
		return nil
	}
	if c.Type != "Sequence" {
		return []hfComponent{*c}
	}
	var out []hfComponent
	for i := range c.Normalizers {
		out = append(out, c.Normalizers[i].flatten()...)
	}
	for i := range c.Pretokenizers {
		out = append(out, c.Pretokenizers[i].flatten()...)
	}
	return out
}

type hfFile struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	} `json:"added_tokens"`
	Normalizer    *hfComponent `json:"normalizer"`
	PreTokenizer  *hfComponent `json:"pre_tokenizer"`
	PostProcessor *hfComponent `json:"post_processor"`
	Model         struct {
		Type         string            `json:"type"`
		Vocab        map[string]int    `json:"vocab"`
		Merges       []json.RawMessage `json:"merges"`
		ByteFallback bool              `json:"byte_fallback"`
		IgnoreMerges bool              `json:"ignore_merges"`
		UnkToken     *string           `json:"unk_token"`
	} `json:"model"`
}

// Pre-tokenizer regexes of tokenizer.json files, mapped to llama.cpp pre types.
var hfSplitRegexes = map[string]string{
	`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`: "llama3",
	`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`:      "qwen2",
}

// FromHFJSON builds a tokenizer from a Hugging Face tokenizer.json with a BPE
// model: SentencePiece-style ones (Prepend/Replace "▁" normalizers or a
// Metaspace pre-tokenizer, byte fallback) become "llama" tokenizers, ByteLevel
// ones "gpt2" tokenizers with the matching llama.cpp pre-tokenizer. Added
// tokens become control (special) or user-defined tokens. Normalizers other
// than the "▁" ones (e.g. NFC) are not applied, as in llama.cpp.
func FromHFJSON(r io.Reader) (*Tokenizer, error) {
	var f hfFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("tokenizer: reading tokenizer.json: %w", err)
	}
	if f.Model.Type != "BPE" {
		return nil, fmt.Errorf("tokenizer: tokenizer.json model %q (supported: BPE): %w", f.Model.Type, ErrUnsupported)
	}
	n := 0
	for _, id := range f.Model.Vocab {
		n = max(n, id+1)
	}
	for _, a := range f.AddedTokens {
		n = max(n, a.ID+1)
	}
	if n == 0 || n > maxVocab {
		return nil, fmt.Errorf("tokenizer: tokenizer.json vocabulary of %d tokens", n)
	}
	t := &Tokenizer{pieces: make([]string, n), types: make([]int32, n), bos: -1, eos: -1, unk: -1, eot: -1, eom: -1, pad: -1}
	for i := range t.types {
		t.types[i] = typeUnused
	}
	for p, id := range f.Model.Vocab {
		if id < 0 {
			return nil, fmt.Errorf("tokenizer: tokenizer.json token %q has id %d", p, id)
		}
		t.pieces[id], t.types[id] = p, typeNormal
	}
	added := map[string]int32{}
	for _, a := range f.AddedTokens {
		if a.ID < 0 {
			return nil, fmt.Errorf("tokenizer: tokenizer.json added token %q has id %d", a.Content, a.ID)
		}
		t.pieces[a.ID], t.types[a.ID] = a.Content, typeUserDefined
		if a.Special {
			t.types[a.ID] = typeControl
		}
		added[a.Content] = int32(a.ID)
	}

	ranks, err := hfMerges(f.Model.Merges)
	if err != nil {
		return nil, err
	}
	t.ranks = ranks
	t.ignoreMerges = f.Model.IgnoreMerges

	norms := f.Normalizer.flatten()
	pres := f.PreTokenizer.flatten()
	if err := t.hfShape(norms, pres); err != nil {
		return nil, err
	}
	if t.model == ModelLlama {
		for i, p := range t.pieces {
			if _, ok := parseByteToken(p); ok && t.types[i] == typeNormal && f.Model.ByteFallback {
				t.types[i] = typeByte
			}
		}
	}
	if f.Model.UnkToken != nil {
		if id, ok := added[*f.Model.UnkToken]; ok {
			t.unk = id
			t.types[id] = typeUnknown
		} else if id, ok := f.Model.Vocab[*f.Model.UnkToken]; ok {
			t.unk = int32(id)
		}
	}
	// tokenizer.json does not name BOS/EOS: a post-processor template that
	// starts with a special token adds it as BOS; otherwise well-known texts.
	if f.PostProcessor != nil {
		for _, p := range f.PostProcessor.flatten() {
			if p.Type == "TemplateProcessing" && len(p.Single) > 0 && p.Single[0].SpecialToken != nil {
				if id, ok := added[p.Single[0].SpecialToken.ID]; ok {
					t.bos, t.addBOS = id, true
				}
			}
		}
	}
	pick := func(texts ...string) int32 {
		for _, s := range texts {
			if id, ok := added[s]; ok {
				return id
			}
		}
		return -1
	}
	if t.bos < 0 {
		t.bos = pick("<s>", "<|begin_of_text|>", "<|startoftext|>")
	}
	t.eos = pick("</s>", "<|end_of_text|>", "<|endoftext|>")
	t.finish(nil)
	return t, nil
}

// hfShape decides between SentencePiece-style and byte-level from the
// normalizers and pre-tokenizers.
func (t *Tokenizer) hfShape(norms, pres []hfComponent) error {
	var regex string
	byteLevel, byteLevelRegex, digits := false, false, false
	for _, p := range pres {
		switch p.Type {
		case "ByteLevel":
			byteLevel = true
			byteLevelRegex = p.UseRegex == nil || *p.UseRegex
		case "Split":
			if p.Pattern.Regex != nil {
				regex = *p.Pattern.Regex
			}
		case "Digits":
			digits = p.IndividualDigits
		case "Metaspace":
			t.model = ModelLlama
			t.addSpacePrefix = p.PrependScheme != "never" && (p.AddPrefixSpace == nil || *p.AddPrefixSpace)
		default:
			return fmt.Errorf("tokenizer: tokenizer.json pre-tokenizer %q: %w", p.Type, ErrUnsupported)
		}
	}
	if byteLevel {
		t.model = ModelGPT2
		name := ""
		switch {
		case regex != "":
			name = hfSplitRegexes[regex]
		case digits && byteLevelRegex:
			name = "smollm"
		case byteLevelRegex:
			name = "gpt2"
		}
		pre, ok := preTokenizers[name]
		if !ok || name == "" {
			return fmt.Errorf("tokenizer: tokenizer.json byte-level pre-tokenizer (split %q) matches no known pre type: %w", regex, ErrUnsupported)
		}
		t.pre = pre
		return nil
	}
	for _, n := range norms {
		switch {
		case n.Type == "Prepend" && n.Prepend == spaceMarker:
			t.model, t.addSpacePrefix = ModelLlama, true
		case n.Type == "Replace" && n.Pattern.String != nil && *n.Pattern.String == " " && n.Content == spaceMarker:
			t.model = ModelLlama
		default:
			return fmt.Errorf("tokenizer: tokenizer.json normalizer %q: %w", n.Type, ErrUnsupported)
		}
	}
	if t.model == "" {
		return fmt.Errorf("tokenizer: tokenizer.json is neither SentencePiece-style (\"▁\" normalizers, Metaspace) nor byte-level: %w", ErrUnsupported)
	}
	return nil
}

// hfMerges reads merges written as "left right" strings or ["left", "right"] pairs.
func hfMerges(raw []json.RawMessage) (map[mergePair]int, error) {
	ranks := make(map[mergePair]int, len(raw))
	for i, m := range raw {
		var p mergePair
		var s string
		var pair []string
		switch {
		case json.Unmarshal(m, &s) == nil:
			var err error
			if p, err = splitMerge(i, s); err != nil {
				return nil, err
			}
		case json.Unmarshal(m, &pair) == nil && len(pair) == 2:
			p = mergePair{pair[0], pair[1]}
		default:
			return nil, fmt.Errorf("tokenizer: tokenizer.json merge %d is neither \"a b\" nor [\"a\", \"b\"]", i)
		}
		if _, dup := ranks[p]; !dup {
			ranks[p] = i
		}
	}
	return ranks, nil
}
