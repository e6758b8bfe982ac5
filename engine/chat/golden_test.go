package chat

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// llamaCppGolden is one testdata/golden/*.json file: conversations rendered by
// llama.cpp with one template of testdata/templates (README.md says how).
type llamaCppGolden struct {
	Source   string `json:"source"`
	Template string `json:"template"`
	Cases    []struct {
		Name                string    `json:"name"`
		Messages            []Message `json:"messages"`
		AddGenerationPrompt bool      `json:"addGenerationPrompt"`
		EnableThinking      bool      `json:"enableThinking"`
		Date                string    `json:"date"`
		Jinja               rendering `json:"jinja"`
		Legacy              rendering `json:"legacy"`
	} `json:"cases"`
}

// rendering is llama.cpp's output, or the error it raised.
type rendering struct {
	Text  *string `json:"text"`
	Error string  `json:"error"`
}

// llamaCppTemplates says, for each template in testdata/templates, the family
// Detect must find and the built-in family llama.cpp's --no-jinja path uses
// for it (llm_chat_detect_template).
var llamaCppTemplates = []struct {
	name    string
	family  Family
	builtin Family
	// exact is false where heed's family is known to render the template
	// differently from llama.cpp's Jinja path (see testdata/README.md).
	exact bool
}{
	{"qwen3", Qwen3, ChatML, true},
	{"gemma2", Gemma2, Gemma, true},
	{"gemma3", Gemma3, Gemma, true},
	{"phi3.5-mini", Phi3, Phi3, true},
	{"phi3-mini", Phi3, Phi3, false}, // the first Phi-3-mini template drops system messages
	{"phi4-mini", Phi4Mini, Phi3, true},
	{"smollm3", SmolLM3, ChatML, true},
	{"smollm3-unsloth", Raw, ChatML, false}, // an edited SmolLM3 template: not claimed
}

func loadLlamaCppGolden(t *testing.T, name string) (llamaCppGolden, string) {
	t.Helper()
	var g llamaCppGolden
	b, err := os.ReadFile(filepath.Join("testdata", "golden", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile(filepath.Join("testdata", g.Template))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 15 {
		t.Fatalf("%s: %d cases, want at least 15", name, len(g.Cases))
	}
	return g, string(tmpl)
}

// TestRenderMatchesLlamaCppJinja renders every golden conversation with the
// family Detect finds for the template and compares it with llama.cpp's
// default (Jinja) rendering of that template, error for error.
func TestRenderMatchesLlamaCppJinja(t *testing.T) {
	for _, tc := range llamaCppTemplates {
		t.Run(tc.name, func(t *testing.T) {
			g, tmpl := loadLlamaCppGolden(t, tc.name)
			if got := Detect(tmpl); got != tc.family {
				t.Fatalf("Detect = %v, want %v", got, tc.family)
			}
			if !tc.exact {
				return
			}
			for _, c := range g.Cases {
				date, err := time.Parse("2006-01-02", c.Date)
				if err != nil {
					t.Fatal(err)
				}
				opt := Options{AddGenerationPrompt: c.AddGenerationPrompt, NoThinking: !c.EnableThinking, Date: date}
				checkRendering(t, c.Name, tc.family, c.Messages, opt, c.Jinja, g.Source)
			}
		})
	}
}

// TestRenderMatchesLlamaCppBuiltin checks the built-in families chatml and
// gemma against llama.cpp's --no-jinja rendering of the same templates.
// (heed's phi3 follows the Phi-3.5 template instead of the built-in.)
func TestRenderMatchesLlamaCppBuiltin(t *testing.T) {
	for _, tc := range llamaCppTemplates {
		if tc.builtin != ChatML && tc.builtin != Gemma {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			g, _ := loadLlamaCppGolden(t, tc.name)
			for _, c := range g.Cases {
				if tc.builtin == Gemma && c.Name == "system only" {
					// llama.cpp's built-in drops a system text no user turn
					// follows; heed's gemma refuses it rather than lose it.
					continue
				}
				checkRendering(t, c.Name, tc.builtin, c.Messages, Options{AddGenerationPrompt: c.AddGenerationPrompt}, c.Legacy, g.Source)
			}
		})
	}
}

func checkRendering(t *testing.T, name string, f Family, msgs []Message, opt Options, want rendering, source string) {
	t.Helper()
	text, offsets, err := RenderWith(f, msgs, opt)
	if want.Text == nil {
		if !errors.Is(err, ErrUnexpressible) {
			t.Errorf("%s (%v): got %q, %v; llama.cpp refuses: %s", name, f, text, err, firstLine(want.Error))
		}
		return
	}
	if err != nil {
		t.Errorf("%s (%v): %v; llama.cpp renders %q", name, f, err, *want.Text)
		return
	}
	if text != *want.Text {
		t.Errorf("%s (%v):\n got %q\nwant %q (%s)", name, f, text, *want.Text, source)
	}
	checkOffsets(t, f, text, msgs, offsets)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
