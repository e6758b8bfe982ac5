package session

import (
	"fmt"

	"heed/engine/chat"
	"heed/engine/guide"
	"heed/engine/model"
	"heed/engine/prompt"
)

// ChatFamily is the family of the model's tokenizer.chat_template, or
// chat.Raw when the file has none that heed recognises.
func (s *Session) ChatFamily() chat.Family {
	tmpl, _ := s.file.String("tokenizer.chat_template")
	return chat.Detect(tmpl)
}

// BuildPrompt tokenises tagged with opts (chat family, system prompt, Δmid),
// as Prompt does for a raw prompt.
func (s *Session) BuildPrompt(tagged string, opts prompt.Options) (*prompt.Prompt, error) {
	if err := guide.CheckDelta(opts.DeltaMid); err != nil {
		return nil, fmt.Errorf("invalid Δmid: %w", err)
	}
	return prompt.Build(s.tok, tagged, opts)
}

// Executor is the executor the model runs on, so the page can describe it.
func (s *Session) Executor() model.Executor { return s.m.Exec }
