//go:build !(js && wasm)

package main

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestModelSourcesInBrowser loads models in headless Chromium from
// everywhere but the server's list: a file chosen in the file input, a file
// that is not a model (which fails in words), a file dropped on the model
// panel (through a synthetic DataTransfer), and URLs on a second server on
// another port: one that allows CORS and Range requests, one that sends no
// CORS headers and one that ignores Range, each failing in words.
// Screenshots of each step go to $HEED_ARTIFACTS.
func TestModelSourcesInBrowser(t *testing.T) {
	needChromium(t)
	artifacts := artifactsDir(t)
	files := t.TempDir()
	writeSyntheticModel(t, files)
	model, err := os.ReadFile(filepath.Join(files, syntheticModel))
	if err != nil {
		t.Fatal(err)
	}
	notModel := filepath.Join(files, "notes.gguf")
	if err := os.WriteFile(notModel, []byte("these are notes, not a model\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	remote := modelHost(t, model)

	base, _ := started(t, modelsDir(t))
	page, log := openPage(t, false)
	log.expect(noAdapterWarning)
	// The browser reports the refused cross-origin and whole-file reads the test provokes.
	log.expect("/nocors/")
	log.expect("/norange/")
	if err := visit(page, base+"/"); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	fail := failer(t, page, log, artifacts, "sources-failed-")
	if _, err := waitModelLoaded(page, log, "stories260K.gguf"); err != nil {
		fail("default model", err)
	}
	if _, err := waitAutoRun(page, log); err != nil {
		fail("the sample's run", err)
	}
	openSheet(t, page, log, "model")
	card := func() string {
		c, _ := page.Eval(`() => (document.querySelector(".heed-card") || {}).innerText || ""`)
		return c.Value.Str()
	}

	// 1. A file chosen in the file input loads like a server model.
	input, err := page.Element("#heed-open-file")
	if err != nil {
		fail("find the file input", err)
	}
	start := time.Now()
	if err := input.SetFiles([]string{filepath.Join(files, syntheticModel)}); err != nil {
		fail("choose a file", err)
	}
	if _, err := waitModelLoaded(page, log, syntheticModel); err != nil {
		fail("load a chosen file", err)
	}
	t.Logf("chosen file loaded in %s", time.Since(start).Round(time.Millisecond))
	if c := card(); !strings.Contains(c, "Q8_0") {
		t.Errorf("card of the chosen Q8_0 file:\n%s", c)
	}
	shot(t, page, artifacts, "sources-1-file")

	// 2. A file that is not a model fails in words.
	if err := input.SetFiles([]string{notModel}); err != nil {
		fail("choose a bad file", err)
	}
	if msg, err := waitLoadError(page, log, "notes.gguf"); err != nil || !strings.HasPrefix(msg, "This file is not a GGUF model heed can read: notes.gguf") {
		fail("a file that is not a model", errorOr(err, "error shown: "+msg))
	}
	shot(t, page, artifacts, "sources-2-not-a-model")

	// 3. A file dragged over the panel shows the drop target; dropped, it loads.
	if _, err := page.Eval(`(b64) => {
		const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], "dropped.gguf"));
		globalThis.heedTestDrop = dt;
		document.querySelector(".heed-model-panel").dispatchEvent(
			new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
	}`, base64.StdEncoding.EncodeToString(model)); err != nil {
		fail("drag a file over the panel", err)
	}
	if _, err := waitFor(page, log, `() => document.querySelector(".heed-model-panel").dataset.drop === "over" ? "over" : ""`); err != nil {
		fail("drop target", err)
	}
	shot(t, page, artifacts, "sources-3-drag-over")
	if _, err := page.Eval(`() => document.querySelector(".heed-model-panel").dispatchEvent(
		new DragEvent("drop", {dataTransfer: globalThis.heedTestDrop, bubbles: true, cancelable: true}))`); err != nil {
		fail("drop a file", err)
	}
	if _, err := waitModelLoaded(page, log, "dropped.gguf"); err != nil {
		fail("load a dropped file", err)
	}
	if drop, _ := page.Eval(`() => document.querySelector(".heed-model-panel").dataset.drop`); drop.Value.Str() != "none" {
		t.Errorf("after the drop, data-drop = %q, want none", drop.Value.Str())
	}
	shot(t, page, artifacts, "sources-4-dropped")

	// 4. A URL on a server that allows CORS and Range loads through Range requests.
	loadURL := func(u string) {
		t.Helper()
		setInput(t, page, "#heed-model-url", u, fail)
		clickOn(t, page, ".heed-url-load", fail)
	}
	loadURL(remote + "/cors/remote.gguf")
	if _, err := waitModelLoaded(page, log, "remote.gguf"); err != nil {
		fail("load from a URL", err)
	}
	shot(t, page, artifacts, "sources-5-url")

	// 5. A server without CORS headers and one that ignores Range fail in words.
	for _, tc := range []struct{ path, want string }{
		{"/nocors/remote.gguf", "does not let other sites read the file"},
		{"/norange/remote.gguf", "could not send the file in pieces"},
	} {
		loadURL(remote + tc.path)
		if msg, err := waitLoadError(page, log, tc.path); err != nil || !strings.Contains(msg, tc.want) {
			fail("url-"+strings.Split(tc.path, "/")[1], errorOr(err, "error shown: "+msg))
		}
		shot(t, page, artifacts, "sources-6-url-"+strings.Split(tc.path, "/")[1])
	}

	checkProblems(t, log)
}

// modelHost serves model on another loopback port, as a model host would:
// /cors/NAME with CORS headers that let any page read it in ranges,
// /nocors/NAME with Range but no CORS headers, and /norange/NAME with CORS
// headers but always the whole file.
func modelHost(t *testing.T, model []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if kind != "nocors" {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Allow-Headers", "Range")
			h.Set("Access-Control-Expose-Headers", "Content-Range, Content-Length")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		switch kind {
		case "cors", "nocors":
			http.ServeContent(w, r, "model.gguf", time.Time{}, bytes.NewReader(model))
		case "norange":
			w.Write(model)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
