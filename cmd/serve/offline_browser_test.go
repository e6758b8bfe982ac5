//go:build !(js && wasm)

package main

import (
	"strings"
	"testing"
)

// TestOfflineWithKeptModel drives the installable, offline page in headless
// Chromium: once the service worker controls the page, the default model is
// kept on the device (Origin Private File System); with the server stopped
// the page still starts from the worker's cache, says in words that the
// server's list is out of reach, loads the kept model from storage and
// generates tokens with it; deleting the kept model empties the list.
// Screenshots of each step go to $HEED_ARTIFACTS.
func TestOfflineWithKeptModel(t *testing.T) {
	needChromium(t)
	artifacts := artifactsDir(t)
	base, stop := started(t, modelsDir(t))
	page, log := openPage(t, false)
	log.expect(noAdapterWarning)
	if err := page.Navigate(base + "/"); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	fail := failer(t, page, log, artifacts, "offline-failed-")
	const model = "stories260K.gguf"
	if card, err := waitModelLoaded(page, log, model); err != nil {
		fail("default model", errorOr(err, card))
	}
	// go-app's worker claims the page once installed, and installing fills its cache.
	if _, err := waitFor(page, log, `() => navigator.serviceWorker.controller ? "controlled" : ""`); err != nil {
		fail("service worker", err)
	}
	shot(t, page, artifacts, "offline-1-online")

	// 1. Keep the loaded model on the device.
	clickOn(t, page, `.heed-keep[aria-label="Keep `+model+` offline"]`, fail)
	kept, err := waitFor(page, log, `() => {
		const err = document.querySelector(".heed-kept-error");
		if (err) return "error: " + err.innerText;
		const rows = [...document.querySelectorAll(".heed-kept-model")];
		const usage = document.querySelector(".heed-kept-usage");
		return document.querySelector(".heed-kept-already") && usage ? rows.map((r) => r.innerText.replace(/\s+/g, " ").trim()).join("|") + "|" + usage.innerText : "";
	}`)
	if err != nil || strings.HasPrefix(kept, "error") {
		fail("keep the model", errorOr(err, kept))
	}
	if !strings.HasPrefix(kept, model+" 1.13 MiB") {
		t.Errorf("kept list %q, want %s of 1.13 MiB", kept, model)
	}
	shot(t, page, artifacts, "offline-2-kept")

	// 2. Stop the server and reload: the page starts from the worker's cache.
	if err := stop(); err != nil {
		t.Fatalf("stopping the server: %v", err)
	}
	// Requests to the stopped server (the model list) fail by design.
	log.expect("/api/models")
	log.expect("net::ERR_CONNECTION_REFUSED")
	if err := page.Reload(); err != nil {
		fail("reload", err)
	}
	offline, err := waitFor(page, log, `() => {
		if (document.getElementById("app-wasm-loader")) return "";
		const e = document.querySelector(".heed-list-error");
		return e && document.querySelector(".heed-kept-model") ? e.innerText : "";
	}`)
	if err != nil {
		fail("offline start", err)
	}
	if !strings.Contains(offline, "you may be offline") || !strings.Contains(offline, "kept model") {
		t.Errorf("offline page says %q; want that the server cannot be reached and kept models are offered", offline)
	}
	shot(t, page, artifacts, "offline-3-started-offline")

	// 3. The kept model loads from storage and generates.
	clickOn(t, page, `.heed-kept-load[aria-label="Load kept `+model+`"]`, fail)
	if card, err := waitModelLoaded(page, log, model); err != nil {
		fail("load the kept model", errorOr(err, card))
	}
	setInput(t, page, "#heed-max-tokens", "8", fail)
	clickOn(t, page, ".heed-generate", fail)
	out, err := waitFor(page, log, `() => {
		const cols = [...document.querySelectorAll(".heed-column")];
		if (document.querySelector(".heed-generation").dataset.running !== "false") return "";
		if (cols.length !== 2 || cols.some((c) => c.dataset.done !== "true")) return "";
		const e = document.querySelector(".heed-gen-error");
		return e ? "error: " + e.innerText : String(document.querySelectorAll(".heed-out-tok").length);
	}`)
	if err != nil || strings.HasPrefix(out, "error") || out == "0" {
		fail("generate offline", errorOr(err, "tokens: "+out))
	}
	t.Logf("offline generation: %s tokens", out)
	shot(t, page, artifacts, "offline-4-generated")

	// 4. Deleting the kept model empties the list.
	clickOn(t, page, `.heed-kept-delete[aria-label="Delete kept `+model+`"]`, fail)
	if _, err := waitFor(page, log, `() => document.querySelector(".heed-kept-empty") && !document.querySelector(".heed-kept-model") ? "empty" : ""`); err != nil {
		fail("delete the kept model", err)
	}
	shot(t, page, artifacts, "offline-5-deleted")

	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.problems) > 0 {
		t.Errorf("browser reported problems:\n%s", strings.Join(log.problems, "\n"))
	}
}
