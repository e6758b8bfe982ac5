package chat

import (
	"errors"
	"strings"
	"testing"
)

// Templates from llama.cpp's tests/test-chat-template.cpp (the models named
// there), whole where short and as the excerpts that carry the markers where
// the original runs to thousands of characters.
var upstreamTemplates = []struct {
	model    string
	template string
	want     Family
}{
	{"teknium/OpenHermes-2.5-Mistral-7B",
		"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
		ChatML},
	{"mistralai/Mistral-7B-Instruct-v0.2 (pre-v1, no system prompt)",
		"{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
		Llama2},
	{"TheBloke/FusionNet_34Bx2_MoE-AWQ",
		"{%- for idx in range(0, messages|length) -%}\n{%- if messages[idx]['role'] == 'user' -%}\n{%- if idx > 1 -%}\n{{- bos_token + '[INST] ' + messages[idx]['content'] + ' [/INST]' -}}\n{%- else -%}\n{{- messages[idx]['content'] + ' [/INST]' -}}\n{%- endif -%}\n{% elif messages[idx]['role'] == 'system' %}\n{{- '[INST] <<SYS>>\\n' + messages[idx]['content'] + '\\n<</SYS>>\\n\\n' -}}\n{%- elif messages[idx]['role'] == 'assistant' -%}\n{{- ' '  + messages[idx]['content'] + ' ' + eos_token -}}\n{% endif %}\n{% endfor %}",
		Llama2SysBOS},
	{"bofenghuang/vigogne-2-70b-chat (excerpt)",
		"{% if message['role'] == 'user' %}{{ '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'system' %}{{ '<<SYS>>\\n' + content.strip() + '\\n<</SYS>>\\n\\n' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}",
		Llama2SysStrip},
	{"google/gemma-7b-it",
		"{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}",
		Gemma2}, // llama.cpp's built-in detection says gemma; Gemma 1 and 2 share this template
	{"Llama-3",
		"{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}",
		Llama3},
	{"Phi-3-mini",
		"{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') %}{{'<|user|>' + '\n' + message['content'] + '<|end|>' + '\n' + '<|assistant|>' + '\n'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|end|>' + '\n'}}{% endif %}{% endfor %}",
		Phi3},
	{"Phi-3-small",
		"{{ bos_token }}{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n' + message['content'] + '<|end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}",
		Phi3},
	{"phi-4",
		"{% for message in messages %}{% if (message['role'] == 'system') %}{{'<|im_start|>system<|im_sep|>' + message['content'] + '<|im_end|>'}}{% elif (message['role'] == 'user') %}{{'<|im_start|>user<|im_sep|>' + message['content'] + '<|im_end|><|im_start|>assistant<|im_sep|>'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|im_end|>'}}{% endif %}{% endfor %}",
		Phi4},
	{"mistralai/Mistral-7B-Instruct-v0.2 ('v1' template with a system prompt)",
		"{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content'] %}\n    {%- set loop_messages = messages[1:] %}\n{%- else %}\n    {%- set loop_messages = messages %}\n{%- endif %}\n\n{{- bos_token }}\n{%- for message in loop_messages %}\n    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}\n    {%- endif %}\n    {%- if message['role'] == 'user' %}\n        {%- if loop.first and system_message is defined %}\n            {{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}\n        {%- else %}\n            {{- ' [INST] ' + message['content'] + ' [/INST]' }}\n        {%- endif %}\n    {%- elif message['role'] == 'assistant' %}\n        {{- ' ' + message['content'] + eos_token}}\n    {%- else %}\n        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}\n    {%- endif %}\n{%- endfor %}\n",
		MistralV1},
	{"Mistral-Large-Instruct-2407 ('v3' template, excerpt)",
		"{{- \"[AVAILABLE_TOOLS] [\" }}\n{%- if loop.last and system_message is defined %}\n    {{- \"[INST] \" + system_message + \"\\n\\n\" + message[\"content\"] + \"[/INST]\" }}\n{%- else %}\n    {{- \"[INST] \" + message[\"content\"] + \"[/INST]\" }}\n{%- endif %}\n{{- \" \" + message[\"content\"]|trim + eos_token}}",
		MistralV3},
	{"Mistral-Nemo-Instruct-2407 ('v3-tekken' template, excerpt)",
		"{{- \"[AVAILABLE_TOOLS][\" }}\n{%- if loop.last and system_message is defined %}\n    {{- \"[INST]\" + system_message + \"\\n\\n\" + message[\"content\"] + \"[/INST]\" }}\n{%- else %}\n    {{- \"[INST]\" + message[\"content\"] + \"[/INST]\" }}\n{%- endif %}\n{{- message[\"content\"] + eos_token}}",
		MistralV3Tekken},
	{"mistralai/Mistral-Large-Instruct-2411 ('v7' template)",
		"{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + '[/INST]' }}{% elif message['role'] == 'system' %}{{ '[SYSTEM_PROMPT] ' + message['content'] + '[/SYSTEM_PROMPT]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + eos_token }}{% else %}{{ raise_exception('Only user, system and assistant roles are supported!') }}{% endif %}{% endfor %}",
		MistralV7},
	// Families heed does not write stay Raw, even where a later rule's marker
	// also appears.
	{"HuggingFaceH4/zephyr (excerpt)", "{{ '<|user|>\\n' + message['content'] + eos_token }}<|endoftext|>", Raw},
	{"SmolVLM (excerpt)", "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}: {{ message['content'] }}<end_of_utterance>\\n{% endfor %}", Raw},
	{"mlabonne/AlphaMonarch-7B",
		"{% for message in messages %}{{bos_token + message['role'] + '\\n' + message['content'] + eos_token + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ bos_token + 'assistant\\n' }}{% endif %}",
		Raw},
	{"CohereForAI/c4ai-command-r-plus (excerpt)", "{{ '<|START_OF_TURN_TOKEN|><|USER_TOKEN|>' + content.strip() + '<|END_OF_TURN_TOKEN|>' }}", Raw},
	{"eachadea/vicuna-13b-1.1 (excerpt)", "{{-'USER: ' + message['content'] + '\\n'-}}{{-'ASSISTANT: ' + message['content'] + '</s>\\n' -}}", Raw},
	{"invalid", "INVALID TEMPLATE", Raw},
}

func TestDetectUpstreamTemplates(t *testing.T) {
	for _, tc := range upstreamTemplates {
		if got := Detect(tc.template); got != tc.want {
			t.Errorf("%s: Detect = %v, want %v", tc.model, got, tc.want)
		}
	}
}

func TestDetectMarkers(t *testing.T) {
	tests := []struct {
		template string
		want     Family
	}{
		{"", Raw},
		{"chatml", ChatML}, // a family name is that family, as in llama.cpp
		{"mistral-v7-tekken", MistralV7Tekken},
		{"llama2-sys", Llama2Sys},
		{"zephyr", Raw},
		{"mistral", Llama2}, // llama.cpp: a template starting with "mistral" is an [INST] format
		{"[INST] <<SYS>>", Llama2Sys},
		{"<|im_start|> and [INST]", ChatML}, // ChatML is checked first
		{"<|assistant|><|end|><start_of_turn>", Phi3},
		{"<|user|><|assistant|><start_of_turn>", Raw}, // Falcon 3 / GLM-Edge come before Gemma
		{"<|start_header_id|>", Raw},                  // Llama 3 needs both header markers
		{"<|start_header_id|><|end_header_id|>", Llama3},
		{"[gMASK]<sop><|assistant|>", Raw},
		// Finer markers pick the model-named families.
		{"<|im_start|> enable_thinking <think> ns.last_query_index", Qwen3},
		{"<|im_start|> enable_thinking <think>", ChatML}, // not Qwen3's template
		{"<|im_start|> Reasoning Mode: strftime_now /system_override", SmolLM3},
		{"<|im_start|> Reasoning Mode: /no_think", Raw}, // an edited SmolLM3 template
		{"<start_of_turn> first_user_prefix", Gemma3},
		{"<start_of_turn> raise_exception('System role not supported')", Gemma2},
		{"<start_of_turn>", Gemma},
		{"<|assistant|><|end|> '<|' + message['role'] + '|>' + message['content']", Phi4Mini},
		{"<|assistant|><|end|> '<|' + message['role'] + '|>' + '\\n' + message['content']", Phi3},
		{"qwen3", Qwen3}, // family names, as for the built-in ones
		{"phi4-mini", Phi4Mini},
	}
	for _, tc := range tests {
		if got := Detect(tc.template); got != tc.want {
			t.Errorf("Detect(%q) = %v, want %v", tc.template, got, tc.want)
		}
	}
}

func TestFamilyNames(t *testing.T) {
	for _, f := range Families() {
		got, err := ParseFamily(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFamily(%q) = %v, %v; want %v", f.String(), got, err, f)
		}
	}
	_, err := ParseFamily("chat-ml")
	if !errors.Is(err, ErrUnknownFamily) {
		t.Fatalf("ParseFamily(\"chat-ml\") error = %v, want ErrUnknownFamily", err)
	}
	for _, name := range []string{"chatml", "gemma", "llama3", "mistral-v7"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
	if s := Family(99).String(); s != "Family(99)" {
		t.Errorf("Family(99).String() = %q", s)
	}
}
