package server

import "testing"

// TestEveryResponseIsCrossOriginIsolated expects COOP and COEP (and the
// same-origin CORP it had before) on every kind of response: pages, assets,
// models, the listing, errors. A page is isolated only when its document
// and its workers' scripts carry them; sending them everywhere leaves no
// response that could miss.
func TestEveryResponseIsCrossOriginIsolated(t *testing.T) {
	f := newFixture(t, Config{})
	for _, tc := range []struct{ method, path string }{
		{"GET", "/"},
		{"GET", "/app-worker.js"},
		{"GET", "/web/app.wasm"},
		{"GET", "/web/wasm-global.js"},
		{"GET", "/models/a.gguf"},
		{"HEAD", "/models/a.gguf"},
		{"GET", "/api/models"},
		{"GET", "/web/missing.js"},
		{"POST", "/"},
	} {
		resp, _ := f.get(t, tc.method, tc.path)
		for h, want := range map[string]string{
			"Cross-Origin-Opener-Policy":   "same-origin",
			"Cross-Origin-Embedder-Policy": "require-corp",
			"Cross-Origin-Resource-Policy": "same-origin",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s %s (%d): %s %q, want %q", tc.method, tc.path, resp.StatusCode, h, got, want)
			}
		}
	}
}
