//go:build !(js && wasm)

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"heed/internal/testmodel"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"
	"github.com/go-rod/rod/lib/proto"

	heedapp "heed/app"
	"heed/app/sessionfile"
	"heed/app/sharelink"
	"heed/engine/calibrate"
	"heed/engine/ggml"
	"heed/engine/guide"
	"heed/engine/influence"
	"heed/engine/model"
	"heed/engine/prompt"
	"heed/engine/synth"
	"heed/engine/tokenizer"
	"heed/internal/defaultmodel"
)

// influenceTolerance bounds |page − native| per Influence value (values lie
// in [0, 1]) for the backend the page chose.
//
// On the CPU the page runs the same Go engine compiled to wasm, whose portable
// dot products sum in another order than the amd64 assembly kernels: each sum
// moves by a few float32 ulps (~1e-7 relative), and through 5 layers of
// normalised mixing the values move by at most a few 1e-6 (1.4e-7 measured).
// 2e-5 leaves margin and still catches any real difference (another layer,
// another Δ or the lagged norm move values by more than 1e-3).
//
// On WebGPU the kernels also reduce in workgroup order and the device's exp
// and division need only meet WebGPU's looser accuracy (SwiftShader's do not
// round correctly). The engine's self-test accepts a device whose last-layer
// Influence is within 1e-4 of the CPU's on a 2-layer model; the error builds
// up layer by layer through the recursion, so for stories260K's 5 layers the
// accepted device may differ by 2.5e-4 (SwiftShader measured 9.8e-5).
func influenceTolerance(backend string) float64 {
	if strings.HasPrefix(backend, "WebGPU") {
		return 2.5e-4
	}
	return 2e-5
}

// TestAppEndToEnd drives the app in headless Chromium as a user would: the
// default model loads, words are highlighted through the editor (button and
// keyboard), the A/B generation streams two different continuations (and
// Stop ends a long one), the Influence heatmaps and per-layer scalars match
// influence.Measure run natively on the same prompt at two layers, a Δ sweep
// (stopped once, then run to the end) matches influence.Measure at each Δ,
// Calibrate matches calibrate.Run and Apply sets Δmid, a second
// model from the list replaces the first, one heed cannot run fails in
// words, and a shared link, a session export and its import restore the
// prompt, settings and outputs. Screenshots of each step go to $HEED_ARTIFACTS (default: a new
// temporary directory, logged); HEED_UPDATE_SCREENSHOT=1 also writes the
// README's docs/screenshots/app.png. The page uses WebGPU when SwiftShader's
// adapter passes the engine's self-test and the CPU otherwise;
// HEED_REQUIRE_WEBGPU=1 makes the CPU fallback a failure.
func TestAppEndToEnd(t *testing.T) {
	needChromium(t)
	artifacts := artifactsDir(t)
	models := modelsDir(t)
	writeSyntheticModel(t, models)
	base, _ := started(t, models)
	page, log := openPage(t, true)
	if err := page.Navigate(base + "/"); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	fail := failer(t, page, log, artifacts, "failed-")

	// 1. The default model loads by itself.
	backend, err := waitFor(page, log, `() => {
		const p = document.querySelector(".heed-model-panel");
		if (!p || document.getElementById("app-wasm-loader")) return "";
		if (p.dataset.state === "error") return "error: " + p.innerText;
		if (p.dataset.state !== "loaded") return "";
		return document.querySelector(".heed-card").dataset.backend;
	}`)
	if err != nil || strings.HasPrefix(backend, "error") {
		fail("model load", errorOr(err, backend))
	}
	banner, _ := page.Eval(`() => (document.querySelector(".heed-banner") || {}).innerText || ""`)
	t.Logf("backend: %s; banner: %q", backend, banner.Value.Str())
	if !strings.HasPrefix(backend, "WebGPU") {
		if banner.Value.Str() == "" {
			t.Errorf("backend %q without a banner saying why not WebGPU", backend)
		}
		if os.Getenv("HEED_REQUIRE_WEBGPU") == "1" {
			t.Errorf("HEED_REQUIRE_WEBGPU=1 but the page runs on %q", backend)
		}
	}
	shot(t, page, artifacts, "1-model-loaded")

	// 2. Highlight "ball" by selecting it and pressing the 1 × Δmid button.
	ta, err := page.Element("#heed-prompt")
	if err != nil {
		fail("find the editor", err)
	}
	if _, err := ta.Eval(`function () {
		const i = this.value.indexOf("ball");
		this.focus();
		this.setSelectionRange(i, i + 4);
	}`); err != nil {
		fail("select a word", err)
	}
	clickOn(t, page, `.heed-emphasis[data-level="1"]`, fail)
	if _, err := waitFor(page, log, `() => {
		const v = document.getElementById("heed-prompt").value;
		const marks = document.querySelectorAll(".heed-preview mark.heed-hl");
		return v.includes("<!!->ball<-!!>") && marks.length === 2 && document.querySelectorAll(".heed-span-tokens li").length === 2 ? v : "";
	}`); err != nil {
		fail("highlight", err)
	}
	shot(t, page, artifacts, "2-highlighted")

	// Mark "red" measure-only with the keyboard: Alt+Shift+0.
	if _, err := ta.Eval(`function () {
		const i = this.value.indexOf("red");
		this.focus();
		this.setSelectionRange(i, i + 3);
	}`); err != nil {
		fail("select a word", err)
	}
	if err := page.KeyActions().Press(input.AltLeft, input.ShiftLeft).Type(input.Digit0).Do(); err != nil {
		fail("keyboard shortcut", err)
	}
	tagged, err := waitFor(page, log, `() => {
		const v = document.getElementById("heed-prompt").value;
		return v.includes("<?->red<-?>") && document.querySelectorAll(".heed-preview mark.heed-hl-measure").length === 1 ? v : "";
	}`)
	if err != nil {
		fail("keyboard highlight", err)
	}
	if want := strings.NewReplacer("ball", "<!!->ball<-!!>", "red", "<?->red<-?>").Replace(heedapp.SamplePrompt); tagged != want {
		t.Errorf("prompt after highlighting = %q, want %q", tagged, want)
	}

	// Stop: a long generation ends early when Stop is pressed.
	setInput(t, page, "#heed-max-tokens", "1500", fail)
	clickOn(t, page, ".heed-generate", fail)
	if _, err := waitFor(page, log, `() => document.querySelectorAll(".heed-column[data-side=GUIDE] .heed-out-tok").length > 0 ? "y" : ""`); err != nil {
		fail("streaming", err)
	}
	clickOn(t, page, ".heed-stop", fail)
	stopped, err := waitFor(page, log, `() => document.querySelector(".heed-generation").dataset.running === "false" ?
		(document.querySelector(".heed-gen-error") || {}).innerText + "|" + document.querySelectorAll(".heed-out-tok").length : ""`)
	if err != nil {
		fail("stop", err)
	}
	if msg, n, _ := strings.Cut(stopped, "|"); msg != "Stopped." || n == "0" {
		t.Errorf("after Stop: message %q, %s tokens; want \"Stopped.\" after some tokens", msg, n)
	}
	setInput(t, page, "#heed-max-tokens", "20", fail)

	// 3. A/B generation: both columns stream, and GUIDE changes the text.
	clickOn(t, page, ".heed-generate", fail)
	ab, err := waitFor(page, log, `() => {
		const cols = [...document.querySelectorAll(".heed-column")];
		if (document.querySelector(".heed-generation").dataset.running !== "false") return "";
		if (cols.length !== 2 || cols.some((c) => c.dataset.done !== "true")) return "";
		return JSON.stringify({
			texts: cols.map((c) => c.querySelector(".heed-output").innerText),
			stats: cols.map((c) => c.querySelector(".heed-stats").innerText),
			diffs: document.querySelectorAll(".heed-diff").length,
			error: (document.querySelector(".heed-gen-error") || {}).innerText || "",
		});
	}`)
	if err != nil {
		fail("generation", err)
	}
	var gen struct {
		Texts, Stats []string
		Diffs        int
		Error        string
	}
	if err := json.Unmarshal([]byte(ab), &gen); err != nil {
		t.Fatal(err)
	}
	t.Logf("GUIDE: %q (%s)\nbaseline: %q (%s)", gen.Texts[0], gen.Stats[0], gen.Texts[1], gen.Stats[1])
	if gen.Error != "" || gen.Texts[0] == "" || gen.Texts[1] == "" || gen.Texts[0] == gen.Texts[1] || gen.Diffs == 0 {
		t.Errorf("A/B generation: %+v; want two different non-empty texts with differences marked", gen)
	}
	for _, s := range gen.Stats {
		if !strings.Contains(s, "tok/s") || !strings.Contains(s, "first after") {
			t.Errorf("stats %q lack time to first token and tokens/s", s)
		}
	}
	shot(t, page, artifacts, "3-generated")

	// 4. Influence: heatmap and per-layer scalars for both highlights.
	clickOn(t, page, ".heed-measure", fail)
	raw, err := waitFor(page, log, `() => {
		const tracks = [...document.querySelectorAll(".heed-track")];
		if (document.querySelector(".heed-influence").dataset.running !== "false" || tracks.length === 0) return "";
		return JSON.stringify(tracks.map((tr) => ({
			layer: +tr.dataset.layer,
			cells: [...tr.querySelectorAll(".heed-heatmap .heed-tok")].map((c) => c.dataset.influence),
			hover: tr.querySelector(".heed-heatmap .heed-tok").title,
			scalars: [...tr.querySelectorAll(".heed-scalars tr[data-scalar]")].map((r) => r.dataset.scalar),
		})));
	}`)
	if err != nil {
		fail("influence", err)
	}
	var shown []struct {
		Layer   int
		Cells   []string
		Hover   string
		Scalars []string
	}
	if err := json.Unmarshal([]byte(raw), &shown); err != nil {
		t.Fatal(err)
	}
	want := nativeInfluence(t, filepath.Join(models, defaultmodel.Name), tagged)
	if len(shown) != len(want) {
		t.Fatalf("%d heatmaps, want %d (one per highlight)", len(shown), len(want))
	}
	var worst float64
	tol := influenceTolerance(backend)
	for i, tr := range want {
		got := shown[i]
		if got.Layer != len(tr.Influence)-1 {
			t.Errorf("span %d heatmap at layer %d, want the last (%d)", i, got.Layer, len(tr.Influence)-1)
		}
		if !strings.Contains(got.Hover, "Influence") {
			t.Errorf("span %d: hover text %q shows no value", i, got.Hover)
		}
		worst = max(worst, compareValues(t, "heatmap", i, got.Cells, tr.Influence[got.Layer], tol))
		worst = max(worst, compareValues(t, "scalar", i, got.Scalars, tr.Scalar, tol))
	}
	// Another layer from the picker redraws the heatmaps with its values.
	picker, err := page.Element("#heed-layer")
	if err != nil {
		fail("find the layer picker", err)
	}
	if err := picker.Select([]string{"layer 0"}, true, rod.SelectorTypeText); err != nil {
		fail("pick layer 0", err)
	}
	raw, err = waitFor(page, log, `() => {
		const tracks = [...document.querySelectorAll(".heed-track")];
		if (tracks.some((tr) => tr.dataset.layer !== "0")) return "";
		return JSON.stringify(tracks.map((tr) => [...tr.querySelectorAll(".heed-heatmap .heed-tok")].map((c) => c.dataset.influence)));
	}`)
	if err != nil {
		fail("layer picker", err)
	}
	var layer0 [][]string
	if err := json.Unmarshal([]byte(raw), &layer0); err != nil {
		t.Fatal(err)
	}
	for i, tr := range want {
		worst = max(worst, compareValues(t, "layer 0 heatmap", i, layer0[i], tr.Influence[0], tol))
	}
	t.Logf("largest |page − native| Influence difference: %.3g (tolerance %.3g on %s)", worst, tol, backend)
	shot(t, page, artifacts, "4-influence")
	if os.Getenv("HEED_UPDATE_SCREENSHOT") == "1" {
		b, err := page.Screenshot(true, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("../../docs/screenshots", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("../../docs/screenshots/app.png", b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// 4a. Δ sweep of "cat": Stop ends a long one early; a short one's chart
	// and table match influence.Measure run natively at each Δ.
	sweepSpan, sweepDeltas := 0, []float32{-1, 0, 1, 3}
	setInput(t, page, "#heed-sweep-deltas", strings.TrimSuffix(strings.Repeat("0.5, ", 32), ", "), fail)
	clickOn(t, page, ".heed-sweep-run", fail)
	if _, err := waitFor(page, log, `() => document.querySelectorAll(".heed-sweep-table tr[data-delta]").length > 0 ? "y" : ""`); err != nil {
		fail("sweep progress", err)
	}
	clickOn(t, page, ".heed-sweep-stop", fail)
	stopped, err = waitFor(page, log, `() => document.querySelector(".heed-sweep").dataset.running === "false" ?
		(document.querySelector(".heed-sweep-error") || {}).innerText + "|" + document.querySelectorAll(".heed-sweep-table tr[data-delta]").length : ""`)
	if err != nil {
		fail("stop the sweep", err)
	}
	if msg, n, _ := strings.Cut(stopped, "|"); msg != "Stopped." || n == "32" {
		t.Errorf("after Stop: sweep message %q with %s of 32 points; want \"Stopped.\" before the end", msg, n)
	}
	setInput(t, page, "#heed-sweep-deltas", "-1, 0, 1, 3", fail)
	started := time.Now()
	clickOn(t, page, ".heed-sweep-run", fail)
	raw, err = waitFor(page, log, `() => {
		// Until the click is handled the stopped sweep's "Stopped." shows;
		// starting clears it.
		if (document.querySelector(".heed-sweep").dataset.running !== "false") return "";
		const err = document.querySelector(".heed-sweep-error");
		if (err) return err.innerText === "Stopped." ? "" : JSON.stringify({error: err.innerText});
		const rows = [...document.querySelectorAll(".heed-sweep-table tr[data-delta]")];
		if (rows.length === 0) return "";
		return JSON.stringify({
			deltas: rows.map((r) => r.dataset.delta),
			values: rows.map((r) => r.dataset.influence),
			points: document.querySelectorAll("svg.heed-sweep-chart circle.heed-chart-point").length,
			line: document.querySelector("svg.heed-sweep-chart polyline") instanceof SVGPolylineElement,
		});
	}`)
	if err != nil {
		fail("sweep", err)
	}
	t.Logf("sweep of %d Δ in the page: %v", len(sweepDeltas), time.Since(started).Round(time.Millisecond))
	var sw struct {
		Error          string
		Deltas, Values []string
		Points         int
		Line           bool
	}
	if err := json.Unmarshal([]byte(raw), &sw); err != nil {
		t.Fatal(err)
	}
	if sw.Error != "" || sw.Points != len(sweepDeltas) || !sw.Line {
		t.Errorf("sweep: %+v; want %d chart points on an SVG line and no error", sw, len(sweepDeltas))
	}
	native := nativeModel(t, filepath.Join(models, defaultmodel.Name))
	wantSweep := native.sweep(t, tagged, sweepSpan, sweepDeltas)
	compareValues(t, "sweep Δ", sweepSpan, sw.Deltas, sweepDeltas, 0)
	worst = max(worst, compareValues(t, "sweep Influence", sweepSpan, sw.Values, wantSweep, tol))
	shot(t, page, artifacts, "4a-sweep")

	// 4b. Calibrate "cat" (calibrate.Run as `heed calibrate` runs it on the
	// prompt with only that highlight), then Apply the Δ found.
	started = time.Now()
	clickOn(t, page, `.heed-calib-span[data-span="0"] .heed-calib-run`, fail)
	raw, err = waitFor(page, log, `() => {
		if (document.querySelector(".heed-calibrate").dataset.running !== "false") return "";
		const row = document.querySelector('.heed-calib-span[data-span="0"]');
		const err = row.querySelector("[role=alert]");
		if (err) return JSON.stringify({error: err.innerText});
		return row.dataset.delta === undefined ? "" : JSON.stringify(row.dataset);
	}`)
	if err != nil {
		fail("calibrate", err)
	}
	t.Logf("calibration in the page: %v", time.Since(started).Round(time.Millisecond))
	var cal struct {
		Error                          string
		Target, Plain, Delta, Achieved string
		Iterations, Clamped            string
	}
	if err := json.Unmarshal([]byte(raw), &cal); err != nil {
		t.Fatal(err)
	}
	if cal.Error != "" {
		t.Fatalf("calibration failed in the page: %s", cal.Error)
	}
	wantCal := native.calibrate(t, heedapp.SamplePrompt)
	t.Logf("calibration: page %+v; native %+v", cal, wantCal)
	worst = max(worst, compareValues(t, "calibration target, plain", 0, []string{cal.Target, cal.Plain}, []float32{wantCal.Target, wantCal.Plain}, tol))
	pageDelta, _ := strconv.ParseFloat(cal.Delta, 32)
	// The page's Δ and its achieved Influence belong together: the native
	// Influence at the page's Δ is what the page reports, within tol.
	atPageDelta := native.sweep(t, heedapp.SamplePrompt, 0, []float32{float32(pageDelta)})
	worst = max(worst, compareValues(t, "Influence at the page's Δ", 0, []string{cal.Achieved}, atPageDelta, tol))
	// Bisection takes another branch only at a midpoint whose Influence lies
	// within 2·tol of the target, i.e. within 2·tol/slope of the crossing, and
	// each run ends within its bracket width (calibrate's default Tol 0.01) of
	// its crossing; slope is measured natively around the native Δ.
	around := native.sweep(t, heedapp.SamplePrompt, 0, []float32{wantCal.Delta - 0.25, wantCal.Delta + 0.25})
	slope := float64(around[1]-around[0]) / 0.5
	if d, bound := math.Abs(pageDelta-float64(wantCal.Delta)), 2*0.01+2*tol/slope; !(slope > 0) || !(d <= bound) {
		t.Errorf("calibrated Δ: page %s, native %v (|difference| %.3g, bound %.3g, slope %.3g)", cal.Delta, wantCal.Delta, d, bound, slope)
	}
	if cal.Clamped != strconv.FormatBool(wantCal.Clamped) {
		t.Errorf("calibration clamped: page %s, native %v", cal.Clamped, wantCal.Clamped)
	}
	clickOn(t, page, `.heed-calib-span[data-span="0"] .heed-calib-apply`, fail)
	applied, err := waitFor(page, log, `() => {
		const note = document.querySelector(".heed-calib-note");
		return note ? document.getElementById("heed-delta-mid").value + "|" + note.innerText : "";
	}`)
	if err != nil {
		fail("apply the calibrated Δ", err)
	}
	// "cat" is tagged <!!!->, so Δmid becomes Δ/2 (exact in float32).
	if mid, note, _ := strings.Cut(applied, "|"); mid != strconv.FormatFloat(pageDelta/2, 'g', -1, 32) || !strings.Contains(note, "Δmid") {
		t.Errorf("after Apply: Δmid %q, note %q; want Δmid %g and a note", mid, note, pageDelta/2)
	}
	t.Logf("largest |page − native| Influence difference incl. sweep and calibration: %.3g", worst)
	shot(t, page, artifacts, "4b-calibrated")

	// 5. Another model from the server's list: a synthetic Q8_0 Llama.
	clickOn(t, page, `.heed-load[aria-label="Load `+syntheticModel+`"]`, fail)
	card, err := waitFor(page, log, `() => {
		const p = document.querySelector(".heed-model-panel");
		if (p.dataset.state === "error") return "error: " + p.innerText;
		const c = document.querySelector(".heed-card");
		return p.dataset.state === "loaded" && c && c.innerText.includes("`+syntheticModel+`") ? c.innerText : "";
	}`)
	if err != nil || strings.HasPrefix(card, "error") {
		fail("load the synthetic model", errorOr(err, card))
	}
	if !strings.Contains(card, "Q8_0") {
		t.Errorf("card of the synthetic Q8_0 model:\n%s", card)
	}
	shot(t, page, artifacts, "5-other-model")

	// 6. A model heed cannot run fails in words, and the page stays usable.
	clickOn(t, page, `.heed-load[aria-label="Load `+unsupportedModel+`"]`, fail)
	msg, err := waitFor(page, log, `() => {
		const p = document.querySelector(".heed-model-panel");
		return p.dataset.state === "error" ? p.querySelector("[role=alert]").innerText : "";
	}`)
	if err != nil {
		fail("load the unsupported model", err)
	}
	if !strings.HasPrefix(msg, "heed cannot run this model yet: "+unsupportedModel) {
		t.Errorf("error for an unsupported model: %q", msg)
	}
	shot(t, page, artifacts, "6-unsupported-model")

	// 7. A shared link restores the prompt and settings on a fresh page, and
	// a session exported after a run imports back into a changed editor.
	start := time.Now()
	exportAndImport(t, page, log, base, artifacts, fail)
	t.Logf("shared link, export and import: %s", time.Since(start).Round(time.Millisecond))

	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.problems) > 0 {
		t.Errorf("browser reported problems:\n%s", strings.Join(log.problems, "\n"))
	}
}

// exportAndImport opens the page from a shared link, checks the editor took
// the link's prompt and settings (and that Copy link writes them back), runs
// a short A/B generation, exports the session, edits the prompt, and imports
// the exported file through the file input.
func exportAndImport(t *testing.T, page *rod.Page, log *browserLog, base, artifacts string, fail func(string, error)) {
	t.Helper()
	shared := strings.Replace(heedapp.SamplePrompt, "ball", "<!->ball<-!> & 100% #fun", 1)
	want := sharelink.State{Prompt: shared, DeltaMid: 1.5, Temperature: 0, Seed: 3, MaxTokens: 6}
	if err := page.Navigate(base + "/?shared#" + sharelink.Encode(want)); err != nil {
		fail("open a shared link", err)
	}
	restored, err := waitFor(page, log, `() => {
		const p = document.querySelector(".heed-model-panel");
		if (!p || document.getElementById("app-wasm-loader") || p.dataset.state !== "loaded") return "";
		const v = (id) => document.getElementById(id).value;
		return JSON.stringify([v("heed-prompt"), v("heed-delta-mid"), v("heed-max-tokens"), v("heed-seed")]);
	}`)
	if err != nil {
		fail("restore from a shared link", err)
	}
	var fields []string
	if err := json.Unmarshal([]byte(restored), &fields); err != nil {
		t.Fatal(err)
	}
	if w := []string{shared, "1.5", "6", "3"}; !slices.Equal(fields, w) {
		t.Errorf("editor (prompt, Δmid, tokens, seed) after opening the shared link: %q, want %q", fields, w)
	}
	clickOn(t, page, ".heed-copy-link", fail)
	hash, err := waitFor(page, log, `() => document.querySelector(".heed-link") ? location.hash : ""`)
	if err != nil {
		fail("copy link", err)
	}
	if got, ok, err := sharelink.Decode(hash, sharelink.State{}); err != nil || !ok || got != want {
		t.Errorf("Copy link wrote %q = %+v (%v), want %+v", hash, got, err, want)
	}

	clickOn(t, page, ".heed-generate", fail)
	ids, err := waitFor(page, log, `() => {
		const cols = [...document.querySelectorAll(".heed-generation .heed-column")];
		if (document.querySelector(".heed-generation").dataset.running !== "false") return "";
		if (cols.length !== 2 || cols.some((c) => c.dataset.done !== "true")) return "";
		return JSON.stringify(cols.map((c) => [...c.querySelectorAll(".heed-out-tok")].map((s) => s.dataset.id).join(" ")));
	}`)
	if err != nil {
		fail("generate before export", err)
	}
	clickOn(t, page, ".heed-export", fail)
	exported, err := waitFor(page, log, `() => document.querySelector(".heed-export-json").textContent ||
		(document.querySelector(".heed-session-error") || {}).innerText || ""`)
	if err != nil {
		fail("export", err)
	}
	s, err := sessionfile.Decode([]byte(exported))
	if err != nil {
		fail("decode the exported session", err)
	}
	var savedIDs []string
	for _, o := range s.Outputs {
		savedIDs = append(savedIDs, strings.Trim(fmt.Sprint(o.IDs), "[]"))
	}
	if w, _ := json.Marshal(savedIDs); s.Prompt != shared || s.DeltaMid != 1.5 || s.Settings.MaxTokens != 6 || string(w) != ids ||
		s.Model.Name != defaultmodel.Name || len(s.Model.SHA256) != 64 {
		t.Errorf("exported session: prompt %q, Δmid %v, settings %+v, model %+v, outputs %s; page outputs %s",
			s.Prompt, s.DeltaMid, s.Settings, s.Model, w, ids)
	}
	file := filepath.Join(t.TempDir(), "heed-session.json")
	if err := os.WriteFile(file, []byte(exported), 0o644); err != nil {
		t.Fatal(err)
	}

	setInput(t, page, "#heed-prompt", "Something else entirely.", fail)
	setInput(t, page, "#heed-delta-mid", "2", fail)
	in, err := page.Element("#heed-import-file")
	if err != nil {
		fail("find the file input", err)
	}
	if err := in.SetFiles([]string{file}); err != nil {
		fail("choose the session file", err)
	}
	imported, err := waitFor(page, log, `() => {
		const err = document.querySelector(".heed-session-error");
		if (err) return "error: " + err.innerText;
		const outs = [...document.querySelectorAll(".heed-imported-output")];
		if (outs.length === 0) return "";
		return JSON.stringify({
			prompt: document.getElementById("heed-prompt").value,
			delta: document.getElementById("heed-delta-mid").value,
			texts: outs.map((o) => o.querySelector(".heed-output").textContent),
			mismatch: !!document.querySelector(".heed-model-mismatch"),
		});
	}`)
	if err != nil || strings.HasPrefix(imported, "error") {
		fail("import", errorOr(err, imported))
	}
	var got struct {
		Prompt, Delta string
		Texts         []string
		Mismatch      bool
	}
	if err := json.Unmarshal([]byte(imported), &got); err != nil {
		t.Fatal(err)
	}
	if got.Prompt != shared || got.Delta != "1.5" || len(got.Texts) != len(s.Outputs) || got.Mismatch {
		t.Errorf("after import: %+v; want prompt %q, Δmid 1.5, %d outputs, no model mismatch", got, shared, len(s.Outputs))
	}
	for i, o := range s.Outputs {
		if i < len(got.Texts) && got.Texts[i] != o.Text {
			t.Errorf("imported %s output %q, exported %q", o.Side, got.Texts[i], o.Text)
		}
	}
	shot(t, page, artifacts, "7-imported")
}

// syntheticModel is a second model in the test's models directory;
// unsupportedModel is the same file with another architecture's name.
const (
	syntheticModel   = "synthetic-q8_0.gguf"
	unsupportedModel = "unsupported-mamba.gguf"
)

// writeSyntheticModel adds a tiny random-weight Llama in Q8_0 to dir.
func writeSyntheticModel(t *testing.T, dir string) {
	t.Helper()
	shape, err := synth.ParseShape("arch=llama,layers=2,dim=64,heads=4,kv=2,ffn=128,vocab=512,ctx=256")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := synth.Write(&b, shape, ggml.Q8_0, 7); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, syntheticModel), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// "llama" and "mamba" have the same length, so every string and offset
	// stays valid: a well-formed GGUF of an architecture heed does not run.
	mamba := bytes.ReplaceAll(b.Bytes(), []byte("llama"), []byte("mamba"))
	if err := os.WriteFile(filepath.Join(dir, unsupportedModel), mamba, 0o644); err != nil {
		t.Fatal(err)
	}
}

// nativeInfluence measures tagged on the model file with the CPU executor,
// as `heed influence --json` does.
func nativeInfluence(t *testing.T, path, tagged string) []influence.Track {
	t.Helper()
	n := nativeModel(t, path)
	p := n.prompt(t, tagged)
	tracks, err := influence.Measure(context.Background(), n.m, p.IDs, p.Spans, influence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tracks
}

// native is a model file loaded on the CPU executor, as cmd/heed loads it.
type native struct {
	m   *model.Model
	tok *tokenizer.Tokenizer
}

func nativeModel(t *testing.T, path string) native {
	t.Helper()
	l := testmodel.Load(t, path, nil)
	return native{m: l.Model, tok: l.Tok}
}

func (n native) prompt(t *testing.T, tagged string, spans ...guide.RuneSpan) *prompt.Prompt {
	t.Helper()
	p, err := prompt.Build(n.tok, tagged, prompt.Options{DeltaMid: prompt.DefaultDeltaMid, Spans: spans})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sweep is highlight span's last-layer Influence scalar at each Δ, the other
// highlights keeping their tags' Δ.
func (n native) sweep(t *testing.T, tagged string, span int, deltas []float32) []float32 {
	t.Helper()
	p := n.prompt(t, tagged)
	out := make([]float32, len(deltas))
	for i, d := range deltas {
		spans := slices.Clone(p.Spans)
		spans[span].Delta, spans[span].Measure = d, false
		tracks, err := influence.Measure(context.Background(), n.m, p.IDs, spans, influence.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sc := tracks[span].Scalar
		out[i] = sc[len(sc)-1]
	}
	return out
}

// calibrate runs calibrate.Run on tagged (one highlight) as `heed calibrate`
// does with its default options.
func (n native) calibrate(t *testing.T, tagged string) calibrate.Result {
	t.Helper()
	plain := n.prompt(t, tagged)
	upText, upSpan := calibrate.Uppercase(plain.Text, plain.Spans[0].Span)
	r, err := calibrate.Run(context.Background(), n.m, plain, n.prompt(t, upText, upSpan), calibrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// compareValues checks the page's values (data attributes) against want and
// returns the largest difference.
func compareValues(t *testing.T, what string, span int, got []string, want []float32, tol float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("span %d: %d %s values, want %d", span, len(got), what, len(want))
		return math.Inf(1)
	}
	var worst float64
	for k, s := range got {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Errorf("span %d %s %d: %q is not a number", span, what, k, s)
			continue
		}
		d := math.Abs(v - float64(want[k]))
		worst = max(worst, d)
		if !(d <= tol) {
			t.Errorf("span %d %s %d: page %g, native %g", span, what, k, v, want[k])
		}
	}
	return worst
}

// setInput replaces the value of the input matching selector by typing.
func setInput(t *testing.T, page *rod.Page, selector, value string, fail func(string, error)) {
	t.Helper()
	el, err := page.Element(selector)
	if err != nil {
		fail("find "+selector, err)
	}
	if err := el.SelectAllText(); err != nil {
		fail("select "+selector, err)
	}
	if err := el.Input(value); err != nil {
		fail("type into "+selector, err)
	}
}

// clickOn clicks the element matching selector once it is enabled.
func clickOn(t *testing.T, page *rod.Page, selector string, fail func(string, error)) {
	t.Helper()
	el, err := page.Element(selector + ":not([disabled])")
	if err != nil {
		fail("find "+selector, err)
	}
	if err := el.Click(proto.InputMouseButtonLeft, 1); err != nil {
		fail("click "+selector, err)
	}
}

// artifactsDir is $HEED_ARTIFACTS, or a new temporary directory that is kept
// after the test so its screenshots can be looked at.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HEED_ARTIFACTS")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "heed-artifacts-"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// shot writes a full-page screenshot named step.png into dir.
func shot(t *testing.T, page *rod.Page, dir, step string) {
	t.Helper()
	b, err := page.Screenshot(true, nil)
	if err != nil {
		t.Errorf("screenshot %s: %v", step, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, step+".png"), b, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", step, err)
	}
}

// errorOr is err, or an error carrying msg when err is nil.
func errorOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return &pageError{msg}
}

type pageError struct{ msg string }

func (e *pageError) Error() string { return e.msg }
