package main

import (
	"flag"
	"fmt"
	"strings"

	"heed/engine/chat"
	"heed/engine/gguf"
	"heed/engine/guide"
	"heed/engine/prompt"
	"heed/engine/tokenizer"
)

// promptFlags are the flags shared by every command that builds a prompt.
type promptFlags struct {
	deltaMid float64
	spans    spanList
	chat     bool
	template string
	system   string
	noThink  bool
	noBOS    bool
}

// spanList collects repeated --span START:END:DELTA flags.
type spanList []guide.RuneSpan

func (s *spanList) String() string { return fmt.Sprint(*s) }
func (s *spanList) Set(v string) error {
	sp, err := guide.ParseSpanFlag(v)
	if err != nil {
		return err
	}
	*s = append(*s, sp)
	return nil
}

func (p *promptFlags) register(fs *flag.FlagSet) {
	fs.Float64Var(&p.deltaMid, "delta-mid", prompt.DefaultDeltaMid, "Δ of the <!!-> level; <!-> is half, <!!!-> double")
	fs.Var(&p.spans, "span", "highlight `START:END:DELTA` (code point offsets into the tag-free prompt); repeatable")
	fs.BoolVar(&p.chat, "chat", false, "wrap the prompt in the model's chat template")
	fs.StringVar(&p.template, "template", "", "chat template family to use instead of the model's (implies --chat)")
	fs.StringVar(&p.system, "system", "", "system prompt (with --chat)")
	fs.BoolVar(&p.noThink, "no-think", false, "ask for an answer without reasoning (templates with a thinking switch: qwen3, smollm3)")
	fs.BoolVar(&p.noBOS, "no-bos", false, "do not add the beginning-of-sequence token")
}

// build tokenises text with the model's tokenizer and maps the highlights.
func (p *promptFlags) build(f *gguf.File, tok *tokenizer.Tokenizer, text string) (*prompt.Prompt, error) {
	opts := prompt.Options{DeltaMid: float32(p.deltaMid), Spans: p.spans, System: p.system, NoThinking: p.noThink, NoBOS: p.noBOS}
	switch {
	case p.template != "":
		fam, err := chat.ParseFamily(p.template)
		if err != nil {
			return nil, usageError{err}
		}
		opts.Chat = fam
	case p.chat:
		tmpl, _ := f.String("tokenizer.chat_template")
		opts.Chat = chat.Detect(tmpl)
		if opts.Chat == chat.Raw {
			return nil, usagef("--chat: the model has no recognised chat template; pass --template NAME")
		}
	}
	if p.system != "" && opts.Chat == chat.Raw {
		return nil, usagef("--system needs --chat or --template")
	}
	if p.noThink && !opts.Chat.HasThinkingSwitch() {
		return nil, usagef("--no-think: chat template %q has no thinking switch (qwen3 and smollm3 do)", opts.Chat)
	}
	return prompt.Build(tok, text, opts)
}

// runeOffset converts a byte offset in s to a code point offset.
func runeOffset(s string, byteOff int) int {
	if byteOff > len(s) {
		byteOff = len(s)
	}
	return len([]rune(s[:byteOff]))
}

// quote renders a token piece readably in a table.
func quote(s string) string {
	return strings.Trim(fmt.Sprintf("%q", s), `"`)
}
