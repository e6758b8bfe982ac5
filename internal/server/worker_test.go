package server

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestWorkerCachesEverythingThePageLinks pins the offline start: every URL
// the page loads from this origin (stylesheets, scripts, icons, manifest,
// the wasm) is in the service worker's install list, so the page starts
// from the cache with the server stopped.
func TestWorkerCachesEverythingThePageLinks(t *testing.T) {
	f := newFixture(t, Config{})
	_, page := f.get(t, "GET", "/")
	_, worker := f.get(t, "GET", "/app-worker.js")

	m := regexp.MustCompile(`const resourcesToCache = (\[[^\]]*\]);`).FindSubmatch(worker)
	if m == nil {
		t.Fatalf("no resourcesToCache in app-worker.js:\n%s", worker)
	}
	var cached []string
	if err := json.Unmarshal(m[1], &cached); err != nil {
		t.Fatalf("resourcesToCache: %v", err)
	}
	inCache := make(map[string]bool)
	for _, c := range cached {
		inCache[c] = true
	}

	linked := regexp.MustCompile(`(?:href|src)="(/[^"]*)"`).FindAllSubmatch(page, -1)
	if len(linked) == 0 {
		t.Fatalf("the page links nothing:\n%s", page)
	}
	for _, l := range linked {
		u := string(l[1])
		if u == "/" || strings.HasPrefix(u, "//") {
			continue
		}
		if !inCache[u] {
			t.Errorf("the page loads %s, which the service worker does not cache (it caches %q)", u, cached)
		}
	}
	for _, must := range []string{"/", "/app.js", "/wasm_exec.js", "/manifest.webmanifest"} {
		if !inCache[must] {
			t.Errorf("the service worker does not cache %s", must)
		}
	}
	var wasm bool
	for _, c := range cached {
		wasm = wasm || strings.Contains(c, "app.wasm")
	}
	if !wasm {
		t.Errorf("the service worker does not cache the wasm: %q", cached)
	}
}
