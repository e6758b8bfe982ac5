package testmodel

import (
	"bytes"
	"testing"

	"heed/engine/ggml"
	"heed/engine/synth"
)

// ChatMLTemplate is the Jinja source SmolLM2 and Qwen2.5 GGUFs carry, cut to
// what chat.Detect reads: the <|im_start|> markers make it ChatML.
const ChatMLTemplate = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

// ChatML returns the bytes of a synthetic F32 model of spec (a synth shape)
// whose file carries ChatMLTemplate as tokenizer.chat_template.
func ChatML(tb testing.TB, spec string, seed int64) []byte {
	tb.Helper()
	shape, err := synth.ParseShape(spec)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := synth.NewBuilder(shape, ggml.F32, seed)
	if err != nil {
		tb.Fatal(err)
	}
	b.SetString("tokenizer.chat_template", ChatMLTemplate)
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
