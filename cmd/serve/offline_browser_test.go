//go:build !(js && wasm)

package main

import (
	"strings"
	"testing"

	"github.com/go-rod/rod/lib/input"
)

// TestOfflineWithKeptModel drives the installable, offline page in headless
// Chromium: once the service worker controls the page, the default model is
// kept on the device (Origin Private File System); with the server stopped
// the page still starts from the worker's cache (the engine worker's script
// and wasm included), says in words that the server's list is out of reach,
// loads the kept model from storage and generates tokens with it; the
// gallery and presentation mode work there too; deleting the kept model
// empties the list. Screenshots of each step go to $HEED_ARTIFACTS.
func TestOfflineWithKeptModel(t *testing.T) {
	needChromium(t)
	artifacts := artifactsDir(t)
	base, stop := started(t, modelsDir(t))
	page, log := openPage(t, false)
	log.expect(noAdapterWarning)
	if err := visit(page, base+"/"); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	fail := failer(t, page, log, artifacts, "offline-failed-")
	const model = "stories260K.gguf"
	if _, err := waitModelLoaded(page, log, model); err != nil {
		fail("default model", err)
	}
	if _, err := waitAutoRun(page, log); err != nil {
		fail("the sample's run", err)
	}
	// go-app's worker claims the page once installed, and installing fills its cache.
	if _, err := waitFor(page, log, `() => navigator.serviceWorker.controller ? "controlled" : ""`); err != nil {
		fail("service worker", err)
	}
	shot(t, page, artifacts, "offline-1-online")

	// 1. Keep the loaded model on the device.
	openSheet(t, page, log, "model")
	clickOn(t, page, `.heed-keep[aria-label="Keep offline: `+model+`"]`, fail)
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
	if err := reload(page); err != nil {
		fail("reload", err)
	}
	openSheet(t, page, log, "model")
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
	if _, err := waitModelLoaded(page, log, model); err != nil {
		fail("load the kept model", err)
	}
	closeSheets(t, page)
	generate(t, page, log, fail)
	out, err := waitRun(page, log)
	if err != nil || out.Error != "" || len(out.Texts) != 2 || out.Texts[0] == "" {
		fail("generate offline", errorOr(err, out.Error))
	}
	shot(t, page, artifacts, "offline-4-generated")

	// 4. The gallery and presentation mode, offline: an example runs from
	// the gallery; presentation mode steps to the next one with →.
	openSheet(t, page, log, "gallery")
	clickOn(t, page, `.heed-example[data-id="mention/22"] .heed-example-run`, fail)
	ex, err := waitFor(page, log, `() => document.getElementById("heed-rendered").dataset.tagged.includes("cow") ? "y" : ""`)
	if err != nil || ex == "" {
		fail("gallery example", err)
	}
	if out, err = waitRun(page, log); err != nil || out.Error != "" || !strings.Contains(strings.ToLower(out.Texts[0]), "cow") {
		t.Errorf("the cow example offline: %+v (%v); want the cow back with GUIDE", out, err)
	}
	clickOn(t, page, ".heed-open-present", fail)
	if _, err := waitFor(page, log, `() => document.querySelector(".heed-shell").dataset.presenting === "true" ? "y" : ""`); err != nil {
		fail("presentation mode", err)
	}
	if err := page.Keyboard.Type(input.ArrowRight); err != nil {
		fail("next example", err)
	}
	if _, err := waitFor(page, log, `() => document.querySelector(".heed-present-title").innerText.includes("3 / 8") ? "y" : ""`); err != nil {
		fail("next example in presentation mode", err)
	}
	if out, err = waitRun(page, log); err != nil || out.Error != "" {
		t.Errorf("presentation run offline: %+v (%v)", out, err)
	}
	shot(t, page, artifacts, "offline-5-presenting")
	if err := page.Keyboard.Type(input.Escape); err != nil {
		fail("leave presentation mode", err)
	}
	if _, err := waitFor(page, log, `() => document.querySelector(".heed-shell").dataset.presenting === "false" ? "y" : ""`); err != nil {
		fail("leave presentation mode", err)
	}

	// 5. Deleting the kept model empties the list.
	openSheet(t, page, log, "model")
	clickOn(t, page, `.heed-kept-delete[aria-label="Delete kept `+model+`"]`, fail)
	if _, err := waitFor(page, log, `() => document.querySelector(".heed-kept-empty") && !document.querySelector(".heed-kept-model") ? "empty" : ""`); err != nil {
		fail("delete the kept model", err)
	}
	shot(t, page, artifacts, "offline-6-deleted")
	checkProblems(t, log)
}
