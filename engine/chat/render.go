package chat

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Message is one turn of a conversation. Role is "system", "user" or "assistant".
type Message struct {
	Role, Content string
}

// Errors of Render, matched with errors.Is.
var (
	ErrNoTemplate    = errors.New("no chat template")
	ErrNoMessages    = errors.New("no messages")
	ErrRole          = errors.New("unknown role, want system, user or assistant")
	ErrUnexpressible = errors.New("conversation cannot be expressed in this template")
)

// Options says how to render beyond the messages themselves. The zero value
// is llama.cpp's default without a generation prompt.
type Options struct {
	// AddGenerationPrompt appends the assistant header for families that have
	// one (all but the [INST] families, whose user turn ends with [/INST],
	// which already asks for the answer). Families whose template writes the
	// end-of-sequence text when there is no generation prompt (phi3,
	// phi4-mini) write it.
	AddGenerationPrompt bool
	// NoThinking is llama.cpp's enable_thinking = false (llama-server's
	// chat_template_kwargs, --reasoning-budget 0): Qwen3 and SmolLM3 then ask
	// for an answer without reasoning. Other families ignore it; see
	// Family.HasThinkingSwitch.
	NoThinking bool
	// Date is the day SmolLM3's system header reports ("Today Date"), which
	// llama.cpp takes from the clock in the local time zone; the zero value
	// means now.
	Date time.Time
}

// Render writes msgs in family f's format, as llama.cpp does (see the package
// comment for which rendering each family follows), and returns
// contentOffsets[i], the byte offset of msgs[i].Content in text: byte j of
// Content is at contentOffsets[i]+j. It is RenderWith with only
// Options.AddGenerationPrompt set.
func Render(f Family, msgs []Message, addGenerationPrompt bool) (text string, contentOffsets []int, err error) {
	return RenderWith(f, msgs, Options{AddGenerationPrompt: addGenerationPrompt})
}

// RenderWith writes msgs in family f's format with the given options.
//
// Some families trim white space around content, as llama.cpp does: gemma,
// gemma2, gemma3, llama3 and llama2-sys-strip every message, mistral-v3
// assistant turns, smollm3 and qwen3 some newlines. The trimmed bytes are not
// in text, and the offset keeps its meaning for every byte that is; so with
// leading white space trimmed it points before the content, into the turn
// header, or below zero when that white space is longer than everything
// before it. The same holds where a template keeps only the end of a message:
// qwen3 drops an assistant turn's reasoning up to its last "</think>".
// Content a template drops or rewrites has no offset that locates it: an empty
// phi3 system text and every smollm3 system text after the first are not
// written (their offset is where they would have been), and smollm3 removes
// "/think", "/no_think" and "/system_override" from its system text (the
// offset holds up to the first flag removed).
//
// Gemma has no system role. gemma: system texts are trimmed, concatenated
// and written at the start of the next user turn, followed by "\n\n"; a
// system text with no user turn after it is an error. gemma2: a leading system
// text and "\n" are prepended to the next message, as llama.cpp does for
// templates without a system role. gemma3: a leading system text, untrimmed,
// and "\n\n" open the first turn. gemma2 and gemma3 also refuse what their
// templates refuse (roles that do not alternate user/assistant), with
// ErrUnexpressible.
func RenderWith(f Family, msgs []Message, opt Options) (text string, contentOffsets []int, err error) {
	if f <= Raw || f >= familyCount {
		return "", nil, fmt.Errorf("%w: family %v", ErrNoTemplate, f)
	}
	if len(msgs) == 0 {
		return "", nil, ErrNoMessages
	}
	for i, m := range msgs {
		if m.Role != "system" && m.Role != "user" && m.Role != "assistant" {
			return "", nil, fmt.Errorf("message %d: %w: %q", i, ErrRole, m.Role)
		}
	}
	addGenerationPrompt := opt.AddGenerationPrompt
	w := &writer{offsets: make([]int, len(msgs))}
	switch f {
	case ChatML:
		for i, m := range msgs {
			w.lit("<|im_start|>" + m.Role + "\n")
			w.content(i, m.Content)
			w.lit("<|im_end|>\n")
		}
		if addGenerationPrompt {
			w.lit("<|im_start|>assistant\n")
		}
	case Llama2, Llama2Sys, Llama2SysBOS, Llama2SysStrip:
		renderLlama2(w, f, msgs)
	case MistralV1, MistralV3, MistralV3Tekken:
		renderMistral(w, f, msgs)
	case MistralV7, MistralV7Tekken:
		space := ""
		if f == MistralV7 {
			space = " "
		}
		for i, m := range msgs {
			switch m.Role {
			case "system":
				w.lit("[SYSTEM_PROMPT]" + space)
				w.content(i, m.Content)
				w.lit("[/SYSTEM_PROMPT]")
			case "user":
				w.lit("[INST]" + space)
				w.content(i, m.Content)
				w.lit("[/INST]")
			default:
				w.lit(space)
				w.content(i, m.Content)
				w.lit("</s>")
			}
		}
	case Phi3:
		// Phi-3.5-mini's template: empty system texts are skipped, and
		// without a generation prompt the end-of-sequence text closes the
		// conversation (llama.cpp's built-in phi3 does neither).
		for i, m := range msgs {
			if m.Role == "system" && m.Content == "" {
				w.offsets[i] = w.b.Len()
				continue
			}
			w.lit("<|" + m.Role + "|>\n")
			w.content(i, m.Content)
			w.lit("<|end|>\n")
		}
		if addGenerationPrompt {
			w.lit("<|assistant|>\n")
		} else {
			w.lit(phiEOS)
		}
	case Phi4Mini:
		for i, m := range msgs {
			w.lit("<|" + m.Role + "|>")
			w.content(i, m.Content)
			w.lit("<|end|>")
		}
		if addGenerationPrompt {
			w.lit("<|assistant|>")
		} else {
			w.lit(phiEOS)
		}
	case Phi4:
		for i, m := range msgs {
			w.lit("<|im_start|>" + m.Role + "<|im_sep|>")
			w.content(i, m.Content)
			w.lit("<|im_end|>")
		}
		if addGenerationPrompt {
			w.lit("<|im_start|>assistant<|im_sep|>")
		}
	case Gemma:
		if err := renderGemma(w, msgs, addGenerationPrompt); err != nil {
			return "", nil, err
		}
	case Gemma2:
		if err := renderGemma2(w, msgs, addGenerationPrompt); err != nil {
			return "", nil, err
		}
	case Gemma3:
		if err := renderGemma3(w, msgs, addGenerationPrompt); err != nil {
			return "", nil, err
		}
	case Llama3:
		for i, m := range msgs {
			w.lit("<|start_header_id|>" + m.Role + "<|end_header_id|>\n\n")
			w.trimmed(i, m.Content)
			w.lit("<|eot_id|>")
		}
		if addGenerationPrompt {
			w.lit("<|start_header_id|>assistant<|end_header_id|>\n\n")
		}
	case Qwen3:
		renderQwen3(w, msgs, opt)
	case SmolLM3:
		renderSmolLM3(w, msgs, opt)
	}
	return w.b.String(), w.offsets, nil
}

// phiEOS is the end-of-sequence text of Phi-3 and Phi-4-mini vocabularies,
// which their templates write when no generation prompt follows.
const phiEOS = "<|endoftext|>"

// HasThinkingSwitch reports whether Options.NoThinking changes f's rendering.
func (f Family) HasThinkingSwitch() bool { return f == Qwen3 || f == SmolLM3 }

// renderLlama2 writes the Llama 2 [INST] family. The first [INST] has no BOS
// before it (the tokenizer adds one); later turns get "<s>" in llama2-sys-bos.
func renderLlama2(w *writer, f Family, msgs []Message) {
	write := w.content
	if f == Llama2SysStrip {
		write = w.trimmed
	}
	insideTurn := true
	w.lit("[INST] ")
	for i, m := range msgs {
		if !insideTurn {
			insideTurn = true
			if f == Llama2SysBOS {
				w.lit("<s>")
			}
			w.lit("[INST] ")
		}
		switch m.Role {
		case "system":
			if f == Llama2 {
				write(i, m.Content)
				w.lit("\n")
			} else {
				w.lit("<<SYS>>\n")
				write(i, m.Content)
				w.lit("\n<</SYS>>\n\n")
			}
		case "user":
			write(i, m.Content)
			w.lit(" [/INST]")
		default:
			write(i, m.Content)
			w.lit("</s>")
			insideTurn = false
		}
	}
}

// renderMistral writes Mistral's official v1, v3 and v3-tekken formats,
// which differ only in the spaces around [INST] and in trimming answers.
func renderMistral(w *writer, f Family, msgs []Message) {
	leading, trailing := "", " "
	if f == MistralV1 {
		leading = " "
	}
	if f == MistralV3Tekken {
		trailing = ""
	}
	insideTurn := false
	for i, m := range msgs {
		if !insideTurn {
			w.lit(leading + "[INST]" + trailing)
			insideTurn = true
		}
		switch m.Role {
		case "system":
			w.content(i, m.Content)
			w.lit("\n\n")
		case "user":
			w.content(i, m.Content)
			w.lit(leading + "[/INST]")
		default:
			w.lit(trailing)
			if f == MistralV3 {
				w.trimmed(i, m.Content)
			} else {
				w.content(i, m.Content)
			}
			w.lit("</s>")
			insideTurn = false
		}
	}
}

// renderGemma writes Gemma's turns. Gemma has no system role: system texts,
// trimmed and concatenated, open the next user turn.
func renderGemma(w *writer, msgs []Message, addGenerationPrompt bool) error {
	var pending []int // system messages waiting for a user turn
	for i, m := range msgs {
		if m.Role == "system" {
			pending = append(pending, i)
			continue
		}
		role := m.Role
		if role == "assistant" {
			role = "model"
		}
		w.lit("<start_of_turn>" + role + "\n")
		if role == "user" && len(pending) > 0 {
			start := w.b.Len()
			for _, j := range pending {
				w.trimmed(j, msgs[j].Content)
			}
			if w.b.Len() > start {
				w.lit("\n\n")
			}
			pending = pending[:0]
		}
		w.trimmed(i, m.Content)
		w.lit("<end_of_turn>\n")
	}
	for _, j := range pending {
		if trimSpace(msgs[j].Content) != "" {
			return fmt.Errorf("gemma: %w: system message %d has no user turn after it to carry it", ErrUnexpressible, j)
		}
		w.offsets[j] = w.b.Len()
	}
	if addGenerationPrompt {
		w.lit("<start_of_turn>model\n")
	}
	return nil
}

// writer builds the text and records where each message's content starts.
type writer struct {
	b       strings.Builder
	offsets []int
}

func (w *writer) lit(s string) { w.b.WriteString(s) }

// suffix writes kept, which ends s, with the offset that places s so that
// kept keeps its index.
func (w *writer) suffix(i int, s, kept string) {
	w.offsets[i] = w.b.Len() - (len(s) - len(kept))
	w.b.WriteString(kept)
}

// prefix writes kept, which s starts with up to the first byte a template
// removed or rewrote, at the offset of s.
func (w *writer) prefix(i int, kept string) {
	w.offsets[i] = w.b.Len()
	w.b.WriteString(kept)
}

// trimmedAt writes s without surrounding white space and returns the offset
// where s itself would start, so kept bytes keep their index.
func (w *writer) trimmedAt(s string) int {
	t := trimSpace(s)
	lead := len(s) - len(strings.TrimLeft(s, cSpace))
	if t == "" {
		lead = 0
	}
	at := w.b.Len() - lead
	w.b.WriteString(t)
	return at
}

func (w *writer) content(i int, s string) {
	w.offsets[i] = w.b.Len()
	w.b.WriteString(s)
}

// trimmed writes s without surrounding white space, and records the offset
// where s itself would start, so kept bytes keep their index.
func (w *writer) trimmed(i int, s string) { w.offsets[i] = w.trimmedAt(s) }

// cSpace is C's isspace set in the "C" locale, which llama.cpp's trim and its
// Jinja engine's trim, strip, lstrip and rstrip use;
// Go's unicode.IsSpace would also trim U+0085 and U+00A0.
const cSpace = " \t\n\v\f\r"

func trimSpace(s string) string { return strings.Trim(s, cSpace) }
