package app

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/session"
	"heed/app/sessionfile"
	"heed/app/sharelink"
	"heed/app/tagedit"
	"heed/engine/chat"
	"heed/engine/cpu"
	"heed/engine/sample"
	"heed/internal/testmodel"
)

// chatWorkbench is a workbench with a tiny synthetic Llama whose file has a
// ChatML chat template, loaded on the CPU.
func chatWorkbench(t *testing.T) *Workbench {
	t.Helper()
	data := testmodel.ChatML(t, "arch=llama,layers=1,dim=32,heads=2,kv=1,ffn=64,vocab=400,ctx=256", 3)
	s, err := session.Load(bytes.NewReader(data), int64(len(data)), cpu.New(1), "chat.gguf", "CPU", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	w := NewWorkbench()
	w.status, w.sess = modelLoaded, s
	w.rebuildPrompt()
	return w
}

func TestChatTemplateWrapsPromptAndKeepsSpans(t *testing.T) {
	w := chatWorkbench(t)
	if got := w.chatFamily(); got != chat.ChatML {
		t.Fatalf("family %v, want chatml", got)
	}
	raw := w.built
	w.chat = chatState{use: true, system: "Be brief."}
	w.rebuildPrompt()
	if w.buildErr != "" {
		t.Fatal(w.buildErr)
	}
	p := w.built
	if !strings.HasPrefix(p.Rendered, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n") ||
		!strings.HasSuffix(p.Rendered, "<|im_end|>\n<|im_start|>assistant\n") {
		t.Errorf("rendered %q", p.Rendered)
	}
	before, after, templated := w.templateParts()
	if !templated || before+p.Text+after != p.Rendered {
		t.Errorf("template parts %q + text + %q do not make the rendered prompt", before, after)
	}
	if len(p.Spans) != 1 || len(raw.Spans) != 1 {
		t.Fatalf("spans %+v (raw %+v)", p.Spans, raw.Spans)
	}
	// The highlight covers the same tokens, shifted by the template's tokens.
	got, want := p.Spans[0], raw.Spans[0]
	if got.Last-got.First != want.Last-want.First || got.First <= want.First {
		t.Errorf("templated span tokens [%d,%d), raw [%d,%d)", got.First, got.Last, want.First, want.Last)
	}
	for i := range got.Last - got.First {
		if p.IDs[got.First+i] != raw.IDs[want.First+i] {
			t.Errorf("token %d of the span differs: %d vs %d", i, p.IDs[got.First+i], raw.IDs[want.First+i])
		}
	}

	w.chat.use = false
	w.rebuildPrompt()
	if _, _, templated := w.templateParts(); templated || w.built.Rendered != w.built.Text {
		t.Errorf("chat off: still templated %q", w.built.Rendered)
	}
}

func TestChatDisabledWithoutTemplate(t *testing.T) {
	w := loadedWorkbench(t)
	w.chat = chatState{use: true, system: "ignored"}
	if opts := w.promptOptions(1); opts.Chat != chat.Raw || opts.System != "" {
		t.Errorf("options %+v for a model without a template", opts)
	}
	html := goapp.HTMLString(w)
	checkHTML(t, html, []string{"no chat template that heed recognises"}, nil)
	for _, id := range []string{useChatID, systemID} {
		tag := regexp.MustCompile(`<(input|textarea)[^>]*id="` + id + `"[^>]*>`).FindString(html)
		if !regexp.MustCompile(` disabled( |>)`).MatchString(tag) {
			t.Errorf("%s is not disabled: %s", id, tag)
		}
	}
}

func TestSamplingParams(t *testing.T) {
	tests := []struct {
		name    string
		temp    string
		f       filterText
		want    sample.Params
		wantErr string
	}{
		{"defaults are off", "0", defaultFilters, sample.Params{TopP: 1, RepeatPenalty: 1, Seed: 9}, ""},
		{"all set", "0.8", filterText{topK: "40", topP: "0.9", minP: "0.05", repeat: "1.1"},
			sample.Params{Temperature: 0.8, TopK: 40, TopP: 0.9, MinP: 0.05, RepeatPenalty: 1.1, Seed: 9}, ""},
		{"spaces", " 1 ", filterText{topK: " 5", topP: "1 ", minP: "0", repeat: "1"}, sample.Params{Temperature: 1, TopK: 5, TopP: 1, RepeatPenalty: 1, Seed: 9}, ""},
		{"negative temperature", "-1", defaultFilters, sample.Params{}, "Temperature must be"},
		{"fractional top-k", "1", filterText{topK: "2.5", topP: "1", minP: "0", repeat: "1"}, sample.Params{}, "Top-k must be a whole number"},
		{"empty top-p", "1", filterText{topK: "0", topP: "", minP: "0", repeat: "1"}, sample.Params{}, "Top-p must be"},
		{"min-p above 1", "1", filterText{topK: "0", topP: "1", minP: "2", repeat: "1"}, sample.Params{}, "Min-p must be"},
		{"penalty too large", "1", filterText{topK: "0", topP: "1", minP: "0", repeat: "20"}, sample.Params{}, "Repetition penalty must be"},
		{"NaN", "NaN", defaultFilters, sample.Params{}, "Temperature must be"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := samplingParams(tc.temp, tc.f, 9)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseCustomDelta(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float32
		ok   bool
	}{{"-1.5", -1.5, true}, {" 2 ", 2, true}, {"10", 10, true}, {"-10.5", 0, false}, {"x", 0, false}, {"", 0, false}, {"Inf", 0, false}} {
		got, err := parseCustomDelta(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseCustomDelta(%q) = %v, %v", tc.in, got, err)
		}
	}
}

// TestSettingsTravel checks that the chat settings and the filters go into
// the session file and the link, and come back into the editor.
func TestSettingsTravel(t *testing.T) {
	w := chatWorkbench(t)
	w.chat = chatState{use: true, system: "Be brief."}
	w.gen.tempText = "0.7"
	w.gen.filters = filterText{topK: "40", topP: "0.9", minP: "0.05", repeat: "1.1"}
	s, err := w.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	want := sessionfile.Settings{MaxTokens: 20, Temperature: 0.7, Seed: 1, TopK: 40, TopP: 0.9, MinP: 0.05, RepeatPenalty: 1.1}
	if !s.Chat || s.System != "Be brief." || s.Settings != want {
		t.Errorf("snapshot chat %v %q settings %+v", s.Chat, s.System, s.Settings)
	}
	st, err := w.linkState()
	if err != nil {
		t.Fatal(err)
	}
	back, _, err := sharelink.Decode(sharelink.Encode(st), sharelink.State{})
	if err != nil || back != st {
		t.Fatalf("link round trip %+v, %v; want %+v", back, err, st)
	}

	fresh := chatWorkbench(t)
	fresh.restoreState(back)
	if fresh.chat != w.chat || fresh.gen.filters != w.gen.filters || fresh.gen.tempText != "0.7" {
		t.Errorf("restored chat %+v filters %+v temperature %q", fresh.chat, fresh.gen.filters, fresh.gen.tempText)
	}
	if _, _, templated := fresh.templateParts(); !templated {
		t.Error("restored editor does not use the chat template")
	}

	// Filters left off are saved as zero and shown as their "off" values.
	w.gen.filters = defaultFilters
	if st, err = w.linkState(); err != nil || st.TopP != 0 || st.RepeatPenalty != 0 {
		t.Fatalf("off filters saved as %+v, %v", st, err)
	}
	fresh.restoreState(st)
	if fresh.gen.filters != defaultFilters {
		t.Errorf("off filters restored as %+v", fresh.gen.filters)
	}

	w.gen.filters.topK = "-3"
	if _, err := w.snapshot(); err == nil || !strings.Contains(err.Error(), "Top-k") {
		t.Errorf("bad top-k: snapshot error %v", err)
	}
}

func TestEditHighlightRewritesPrompt(t *testing.T) {
	w := loadedWorkbench(t)
	w.prompt = "a <!!->cat<-!!> and a <?->dog<-?>"
	w.editHighlight(func(s string) (string, error) { return tagedit.SetDelta(s, 0, -2) })
	if w.prompt != "a <!=-2->cat<-!=> and a <?->dog<-?>" || w.built == nil || w.built.Spans[0].Delta != -2 {
		t.Errorf("after SetDelta: %q, built %+v (%s)", w.prompt, w.built, w.buildErr)
	}
	w.editHighlight(func(s string) (string, error) { return tagedit.Remove(s, 1) })
	if w.prompt != "a <!=-2->cat<-!=> and a dog" || len(w.built.Spans) != 1 {
		t.Errorf("after Remove: %q", w.prompt)
	}
	w.editHighlight(func(s string) (string, error) { return tagedit.Remove(s, 5) })
	if w.editErr == "" {
		t.Error("removing a missing highlight gave no error")
	}
}

// TestEditorRendersHighlightsAndCard checks the highlight list, the custom Δ
// control and the model card's chat family on a model with a template.
func TestEditorRendersHighlightsAndCard(t *testing.T) {
	w := chatWorkbench(t)
	w.prompt = "a <!=-1.5->cat<-!=> and a <!!!->dog<-!!!>"
	w.rebuildPrompt()
	checkHTML(t, goapp.HTMLString(w), []string{
		`id="heed-custom-delta"`, `aria-keyshortcuts="Alt+Shift+D"`, "Apply custom Δ",
		`aria-label="Δ of highlight 1 (cat)"`, `aria-label="Remove highlight 2 (dog)"`, "custom · Δ = -1.5", "2 × Δmid · Δ = 2",
		`class="heed-hl heed-hl-negative"`, `class="heed-chat-family">chatml<`, "Top-k", "Top-p", "Min-p", "Repetition penalty",
	}, []string{"GPU adapter"})
}

func TestAdapterCardRows(t *testing.T) {
	a := adapterCard{Name: "SwiftShader Device", Backend: "browser", Type: "cpu", Features: []string{"subgroups"},
		MaxStorageBufferBindingSize: 128 << 20, MaxBufferSize: 256 << 20, MaxComputeWorkgroupStorageSize: 16384, MaxComputeInvocationsPerWorkgroup: 256}
	if got := a.describe(); got != "SwiftShader Device (cpu, browser)" {
		t.Errorf("describe = %q", got)
	}
	want := []cardRow{
		{"features", "subgroups"},
		{"maxStorageBufferBindingSize", "128 MiB (134217728 bytes)"},
		{"maxBufferSize", "256 MiB (268435456 bytes)"},
		{"maxComputeWorkgroupStorageSize", "16.0 KiB (16384 bytes)"},
		{"maxComputeInvocationsPerWorkgroup", "256"},
	}
	got := a.rows()
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("rows = %+v\nwant %+v", got, want)
			break
		}
	}
	html := goapp.HTMLString(modelCardOf(session.Card{Name: "m", Backend: "WebGPU"}, "raw", &a))
	checkHTML(t, html, []string{"GPU adapter", "SwiftShader Device (cpu, browser)", `data-key="maxBufferSize"`}, nil)
}
