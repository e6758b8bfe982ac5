package server

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"

	"heed/internal/server/api"
)

// ContentSecurityPolicy is what go-app pages need and nothing more: scripts
// only from this origin (go-app's loader, wasm_exec.js, web/start.js; no
// inline script), WebAssembly compilation ('wasm-unsafe-eval', not
// 'unsafe-eval'), styles from this origin, fetches (API, models, the wasm) to
// this origin, and go-app's service worker and manifest.
//
// Fetches may also go to any https: origin and to loopback over plain http,
// for models loaded from a URL: a fetch only reads (the model host must allow
// it with CORS), and the page sends nothing but Range requests for the file.
// Loopback is the user's own machine (a second local model server, and the
// tests' CORS server); other plain-http origins stay blocked, as they would
// expose the model bytes to the network path.
const ContentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self'; " +
	"img-src 'self'; " +
	"connect-src 'self' " + modelOrigins + "; " +
	"worker-src 'self'; " +
	"manifest-src 'self'; " +
	"object-src 'none'; " +
	"base-uri 'none'; " +
	"form-action 'none'; " +
	"frame-ancestors 'none'"

// OpenerPolicy and EmbedderPolicy (COOP and COEP) go with every response, so
// that the page is cross-origin isolated and has SharedArrayBuffer, which
// heed's WebAssembly kernels need to share the weights with worker threads
// (engine/wasmkernels; without isolation they run on one thread). What it
// costs the app, nothing today:
//   - COEP require-corp lets a page load a cross-origin subresource only
//     through CORS or with a Cross-Origin-Resource-Policy header. The app
//     loads scripts, styles, images and its wasm from this origin only (the
//     CSP says so), and models from other origins with fetch in CORS mode,
//     which COEP allows as it is (their hosts need CORS for the fetch anyway).
//   - COOP same-origin puts the page in its own browsing context group:
//     a cross-origin popup or opener cannot reach it (the app opens none).
//
// "credentialless" would also admit cross-origin no-CORS subresources
// (without cookies), but Safari lacks it; require-corp works wherever
// SharedArrayBuffer does. A browser that ignores the headers leaves the page
// unisolated, and the kernels fall back to one thread.
const (
	OpenerPolicy   = "same-origin"
	EmbedderPolicy = "require-corp"
)

// modelOrigins are the origins besides this one that a model URL may name.
// IPv6 loopback is absent: CSP source expressions have no IPv6 literals
// (Chromium ignores "http://[::1]:*" with an error).
const modelOrigins = "https: http://127.0.0.1:* http://localhost:*"

// proxied are root paths go-app would fetch over HTTP from the request's own
// Host (its ProxyResources); they are served straight from the web directory.
var proxied = map[string]bool{"/robots.txt": true, "/sitemap.xml": true, "/ads.txt": true}

// handler routes requests: /api/models, /models/NAME, /web/NAME, and go-app's
// pages, manifest, service worker and loader for everything else.
type handler struct {
	assets *Assets
	models *Models
	app    http.Handler
	hosts  map[string]bool // allowed Host names; empty allows any
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	// Cross-origin isolation, for the kernels' threads (OpenerPolicy).
	hd.Set("Cross-Origin-Opener-Policy", OpenerPolicy)
	hd.Set("Cross-Origin-Embedder-Policy", EmbedderPolicy)

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !h.hostAllowed(r.Host) {
		// A foreign Host on a loopback server is how DNS rebinding reaches it.
		http.Error(w, "unknown host", http.StatusMisdirectedRequest)
		return
	}
	p := r.URL.Path
	if err := checkPath(p); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	switch {
	case p == api.ModelsPath:
		h.serveList(w)
	case strings.HasPrefix(p, "/api/"):
		notFound(w)
	case strings.HasPrefix(p, api.ModelsPrefix):
		if name, ok := fileName(p[len(api.ModelsPrefix):], false); ok {
			h.models.serve(w, r, name)
		} else {
			notFound(w)
		}
	case strings.HasPrefix(p, webPrefix):
		if name, ok := fileName(p[len(webPrefix):], true); ok {
			h.assets.serve(w, r, name)
		} else {
			notFound(w)
		}
	case p == "/models" || p == "/web" || p == "/api":
		notFound(w)
	case proxied[p]:
		h.assets.serve(w, r, p[1:])
	default:
		fw := &pageFix{ResponseWriter: w}
		h.app.ServeHTTP(fw, r)
		fw.finish()
	}
}

func (h *handler) hostAllowed(host string) bool {
	if len(h.hosts) == 0 {
		return true
	}
	if name, _, err := net.SplitHostPort(host); err == nil {
		host = name
	}
	return h.hosts[strings.ToLower(strings.Trim(host, "[]"))]
}

func (h *handler) serveList(w http.ResponseWriter) {
	models, err := h.models.List()
	if err != nil {
		h.models.log.Error("listing models", "err", err)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	b, err := json.Marshal(api.Models{Models: models})
	if err != nil {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	// Digests move from "pending" to their value: never reuse a stored listing.
	hd.Set("Cache-Control", "no-store")
	w.Write(append(b, '\n'))
}

// notFound answers 404 with a fixed body that names nothing on disk.
func notFound(w http.ResponseWriter) {
	http.Error(w, "not found", http.StatusNotFound)
}
