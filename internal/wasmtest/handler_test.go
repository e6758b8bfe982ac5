//go:build !js

package wasmtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHandlerServesPageLoaderConfigAndFiles pins the routes loader.js relies on: the page, the
// loader, the run's config, wasm_exec.js and the binary by their fixed names, extra files by
// path, and nothing else.
func TestHandlerServesPageLoaderConfigAndFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	files := map[string]string{
		"wasm_exec.js":  write("wasm_exec.js", "// go runtime glue"),
		"test.wasm":     write("x.wasm", "\x00asm"),
		"models/m.gguf": write("m.gguf", "GGUF"),
	}
	srv := httptest.NewServer(handler(files, []byte(`{"args":["-test.v"],"env":{}}`), nil, false))
	defer srv.Close()
	for _, tc := range []struct {
		path, status, contentType, body string
	}{
		{"/", "200 OK", "text/html", `<script src="loader.js">`},
		{"/loader.js", "200 OK", "text/javascript", "globalThis.wasm = result"},
		{"/config.json", "200 OK", "application/json", `"-test.v"`},
		{"/wasm_exec.js", "200 OK", "text/javascript", "go runtime glue"},
		{"/test.wasm", "200 OK", "application/wasm", "asm"},
		{"/models/m.gguf", "200 OK", "", "GGUF"},
		{"/m.gguf", "404 Not Found", "", ""},
		{"/models/../x.wasm", "404 Not Found", "", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tc.status {
				t.Fatalf("status %s, want %s", resp.Status, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
			if !strings.Contains(string(body), tc.body) {
				t.Errorf("body %q lacks %q", body, tc.body)
			}
		})
	}
}

// TestHandlerAddsScriptsAndIsolation pins Options.Scripts (tags before the
// loader, in order) and Options.Isolated (COOP and COEP on every response,
// none without it).
func TestHandlerAddsScriptsAndIsolation(t *testing.T) {
	for _, isolated := range []bool{false, true} {
		srv := httptest.NewServer(handler(map[string]string{}, []byte(`{}`), []string{"k/a.js", "b.js"}, isolated))
		for _, path := range []string{"/", "/loader.js", "/missing"} {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			coop, coep := resp.Header.Get("Cross-Origin-Opener-Policy"), resp.Header.Get("Cross-Origin-Embedder-Policy")
			if isolated && (coop != "same-origin" || coep != "require-corp") || !isolated && (coop != "" || coep != "") {
				t.Errorf("isolated %v, %s: COOP %q, COEP %q", isolated, path, coop, coep)
			}
			if path == "/" {
				page := string(body)
				a, b, l := strings.Index(page, `<script src="k/a.js">`), strings.Index(page, `<script src="b.js">`), strings.Index(page, `<script src="loader.js">`)
				if a < 0 || b < a || l < b {
					t.Errorf("page does not load k/a.js, b.js, loader.js in order:\n%s", page)
				}
			}
		}
		srv.Close()
	}
}
