package server

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	heedapp "heed/app"
)

func init() { heedapp.Register() }

// secret is the content of a file beside the two roots: no response may contain it.
const secret = "HEED-SECRET-7f3a9c"

// fixture is a running server over a temporary tree:
//
//	dir/secret.txt                 outside both roots
//	dir/web/app.wasm (+.gz, .br)   pattern bytes, precompressed
//	dir/web/{engine.wasm, engine-worker.js, start.js, heed.css, icon.svg, icon-192.png, icon-512.png, echarts.min.js}
//	dir/web/sub/page.txt           nested asset
//	dir/web/.hidden                never served
//	dir/web/out.txt -> ../secret.txt
//	dir/models/a.gguf              patternSize bytes of pattern (not a real GGUF)
//	dir/models/inside.gguf -> a.gguf
//	dir/models/escape.gguf -> ../secret.txt
//	dir/models/abs.gguf -> /etc/passwd
//	dir/models/notes.txt           served, not listed
//	dir/models/sub/nested.gguf     never served (one level only)
type fixture struct {
	dir, web, models string
	base             string // http://127.0.0.1:PORT
	addr             string
	srv              *Server
	stop             func() error
}

const (
	patternSize = 1 << 20
	wasmSize    = 300 << 10
)

// pattern returns byte i of the test pattern: every 8-byte word is its own
// index times an odd constant, so any shift or reordering shows.
func pattern(i int64) byte {
	w := uint64(i/8) * 0x9E3779B97F4A7C15
	return byte(w >> (8 * uint(i%8)))
}

func patternBytes(off, n int64) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = pattern(off + int64(i))
	}
	return b
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// newFixture builds the tree and serves it; cfg's directories are filled in.
func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{dir: dir, web: filepath.Join(dir, "web"), models: filepath.Join(dir, "models")}
	writeFile(t, filepath.Join(dir, "secret.txt"), []byte(secret))

	// A compressible wasm stand-in: a short pattern period repeated.
	wasm := make([]byte, wasmSize)
	for i := range wasm {
		wasm[i] = pattern(int64(i % 4096))
	}
	writeFile(t, filepath.Join(f.web, wasmFile), wasm)
	if err := Precompress(filepath.Join(f.web, wasmFile)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{engineFile, workerFile, startFile, styleFile, iconSVG, icon192, icon512, echartsFile} {
		writeFile(t, filepath.Join(f.web, name), []byte("/* "+name+" */\n"))
	}
	writeFile(t, filepath.Join(f.web, "sub", "page.txt"), []byte("nested asset\n"))
	writeFile(t, filepath.Join(f.web, ".hidden"), []byte(secret))
	symlink(t, "../secret.txt", filepath.Join(f.web, "out.txt"))

	writeFile(t, filepath.Join(f.models, "a.gguf"), patternBytes(0, patternSize))
	writeFile(t, filepath.Join(f.models, "notes.txt"), []byte("not a model\n"))
	writeFile(t, filepath.Join(f.models, "sub", "nested.gguf"), []byte(secret))
	symlink(t, "a.gguf", filepath.Join(f.models, "inside.gguf"))
	symlink(t, "../secret.txt", filepath.Join(f.models, "escape.gguf"))
	symlink(t, "/etc/passwd", filepath.Join(f.models, "abs.gguf"))

	cfg.WebDir, cfg.ModelsDir = f.web, f.models
	f.start(t, cfg)
	return f
}

// start serves cfg on a fresh loopback port.
func (f *fixture) start(t testing.TB, cfg Config) {
	t.Helper()
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	f.srv, f.addr, f.base = srv, ln.Addr().String(), "http://"+ln.Addr().String()
	stopped := false
	f.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return context.DeadlineExceeded
		}
	}
	t.Cleanup(func() {
		if err := f.stop(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
}

// raw sends request verbatim on a new connection and parses the response
// (nil if the server closed the connection without one).
func (f *fixture) raw(t testing.TB, request string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatalf("writing request: %v", err)
	}
	br := bufio.NewReader(c)
	method := "GET"
	if len(request) >= 4 && request[:4] == "HEAD" {
		method = "HEAD"
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return nil, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// get sends a GET with the given headers (name, value pairs) through a
// default client, which leaves the path and Range alone.
func (f *fixture) get(t testing.TB, method, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	// No transparent gzip: the test sees exactly what the server sent.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}
