//go:build !(js && wasm)

package main

import (
	"encoding/json"
	"heed/internal/testmodel"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"
	"github.com/go-rod/rod/lib/proto"
)

// chatModel is a tiny synthetic Llama whose file carries a ChatML template.
const chatModel = "synthetic-chatml-f32.gguf"

// writeChatModel adds chatModel to dir.
func writeChatModel(t *testing.T, dir string) {
	t.Helper()
	data := testmodel.ChatML(t, "arch=llama,layers=2,dim=64,heads=4,kv=2,ffn=128,vocab=512,ctx=256", 11)
	if err := os.WriteFile(filepath.Join(dir, chatModel), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// setViewport sizes the page like a laptop or a projector.
func setViewport(t *testing.T, page *rod.Page, width, height int) {
	t.Helper()
	if err := page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: width, Height: height, DeviceScaleFactor: 1}); err != nil {
		t.Fatalf("viewport %dx%d: %v", width, height, err)
	}
}

// selectWord selects the first occurrence of word in the prompt textarea.
func selectWord(t *testing.T, ta *rod.Element, word string, fail func(string, error)) {
	t.Helper()
	if _, err := ta.Eval(`function (w) {
		const i = this.value.indexOf(w);
		if (i < 0) throw new Error("no " + w + " in the prompt");
		this.focus();
		this.setSelectionRange(i, i + w.length);
	}`, word); err != nil {
		fail("select "+word, err)
	}
}

// overflowing names the innermost elements wider than the window ("" when
// the page does not scroll sideways).
const overflowing = `() => {
	if (document.documentElement.scrollWidth <= window.innerWidth) return "";
	return [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > window.innerWidth &&
		![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth))
		.slice(0, 5).map((e) => e.tagName + "." + e.className + "#" + e.id).join(", ") || "document";
}`

// TestEditorEndToEnd drives the editor in the browser: a custom negative Δ
// by button and by keyboard, a highlight's Δ edited and one removed from the
// list, the model card's GPU details, the chat template with a system prompt
// on a model that has one, and a sampled generation with top-k and top-p, at
// laptop and projector sizes.
func TestEditorEndToEnd(t *testing.T) {
	needChromium(t)
	artifacts := artifactsDir(t)
	models := modelsDir(t)
	writeChatModel(t, models)
	base, _ := started(t, models)
	page, log := openPage(t, true)
	setViewport(t, page, 1280, 720)
	if err := page.Navigate(base + "/"); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	fail := failer(t, page, log, artifacts, "editor-failed-")
	prompt := func() string {
		t.Helper()
		v, err := page.Eval(`() => document.getElementById("heed-prompt").value`)
		if err != nil {
			fail("read the prompt", err)
		}
		return v.Value.Str()
	}

	// 1. The default model loads; on WebGPU the card names the adapter and its limits.
	card, err := waitFor(page, log, `() => {
		const p = document.querySelector(".heed-model-panel");
		if (!p || document.getElementById("app-wasm-loader")) return "";
		if (p.dataset.state === "error") return "error: " + p.innerText;
		const c = document.querySelector(".heed-card");
		return p.dataset.state === "loaded" && c ? c.dataset.backend + "\n" + c.innerText : "";
	}`)
	if err != nil || strings.HasPrefix(card, "error") {
		fail("model load", errorOr(err, card))
	}
	backend, cardText, _ := strings.Cut(card, "\n")
	for _, want := range []string{"Quantisation", "F32", "Chat template", "raw", "Context"} {
		if !strings.Contains(cardText, want) {
			t.Errorf("model card lacks %q:\n%s", want, cardText)
		}
	}
	if strings.HasPrefix(backend, "WebGPU") {
		for _, want := range []string{"GPU adapter", "features", "maxStorageBufferBindingSize", "maxBufferSize",
			"maxComputeWorkgroupStorageSize", "maxComputeInvocationsPerWorkgroup", "bytes"} {
			if !strings.Contains(cardText, want) {
				t.Errorf("WebGPU model card lacks %q:\n%s", want, cardText)
			}
		}
	} else if os.Getenv("HEED_REQUIRE_WEBGPU") == "1" {
		t.Errorf("HEED_REQUIRE_WEBGPU=1 but the page runs on %q", backend)
	}
	// Without a template the checkbox is off limits, and says why.
	chatOff, _ := page.Eval(`() => document.getElementById("heed-use-chat").disabled + "|" + document.getElementById("heed-chat-note").innerText`)
	if s := chatOff.Value.Str(); !strings.HasPrefix(s, "true|") || !strings.Contains(s, "no chat template") {
		t.Errorf("chat checkbox on a model without a template: %q", s)
	}
	shot(t, page, artifacts, "editor-1-card-1280x720")

	// 2. A custom negative Δ on "ball" with the button.
	ta, err := page.Element("#heed-prompt")
	if err != nil {
		fail("find the editor", err)
	}
	setInput(t, page, "#heed-custom-delta", "-1.5", fail)
	selectWord(t, ta, "ball", fail)
	clickOn(t, page, ".heed-apply-custom", fail)
	if _, err := waitFor(page, log, `() => {
		const v = document.getElementById("heed-prompt").value;
		const neg = [...document.querySelectorAll(".heed-preview mark.heed-hl-negative")].map((m) => m.innerText);
		return v.includes("<!=-1.5->ball<-!=>") && neg.includes("ball") ? "y" : "";
	}`); err != nil {
		fail("custom Δ by button", err)
	}

	// ... and -0.5 on "girl" with Alt+Shift+D.
	setInput(t, page, "#heed-custom-delta", "-0.5", fail)
	selectWord(t, ta, "girl", fail)
	if err := page.KeyActions().Press(input.AltLeft, input.ShiftLeft).Type(input.KeyD).Do(); err != nil {
		fail("keyboard shortcut", err)
	}
	if _, err := waitFor(page, log, `() => document.getElementById("heed-prompt").value.includes("<!=-0.5->girl<-!=>") &&
		document.querySelectorAll(".heed-highlight").length === 3 ? "y" : ""`); err != nil {
		fail("custom Δ by keyboard", err)
	}
	shot(t, page, artifacts, "editor-2-custom-delta")

	// 3. The list: give "cat" (highlight 2, of 3 in text order) Δ 0.75, then remove "ball".
	list, _ := page.Eval(`() => [...document.querySelectorAll(".heed-highlight mark")].map((m) => m.innerText).join("|")`)
	if got := list.Value.Str(); got != "girl|cat|ball" {
		t.Fatalf("highlight list %q, want girl|cat|ball", got)
	}
	setInput(t, page, "#heed-hl-delta-1", "0.75", fail)
	if _, err := page.MustElement("#heed-hl-delta-1").Eval(`function () { this.dispatchEvent(new Event("change", {bubbles: true})); }`); err != nil {
		fail("commit the Δ", err)
	}
	if _, err := waitFor(page, log, `() => document.getElementById("heed-prompt").value.includes("<!=0.75->cat<-!=>") &&
		[...document.querySelectorAll(".heed-preview mark")].some((m) => m.innerText === "cat" && m.dataset.delta === "0.75") ? "y" : ""`); err != nil {
		fail("edit a highlight's Δ", err)
	}
	clickOn(t, page, `.heed-hl-remove[aria-label="Remove highlight 3 (ball)"]`, fail)
	if _, err := waitFor(page, log, `() => {
		const v = document.getElementById("heed-prompt").value;
		const marks = [...document.querySelectorAll(".heed-preview mark")].map((m) => m.innerText);
		return !v.includes("ball<-") && v.includes(" ball.") && !marks.includes("ball") && marks.length === 2 ? "y" : "";
	}`); err != nil {
		fail("remove a highlight", err)
	}
	if got, want := prompt(), "Once upon a time, there was a <!=-0.5->girl<-!=> named Lily. She had a <!=0.75->cat<-!=> and a big red ball. One day,"; got != want {
		t.Errorf("prompt after the edits = %q, want %q", got, want)
	}
	shot(t, page, artifacts, "editor-3-edited")

	// 4. The chat model: template on, with a system prompt; the preview shows it.
	clickOn(t, page, `.heed-load[aria-label="Load `+chatModel+`"]`, fail)
	if _, err := waitFor(page, log, `() => {
		const p = document.querySelector(".heed-model-panel");
		if (p.dataset.state === "error") throw new Error(p.innerText);
		const c = document.querySelector(".heed-card");
		return p.dataset.state === "loaded" && c.innerText.includes("`+chatModel+`") && c.innerText.includes("chatml") &&
			!document.getElementById("heed-use-chat").disabled ? "y" : "";
	}`); err != nil {
		fail("load the chat model", err)
	}
	clickOn(t, page, "#heed-use-chat", fail)
	setInput(t, page, "#heed-system", "You tell short stories.", fail)
	templated, err := waitFor(page, log, `() => {
		const p = document.querySelector(".heed-preview");
		const marks = [...p.querySelectorAll("mark")].map((m) => m.innerText).join("|");
		const spans = document.querySelectorAll(".heed-span-tokens li").length;
		return p.dataset.templated === "true" && p.innerText.includes("You tell short stories.") && spans === 2 ?
			p.innerText + "\n" + marks : "";
	}`)
	if err != nil {
		fail("chat template", err)
	}
	if !strings.HasPrefix(templated, "<|im_start|>system\nYou tell short stories.<|im_end|>\n<|im_start|>user\n") ||
		!strings.HasSuffix(templated, "<|im_start|>assistant\n\ngirl|cat") {
		t.Errorf("templated preview and its marks:\n%s", templated)
	}
	shot(t, page, artifacts, "editor-4-chat")

	// 5. Sampled generation with top-k and top-p; both sides report speed.
	setInput(t, page, "#heed-temperature", "0.8", fail)
	setInput(t, page, "#heed-top-k", "5", fail)
	setInput(t, page, "#heed-top-p", "0.9", fail)
	setInput(t, page, "#heed-max-tokens", "8", fail)
	clickOn(t, page, ".heed-generate", fail)
	out, err := waitFor(page, log, `() => {
		const cols = [...document.querySelectorAll(".heed-column")];
		if (document.querySelector(".heed-generation").dataset.running !== "false") return "";
		const err = (document.querySelector(".heed-gen-error") || {}).innerText || "";
		if (err) return "error: " + err;
		if (cols.length !== 2 || cols.some((c) => c.dataset.done !== "true")) return "";
		return JSON.stringify(cols.map((c) => c.querySelector(".heed-stats").innerText));
	}`)
	if err != nil || strings.HasPrefix(out, "error") {
		fail("generate", errorOr(err, out))
	}
	var stats []string
	if err := json.Unmarshal([]byte(out), &stats); err != nil {
		t.Fatal(err)
	}
	for _, s := range stats {
		if !strings.Contains(s, "first after") || !strings.Contains(s, "tok/s") {
			t.Errorf("stats %q lack time to first token or tokens/s", s)
		}
	}
	// A bad filter value is refused in words.
	setInput(t, page, "#heed-top-p", "1.5", fail)
	clickOn(t, page, ".heed-generate", fail)
	if msg, err := waitFor(page, log, `() => (document.querySelector(".heed-gen-error") || {}).innerText || ""`); err != nil ||
		!strings.Contains(msg, "Top-p must be a number from 0 to 1") {
		t.Errorf("top-p 1.5: message %q, %v", msg, err)
	}
	setInput(t, page, "#heed-top-p", "0.9", fail)
	shot(t, page, artifacts, "editor-5-generated-1280x720")

	// 6. The projector size: larger type, nothing wider than the window.
	setViewport(t, page, 1920, 1080)
	sizes, err := waitFor(page, log, `() => JSON.stringify({
		font: parseFloat(getComputedStyle(document.documentElement).fontSize),
		overflow: (`+overflowing+`)(),
	})`)
	if err != nil {
		fail("projector layout", err)
	}
	var big struct {
		Font     float64
		Overflow string
	}
	if err := json.Unmarshal([]byte(sizes), &big); err != nil {
		t.Fatal(err)
	}
	if big.Font < 18 || big.Overflow != "" {
		t.Errorf("at 1920×1080: root font %.1f px (want ≥ 18), too wide: %q", big.Font, big.Overflow)
	}
	shot(t, page, artifacts, "editor-6-projector-1920x1080")
	setViewport(t, page, 1280, 720)
	if wide, _ := page.Eval(overflowing); wide.Value.Str() != "" {
		t.Errorf("at 1280×720 the page scrolls sideways; too wide: %s", wide.Value.Str())
	}

	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.problems) > 0 {
		t.Errorf("browser problems:\n%s", strings.Join(log.problems, "\n"))
	}
}
