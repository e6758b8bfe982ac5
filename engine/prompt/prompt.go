// Package prompt turns what a user wrote — text with GUIDE tags or explicit
// character spans, optionally wrapped in a chat template — into the token ids
// the model reads and the token ranges each highlight covers.
//
// It is the one place where tags, spans, chat templates and tokenisation meet,
// so the CLI and the browser app highlight exactly the same tokens.
package prompt

import (
	"fmt"
	"sort"

	"heed/engine/chat"
	"heed/engine/guide"
	"heed/engine/tokenizer"
)

// Options says how to build a prompt.
type Options struct {
	// DeltaMid scales the tag levels (<!-> = DeltaMid/2, <!!-> = DeltaMid,
	// <!!!-> = 2·DeltaMid). Zero is a real value (every tag unbiased, as for an
	// A/B baseline); DefaultDeltaMid is the reference's default.
	DeltaMid float32
	// Spans are extra highlights as code point ranges of the tag-free text.
	Spans []guide.RuneSpan
	// Chat wraps the text as the user's message in this chat template family;
	// chat.Raw (the zero value) uses the text as it is.
	Chat chat.Family
	// System is the system prompt, used only with a chat template.
	System string
	// NoThinking asks a model whose template has a thinking switch (Qwen3,
	// SmolLM3; chat.Family.HasThinkingSwitch) to answer without reasoning, as
	// llama.cpp's enable_thinking = false does. Other templates ignore it.
	NoThinking bool
	// NoBOS suppresses the beginning-of-sequence token the model would add.
	NoBOS bool
}

// DefaultDeltaMid is Δ of the <!!-> level unless the user says otherwise.
const DefaultDeltaMid = 1.0

// Prompt is a tokenised prompt with its highlights.
type Prompt struct {
	// Text is the tag-free text the user wrote.
	Text string
	// Rendered is what was tokenised: Text, or Text inside a chat template.
	Rendered string
	// TextOffset is the byte offset of Text inside Rendered.
	TextOffset int
	// IDs are the token ids; Offsets the byte range of Rendered each covers.
	IDs     []int32
	Offsets [][2]int
	// Spans are the highlights with their token ranges, in text order.
	Spans []guide.TokenSpan
}

// Build parses tags in tagged, adds opts.Spans, renders the chat template,
// tokenises, and maps every highlight to its tokens.
func Build(tok *tokenizer.Tokenizer, tagged string, opts Options) (*Prompt, error) {
	text, spans, err := guide.Parse(tagged, opts.DeltaMid)
	if err != nil {
		return nil, err
	}
	if len(opts.Spans) > 0 {
		extra, err := guide.SpansFromRunes(text, opts.Spans)
		if err != nil {
			return nil, err
		}
		if spans, err = merge(spans, extra); err != nil {
			return nil, err
		}
	}
	p := &Prompt{Text: text, Rendered: text}
	if opts.Chat != chat.Raw {
		var msgs []chat.Message
		if opts.System != "" {
			msgs = append(msgs, chat.Message{Role: "system", Content: opts.System})
		}
		msgs = append(msgs, chat.Message{Role: "user", Content: text})
		rendered, offsets, err := chat.RenderWith(opts.Chat, msgs, chat.Options{AddGenerationPrompt: true, NoThinking: opts.NoThinking})
		if err != nil {
			return nil, err
		}
		p.Rendered, p.TextOffset = rendered, offsets[len(offsets)-1]
	}
	// Special-token text is parsed as special tokens, as llama.cpp does for
	// prompts, so that chat templates tokenise exactly as the model was trained.
	enc, err := tok.Encode(p.Rendered, !opts.NoBOS, true)
	if err != nil {
		return nil, fmt.Errorf("tokenize: %w", err)
	}
	p.IDs, p.Offsets = enc.IDs, enc.Offsets
	if p.Spans, err = guide.MapToTokens(spans, p.Offsets, p.TextOffset, text); err != nil {
		return nil, err
	}
	return p, nil
}

// merge combines tag spans and explicit spans in text order; a highlight may
// carry only one Δ, so overlapping spans are an error.
func merge(a, b []guide.Span) ([]guide.Span, error) {
	all := append(append([]guide.Span(nil), a...), b...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].Start < all[j].Start })
	for i := 1; i < len(all); i++ {
		if all[i].Start < all[i-1].End {
			return nil, fmt.Errorf("%w: bytes [%d,%d) and [%d,%d)", guide.ErrSpanOverlap, all[i-1].Start, all[i-1].End, all[i].Start, all[i].End)
		}
	}
	return all, nil
}

// Bias returns the GUIDE bias vector over the prompt's key positions.
func (p *Prompt) Bias() []float32 { return guide.BiasVector(len(p.IDs), p.Spans) }
