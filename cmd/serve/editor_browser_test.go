//go:build !(js && wasm)

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-rod/rod/lib/input"

	"heed/internal/defaultmodel"
	"heed/internal/testmodel"
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

// overflowing names the innermost elements wider than the window ("" when
// the page does not scroll sideways).
const overflowing = `() => {
	if (document.documentElement.scrollWidth <= window.innerWidth) return "";
	return [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > window.innerWidth &&
		![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth))
		.slice(0, 5).map((e) => e.tagName + "." + e.className + "#" + e.id).join(", ") || "document";
}`

// firstScreen is where the first screen's parts end, in CSS pixels from
// the top of the page, with the window's height.
const firstScreen = `() => JSON.stringify({
	prompt: document.getElementById("heed-rendered").getBoundingClientRect().bottom + scrollY,
	columns: Math.max(...[...document.querySelectorAll(".heed-column")].map((c) => c.getBoundingClientRect().bottom + scrollY)),
	heatmap: document.querySelector(".heed-heat").getBoundingClientRect().bottom + scrollY,
	height: innerHeight,
	font: parseFloat(getComputedStyle(document.documentElement).fontSize),
	overflow: (` + overflowing + `)(),
})`

type screenParts struct {
	Prompt, Columns, Heatmap, Height, Font float64
	Overflow                               string
}

// TestEditorEndToEnd drives the editor in the browser: the model drawer's
// card with its GPU details; custom negative Δ by button and keyboard on
// words selected in the rendered prompt; a highlight clicked, re-weighted
// and one removed; the tag source on request; the chat template with a
// system prompt on a model that has one; GUIDE only beside A/B; a sampled
// generation with top-k and top-p; and the first screen at a 1280×720
// projector (prompt, both continuations and the heatmap without
// scrolling), a 1920×1080 screen and a 390-pixel phone.
func TestEditorEndToEnd(t *testing.T) {
	needChromium(t)
	artifacts := artifactsDir(t)
	models := modelsDir(t)
	writeChatModel(t, models)
	base, _ := started(t, models)
	page, log := openPage(t, true)
	setViewport(t, page, 1280, 720)
	if err := visit(page, base+"/"); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	fail := failer(t, page, log, artifacts, "editor-failed-")

	// 1. The default model loads and runs; the first screen holds it all.
	backend, err := waitModelLoaded(page, log, defaultmodel.Name)
	if err != nil {
		fail("model load", err)
	}
	if _, err := waitAutoRun(page, log); err != nil {
		fail("the sample's run", err)
	}
	if _, err := waitFor(page, log, `() => document.querySelector(".heed-heat").dataset.ready === "true" ? "y" : ""`); err != nil {
		fail("heatmap", err)
	}
	checkScreen := func(name string, width, height int, wantAll bool) {
		t.Helper()
		setViewport(t, page, width, height)
		raw, err := waitFor(page, log, firstScreen)
		if err != nil {
			fail(name+" layout", err)
		}
		var s screenParts
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %d×%d: prompt ends at %.0f px, continuations at %.0f, heatmap at %.0f; root font %.1f px", name, width, height, s.Prompt, s.Columns, s.Heatmap, s.Font)
		if s.Overflow != "" {
			t.Errorf("%s: the page scrolls sideways; too wide: %s", name, s.Overflow)
		}
		if wantAll && (s.Prompt > s.Height || s.Columns > s.Height || s.Heatmap > s.Height) {
			t.Errorf("%s: the first screen needs scrolling: prompt %.0f, continuations %.0f, heatmap %.0f px of %.0f", name, s.Prompt, s.Columns, s.Heatmap, s.Height)
		}
		shot(t, page, artifacts, "editor-screen-"+name)
	}
	checkScreen("projector", 1280, 720, true)
	checkScreen("desktop", 1920, 1080, true)
	checkScreen("phone", 390, 844, false)
	setViewport(t, page, 1280, 720)

	openSheet(t, page, log, "model")
	card, err := waitFor(page, log, `() => { const c = document.querySelector(".heed-card"); return c ? c.dataset.backend + "\n" + c.innerText : ""; }`)
	if err != nil {
		fail("model card", err)
	}
	cardBackend, cardText, _ := strings.Cut(card, "\n")
	if cardBackend != backend {
		t.Errorf("card backend %q, page %q", cardBackend, backend)
	}
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
	}
	shot(t, page, artifacts, "editor-1-card")
	openSheet(t, page, log, "settings")
	chatOff, _ := page.Eval(`() => document.getElementById("heed-use-chat").disabled + "|" + document.getElementById("heed-chat-note").innerText`)
	if s := chatOff.Value.Str(); !strings.HasPrefix(s, "true|") || !strings.Contains(s, "no chat template") {
		t.Errorf("chat checkbox on a model without a template: %q", s)
	}
	closeSheets(t, page)

	// 2. A custom negative Δ on "ball" with the button, -0.5 on "girl" with Alt+Shift+D.
	setInput(t, page, "#heed-custom-delta", "-1.5", fail)
	selectWords(t, page, log, "ball")
	clickOn(t, page, ".heed-apply-custom", fail)
	if _, err := waitFor(page, log, `() => {
		const v = document.getElementById("heed-rendered").dataset.tagged;
		const neg = [...document.querySelectorAll("#heed-rendered mark.heed-hl-negative")].map((m) => m.innerText);
		return v.includes("<!=-1.5->ball<-!=>") && neg.includes("ball") ? "y" : "";
	}`); err != nil {
		fail("custom Δ by button", err)
	}
	setInput(t, page, "#heed-custom-delta", "-0.5", fail)
	selectWords(t, page, log, "gir") // part of a word: the whole word is highlighted
	if err := page.KeyActions().Press(input.AltLeft, input.ShiftLeft).Type(input.KeyD).Do(); err != nil {
		fail("keyboard shortcut", err)
	}
	if _, err := waitFor(page, log, `() => document.getElementById("heed-rendered").dataset.tagged.includes("<!=-0.5->girl<-!=>") &&
		document.querySelectorAll("#heed-rendered mark.heed-hl").length === 3 ? "y" : ""`); err != nil {
		fail("custom Δ by keyboard", err)
	}
	shot(t, page, artifacts, "editor-2-custom-delta")

	// 3. Click "cat" (highlight 2 of 3): give it Δ 0.75; then remove "ball".
	clickOn(t, page, `#heed-rendered mark[data-index="1"]`, fail)
	setInput(t, page, "#heed-hl-delta-1", "0.75", fail)
	if _, err := page.MustElement("#heed-hl-delta-1").Eval(`function () { this.dispatchEvent(new Event("change", {bubbles: true})); }`); err != nil {
		fail("commit the Δ", err)
	}
	if _, err := waitFor(page, log, `() => [...document.querySelectorAll("#heed-rendered mark")].some((m) => m.innerText === "cat" && m.dataset.delta === "0.75") ? "y" : ""`); err != nil {
		fail("edit a highlight's Δ", err)
	}
	clickOn(t, page, `#heed-rendered mark[data-index="2"]`, fail)
	clickOn(t, page, `.heed-hl-remove[aria-label="Remove highlight 3 (ball)"]`, fail)
	if _, err := waitFor(page, log, `() => {
		const marks = [...document.querySelectorAll("#heed-rendered mark")].map((m) => m.innerText);
		return !marks.includes("ball") && marks.length === 2 ? "y" : "";
	}`); err != nil {
		fail("remove a highlight", err)
	}
	if got, want := tagged(t, page), "Once upon a time, there was a <!=-0.5->girl<-!=> named Lily. She had a <!=0.75->cat<-!=> and a big red ball. One day,"; got != want {
		t.Errorf("prompt after the edits = %q, want %q", got, want)
	}
	// The tag source, on request, holds the same text.
	clickOn(t, page, ".heed-source-toggle", fail)
	src, err := waitFor(page, log, `() => { const ta = document.getElementById("heed-prompt"); return ta ? ta.value : ""; }`)
	if err != nil || !strings.Contains(src, "<!=0.75->cat<-!=>") {
		t.Errorf("tag source %q (%v)", src, err)
	}
	clickOn(t, page, ".heed-source-toggle", fail)
	shot(t, page, artifacts, "editor-3-edited")

	// 4. The chat model: template on, with a system prompt; the prompt shows it.
	openSheet(t, page, log, "model")
	clickOn(t, page, `.heed-load[aria-label="Load `+chatModel+`"]`, fail)
	if _, err := waitModelLoaded(page, log, chatModel); err != nil {
		fail("load the chat model", err)
	}
	openSheet(t, page, log, "settings")
	clickOn(t, page, "#heed-use-chat", fail)
	setInput(t, page, "#heed-system", "You tell short stories.", fail)
	templated, err := waitFor(page, log, `() => {
		const p = document.getElementById("heed-rendered");
		const marks = [...p.querySelectorAll("mark")].map((m) => m.innerText).join("|");
		return p.dataset.templated === "true" && p.innerText.includes("You tell short stories.") &&
			document.querySelectorAll(".heed-span-tokens").length === 2 ? p.innerText + "\n" + marks : "";
	}`)
	if err != nil {
		fail("chat template", err)
	}
	if !strings.HasPrefix(templated, "<|im_start|>system\nYou tell short stories.<|im_end|>\n<|im_start|>user\n") ||
		!strings.HasSuffix(templated, "<|im_start|>assistant\n\ngirl|cat") {
		t.Errorf("templated prompt and its marks:\n%s", templated)
	}
	shot(t, page, artifacts, "editor-4-chat")

	// 5. Sampled generation with top-k and top-p; both sides report speed.
	setInput(t, page, "#heed-temperature", "0.8", fail)
	setInput(t, page, "#heed-top-k", "5", fail)
	setInput(t, page, "#heed-top-p", "0.9", fail)
	setInput(t, page, "#heed-max-tokens", "8", fail)
	closeSheets(t, page)
	generate(t, page, log, fail)
	out, err := waitRun(page, log)
	if err != nil || out.Error != "" {
		fail("generate", errorOr(err, out.Error))
	}
	for _, s := range out.Stats {
		if !strings.Contains(s, "first after") || !strings.Contains(s, "tok/s") {
			t.Errorf("stats %q lack time to first token or tokens/s", s)
		}
	}
	// GUIDE only: one column.
	clickOn(t, page, `.heed-mode[data-single="true"]`, fail)
	generate(t, page, log, fail)
	single, err := waitRun(page, log)
	if err != nil || single.Error != "" || len(single.Texts) != 1 {
		fail("GUIDE only", errorOr(err, single.Error))
	}
	clickOn(t, page, `.heed-mode[data-single="false"]`, fail)
	// A bad filter value is refused in words.
	openSheet(t, page, log, "settings")
	setInput(t, page, "#heed-top-p", "1.5", fail)
	closeSheets(t, page)
	clickOn(t, page, ".heed-generate", fail)
	if msg, err := waitFor(page, log, `() => (document.querySelector(".heed-gen-error") || {}).innerText || ""`); err != nil ||
		!strings.Contains(msg, "Top-p must be a number from 0 to 1") {
		t.Errorf("top-p 1.5: message %q, %v", msg, err)
	}
	shot(t, page, artifacts, "editor-5-generated")
	checkProblems(t, log)
}
