// Package tokenizer turns text into the token ids a model was trained on and
// back, following llama.cpp's tokenizers: SentencePiece BPE with scores and
// byte fallback (tokenizer.ggml.model = "llama") and byte-level BPE with merges
// and a pre-tokenizer per model family ("gpt2"). Tokenizers are built from
// GGUF metadata (FromGGUF) or from a Hugging Face tokenizer.json (FromHFJSON).
//
// Every token of an Encoding carries the byte range of the input text it
// spells, so a highlighted character range maps to exact tokens.
package tokenizer

import (
	"errors"
	"fmt"
	"strings"
)

// Token types as stored in tokenizer.ggml.token_type (llama.cpp's llama_token_type).
const (
	typeNormal      = 1
	typeUnknown     = 2
	typeControl     = 3
	typeUserDefined = 4
	typeUnused      = 5
	typeByte        = 6
)

// Model names as stored in tokenizer.ggml.model.
const (
	ModelLlama = "llama"
	ModelGPT2  = "gpt2"
)

// ErrUnsupported is wrapped by every error about a tokenizer this package cannot build.
var ErrUnsupported = errors.New("unsupported tokenizer")

// spaceMarker is SentencePiece's visible space, U+2581.
const spaceMarker = "\u2581"

// Encoding is the result of Encode.
type Encoding struct {
	IDs []int32
	// Offsets[i] is the byte range [start, end) of the input text that token i
	// covers. Tokens that cover no text (BOS, EOS, SentencePiece's dummy-prefix
	// "▁" on its own) get an empty range at their position.
	Offsets [][2]int
}

func (e *Encoding) add(id int32, start, end int) {
	e.IDs = append(e.IDs, id)
	e.Offsets = append(e.Offsets, [2]int{start, end})
}

// Tokenizer encodes and decodes text for one vocabulary. It is safe for
// concurrent use.
type Tokenizer struct {
	model  string
	pieces []string
	types  []int32
	// scores rank SentencePiece merges when ranks is nil (GGUF "llama").
	scores []float32
	// ranks rank merges by (left, right) piece pair (BPE merges lists).
	ranks     map[mergePair]int
	pieceToID map[string]int32

	pre            preTokenizer
	ignoreMerges   bool
	addSpacePrefix bool
	addBOS, addEOS bool

	bos, eos, unk, eot, eom, pad int32
	eog                          map[int32]bool
	// specials are the ids matched as whole tokens in the text (control,
	// user-defined and unknown tokens), longest text first.
	specials []int32
	// rstrip holds the special tokens that swallow the white space after
	// them in the text (llama.cpp's LLAMA_TOKEN_ATTR_RSTRIP; see phi3Strip).
	rstrip map[int32]bool
	// promoted are tokens llama.cpp treats as control tokens because of
	// their text, though the file types them otherwise (markByText).
	promoted map[int32]bool
	// byteTokens[b] is the id of "<0xNN>" for SentencePiece byte fallback, or -1.
	byteTokens [256]int32
}

type mergePair struct{ left, right string }

// Model reports "llama" (SentencePiece BPE) or "gpt2" (byte-level BPE).
func (t *Tokenizer) Model() string { return t.model }

// Vocab is the number of tokens.
func (t *Tokenizer) Vocab() int { return len(t.pieces) }

// BOS is the beginning-of-sequence token id, or -1.
func (t *Tokenizer) BOS() int32 { return t.bos }

// EOS is the end-of-sequence token id, or -1.
func (t *Tokenizer) EOS() int32 { return t.eos }

// EOT is the end-of-turn token id, or -1.
func (t *Tokenizer) EOT() int32 { return t.eot }

// Unk is the unknown token id, or -1.
func (t *Tokenizer) Unk() int32 { return t.unk }

// Pad is the padding token id, or -1.
func (t *Tokenizer) Pad() int32 { return t.pad }

// AddBOS reports whether Encode with addSpecial prepends BOS.
func (t *Tokenizer) AddBOS() bool { return t.addBOS && t.bos >= 0 }

// IsEOG reports whether id ends generation (EOS, EOT, EOM and the end-of-turn
// control tokens llama.cpp recognises by their text).
func (t *Tokenizer) IsEOG(id int32) bool { return t.eog[id] }

// TokenText is the raw vocabulary piece of id ("▁Hello", "Ġworld", "<0x0A>"),
// or "" when id is out of range.
func (t *Tokenizer) TokenText(id int32) string {
	if id < 0 || int(id) >= len(t.pieces) {
		return ""
	}
	return t.pieces[id]
}

// Encode tokenizes text. addSpecial adds BOS/EOS as the vocabulary asks
// (AddBOS); parseSpecial matches control and unknown tokens written in the
// text ("<s>", "<|im_end|>") as single tokens. User-defined tokens are always
// matched, as llama.cpp does.
func (t *Tokenizer) Encode(text string, addSpecial, parseSpecial bool) (Encoding, error) {
	var enc Encoding
	if addSpecial && t.addBOS && t.bos >= 0 {
		enc.add(t.bos, 0, 0)
	}
	prevSpecial := true
	for _, f := range t.partition(text, parseSpecial) {
		if f.id >= 0 {
			enc.add(f.id, f.start, f.end)
			prevSpecial = true
			continue
		}
		var err error
		if t.model == ModelLlama {
			// llama.cpp adds the dummy prefix at the start and after every special token.
			err = t.encodeSentencePiece(&enc, text, f.start, f.end, t.addSpacePrefix && prevSpecial)
		} else {
			err = t.encodeByteLevel(&enc, text, f.start, f.end)
		}
		if err != nil {
			return Encoding{}, err
		}
		prevSpecial = false
	}
	if addSpecial && t.addEOS && t.eos >= 0 {
		enc.add(t.eos, len(text), len(text))
	}
	return enc, nil
}

// Decode turns ids back into text. Control tokens render as nothing, byte
// tokens as their bytes, and with a dummy-prefix vocabulary the first text
// piece loses one leading space, so Decode(Encode(s)) == s for valid UTF-8 s
// (for SentencePiece, s without "▁" U+2581, which reads back as a space).
// llama.cpp's clean_spaces cleanup is not applied. Out-of-range ids are skipped.
func (t *Tokenizer) Decode(ids []int32) string {
	var b strings.Builder
	first := true
	for _, id := range ids {
		piece := t.render(id)
		if piece == "" {
			continue
		}
		if first && t.addSpacePrefix && piece[0] == ' ' {
			piece = piece[1:]
		}
		first = false
		b.WriteString(piece)
	}
	return b.String()
}

// render is the text (possibly a partial UTF-8 sequence) that one token stands for.
func (t *Tokenizer) render(id int32) string {
	if id < 0 || int(id) >= len(t.pieces) {
		return ""
	}
	piece := t.pieces[id]
	switch t.types[id] {
	case typeControl, typeUnused, typeUnknown:
		// llama.cpp's token_to_piece renders these as nothing unless asked for special text.
		return ""
	case typeUserDefined:
		return piece
	case typeByte:
		if b, ok := parseByteToken(piece); ok {
			return string([]byte{b})
		}
	}
	if t.model == ModelLlama {
		if b, ok := parseByteToken(piece); ok && t.byteTokens[b] == id {
			return string([]byte{b})
		}
		return strings.ReplaceAll(piece, spaceMarker, " ")
	}
	return decodeByteLevel(piece)
}

// parseByteToken reads SentencePiece's "<0xNN>" byte pieces.
func parseByteToken(piece string) (byte, bool) {
	if len(piece) != 6 || !strings.HasPrefix(piece, "<0x") || piece[5] != '>' {
		return 0, false
	}
	hi, ok1 := hexDigit(piece[3])
	lo, ok2 := hexDigit(piece[4])
	return hi<<4 | lo, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// String names the model and vocabulary size, for logs and test messages.
func (t *Tokenizer) String() string {
	return fmt.Sprintf("tokenizer(%s, %d tokens)", t.model, len(t.pieces))
}
