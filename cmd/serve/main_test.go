//go:build !(js && wasm)

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	heedapp "heed/app"
	"heed/engine/wasmkernels"
	"heed/internal/defaultmodel"
	"heed/internal/server"
)

// testWebDir is a web directory built for the tests: the committed files of web/
// plus app.wasm compiled from this package and its precompressed siblings.
// serveBin is this command built natively.
var testWebDir, serveBin string

func TestMain(m *testing.M) {
	heedapp.Register()
	dir, err := os.MkdirTemp("", "heed-serve-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testWebDir = filepath.Join(dir, "web")
	if err := buildWeb(testWebDir); err != nil {
		fmt.Fprintln(os.Stderr, "building the web directory:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	serveBin = filepath.Join(dir, "serve")
	if out, err := exec.Command(goBin(), "build", "-o", serveBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building serve: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildWeb compiles the wasm client into dir the way the Makefile does and
// copies the committed assets beside it.
func buildWeb(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir("../../web")
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if _, kernel := fs.Stat(wasmkernels.Files, name); kernel == nil {
			continue // a copy of make build's, maybe stale: taken from the package below
		}
		if !e.Type().IsRegular() || strings.HasPrefix(name, "app.wasm") || strings.HasPrefix(name, "engine.wasm") || name == "README.md" {
			continue
		}
		b, err := os.ReadFile(filepath.Join("../../web", name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	// The CPU executor's SIMD kernels, as make build copies them.
	if err := os.CopyFS(dir, wasmkernels.Files); err != nil {
		return err
	}
	for _, b := range []struct{ out, pkg string }{{"app.wasm", "."}, {"engine.wasm", "../worker"}} {
		wasm := filepath.Join(dir, b.out)
		cmd := exec.Command(goBin(), "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, b.pkg) // as the Makefile builds it
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build (js/wasm) %s: %v\n%s", b.pkg, err, out)
		}
		if err := server.Precompress(wasm); err != nil {
			return err
		}
	}
	return nil
}

// goBin is the go command on PATH, as the tests are run by it.
func goBin() string { return "go" }

// modelsDir returns a temporary models directory holding the default model.
func modelsDir(t *testing.T) string {
	t.Helper()
	src := defaultmodel.ForTest(t)
	dir := t.TempDir()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, defaultmodel.Name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// started runs the command's run function on a free loopback port and
// returns its base URL, a function that stops it (as SIGINT would) and
// reports run's result.
func started(t *testing.T, models string) (base string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-addr", "127.0.0.1:0", "-web", testWebDir, "-models", models, "-fetch-default=false"}, pw, io.Discard)
		pw.Close()
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("server did not start: %v (%v)", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "heed: serving ")
	if !ok {
		cancel()
		t.Fatalf("unexpected first line %q", line)
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			return fmt.Errorf("server still running 15 s after cancel")
		}
	}
	t.Cleanup(func() { stop() })
	return strings.TrimSuffix(base, "/"), stop
}

func TestRunServesPageAndStopsCleanly(t *testing.T) {
	base, stop := started(t, modelsDir(t))
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<title>heed</title>") {
		t.Fatalf("GET / = %d, body without the heed title:\n%s", resp.StatusCode, body)
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}

func TestCompressFlagWritesSiblings(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "a.wasm")
	if err := os.WriteFile(f, []byte(strings.Repeat("heed ", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"-compress", f}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{".gz", ".br"} {
		if _, err := os.Stat(f + s); err != nil {
			t.Errorf("missing %s: %v", s, err)
		}
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"extra"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

// TestSignalsStopGracefully runs the built command as make serve does and
// stops it with SIGTERM and SIGINT: it must exit 0, having logged the request.
func TestSignalsStopGracefully(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(serveBin, "-addr", "127.0.0.1:0", "-web", testWebDir, "-models", modelsDir(t), "-fetch-default=false")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatalf("no URL printed: %v; stderr:\n%s", err, stderr.String())
			}
			url := strings.TrimPrefix(strings.TrimSpace(line), "heed: serving ")
			resp, err := http.Get(url + "api/models")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("exit: %v; stderr:\n%s", err, stderr.String())
				}
			case <-time.After(15 * time.Second):
				t.Fatal("still running 15 s after the signal")
			}
			if !strings.Contains(stderr.String(), "path=/api/models status=200") {
				t.Errorf("no request log line in:\n%s", stderr.String())
			}
		})
	}
}

// TestServeFromAnyDirectory starts the built command in an empty directory
// with no flags but the address, as someone who copied bin/ elsewhere
// would: it finds its web directory beside the binary, fetches the default
// model into the download cache (not into any models directory), serves it
// as the default, and the first paint holds the sample's run.
func TestServeFromAnyDirectory(t *testing.T) {
	cwd, cache := t.TempDir(), t.TempDir()
	cmd := exec.Command(serveBin, "-addr", "127.0.0.1:0")
	cmd.Dir = cwd
	cmd.Env = append(os.Environ(), "HEED_CACHE_DIR="+cache)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL printed: %v; stderr:\n%s", err, stderr.String())
	}
	base := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "heed: serving "), "/")
	get := func(path string) []byte {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return b
	}
	list := string(get("/api/models"))
	if !strings.Contains(list, `"name":"`+defaultmodel.Name+`"`) || !strings.Contains(list, `"default":true`) ||
		!strings.Contains(list, defaultmodel.SHA256) {
		t.Errorf("model list from an empty directory: %s", list)
	}
	if b := get("/models/" + defaultmodel.Name); len(b) != 1185376 {
		t.Errorf("default model: %d bytes", len(b))
	}
	if page := string(get("/")); !strings.Contains(page, "computed by the server on "+defaultmodel.Name) || !strings.Contains(page, "heed-out-tok") {
		t.Errorf("the first paint lacks the sample's run")
	}
	if entries, _ := os.ReadDir(cwd); len(entries) != 0 {
		t.Errorf("serve wrote into its working directory: %v", entries)
	}
	if err := defaultmodel.Verify(filepath.Join(cache, defaultmodel.Name)); err != nil {
		t.Errorf("default model not in the cache: %v", err)
	}
}

// TestPageWasmHoldsNoModelCode pins the split between the page and its
// engine worker: the page's wasm (this command for js/wasm) imports none of
// the packages that run a model, so its thread cannot run model math.
func TestPageWasmHoldsNoModelCode(t *testing.T) {
	cmd := exec.Command(goBin(), "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	deps := strings.Fields(string(out))
	for _, p := range []string{"heed/engine/model", "heed/engine/cpu", "heed/engine/webgpu", "heed/engine/generate",
		"heed/engine/influence", "heed/engine/session", "heed/app/worker", "github.com/cogentcore/webgpu/wgpu"} {
		if slices.Contains(deps, p) {
			t.Errorf("the page's wasm imports %s", p)
		}
	}
	cmd = exec.Command(goBin(), "list", "-deps", "../worker")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err = cmd.Output(); err != nil {
		t.Fatal(err)
	}
	if deps := strings.Fields(string(out)); !slices.Contains(deps, "heed/engine/session") || slices.Contains(deps, "github.com/maxence-charriere/go-app/v10/pkg/app") {
		t.Error("the engine worker's wasm should hold the session layer and no page code")
	}
}
