//go:build !(js && wasm)

package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"
)

// chromiumBin is Debian's chromium package, which ships SwiftShader.
const chromiumBin = "/usr/bin/chromium"

// pageTimeout bounds everything one browser test does on its page: a cold
// wasm compile in headless Chromium on 2 cores takes up to a minute, and the
// end-to-end test's steps (generation, sweep, calibration on SwiftShader)
// add a few minutes more on a loaded machine.
const pageTimeout = 6 * time.Minute

// browserLog collects what would show in the devtools console as a problem.
type browserLog struct {
	mu       sync.Mutex
	problems []string
	expected []string // substrings of messages the test provokes on purpose
	wasmEnc  string   // Content-Encoding of the /web/app.wasm response
	// webgpu: the page was opened with WebGPU and told to use it; under
	// HEED_REQUIRE_WEBGPU=1 every model it loads must run there.
	webgpu bool
}

func (l *browserLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	for _, e := range l.expected {
		if strings.Contains(msg, e) {
			return
		}
	}
	l.problems = append(l.problems, msg)
}

// expect lets through messages containing s.
func (l *browserLog) expect(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expected = append(l.expected, s)
}

// noAdapterWarning is what Chromium logs when a page asks for a WebGPU
// adapter and it has none: the engine's probe provokes it by design.
const noAdapterWarning = "No available adapters."

// TestBrowserLoadsAppUnderCSP loads the page in headless Chromium without
// WebGPU: the first paint holds the server's run of the sample; once the
// visitor moves the pointer the wasm app takes over, starts the engine
// worker, lists the models, loads the default one on the CPU with the model
// drawer saying why, and runs the sample by itself, with no CSP violation,
// console error or uncaught exception (only Chromium's own no-adapter
// warning), and the wasm served brotli-compressed.
func TestBrowserLoadsAppUnderCSP(t *testing.T) {
	needChromium(t)
	base, _ := started(t, modelsDir(t))

	page, log := openPage(t, false)
	log.expect(noAdapterWarning)
	if err := page.Navigate(base + "/"); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	if err := page.WaitLoad(); err != nil {
		t.Fatal(err)
	}
	// Before any interaction: the server's run is on the page, the app is not started.
	first, err := page.Eval(`() => new Promise((r) => setTimeout(() => r(JSON.stringify({
		live: document.querySelector(".heed-shell").dataset.live,
		outputs: [...document.querySelectorAll(".heed-column .heed-output")].map((o) => o.innerText.trim()).filter((s) => s).length,
		heatmap: document.querySelectorAll(".heed-heat .heed-tok").length,
		stats: document.querySelector(".heed-stats").innerText,
	})), 1000))`)
	if err != nil {
		t.Fatal(err)
	}
	var fp struct {
		Live             string
		Outputs, Heatmap int
		Stats            string
	}
	if err := jsonInto(first.Value.Str(), &fp); err != nil {
		t.Fatal(err)
	}
	if fp.Live != "false" || fp.Outputs != 2 || fp.Heatmap == 0 || !strings.Contains(fp.Stats, "computed by the server") {
		t.Errorf("first paint before any interaction: %+v; want both continuations, the heatmap, labelled as the server's, and the app not started", fp)
	}
	if err := interact(page); err != nil {
		t.Fatal(err)
	}
	backend, err := waitModelLoaded(page, log, "stories260K.gguf")
	if err != nil {
		t.Fatalf("default model did not load: %v\nbrowser problems:\n%s", err, strings.Join(log.problems, "\n"))
	}
	state, err := waitFor(page, log, `() => {
		const g = document.querySelector(".heed-generation");
		if (g.dataset.running !== "false" || g.dataset.runs === "0") return "";
		const cols = [...document.querySelectorAll(".heed-column")];
		if (cols.length !== 2 || cols.some((c) => c.dataset.done !== "true")) return "";
		return JSON.stringify({
			title: document.title,
			line: document.querySelector(".heed-live").innerText,
			outputs: cols.map((c) => c.querySelector(".heed-output").innerText.trim()).filter((s) => s !== "").length,
		});
	}`)
	if err != nil {
		t.Fatalf("the sample did not run: %v", err)
	}
	if _, err := page.Eval(`() => navigator.serviceWorker.ready.then(() => true)`); err != nil {
		t.Errorf("service worker not ready: %v", err)
	}
	for _, w := range []string{`"title":"heed"`, `"outputs":2`} {
		if !strings.Contains(state, w) {
			t.Errorf("page state %s lacks %s", state, w)
		}
	}
	if backend != "CPU" {
		t.Errorf("without WebGPU the page runs on %q, want CPU", backend)
	}
	// After the run the line shows the figures; the backend's reason is in the model drawer.
	openSheet(t, page, log, "model")
	note, err := waitFor(page, log, `() => (document.querySelector(".heed-model-panel .heed-banner") || {}).innerText || ""`)
	if err != nil || !strings.Contains(note, "Running on CPU") || !strings.Contains(note, "no GPU") {
		t.Errorf("model drawer says %q (%v), want the CPU and why not a GPU", note, err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.problems) > 0 {
		t.Errorf("browser reported problems:\n%s", strings.Join(log.problems, "\n"))
	}
	if log.wasmEnc != "br" {
		t.Errorf("app.wasm Content-Encoding = %q, want br", log.wasmEnc)
	}
}

// needChromium skips the test without Chromium, except in CI where it fails.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumBin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (apt-get install -y chromium): %v", chromiumBin, err)
		}
		t.Skipf("%s not installed (apt-get install -y chromium); set CI=1 to make this a failure", chromiumBin)
	}
}

// launch starts headless Chromium (with SwiftShader's WebGPU when webgpu is
// set) and returns its control URL.
func launch(t *testing.T, webgpu bool) string {
	t.Helper()
	l := launcher.New().Bin(chromiumBin).Leakless(false).Headless(true).NoSandbox(true).
		UserDataDir(t.TempDir()).
		Set("disable-background-networking").
		Set("disable-component-update").
		Set("disable-sync").
		Set("no-first-run")
	if webgpu {
		// SwiftShader's Vulkan under Chromium's WebGPU (see ENVIRONMENT.md).
		l = l.Set("enable-unsafe-webgpu").Set("enable-features", "Vulkan").
			Set("use-vulkan", "swiftshader").Set("use-webgpu-adapter", "swiftshader")
	}
	u, err := l.Launch()
	if err != nil {
		t.Fatalf("launching chromium: %v", err)
	}
	t.Cleanup(l.Kill)
	return u
}

// openPage starts headless Chromium and returns a blank page whose console
// errors and warnings, uncaught exceptions and CSP violations are collected
// in the returned log. With webgpu, Chromium exposes SwiftShader's adapter
// and the page is told to use WebGPU (the backend setting), since its
// automatic choice passes over software adapters; without, the page keeps
// its automatic choice and finds no adapter.
func openPage(t *testing.T, webgpu bool) (*rod.Page, *browserLog) {
	t.Helper()
	choice := ""
	if webgpu {
		choice = "gpu"
	}
	return openPageWith(t, webgpu, choice)
}

// openPageWith is openPage with the backend setting choice ("" leaves the
// page's automatic choice) apart from whether Chromium exposes WebGPU.
func openPageWith(t *testing.T, webgpu bool, choice string) (*rod.Page, *browserLog) {
	t.Helper()
	browser := rod.New().ControlURL(launch(t, webgpu))
	if err := browser.Connect(); err != nil {
		t.Fatalf("connecting to chromium: %v", err)
	}
	t.Cleanup(func() { browser.Close() })
	page, err := browser.Page(proto.TargetCreateTarget{URL: "about:blank"})
	if err != nil {
		t.Fatal(err)
	}
	page = page.Timeout(pageTimeout)

	log := &browserLog{webgpu: choice == "gpu"}
	for _, enable := range []interface{ Call(proto.Client) error }{proto.LogEnable{}, proto.RuntimeEnable{}, proto.NetworkEnable{}} {
		if err := enable.Call(page); err != nil {
			t.Fatal(err)
		}
	}
	go page.EachEvent(
		func(e *proto.LogEntryAdded) {
			if e.Entry.Level == proto.LogLogEntryLevelError || e.Entry.Level == proto.LogLogEntryLevelWarning {
				log.add("log %s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL)
			}
		},
		func(e *proto.RuntimeConsoleAPICalled) {
			if os.Getenv("HEED_DEBUG_CONSOLE") != "" {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, a.Value.String()+a.Description)
				}
				fmt.Fprintln(os.Stderr, "console", e.Type, strings.Join(parts, " "))
			}
			if e.Type == proto.RuntimeConsoleAPICalledTypeError || e.Type == proto.RuntimeConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, a.Value.String()+a.Description)
				}
				log.add("console.%s: %s", e.Type, strings.Join(parts, " "))
			}
		},
		func(e *proto.RuntimeExceptionThrown) {
			log.add("uncaught: %s %s", e.ExceptionDetails.Text, e.ExceptionDetails.Exception.Description)
		},
		func(e *proto.NetworkResponseReceived) {
			if strings.Contains(e.Response.URL, "/web/app.wasm") {
				log.mu.Lock()
				log.wasmEnc = e.Response.Headers["Content-Encoding"].String()
				log.mu.Unlock()
			}
		},
	)()
	// Violations also reach the page as events; the listener is injected
	// through the debugger, which the page's CSP does not govern.
	if _, err := page.EvalOnNewDocument(`document.addEventListener("securitypolicyviolation",
		(e) => console.error("CSP violation:", e.violatedDirective, e.blockedURI));`); err != nil {
		t.Fatal(err)
	}
	if choice != "" {
		// The backend setting, as the page keeps it (app/settings.go).
		if _, err := page.EvalOnNewDocument(`try { localStorage.setItem("heed-backend", ` + strconv.Quote(choice) + `) } catch (e) {}`); err != nil {
			t.Fatal(err)
		}
	}
	return page, log
}

// visit opens url as a visitor does: the page loads, then the pointer moves
// over it, which starts the app (web/start.js holds the wasm until the
// first interaction; the first paint needs none).
func visit(page *rod.Page, url string) error {
	if err := page.Navigate(url); err != nil {
		return err
	}
	return interact(page)
}

// reload reloads the page and moves the pointer, as visit does.
func reload(page *rod.Page) error {
	if err := page.Reload(); err != nil {
		return err
	}
	return interact(page)
}

func interact(page *rod.Page) error {
	if err := page.WaitLoad(); err != nil {
		return err
	}
	if err := page.Mouse.MoveTo(proto.Point{X: 3, Y: 3}); err != nil {
		return err
	}
	return page.Mouse.MoveTo(proto.Point{X: 7, Y: 9})
}

// waitModelLoaded waits until the page shows model name loaded and returns
// its backend label; an error about loading ends the wait with its text.
// Under HEED_REQUIRE_WEBGPU=1, a page opened with WebGPU that loaded the
// model anywhere else fails the wait: every load is checked, not only the
// first.
func waitModelLoaded(page *rod.Page, log *browserLog, name string) (string, error) {
	got, err := waitFor(page, log, `() => {
		const s = document.querySelector(".heed-shell");
		if (!s || document.getElementById("app-wasm-loader")) return "";
		const chip = document.querySelector(".heed-model-chip");
		if (s.dataset.model === "error") {
			const line = document.querySelector(".heed-backend-line");
			const msg = line ? line.innerText : "";
			return msg.includes(`+strconv.Quote(name)+`) ? "error: " + msg : "";
		}
		return s.dataset.model === "loaded" && chip && chip.innerText.startsWith(`+strconv.Quote(name+" · ")+`) ? s.dataset.backend : "";
	}`)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(got, "error: ") {
		return "", &pageError{got}
	}
	if log.webgpu && os.Getenv("HEED_REQUIRE_WEBGPU") == "1" && !strings.HasPrefix(got, "WebGPU") {
		return got, fmt.Errorf("HEED_REQUIRE_WEBGPU=1 but %s runs on %q", name, got)
	}
	return got, nil
}

// waitLoadError waits for a model load to fail with a message mentioning
// about (so that an earlier error does not count) and returns it.
func waitLoadError(page *rod.Page, log *browserLog, about string) (string, error) {
	return waitFor(page, log, `() => {
		const s = document.querySelector(".heed-shell");
		const line = document.querySelector(".heed-backend-line");
		return s && s.dataset.model === "error" && line && line.innerText.includes(`+strconv.Quote(about)+`) ? line.innerText : "";
	}`)
}

// openSheet opens the header's sheet name (model, settings, gallery) unless
// it is open.
func openSheet(t *testing.T, page *rod.Page, log *browserLog, name string) {
	t.Helper()
	// The server-rendered page shows the buttons before the wasm runs them.
	if _, err := waitFor(page.Timeout(2*time.Minute), log, `() => {
		const s = document.querySelector(".heed-shell");
		return s && s.dataset.live === "true" ? "live" : "";
	}`); err != nil {
		state, _ := page.Eval(`() => document.body.innerText.slice(0, 500)`)
		t.Fatalf("the app did not start: %v\n%s", err, state.Value.Str())
	}
	if _, err := page.Eval(`(n) => {
		const b = document.querySelector(".heed-open-" + n);
		if (b && b.getAttribute("aria-expanded") !== "true") b.click();
	}`, name); err != nil {
		t.Fatalf("open the %s sheet: %v", name, err)
	}
	id := map[string]string{"model": "heed-model-sheet", "settings": "heed-settings", "gallery": "heed-gallery"}[name]
	if _, err := waitFor(page.Timeout(time.Minute), log, `(id) => { const s = document.getElementById(id); return s && !s.hidden ? "open" : ""; }`, id); err != nil {
		state, _ := page.Eval(`(n) => { const b = document.querySelector(".heed-open-" + n); return "wasm " + !!globalThis.wasm + " sw " + !!navigator.serviceWorker.controller + " " + location.href + "\n" + (b ? b.outerHTML : "no button") + "\n" + document.body.innerText.slice(0, 100); }`, name)
		t.Fatalf("the %s sheet did not open: %v\n%s", name, err, state.Value.Str())
	}
}

// closeSheets closes any open sheet.
func closeSheets(t *testing.T, page *rod.Page) {
	t.Helper()
	if _, err := page.Eval(`() => { const b = document.querySelector(".heed-sheet:not([hidden]) .heed-sheet-close"); if (b) b.click(); }`); err != nil {
		t.Fatal(err)
	}
}

// selectWords selects the first occurrence of words in the rendered prompt,
// as a reader's drag would; the page hears the selection change.
func selectWords(t *testing.T, page *rod.Page, log *browserLog, words string) {
	t.Helper()
	if _, err := page.Eval(`(w) => {
		const box = document.getElementById("heed-rendered");
		const walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			const i = n.data.indexOf(w);
			if (i < 0) continue;
			const r = document.createRange();
			r.setStart(n, i);
			r.setEnd(n, i + w.length);
			const sel = getSelection();
			sel.removeAllRanges();
			sel.addRange(r);
			return;
		}
		throw new Error("no " + w + " in the prompt");
	}`, words); err != nil {
		t.Fatalf("select %q: %v", words, err)
	}
	// selectionchange is dispatched as a task after the change.
	if _, err := page.Eval(`() => new Promise((r) => setTimeout(r, 50))`); err != nil {
		t.Fatal(err)
	}
}

// tagged is the prompt's tag source as the page holds it.
func tagged(t *testing.T, page *rod.Page) string {
	t.Helper()
	v, err := page.Eval(`() => document.getElementById("heed-rendered").dataset.tagged`)
	if err != nil {
		t.Fatal(err)
	}
	return v.Value.Str()
}

// generate clicks Generate and waits until the run has started (the page
// counts its runs), so that waitRun cannot see the previous one.
func generate(t *testing.T, page *rod.Page, log *browserLog, fail func(string, error)) {
	t.Helper()
	before, err := page.Eval(`() => +document.querySelector(".heed-generation").dataset.runs`)
	if err != nil {
		fail("count the runs", err)
	}
	clickOn(t, page, ".heed-generate", fail)
	if _, err := waitFor(page, log, `(n) => +document.querySelector(".heed-generation").dataset.runs > n ? "y" : ""`, before.Value.Int()); err != nil {
		fail("start a run", err)
	}
}

// runResult is what a finished run shows.
type runResult struct {
	Texts, Stats []string
	Diffs        int
	Error, Live  string
}

// waitAutoRun waits for the run the page starts by itself once the default
// model is loaded (the first paint shows the server's run of the same
// prompt) and returns it.
func waitAutoRun(page *rod.Page, log *browserLog) (runResult, error) {
	if _, err := waitFor(page, log, `() => +document.querySelector(".heed-generation").dataset.runs > 0 ? "y" : ""`); err != nil {
		return runResult{}, err
	}
	return waitRun(page, log)
}

// waitRun waits until no run is going and every shown column is done.
func waitRun(page *rod.Page, log *browserLog) (runResult, error) {
	var r runResult
	raw, err := waitFor(page, log, `() => {
		if (document.querySelector(".heed-generation").dataset.running !== "false") return "";
		const err = (document.querySelector(".heed-gen-error") || {}).innerText || "";
		const cols = [...document.querySelectorAll(".heed-column")];
		if (!err && (cols.length === 0 || cols.some((c) => c.dataset.done !== "true"))) return "";
		return JSON.stringify({
			texts: cols.map((c) => c.querySelector(".heed-output").innerText),
			stats: cols.map((c) => c.querySelector(".heed-stats").innerText),
			diffs: document.querySelectorAll(".heed-diff").length,
			error: err,
			live: document.querySelector(".heed-live").innerText,
		});
	}`)
	if err == nil {
		err = jsonInto(raw, &r)
	}
	return r, err
}

// failer returns the way a browser test gives up at a step: a screenshot
// named prefix+step in artifacts, then the error with every problem the
// browser reported.
func failer(t *testing.T, page *rod.Page, log *browserLog, artifacts, prefix string) func(step string, err error) {
	return func(step string, err error) {
		t.Helper()
		shot(t, page, artifacts, prefix+step)
		log.mu.Lock()
		defer log.mu.Unlock()
		t.Fatalf("%s: %v\nbrowser problems:\n%s", step, err, strings.Join(log.problems, "\n"))
	}
}

// waitFor polls js (a function returning "" until ready) until it returns a
// non-empty string, the browser reports a problem, or the page's timeout expires.
func waitFor(page *rod.Page, log *browserLog, js string, args ...any) (string, error) {
	for {
		log.mu.Lock()
		failed := len(log.problems) > 0
		log.mu.Unlock()
		if failed {
			return "", errors.New("the browser reported a problem")
		}
		res, err := page.Eval(js, args...)
		if err != nil {
			return "", err
		}
		if s := res.Value.Str(); s != "" {
			return s, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkProblems fails the test with what the browser reported.
func checkProblems(t *testing.T, log *browserLog) {
	t.Helper()
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.problems) > 0 {
		t.Errorf("browser reported problems:\n%s", strings.Join(log.problems, "\n"))
	}
}
