package server

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

func TestRanges(t *testing.T) {
	f := newFixture(t, Config{})
	const n = patternSize
	tests := []struct {
		name   string
		rng    string
		status int
		// For 206 with one part: the byte interval [from, to) and its Content-Range.
		from, to int64
		// For 206 multipart: the expected parts.
		parts [][2]int64
	}{
		{"first byte", "bytes=0-0", 206, 0, 1, nil},
		{"middle", "bytes=1000-1999", 206, 1000, 2000, nil},
		{"open end", fmt.Sprintf("bytes=%d-", n-10), 206, n - 10, n, nil},
		{"end clamped to EOF", fmt.Sprintf("bytes=%d-%d", n-5, n+1000), 206, n - 5, n, nil},
		{"suffix", "bytes=-100", 206, n - 100, n, nil},
		{"suffix longer than file", fmt.Sprintf("bytes=-%d", n+5), 206, 0, n, nil},
		{"last byte", fmt.Sprintf("bytes=%d-%d", n-1, n-1), 206, n - 1, n, nil},
		{"whole file as range", "bytes=0-", 206, 0, n, nil},
		{"spaces tolerated", "bytes= 0-9", 206, 0, 10, nil},
		{"multi", "bytes=0-9,100-109,-5", 206, 0, 0, [][2]int64{{0, 10}, {100, 110}, {n - 5, n}}},
		{"overlapping multi", "bytes=0-99,50-149", 206, 0, 0, [][2]int64{{0, 100}, {50, 150}}},
		{"one satisfiable of two", fmt.Sprintf("bytes=%d-,10-19", n+10), 206, 10, 20, nil},
		// ServeContent sends the whole file when the ranges add up to more
		// than it, rather than a multipart response larger than the file.
		{"overlaps exceed size", fmt.Sprintf("bytes=0-%d,1-%d", n-1, n-1), 200, 0, n, nil},
		{"start at EOF", fmt.Sprintf("bytes=%d-", n), 416, 0, 0, nil},
		{"past EOF", fmt.Sprintf("bytes=%d-%d", n+1, n+10), 416, 0, 0, nil},
		{"suffix zero", "bytes=-0", 416, 0, 0, nil},
		{"reversed", "bytes=10-5", 416, 0, 0, nil},
		// An empty range set is invalid syntax, which RFC 9110 lets a server ignore.
		{"no ranges", "bytes=", 200, 0, n, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.get(t, "GET", "/models/a.gguf", "Range", tc.rng)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			switch {
			case tc.status == 416:
				if got, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes */%d", n); got != want {
					t.Errorf("Content-Range %q, want %q", got, want)
				}
			case tc.parts != nil:
				checkMultipart(t, resp, body, tc.parts)
			default:
				checkBytes(t, body, tc.from, tc.to)
				if tc.status == 206 {
					if got, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", tc.from, tc.to-1, n); got != want {
						t.Errorf("Content-Range %q, want %q", got, want)
					}
				}
				if got, want := resp.ContentLength, tc.to-tc.from; got != want {
					t.Errorf("Content-Length %d, want %d", got, want)
				}
			}
		})
	}
}

func checkBytes(t *testing.T, body []byte, from, to int64) {
	t.Helper()
	if int64(len(body)) != to-from {
		t.Fatalf("%d bytes, want %d", len(body), to-from)
	}
	if want := patternBytes(from, to-from); !bytes.Equal(body, want) {
		t.Fatalf("bytes [%d,%d) differ from the file", from, to)
	}
}

func checkMultipart(t *testing.T, resp *http.Response, body []byte, parts [][2]int64) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		t.Fatalf("Content-Type %q, want multipart/byteranges", resp.Header.Get("Content-Type"))
	}
	if resp.ContentLength != int64(len(body)) {
		t.Errorf("Content-Length %d, body %d bytes", resp.ContentLength, len(body))
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for i, p := range parts {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if got, want := part.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", p[0], p[1]-1, patternSize); got != want {
			t.Errorf("part %d Content-Range %q, want %q", i, got, want)
		}
		b, _ := io.ReadAll(part)
		checkBytes(t, b, p[0], p[1])
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("more parts than %d", len(parts))
	}
}

func TestHeadMatchesGet(t *testing.T) {
	f := newFixture(t, Config{})
	for _, path := range []string{"/models/a.gguf", "/web/app.wasm", "/api/models", "/"} {
		get, _ := f.get(t, "GET", path)
		head, body := f.get(t, "HEAD", path)
		if head.StatusCode != 200 || len(body) != 0 {
			t.Errorf("HEAD %s: status %d, %d body bytes", path, head.StatusCode, len(body))
		}
		for _, h := range []string{"Content-Length", "Content-Type", "ETag", "Last-Modified", "Cache-Control", "Content-Security-Policy"} {
			if path == "/api/models" && h == "Content-Length" {
				continue // the listing is rebuilt per request; its length may change
			}
			if g, h2 := get.Header.Get(h), head.Header.Get(h); g != h2 {
				t.Errorf("%s %s: GET %q, HEAD %q", path, h, g, h2)
			}
		}
	}
	head, _ := f.get(t, "HEAD", "/models/a.gguf", "Range", "bytes=10-19")
	if head.StatusCode != 206 || head.Header.Get("Content-Range") != fmt.Sprintf("bytes 10-19/%d", patternSize) {
		t.Errorf("HEAD with Range: %d %q", head.StatusCode, head.Header.Get("Content-Range"))
	}
}

func TestConditionalRequests(t *testing.T) {
	f := newFixture(t, Config{})
	first, _ := f.get(t, "GET", "/models/a.gguf")
	etag, lastMod := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	if etag == "" || strings.HasPrefix(etag, "W/") || lastMod == "" {
		t.Fatalf("want a strong ETag and Last-Modified, got %q %q", etag, lastMod)
	}
	past := time.Unix(0, 0).UTC().Format(http.TimeFormat)
	tests := []struct {
		name    string
		headers []string
		status  int
	}{
		{"If-None-Match hit", []string{"If-None-Match", etag}, 304},
		{"If-None-Match list", []string{"If-None-Match", `"x", ` + etag}, 304},
		{"If-None-Match star", []string{"If-None-Match", "*"}, 304},
		{"If-None-Match miss", []string{"If-None-Match", `"other"`}, 200},
		{"If-Modified-Since now", []string{"If-Modified-Since", lastMod}, 304},
		{"If-Modified-Since past", []string{"If-Modified-Since", past}, 200},
		{"If-Match hit", []string{"If-Match", etag}, 200},
		{"If-Match miss", []string{"If-Match", `"other"`}, 412},
		{"If-Unmodified-Since past", []string{"If-Unmodified-Since", past}, 412},
		{"If-Range hit resumes", []string{"Range", "bytes=100-199", "If-Range", etag}, 206},
		{"If-Range stale sends all", []string{"Range", "bytes=100-199", "If-Range", `"old"`}, 200},
		{"If-Range date", []string{"Range", "bytes=100-199", "If-Range", lastMod}, 206},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.get(t, "GET", "/models/a.gguf", tc.headers...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status == 304 && len(body) != 0 {
				t.Errorf("304 with %d body bytes", len(body))
			}
		})
	}
	// A changed file gets a new ETag, so a resumed download cannot splice versions.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(f.models, "a.gguf"), later, later); err != nil {
		t.Fatal(err)
	}
	resp, _ := f.get(t, "GET", "/models/a.gguf", "Range", "bytes=0-9", "If-Range", etag)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
		t.Errorf("after change: status %d, ETag %q (old %q)", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}
}

func TestWasmEncodingNegotiation(t *testing.T) {
	f := newFixture(t, Config{})
	wasm, err := os.ReadFile(filepath.Join(f.web, wasmFile))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ accept, want string }{
		{"", ""},
		{"gzip", "gzip"},
		{"br", "br"},
		{"gzip, deflate, br, zstd", "br"},
		{"br;q=0.5, gzip", "gzip"},
		{"br;q=0, gzip;q=0", ""},
		{"*", "br"},
		{"*;q=0.1, gzip", "gzip"},
		{"identity", ""},
		{"identity;q=1, gzip;q=0.5", ""},
		{"identity;q=0, gzip;q=0.2", "gzip"},
		{"BR;Q=1", "br"},
		{"br;q=abc, gzip;q=0.1", ""}, // identity (implicit q=1) is preferred to gzip
		{"compress, deflate", ""},
	}
	for _, tc := range tests {
		t.Run(tc.accept, func(t *testing.T) {
			resp, body := f.get(t, "GET", "/web/app.wasm", "Accept-Encoding", tc.accept)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.want {
				t.Fatalf("Content-Encoding %q, want %q", got, tc.want)
			}
			if resp.Header.Get("Vary") != "Accept-Encoding" || resp.Header.Get("Content-Type") != "application/wasm" {
				t.Errorf("Vary %q, Content-Type %q", resp.Header.Get("Vary"), resp.Header.Get("Content-Type"))
			}
			if resp.ContentLength != int64(len(body)) {
				t.Errorf("Content-Length %d for %d bytes", resp.ContentLength, len(body))
			}
			if got := decode(t, tc.want, body); !bytes.Equal(got, wasm) {
				t.Errorf("decoded body differs from app.wasm")
			}
		})
	}
	// Ranges apply to the compressed representation, whose ETag names it.
	full, body := f.get(t, "GET", "/web/app.wasm", "Accept-Encoding", "br")
	part, pbody := f.get(t, "GET", "/web/app.wasm", "Accept-Encoding", "br", "Range", "bytes=10-19", "If-Range", full.Header.Get("ETag"))
	if part.StatusCode != 206 || !bytes.Equal(pbody, body[10:20]) || part.Header.Get("Content-Encoding") != "br" {
		t.Errorf("range of br: status %d, encoding %q", part.StatusCode, part.Header.Get("Content-Encoding"))
	}
	plain, _ := f.get(t, "GET", "/web/app.wasm")
	if full.Header.Get("ETag") == plain.Header.Get("ETag") {
		t.Errorf("br and identity share ETag %q", plain.Header.Get("ETag"))
	}
	// A sibling older than its original (a rebuilt wasm) is not used.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(f.web, wasmFile), later, later); err != nil {
		t.Fatal(err)
	}
	stale, _ := f.get(t, "GET", "/web/app.wasm", "Accept-Encoding", "br, gzip")
	if got := stale.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("stale siblings served as %q", got)
	}
}

func decode(t *testing.T, encoding string, b []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(b)
	switch encoding {
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(r)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", encoding, err)
	}
	return out
}

func TestCachingHeaders(t *testing.T) {
	f := newFixture(t, Config{})
	versioned := f.srv.assets.Resolve("/web/app.wasm")
	if !strings.Contains(versioned, "?v=") {
		t.Fatalf("Resolve gave %q, want a ?v= URL", versioned)
	}
	tests := []struct{ path, cache string }{
		{versioned, cacheImmutable},
		{"/web/app.wasm", cacheRevalidate},
		{"/web/app.wasm?v=0000000000000000", cacheRevalidate},
		{f.srv.assets.Resolve("/web/heed.css"), cacheImmutable},
		{"/web/sub/page.txt", cacheRevalidate},
		{"/models/a.gguf", cacheRevalidate},
		{"/api/models", "no-store"},
		{"/", "no-cache"},
		{"/app.js", "no-cache"},
		{"/app-worker.js", "no-cache"},
		{"/manifest.webmanifest", "no-cache"},
	}
	for _, tc := range tests {
		resp, _ := f.get(t, "GET", tc.path)
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", tc.path, resp.StatusCode)
			continue
		}
		if got := resp.Header.Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tc.path, got, tc.cache)
		}
		if tc.cache != "no-store" && resp.Header.Get("ETag") == "" {
			t.Errorf("%s: no ETag", tc.path)
		}
		for h, want := range map[string]string{
			"Content-Security-Policy": ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s %q, want %q", tc.path, h, got, want)
			}
		}
	}
}

func TestMIMETypes(t *testing.T) {
	f := newFixture(t, Config{})
	tests := []struct{ path, want string }{
		{"/web/app.wasm", "application/wasm"},
		{"/web/start.js", "text/javascript; charset=utf-8"},
		{"/web/heed.css", "text/css; charset=utf-8"},
		{"/web/icon.svg", "image/svg+xml"},
		{"/web/icon-192.png", "image/png"},
		{"/models/a.gguf", "application/octet-stream"},
		{"/api/models", "application/json"},
		{"/manifest.webmanifest", "application/manifest+json"},
	}
	for _, tc := range tests {
		resp, _ := f.get(t, "GET", tc.path)
		if got := resp.Header.Get("Content-Type"); got != tc.want {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, got, tc.want)
		}
	}
}
