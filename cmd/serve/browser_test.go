//go:build !(js && wasm)

package main

import (
	"errors"
	"fmt"
	"os"
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
// 12 MB wasm compile in headless Chromium on 2 cores takes up to a minute, and
// the end-to-end test's steps (generation, sweep, calibration on SwiftShader)
// add about a minute more on a loaded machine.
const pageTimeout = 4 * time.Minute

// browserLog collects what would show in the devtools console as a problem.
type browserLog struct {
	mu       sync.Mutex
	problems []string
	expected []string // substrings of messages the test provokes on purpose
	wasmEnc  string   // Content-Encoding of the /web/app.wasm response
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
// adapter and it has none: the app's probe provokes it by design.
const noAdapterWarning = "No available adapters."

// TestBrowserLoadsAppUnderCSP loads the page in headless Chromium without
// WebGPU and expects the wasm app to replace go-app's loader, show the model
// list, and load the default model on the CPU with a banner saying WebGPU is
// missing, with no CSP violation, console error or uncaught exception (only
// Chromium's own no-adapter warning), and with the wasm instance exposed in
// globalThis.wasm by web/wasm-global.js.
func TestBrowserLoadsAppUnderCSP(t *testing.T) {
	needChromium(t)
	base, _ := started(t, modelsDir(t))

	page, log := openPage(t, false)
	log.expect(noAdapterWarning)
	if err := page.Navigate(base + "/"); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	state, err := waitFor(page, log, `() => {
		const rows = [...document.querySelectorAll(".heed-models tr.heed-model")];
		if (document.getElementById("app-wasm-loader") || rows.length === 0) return "";
		const mem = globalThis.wasm && globalThis.wasm.instance && globalThis.wasm.instance.exports.mem;
		return JSON.stringify({
			title: document.title,
			rows: rows.map((r) => [
				r.querySelector(".heed-model-name").innerText,
				r.querySelector(".heed-default") ? "default" : "",
				...[...r.cells].slice(1, 4).map((c) => c.innerText.trim()),
			].join("|")),
			wasmMemory: !!(mem && mem.buffer && mem.buffer.byteLength > 0),
		});
	}`)
	if err != nil {
		log.mu.Lock()
		t.Fatalf("app did not load: %v\nbrowser problems:\n%s", err, strings.Join(log.problems, "\n"))
	}
	// Let the service worker finish installing: its fetches are part of the load.
	if _, err := page.Eval(`() => navigator.serviceWorker.ready.then(() => true)`); err != nil {
		t.Errorf("service worker not ready: %v", err)
	}
	want := []string{`"title":"heed"`, `"wasmMemory":true`, defaultModelRow}
	for _, w := range want {
		if !strings.Contains(state, w) {
			t.Errorf("page state %s lacks %s", state, w)
		}
	}
	loaded, err := waitFor(page, log, `() => {
		const p = document.querySelector(".heed-model-panel");
		if (p.dataset.state === "error") return "error: " + p.innerText;
		if (p.dataset.state !== "loaded") return "";
		return document.querySelector(".heed-card").dataset.backend + "|" + document.querySelector(".heed-banner").innerText;
	}`)
	if err != nil {
		t.Fatalf("default model did not load: %v", err)
	}
	if backend, banner, _ := strings.Cut(loaded, "|"); backend != "CPU" || !strings.Contains(banner, "no WebGPU adapter") ||
		!strings.Contains(banner, "running on the CPU") {
		t.Errorf("without WebGPU: backend %q, banner %q; want CPU and a banner saying so", backend, banner)
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

// openPage starts headless Chromium (with SwiftShader's WebGPU when webgpu is
// set) and returns a blank page whose console errors and warnings, uncaught
// exceptions and CSP violations are collected in the returned log.
func openPage(t *testing.T, webgpu bool) (*rod.Page, *browserLog) {
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
	browser := rod.New().ControlURL(u)
	if err := browser.Connect(); err != nil {
		t.Fatalf("connecting to chromium: %v", err)
	}
	t.Cleanup(func() { browser.Close() })
	page, err := browser.Page(proto.TargetCreateTarget{URL: "about:blank"})
	if err != nil {
		t.Fatal(err)
	}
	page = page.Timeout(pageTimeout)

	log := &browserLog{}
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
	return page, log
}

// defaultModelRow is how the default model's row reads once loaded.
const defaultModelRow = `stories260K.gguf|default|1.13 MiB|llama|F32`

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
func waitFor(page *rod.Page, log *browserLog, js string) (string, error) {
	for {
		log.mu.Lock()
		failed := len(log.problems) > 0
		log.mu.Unlock()
		if failed {
			return "", errors.New("the browser reported a problem")
		}
		res, err := page.Eval(js)
		if err != nil {
			return "", err
		}
		if s := res.Value.Str(); s != "" {
			return s, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}
