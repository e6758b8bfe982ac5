//go:build !(js && wasm)

package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"heed/internal/defaultmodel"
)

// TestStaticSiteInBrowser builds the static site (make site) for a
// sub-path, as a GitHub Pages project site is served, serves it with a
// plain static file server (Go's http.FileServer: files, Range requests,
// nothing else), and drives it in headless Chromium: the first paint holds
// the sample's run, the app starts, loads the shipped default model from
// the site, runs the sample, and loads a local file.
func TestStaticSiteInBrowser(t *testing.T) {
	needChromium(t)
	artifacts := artifactsDir(t)
	site := filepath.Join(t.TempDir(), "site")
	if err := run(context.Background(), []string{"-site", site, "-base", "/heed", "-web", testWebDir, "-models", modelsDir(t),
		"-fetch-default=false"}, io.Discard, io.Discard); err != nil {
		t.Fatalf("building the site: %v", err)
	}
	for _, f := range []string{"index.html", "app.js", "app-worker.js", "wasm_exec.js", "manifest.webmanifest",
		"web/app.wasm", "web/engine.wasm", "web/engine-worker.js", "api/models", "models/" + defaultmodel.Name} {
		if _, err := os.Stat(filepath.Join(site, f)); err != nil {
			t.Errorf("site lacks %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(site, "web", "app.wasm.br")); err == nil {
		t.Error("site holds precompressed copies")
	}
	index, _ := os.ReadFile(filepath.Join(site, "index.html"))
	for _, want := range []string{`src="/heed/app.js"`, `/heed/web/start.js?v=`, "computed by the server on " + defaultmodel.Name, `http-equiv="Content-Security-Policy"`} {
		if !strings.Contains(string(index), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/heed/", http.StripPrefix("/heed/", http.FileServer(http.Dir(site))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	files := t.TempDir()
	writeSyntheticModel(t, files)
	page, log := openPage(t, false)
	log.expect(noAdapterWarning)
	if err := visit(page, srv.URL+"/heed/"); err != nil {
		t.Fatal(err)
	}
	fail := failer(t, page, log, artifacts, "site-failed-")
	if _, err := waitModelLoaded(page, log, defaultmodel.Name); err != nil {
		fail("default model from the site", err)
	}
	if out, err := waitAutoRun(page, log); err != nil || out.Error != "" || len(out.Texts) != 2 || out.Texts[0] == "" {
		fail("the sample's run", errorOr(err, out.Error))
	}
	shot(t, page, artifacts, "site-1-first-screen")
	openSheet(t, page, log, "model")
	in, err := page.Element("#heed-open-file")
	if err != nil {
		fail("find the file input", err)
	}
	if err := in.SetFiles([]string{filepath.Join(files, syntheticModel)}); err != nil {
		fail("choose a file", err)
	}
	if _, err := waitModelLoaded(page, log, syntheticModel); err != nil {
		fail("load a local file on the static site", err)
	}
	shot(t, page, artifacts, "site-2-local-file")
	checkProblems(t, log)
}
