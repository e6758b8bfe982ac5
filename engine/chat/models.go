package chat

import (
	"fmt"
	"strings"
	"time"
)

// The families in this file follow llama.cpp's Jinja rendering of one model's
// official template (common_chat_templates_apply); each function says which
// template and mirrors its branches in order. testdata/templates holds the
// templates and testdata/golden llama.cpp's renderings of them.

// renderGemma2 writes Gemma 1 and 2 (google/gemma-2-2b-it). The template
// refuses a system role, so llama.cpp prepends a leading system text and "\n"
// to the next message (common/chat.cpp, system_message_not_supported) before
// running it; the template then trims every content and requires user and
// model turns to alternate, starting with the user.
func renderGemma2(w *writer, msgs []Message, addGenerationPrompt bool) error {
	type turn struct {
		role    string
		content string
		parts   []int // message indices whose contents make up content, in order
	}
	var turns []turn
	start := 0
	if msgs[0].Role == "system" {
		if len(msgs) == 1 {
			// llama.cpp drops a lone system message; the template renders nothing.
			w.offsets[0] = 0
			start = 1
		} else {
			turns = append(turns, turn{msgs[1].Role, msgs[0].Content + "\n" + msgs[1].Content, []int{0, 1}})
			start = 2
		}
	}
	for i := start; i < len(msgs); i++ {
		turns = append(turns, turn{msgs[i].Role, msgs[i].Content, []int{i}})
	}
	if len(turns) > 0 && turns[0].role == "system" {
		return fmt.Errorf("gemma2: %w: two system messages open the conversation; the template has no system role", ErrUnexpressible)
	}
	for k, t := range turns {
		if (t.role == "user") != (k%2 == 0) {
			return fmt.Errorf("gemma2: %w: roles must alternate user/assistant, starting with the user (message %d is %s)", ErrUnexpressible, t.parts[len(t.parts)-1], t.role)
		}
		role := t.role
		if role == "assistant" {
			role = "model"
		}
		w.lit("<start_of_turn>" + role + "\n")
		at := w.trimmedAt(t.content)
		for _, i := range t.parts {
			w.offsets[i] = at
			at += len(msgs[i].Content) + 1 // the "\n" llama.cpp joins them with
		}
		w.lit("<end_of_turn>\n")
	}
	if addGenerationPrompt {
		w.lit("<start_of_turn>model\n")
	}
	return nil
}

// renderGemma3 writes Gemma 3 (google/gemma-3-*-it): a leading system text,
// as it is, and "\n\n" open the first turn; every turn's content is trimmed;
// after the system text, turns must alternate user/model starting with the
// user.
func renderGemma3(w *writer, msgs []Message, addGenerationPrompt bool) error {
	loop, first := msgs, 0
	system := msgs[0].Role == "system"
	if system {
		loop, first = msgs[1:], 1
		w.offsets[0] = 0
	}
	for k, m := range loop {
		if (m.Role == "user") != (k%2 == 0) {
			return fmt.Errorf("gemma3: %w: after the system text, roles must alternate user/assistant, starting with the user (message %d is %s)", ErrUnexpressible, first+k, m.Role)
		}
		role := m.Role
		if role == "assistant" {
			role = "model"
		}
		w.lit("<start_of_turn>" + role + "\n")
		if k == 0 && system {
			w.content(0, msgs[0].Content)
			w.lit("\n\n")
		}
		w.trimmed(first+k, m.Content)
		w.lit("<end_of_turn>\n")
	}
	if addGenerationPrompt {
		w.lit("<start_of_turn>model\n")
	}
	return nil
}

// renderQwen3 writes Qwen3's hybrid-thinking template (Qwen/Qwen3-0.6B and
// the other Qwen3 sizes): ChatML, where an assistant turn keeps only the
// answer after its last "</think>"; assistant turns after the last user
// message re-open a "<think>" block (empty unless the turn had reasoning and
// is not the last); with thinking off the generation prompt holds an empty
// "<think>\n\n</think>\n\n".
func renderQwen3(w *writer, msgs []Message, opt Options) {
	if msgs[0].Role == "system" {
		w.lit("<|im_start|>system\n")
		w.content(0, msgs[0].Content)
		w.lit("<|im_end|>\n")
	}
	// The last user message that is not a tool response (templates count
	// "<tool_response>…</tool_response>" user turns as tool output).
	lastQuery := len(msgs) - 1
	for i := len(msgs) - 1; i >= 0; i-- {
		c := msgs[i].Content
		if msgs[i].Role == "user" && !(strings.HasPrefix(c, "<tool_response>") && strings.HasSuffix(c, "</tool_response>")) {
			lastQuery = i
			break
		}
	}
	for i, m := range msgs {
		switch {
		case m.Role == "user" || m.Role == "system" && i > 0:
			w.lit("<|im_start|>" + m.Role + "\n")
			w.content(i, m.Content)
			w.lit("<|im_end|>\n")
		case m.Role == "assistant":
			answer, reasoning := m.Content, ""
			if end := strings.LastIndex(answer, "</think>"); end >= 0 {
				before := answer[:strings.Index(answer, "</think>")]
				before = strings.TrimRight(before, "\n")
				if j := strings.LastIndex(before, "<think>"); j >= 0 {
					before = before[j+len("<think>"):]
				}
				reasoning = strings.TrimLeft(before, "\n")
				answer = strings.TrimLeft(answer[end+len("</think>"):], "\n")
			}
			w.lit("<|im_start|>assistant\n")
			if i > lastQuery && (i == len(msgs)-1 || reasoning != "") {
				w.lit("<think>\n" + strings.Trim(reasoning, "\n") + "\n</think>\n\n")
				answer = strings.TrimLeft(answer, "\n")
			}
			w.suffix(i, m.Content, answer)
			w.lit("<|im_end|>\n")
		}
	}
	if opt.AddGenerationPrompt {
		w.lit("<|im_start|>assistant\n")
		if opt.NoThinking {
			w.lit("<think>\n\n</think>\n\n")
		}
	}
}

// SmolLM3's default system instructions, by reasoning mode.
const (
	smolLM3Think   = "You are a helpful AI assistant named SmolLM, trained by Hugging Face. Your role as an assistant involves thoroughly exploring questions through a systematic thinking process before providing the final precise and accurate solutions. This requires engaging in a comprehensive cycle of analysis, summarizing, exploration, reassessment, reflection, backtracking, and iteration to develop well-considered thinking process. Please structure your response into two main sections: Thought and Solution using the specified format: <think> Thought section </think> Solution section. In the Thought section, detail your reasoning process in steps. Each step should include detailed considerations such as analysing questions, summarizing relevant findings, brainstorming new ideas, verifying the accuracy of the current steps, refining any errors, and revisiting previous steps. In the Solution section, based on various attempts, explorations, and reflections from the Thought section, systematically present the final solution that you deem correct. The Solution section should be logical, accurate, and concise and detail necessary steps needed to reach the conclusion."
	smolLM3NoThink = "You are a helpful AI assistant named SmolLM, trained by Hugging Face."
)

// renderSmolLM3 writes SmolLM3's template (HuggingFaceTB/SmolLM3-3B): a
// system header with metadata and the reasoning mode, then ChatML turns;
// "/no_think" or "/think" in the system text overrides the thinking switch
// and is removed from it, "/system_override" replaces the header by the
// system text. Later system messages are not written. Without tools the
// template writes no "<|im_end|>" after the header, and neither does this.
func renderSmolLM3(w *writer, msgs []Message, opt Options) {
	think := !opt.NoThinking
	w.lit("<|im_start|>system\n")
	system, custom := "", ""
	if msgs[0].Role == "system" {
		system = msgs[0].Content
		switch {
		case strings.Contains(system, "/no_think"):
			think = false
		case strings.Contains(system, "/think"):
			think = true
		}
		custom = strings.ReplaceAll(system, "/no_think", "")
		custom = strings.TrimRight(strings.ReplaceAll(custom, "/think", ""), cSpace)
	}
	mode := "/think"
	if !think {
		mode = "/no_think"
	}
	if strings.Contains(system, "/system_override") {
		w.prefix(0, strings.TrimRight(strings.ReplaceAll(custom, "/system_override", ""), cSpace))
		w.lit("<|im_end|>\n")
	} else {
		date := opt.Date
		if date.IsZero() {
			date = time.Now()
		}
		w.lit("## Metadata\n\nKnowledge Cutoff Date: June 2025\nToday Date: " + date.Format("02 January 2006") + "\nReasoning Mode: " + mode + "\n\n## Custom Instructions\n\n")
		switch {
		case custom != "":
			w.prefix(0, custom)
			w.lit("\n\n")
		case think:
			w.offsets[0] = w.b.Len()
			w.lit(smolLM3Think + "\n\n")
		default:
			w.offsets[0] = w.b.Len()
			w.lit(smolLM3NoThink + "\n\n")
		}
	}
	empty := ""
	if !think {
		empty = "<think>\n\n</think>\n"
	}
	for i, m := range msgs {
		switch m.Role {
		case "user":
			w.lit("<|im_start|>user\n")
			w.content(i, m.Content)
			w.lit("<|im_end|>\n")
		case "assistant":
			w.lit("<|im_start|>assistant\n" + empty)
			w.suffix(i, m.Content, strings.TrimLeft(m.Content, "\n"))
			w.lit("<|im_end|>\n")
		default:
			if i > 0 {
				w.offsets[i] = w.b.Len() // not written
			}
		}
	}
	if opt.AddGenerationPrompt {
		w.lit("<|im_start|>assistant\n" + empty)
	}
}
