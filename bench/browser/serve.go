//go:build !js

package main

import (
	"embed"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"sync/atomic"
)

// pageFS holds the pages of each run: heed.html and heed.js, wllama.html and wllama.js.
//
//go:embed page
var pageFS embed.FS

// server serves the bench pages, wllama's package, heed's kernel scripts, the
// heed wasm binary and the model files, and counts the bytes of every
// response body so each run can report what it transferred.
type server struct {
	pages   fs.FS             // page/: the HTML and JS of each run
	roots   map[string]string // URL prefix ("wllama/") → local directory
	kernels fs.FS             // heed's kernel scripts and modules, at kernels/
	files   map[string]string // URL path → local file (models, heed.wasm, wasm_exec.js)
	// isolated makes every response carry COOP and COEP, so the page is
	// cross-origin isolated and may share memory with workers (threads).
	isolated atomic.Bool
	sent     atomic.Int64
}

// countingWriter adds what it writes to the server's byte count.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n.Add(int64(n))
	return n, err
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if s.isolated.Load() {
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Embedder-Policy", "require-corp")
	}
	w = countingWriter{w, &s.sent}
	p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if local, ok := s.files[p]; ok {
		http.ServeFile(w, r, local)
		return
	}
	for prefix, dir := range s.roots {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			http.ServeFileFS(w, r, os.DirFS(dir), rest)
			return
		}
	}
	if rest, ok := strings.CutPrefix(p, "kernels/"); ok && s.kernels != nil {
		http.ServeFileFS(w, r, s.kernels, rest)
		return
	}
	if _, err := fs.Stat(s.pages, p); err == nil {
		http.ServeFileFS(w, r, s.pages, p)
		return
	}
	http.NotFound(w, r)
}
