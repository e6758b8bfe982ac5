// Package chat wraps a conversation in a model's chat template, producing
// exactly the text llama.cpp produces, and says where each message's content
// sits in that text so highlights can follow it.
//
// A GGUF file carries its template as Jinja source (tokenizer.chat_template).
// heed does not run Jinja: like llama.cpp's built-in templates, Detect
// recognises the template from characteristic markers and Render writes that
// family's format. Two kinds of family exist:
//
//   - Families named after llama.cpp's built-in templates (chatml, llama2…,
//     mistral…, phi4, gemma, llama3) write what llm_chat_apply_template in
//     src/llama-chat.cpp writes: llama.cpp's output with --no-jinja, and an
//     approximation of the model's own template.
//   - Families named after models (qwen3, gemma2, gemma3, phi3, phi4-mini,
//     smollm3) write what llama.cpp's default Jinja path
//     (common_chat_templates_apply in common/chat.cpp, used by llama-cli and
//     llama-server) makes of that model's official template, including
//     llama.cpp's own adjustments such as merging a system message into the
//     next one for templates without a system role. phi3 keeps its built-in
//     name; it differs from the built-in only where the Phi-3.5 template does.
//
// testdata/README.md lists the templates and how the golden renderings were
// made with llama.cpp.
//
// BOS: Render never writes the leading beginning-of-sequence token. llama.cpp
// leaves it to the tokenizer, which adds it when the model's
// tokenizer.ggml.add_bos_token says so (Llama 2/3, Mistral, Gemma and Phi-3
// models do; most ChatML models such as Qwen do not), even though the Jinja
// templates of Llama 3, Mistral, Gemma and Phi-3 write {{ bos_token }}
// themselves: llama.cpp strips that leading BOS text when the vocabulary adds
// BOS. The one BOS Render does write is llama2-sys-bos's "<s>" before every
// turn after the first, as llama.cpp does; it is parsed as the special token.
package chat

import (
	"errors"
	"fmt"
	"strings"
)

// Family is a chat template format. The zero value, Raw, means no template.
type Family int

// The families Render can write. The first ones are named as llama.cpp names
// its built-in templates (LLM_CHAT_TEMPLATES in src/llama-chat.cpp); the
// model-named ones follow llama.cpp's rendering of that model's own template.
const (
	Raw             Family = iota // no template: the text is the prompt
	ChatML                        // <|im_start|>role\n…<|im_end|>\n (Qwen, SmolLM, OpenHermes)
	Llama2                        // [INST] … [/INST], system text prepended without <<SYS>>
	Llama2Sys                     // [INST] <<SYS>>\n…\n<</SYS>>\n\n… [/INST]
	Llama2SysBOS                  // as Llama2Sys, with <s> before each later [INST]
	Llama2SysStrip                // as Llama2Sys, every content trimmed
	MistralV1                     // " [INST] … [/INST]" (Mistral 7B v0.1/v0.2 official)
	MistralV3                     // "[INST] …[/INST]", assistant turns trimmed
	MistralV3Tekken               // "[INST]…[/INST]" (Mistral Nemo)
	MistralV7                     // [SYSTEM_PROMPT] … [/SYSTEM_PROMPT][INST] …[/INST]
	MistralV7Tekken               // as MistralV7 without the spaces
	Phi3                          // <|role|>\n…<|end|>\n (Phi-3, Phi-3.5)
	Phi4                          // <|im_start|>role<|im_sep|>…<|im_end|>
	Gemma                         // <start_of_turn>user\n…<end_of_turn>\n, llama.cpp's built-in
	Llama3                        // <|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>
	Qwen3                         // ChatML with Qwen3's thinking switch and reasoning-stripped history
	Gemma2                        // Gemma 1 and 2: the system text merged into the first user turn
	Gemma3                        // Gemma 3: the system text opens the first user turn
	Phi4Mini                      // <|role|>…<|end|> without newlines (Phi-4-mini)
	SmolLM3                       // SmolLM3: metadata system header, /think and /no_think
	familyCount
)

var familyNames = [familyCount]string{
	Raw:             "raw",
	ChatML:          "chatml",
	Llama2:          "llama2",
	Llama2Sys:       "llama2-sys",
	Llama2SysBOS:    "llama2-sys-bos",
	Llama2SysStrip:  "llama2-sys-strip",
	MistralV1:       "mistral-v1",
	MistralV3:       "mistral-v3",
	MistralV3Tekken: "mistral-v3-tekken",
	MistralV7:       "mistral-v7",
	MistralV7Tekken: "mistral-v7-tekken",
	Phi3:            "phi3",
	Phi4:            "phi4",
	Gemma:           "gemma",
	Llama3:          "llama3",
	Qwen3:           "qwen3",
	Gemma2:          "gemma2",
	Gemma3:          "gemma3",
	Phi4Mini:        "phi4-mini",
	SmolLM3:         "smollm3",
}

func (f Family) String() string {
	if f < 0 || f >= familyCount {
		return fmt.Sprintf("Family(%d)", int(f))
	}
	return familyNames[f]
}

// Families lists every family, Raw first, for menus and help text.
func Families() []Family {
	fs := make([]Family, familyCount)
	for i := range fs {
		fs[i] = Family(i)
	}
	return fs
}

// ErrUnknownFamily is returned (wrapped) by ParseFamily.
var ErrUnknownFamily = errors.New("unknown chat template family")

// ParseFamily returns the family with the given name (as String writes it).
func ParseFamily(name string) (Family, error) {
	for f, n := range familyNames {
		if n == name {
			return Family(f), nil
		}
	}
	return Raw, fmt.Errorf("%w %q; valid names: %s", ErrUnknownFamily, name, strings.Join(familyNames[:], ", "))
}

// detectRules mirror llm_chat_detect_template's checks in its order, because
// the order decides templates that hold several families' markers. Families
// heed does not write (Zephyr, Vicuna, Command R, …) keep their rule so that
// their templates are reported as Raw rather than mistaken for a later rule's
// family.
var detectRules = []struct {
	match  func(contains func(string) bool, tmpl string) bool
	family func(contains func(string) bool) Family
}{
	{ // ChatML and the families built on its markers
		match: func(c func(string) bool, _ string) bool { return c("<|im_start|>") },
		family: func(c func(string) bool) Family {
			switch {
			case c("<|im_sep|>"):
				return Phi4
			case c("<end_of_utterance>"): // SmolVLM: <|im_start|> as BOS, not ChatML
				return Raw
			case c("Reasoning Mode: "):
				// SmolLM3. Its official template dates the system header
				// (strftime_now) and has a /system_override branch; edited
				// copies that drop them render differently, so they are not
				// claimed.
				if c("strftime_now") && c("/system_override") {
					return SmolLM3
				}
				return Raw
			case c("enable_thinking") && c("<think>") && c("last_query_index"):
				return Qwen3 // Qwen3's hybrid-thinking template
			}
			return ChatML
		},
	},
	{ // Mistral and Llama 2 [INST] formats
		match: func(c func(string) bool, t string) bool { return strings.HasPrefix(t, "mistral") || c("[INST]") },
		family: func(c func(string) bool) Family {
			switch {
			case c("[SYSTEM_PROMPT]"):
				return MistralV7
			case c("' [INST] ' + system_message") || c("[AVAILABLE_TOOLS]"):
				switch {
				case c(" [INST]"):
					return MistralV1
				case c(`"[INST]"`):
					return MistralV3Tekken
				}
				return MistralV3
			case c("content.strip()"):
				return Llama2SysStrip
			case c("bos_token + '[INST]"):
				return Llama2SysBOS
			case c("<<SYS>>"):
				return Llama2Sys
			}
			return Llama2
		},
	},
	{ // Phi-3 and Phi-4-mini
		match: all("<|assistant|>", "<|end|>"),
		family: func(c func(string) bool) Family {
			if c("'|>' + message['content']") { // no newline after the role: Phi-4-mini
				return Phi4Mini
			}
			return Phi3
		},
	},
	{match: all("[gMASK]<sop>"), family: is(Raw)},                                 // ChatGLM 4
	{match: all("<|assistant|>", "<|user|>"), family: is(Raw)},                    // Falcon 3, GLM-Edge
	{match: all("<|{{ item['role'] }}|>", "<|begin_of_image|>"), family: is(Raw)}, // GLM-Edge
	{match: all("<|user|>", "<|endoftext|>"), family: is(Raw)},                    // Zephyr
	{match: all("bos_token + message['role']"), family: is(Raw)},                  // Monarch
	{ // Gemma
		match: all("<start_of_turn>"),
		family: func(c func(string) bool) Family {
			switch {
			case c("first_user_prefix"):
				return Gemma3
			case c("System role not supported"):
				return Gemma2
			}
			return Gemma
		},
	},
	{match: all(`'\n\nAssistant: ' + eos_token`), family: is(Raw)},             // Orion
	{match: all("GPT4 Correct "), family: is(Raw)},                             // OpenChat
	{match: all("USER: ", "ASSISTANT: "), family: is(Raw)},                     // Vicuna
	{match: all("### Instruction:", "<|EOT|>"), family: is(Raw)},               // DeepSeek Coder
	{match: all("<|START_OF_TURN_TOKEN|>", "<|USER_TOKEN|>"), family: is(Raw)}, // Command R
	{match: all("<|start_header_id|>", "<|end_header_id|>"), family: is(Llama3)},
}

func all(markers ...string) func(func(string) bool, string) bool {
	return func(c func(string) bool, _ string) bool {
		for _, m := range markers {
			if !c(m) {
				return false
			}
		}
		return true
	}
}

func is(f Family) func(func(string) bool) Family {
	return func(func(string) bool) Family { return f }
}

// Detect recognises the family of a tokenizer.chat_template Jinja source the
// way llama.cpp's llm_chat_detect_template does: a template that is exactly a
// family name is that family; otherwise characteristic markers decide, checked
// in llama.cpp's order, with finer markers inside a rule picking the
// model-named family whose official template it is. Anything unrecognised, or
// a family heed does not write, is Raw.
func Detect(template string) Family {
	if f, err := ParseFamily(template); err == nil {
		return f
	}
	contains := func(s string) bool { return strings.Contains(template, s) }
	for _, r := range detectRules {
		if r.match(contains, template) {
			return r.family(contains)
		}
	}
	return Raw
}
