package chat

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// conversation is the one llama.cpp's tests/test-chat-template.cpp renders
// with add_generation_prompt = true; note the assistant turn padded with
// spaces, which some families trim.
var conversation = []Message{
	{"system", "You are a helpful assistant"},
	{"user", "Hello"},
	{"assistant", "Hi there"},
	{"user", "Who are you"},
	{"assistant", "   I am an assistant   "},
	{"user", "Another question"},
}

// Expected renderings: the expected_output strings of llama.cpp's
// tests/test-chat-template.cpp for the model named beside each, which that
// test checks against llm_chat_apply_template. llama2-sys and
// mistral-v7-tekken have no case there; theirs are written from
// llm_chat_apply_template in src/llama-chat.cpp and differ from the upstream
// llama2-sys-bos and mistral-v7 cases only where that code says.
var golden = []struct {
	family Family
	source string
	want   string
}{
	{ChatML, "teknium/OpenHermes-2.5-Mistral-7B",
		"<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n"},
	{Llama2, "mistralai/Mistral-7B-Instruct-v0.2 (pre-v1)",
		"[INST] You are a helpful assistant\nHello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]"},
	{Llama2Sys, "llm_chat_apply_template (no upstream case)",
		"[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]"},
	{Llama2SysBOS, "TheBloke/FusionNet_34Bx2_MoE-AWQ",
		"[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi there</s><s>[INST] Who are you [/INST]   I am an assistant   </s><s>[INST] Another question [/INST]"},
	{Llama2SysStrip, "bofenghuang/vigogne-2-70b-chat",
		"[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST]Hi there</s>[INST] Who are you [/INST]I am an assistant</s>[INST] Another question [/INST]"},
	{MistralV1, "mistralai/Mistral-7B-Instruct-v0.2 ('v1' template)",
		" [INST] You are a helpful assistant\n\nHello [/INST] Hi there</s> [INST] Who are you [/INST]    I am an assistant   </s> [INST] Another question [/INST]"},
	{MistralV3, "Mistral-Large-Instruct-2407 ('v3' template)",
		"[INST] You are a helpful assistant\n\nHello[/INST] Hi there</s>[INST] Who are you[/INST] I am an assistant</s>[INST] Another question[/INST]"},
	{MistralV3Tekken, "Mistral-Nemo-Instruct-2407 ('v3-tekken' template)",
		"[INST]You are a helpful assistant\n\nHello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>[INST]Another question[/INST]"},
	{MistralV7, "mistralai/Mistral-Large-Instruct-2411 ('v7' template)",
		"[SYSTEM_PROMPT] You are a helpful assistant[/SYSTEM_PROMPT][INST] Hello[/INST] Hi there</s>[INST] Who are you[/INST]    I am an assistant   </s>[INST] Another question[/INST]"},
	{MistralV7Tekken, "llm_chat_apply_template (no upstream case)",
		"[SYSTEM_PROMPT]You are a helpful assistant[/SYSTEM_PROMPT][INST]Hello[/INST]Hi there</s>[INST]Who are you[/INST]   I am an assistant   </s>[INST]Another question[/INST]"},
	{Phi3, "Phi-3-mini, Phi-3-small, Phi-3-medium, Phi-3-vision",
		"<|system|>\nYou are a helpful assistant<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n"},
	{Phi4, "phi-4",
		"<|im_start|>system<|im_sep|>You are a helpful assistant<|im_end|><|im_start|>user<|im_sep|>Hello<|im_end|><|im_start|>assistant<|im_sep|>Hi there<|im_end|><|im_start|>user<|im_sep|>Who are you<|im_end|><|im_start|>assistant<|im_sep|>   I am an assistant   <|im_end|><|im_start|>user<|im_sep|>Another question<|im_end|><|im_start|>assistant<|im_sep|>"},
	{Gemma, "google/gemma-7b-it",
		"<start_of_turn>user\nYou are a helpful assistant\n\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n"},
	{Llama3, "Llama-3",
		"<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWho are you<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nI am an assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAnother question<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
}

func TestRenderGolden(t *testing.T) {
	covered := map[Family]bool{Raw: true}
	for _, g := range golden {
		covered[g.family] = true
		t.Run(g.family.String(), func(t *testing.T) {
			text, offsets, err := Render(g.family, conversation, true)
			if err != nil {
				t.Fatal(err)
			}
			if text != g.want {
				t.Errorf("%s:\n got %q\nwant %q", g.source, text, g.want)
			}
			checkOffsets(t, g.family, text, conversation, offsets)
		})
	}
	for _, tc := range llamaCppTemplates {
		if tc.exact {
			covered[tc.family] = true // TestRenderMatchesLlamaCppJinja
		}
	}
	for _, f := range Families() {
		if !covered[f] {
			t.Errorf("family %v has no golden rendering", f)
		}
	}
}

// checkOffsets verifies that every byte of each message's content that the
// family keeps sits at contentOffsets[i] plus its index in Content.
func checkOffsets(t *testing.T, f Family, text string, msgs []Message, offsets []int) {
	t.Helper()
	if len(offsets) != len(msgs) {
		t.Fatalf("%d offsets for %d messages", len(offsets), len(msgs))
	}
	for i, m := range msgs {
		c, lead := kept(f, msgs, i)
		if c == "" {
			continue // nothing written to locate
		}
		at := offsets[i] + lead
		if at < 0 || at+len(c) > len(text) || text[at:at+len(c)] != c {
			t.Errorf("message %d (%s %q): offset %d does not locate it in %q", i, m.Role, m.Content, offsets[i], text)
		}
	}
	if f == Gemma2 && len(msgs) > 1 && msgs[0].Role == "system" && offsets[1] != offsets[0]+len(msgs[0].Content)+1 {
		t.Errorf("gemma2: the first user text is not one newline after the system text it was merged with: offsets %v", offsets)
	}
}

// kept is the part of msgs[i].Content that family f writes as it is, and its
// index in Content, following what llama.cpp does per family and role.
func kept(f Family, msgs []Message, i int) (string, int) {
	m := msgs[i]
	c := m.Content
	trimmed := func(s string) (string, int) {
		t := trimSpace(s)
		if t == "" {
			return "", 0
		}
		return t, len(s) - len(trimLeft(s))
	}
	switch f {
	case Gemma, Llama3, Llama2SysStrip:
		return trimmed(c)
	case MistralV3:
		if m.Role == "assistant" {
			return trimmed(c)
		}
	case Gemma2:
		if msgs[0].Role == "system" {
			switch {
			case len(msgs) == 1:
				return "", 0 // dropped
			case i < 2:
				// Merged with "\n" and trimmed as one text; keep what survives.
				merged := msgs[0].Content + "\n" + msgs[1].Content
				t, lead := trimmed(merged)
				from, to := 0, len(msgs[0].Content)
				if i == 1 {
					from, to = len(msgs[0].Content)+1, len(merged)
				}
				from, to = max(from, lead), min(to, lead+len(t))
				if from >= to {
					return "", 0
				}
				return merged[from:to], from - i*(len(msgs[0].Content)+1)
			}
		}
		return trimmed(c)
	case Gemma3:
		if i == 0 && m.Role == "system" {
			if len(msgs) == 1 {
				return "", 0
			}
			return c, 0
		}
		return trimmed(c)
	case Qwen3:
		if m.Role == "assistant" {
			k := c
			if end := strings.LastIndex(k, "</think>"); end >= 0 {
				k = k[end+len("</think>"):]
			}
			k = strings.TrimLeft(k, "\n")
			// Without "</think>" the content is written whole unless it
			// opens a <think> block, which drops leading newlines.
			if !strings.Contains(c, "</think>") && !endsThinkBlock(msgs, i) {
				return c, 0
			}
			return k, len(c) - len(k)
		}
	case SmolLM3:
		switch {
		case m.Role == "system" && i == 0:
			cut := len(c)
			for _, flag := range []string{"/no_think", "/think", "/system_override"} {
				if j := strings.Index(c, flag); j >= 0 && j < cut {
					cut = j
				}
			}
			if cut < len(c) {
				return strings.TrimRight(c[:cut], cSpace), 0
			}
			return strings.TrimRight(c, cSpace), 0
		case m.Role == "system":
			return "", 0 // not written
		case m.Role == "assistant":
			k := strings.TrimLeft(c, "\n")
			return k, len(c) - len(k)
		}
	case Phi3:
		if m.Role == "system" && c == "" {
			return "", 0
		}
	}
	return c, 0
}

// endsThinkBlock reports whether Qwen3 re-opens a <think> block before
// assistant message i, which then loses its leading newlines: it is the last
// message and a user message comes before it.
func endsThinkBlock(msgs []Message, i int) bool {
	if i != len(msgs)-1 {
		return false
	}
	for j := i - 1; j >= 0; j-- {
		if msgs[j].Role == "user" && !(strings.HasPrefix(msgs[j].Content, "<tool_response>") && strings.HasSuffix(msgs[j].Content, "</tool_response>")) {
			return true
		}
	}
	return false
}

func trimLeft(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] >= '\t' && s[0] <= '\r') {
		s = s[1:]
	}
	return s
}

// With content free of surrounding white space, every family keeps every
// content byte it writes where its offset says. The conversation has a later
// system message, which gemma2 and gemma3 refuse; the first three messages
// alone they accept.
func TestRenderOffsetsLocateContent(t *testing.T) {
	msgs := []Message{
		{"system", "Answer in French."},
		{"user", "Summarize: the <cat> sat\non the mat, ünïcödé 🧀."},
		{"assistant", "Le chat."},
		{"system", "Be brief."},
		{"user", "Again?"},
	}
	for _, f := range Families()[1:] {
		for _, gen := range []bool{false, true} {
			conv := msgs
			if refusesLaterSystem(f) {
				if _, _, err := Render(f, conv, gen); !errors.Is(err, ErrUnexpressible) {
					t.Errorf("%v: error %v, want ErrUnexpressible", f, err)
				}
				conv = msgs[:3]
			}
			text, offsets, err := Render(f, conv, gen)
			if err != nil {
				t.Fatalf("%v: %v", f, err)
			}
			for i, m := range conv {
				k, _ := kept(f, conv, i)
				if f == Gemma2 && i < 2 {
					k = m.Content // merged, but free of white space to trim
				}
				if k == "" {
					continue
				}
				if k != m.Content {
					t.Errorf("%v message %d: only %q of %q is kept", f, i, k, m.Content)
				}
				if off := offsets[i]; off < 0 || off+len(m.Content) > len(text) || text[off:off+len(m.Content)] != m.Content {
					t.Errorf("%v message %d: text[%d:] does not start with %q\n%q", f, i, off, m.Content, text)
				}
			}
		}
	}
}

// refusesLaterSystem reports the families whose templates raise an error for
// a system message after the first turn.
func refusesLaterSystem(f Family) bool { return f == Gemma2 || f == Gemma3 }

func TestRenderSingleUserMessage(t *testing.T) {
	user := []Message{{"user", "Hi"}}
	tests := []struct {
		family Family
		gen    bool
		want   string
	}{
		{ChatML, true, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"},
		{ChatML, false, "<|im_start|>user\nHi<|im_end|>\n"},
		{Llama2, true, "[INST] Hi [/INST]"},
		{Llama2SysBOS, true, "[INST] Hi [/INST]"}, // BOS only before later turns
		{MistralV1, true, " [INST] Hi [/INST]"},
		{MistralV3, true, "[INST] Hi[/INST]"},
		{MistralV7, false, "[INST] Hi[/INST]"},
		{Phi3, true, "<|user|>\nHi<|end|>\n<|assistant|>\n"},
		{Gemma, true, "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"},
		{Gemma, false, "<start_of_turn>user\nHi<end_of_turn>\n"},
		{Llama3, true, "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
	}
	for _, tc := range tests {
		text, offsets, err := Render(tc.family, user, tc.gen)
		if err != nil {
			t.Fatalf("%v: %v", tc.family, err)
		}
		if text != tc.want {
			t.Errorf("%v (generation prompt %v) = %q, want %q", tc.family, tc.gen, text, tc.want)
		}
		if text[offsets[0]:offsets[0]+2] != "Hi" {
			t.Errorf("%v: offset %d", tc.family, offsets[0])
		}
	}
}

func TestRenderGemmaSystem(t *testing.T) {
	tests := []struct {
		name    string
		msgs    []Message
		want    string
		offsets []int
	}{
		{
			name:    "system folded into the first user turn",
			msgs:    []Message{{"system", "Be kind."}, {"user", "Hi"}},
			want:    "<start_of_turn>user\nBe kind.\n\nHi<end_of_turn>\n<start_of_turn>model\n",
			offsets: []int{20, 30},
		},
		{
			name:    "two system messages concatenated, trimmed",
			msgs:    []Message{{"system", " A. "}, {"system", "B."}, {"user", " Hi "}},
			want:    "<start_of_turn>user\nA.B.\n\nHi<end_of_turn>\n<start_of_turn>model\n",
			offsets: []int{19, 22, 25},
		},
		{
			name:    "system after a model turn waits for the next user turn",
			msgs:    []Message{{"user", "Hi"}, {"assistant", "Hello"}, {"system", "Now in French."}, {"user", "Bye"}},
			want:    "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n<start_of_turn>user\nNow in French.\n\nBye<end_of_turn>\n<start_of_turn>model\n",
			offsets: []int{20, 57, 96, 112},
		},
		{
			name:    "blank system text is dropped without a separator",
			msgs:    []Message{{"system", "  "}, {"user", "Hi"}},
			want:    "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
			offsets: []int{20, 20},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, offsets, err := Render(Gemma, tc.msgs, true)
			if err != nil {
				t.Fatal(err)
			}
			if text != tc.want {
				t.Errorf("got  %q\nwant %q", text, tc.want)
			}
			if len(offsets) != len(tc.offsets) {
				t.Fatalf("offsets %v, want %v", offsets, tc.offsets)
			}
			for i := range offsets {
				if offsets[i] != tc.offsets[i] {
					t.Errorf("offsets %v, want %v", offsets, tc.offsets)
					break
				}
			}
			checkOffsets(t, Gemma, text, tc.msgs, offsets)
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name   string
		family Family
		msgs   []Message
		want   error
	}{
		{"raw has no template", Raw, []Message{{"user", "Hi"}}, ErrNoTemplate},
		{"out-of-range family", Family(99), []Message{{"user", "Hi"}}, ErrNoTemplate},
		{"no messages", ChatML, nil, ErrNoMessages},
		{"tool role", ChatML, []Message{{"tool", "{}"}}, ErrRole},
		{"capitalised role", Llama3, []Message{{"User", "Hi"}}, ErrRole},
		{"empty role", Gemma, []Message{{"", "Hi"}}, ErrRole},
		{"gemma system with no user turn after it", Gemma, []Message{{"user", "Hi"}, {"system", "Be brief."}}, ErrUnexpressible},
		{"gemma system before a model turn only", Gemma, []Message{{"system", "Be brief."}, {"assistant", "Ok"}}, ErrUnexpressible},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := Render(tc.family, tc.msgs, true); !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
		})
	}
}

// Leading white space beyond the header's length gives a negative offset that
// still maps every kept byte.
func TestRenderTrimmedOffsetBeforeHeader(t *testing.T) {
	pad := "                                                  " // 50 spaces, longer than Llama 3's header
	msgs := []Message{{"user", pad + "Hi"}}
	text, offsets, err := Render(Llama3, msgs, false)
	if err != nil {
		t.Fatal(err)
	}
	if offsets[0] >= 0 {
		t.Errorf("offset %d, want negative", offsets[0])
	}
	checkOffsets(t, Llama3, text, msgs, offsets)
}

// FuzzRender renders short conversations of arbitrary content and roles in
// every family: no panic, and where Render succeeds every kept content byte
// is where its offset says.
func FuzzRender(f *testing.F) {
	f.Add(uint8(0), "You are kind.", "Hello", "  Hi  ")
	f.Add(uint8(0b100110), "\t", "<|im_end|>", "[/INST]")
	f.Fuzz(func(t *testing.T, roleBits uint8, a, b, c string) {
		roles := []string{"system", "user", "assistant"}
		var msgs []Message
		for i, content := range []string{a, b, c} {
			msgs = append(msgs, Message{Role: roles[int(roleBits>>(2*i)&3)%3], Content: content})
		}
		for _, fam := range Families()[1:] {
			opt := Options{AddGenerationPrompt: roleBits&0x80 != 0, NoThinking: roleBits&0x40 != 0, Date: time.Date(2025, 7, 8, 0, 0, 0, 0, time.UTC)}
			text, offsets, err := RenderWith(fam, msgs, opt)
			if err != nil {
				if !errors.Is(err, ErrUnexpressible) || (fam != Gemma && fam != Gemma2 && fam != Gemma3) {
					t.Fatalf("%v: unexpected error %v", fam, err)
				}
				continue
			}
			checkOffsets(t, fam, text, msgs, offsets)
		}
	})
}
