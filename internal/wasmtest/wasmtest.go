//go:build !js

// Package wasmtest runs a package's Go tests inside headless Chromium: it builds the test
// binary for js/wasm, serves it with Go's wasm_exec.js and a small loader on an ephemeral
// 127.0.0.1 port, and reports what the binary printed and its exit code. With WebGPU on, the
// browser's navigator.gpu is SwiftShader's Vulkan, so GPU tests run on the CPU.
package wasmtest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"
)

// DefaultChromium is Debian's chromium package, which ships SwiftShader.
const DefaultChromium = "/usr/bin/chromium"

var (
	//go:embed index.html
	indexHTML []byte
	//go:embed loader.js
	loaderJS []byte
)

// Options say what to run and how.
type Options struct {
	// Binary is a test binary built for js/wasm (see Build).
	Binary string
	// Args are the test binary's flags, e.g. -test.v -test.run Pattern.
	Args []string
	// Env is the test binary's environment (wasm_exec.js starts with none).
	Env map[string]string
	// Files are extra files served by the harness, by URL path relative to the page
	// ("models/x.gguf" → local path), so the binary can fetch them with net/http.
	Files map[string]string
	// Chromium is the browser binary; DefaultChromium when empty.
	Chromium string
	// UserDataDir is a fresh profile directory for the browser.
	UserDataDir string
	// WebGPU enables SwiftShader's WebGPU adapter.
	WebGPU bool
	// Scripts are URL paths (of Files) loaded by the page, in order, before the
	// test binary; one may set globalThis.wasmtestReady to a promise the loader
	// awaits before starting the binary (e.g. kernels that load asynchronously).
	Scripts []string
	// Isolated sends Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy
	// with every response, so the page is cross-origin isolated
	// (SharedArrayBuffer, worker threads sharing memory).
	Isolated bool
}

// Result is how a run ended.
type Result struct {
	// ExitCode is the code the test binary passed to os.Exit.
	ExitCode int
	// Output is everything it wrote to stdout and stderr, interleaved.
	Output string
	// Elapsed runs from page navigation to exit (wasm compile included).
	Elapsed time.Duration
}

// ErrNotFinished means the binary had not exited when the context ended; the Result returned
// with it holds the output so far.
var ErrNotFinished = errors.New("wasmtest: test binary did not finish")

// Build compiles the tests of pkg (a package pattern understood by go test, resolved in dir)
// for js/wasm into out.
func Build(ctx context.Context, dir, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("wasmtest: GOOS=js GOARCH=wasm go test -c %s: %w\n%s", pkg, err, stderr.String())
	}
	return nil
}

// WasmExecJS returns the path of the wasm_exec.js that matches the go command's toolchain:
// GOROOT/lib/wasm since Go 1.24, GOROOT/misc/wasm before.
func WasmExecJS(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("wasmtest: go env GOROOT: %w", err)
	}
	root := strings.TrimSpace(string(out))
	for _, p := range []string{filepath.Join(root, "lib", "wasm", "wasm_exec.js"), filepath.Join(root, "misc", "wasm", "wasm_exec.js")} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("wasmtest: no wasm_exec.js under %s", root)
}

// Run serves the binary and runs it in headless Chromium until it exits or ctx ends.
func Run(ctx context.Context, o Options) (Result, error) {
	wasmExec, err := WasmExecJS(ctx)
	if err != nil {
		return Result{}, err
	}
	// Empty, not null: the loader spreads args and hands env to wasm_exec.js as they are.
	args, env := append([]string{}, o.Args...), map[string]string{}
	for k, v := range o.Env {
		env[k] = v
	}
	config, err := json.Marshal(struct {
		Args []string          `json:"args"`
		Env  map[string]string `json:"env"`
	}{args, env})
	if err != nil {
		return Result{}, fmt.Errorf("wasmtest: %w", err)
	}
	files := map[string]string{"wasm_exec.js": wasmExec, "test.wasm": o.Binary}
	for p, local := range o.Files {
		files[strings.TrimPrefix(p, "/")] = local
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Result{}, fmt.Errorf("wasmtest: %w", err)
	}
	srv := &http.Server{Handler: handler(files, config, o.Scripts, o.Isolated)}
	go srv.Serve(ln)
	defer srv.Close()

	chromium := o.Chromium
	if chromium == "" {
		chromium = DefaultChromium
	}
	l := launcher.New().Bin(chromium).Leakless(false).Headless(true).NoSandbox(true).
		UserDataDir(o.UserDataDir).
		Set("disable-background-networking").
		Set("disable-component-update").
		Set("disable-sync").
		Set("no-first-run")
	if o.WebGPU {
		l = l.Set("enable-unsafe-webgpu").Set("enable-features", "Vulkan").
			Set("use-vulkan", "swiftshader").Set("use-webgpu-adapter", "swiftshader")
	}
	u, err := l.Context(ctx).Launch()
	if err != nil {
		return Result{}, fmt.Errorf("wasmtest: launching %s: %w", chromium, err)
	}
	defer l.Kill()
	browser := rod.New().ControlURL(u).Context(ctx)
	if err := browser.Connect(); err != nil {
		return Result{}, fmt.Errorf("wasmtest: connecting to chromium: %w", err)
	}
	defer browser.Close()
	page, err := browser.Page(proto.TargetCreateTarget{URL: "about:blank"})
	if err != nil {
		return Result{}, fmt.Errorf("wasmtest: %w", err)
	}
	start := time.Now()
	if err := page.Navigate("http://" + ln.Addr().String() + "/"); err != nil {
		return Result{}, fmt.Errorf("wasmtest: navigate: %w", err)
	}
	return poll(ctx, page, start)
}

// pageState mirrors globalThis.wasmtest in loader.js.
type pageState struct {
	Output   string  `json:"output"`
	Done     bool    `json:"done"`
	ExitCode *int    `json:"exitCode"`
	Error    *string `json:"error"`
}

// poll reads the loader's state twice a second until the binary has exited.
func poll(ctx context.Context, page *rod.Page, start time.Time) (Result, error) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var last pageState
	for {
		select {
		case <-ctx.Done():
			return Result{Output: last.Output, Elapsed: time.Since(start)}, fmt.Errorf("%w: %w", ErrNotFinished, ctx.Err())
		case <-tick.C:
		}
		obj, err := page.Eval(`() => JSON.stringify(globalThis.wasmtest || null)`)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			return Result{Output: last.Output, Elapsed: time.Since(start)}, fmt.Errorf("wasmtest: reading page state: %w", err)
		}
		var s *pageState
		if err := json.Unmarshal([]byte(obj.Value.Str()), &s); err != nil {
			return Result{Output: last.Output, Elapsed: time.Since(start)}, fmt.Errorf("wasmtest: page state: %w", err)
		}
		if s == nil {
			continue
		}
		last = *s
		if !s.Done {
			continue
		}
		res := Result{Output: s.Output, Elapsed: time.Since(start)}
		if s.Error != nil {
			return res, fmt.Errorf("wasmtest: in the page: %s", *s.Error)
		}
		res.ExitCode = *s.ExitCode
		return res, nil
	}
}

// handler serves the page (with the extra scripts), the loader, the run's
// config and files by path; isolated adds the headers of cross-origin isolation.
func handler(files map[string]string, config []byte, scripts []string, isolated bool) http.Handler {
	var tags strings.Builder
	for _, s := range scripts {
		fmt.Fprintf(&tags, "<script src=\"%s\"></script>\n", html.EscapeString(s))
	}
	page := bytes.Replace(indexHTML, []byte("<!-- scripts -->\n"), []byte(tags.String()), 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if isolated {
			w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
			w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		}
		p := strings.TrimPrefix(r.URL.Path, "/")
		switch p {
		case "":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page)
			return
		case "loader.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Write(loaderJS)
			return
		case "config.json":
			w.Header().Set("Content-Type", "application/json")
			w.Write(config)
			return
		}
		local, ok := files[p]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, local)
	})
}
