//go:build !js

package wasmkernels

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"heed/internal/defaultmodel"
	"heed/internal/wasmtest"
)

// inBrowser are the tests that must report "--- PASS" in the page: the
// kernels against ggml's scalar reference and float64 oracles (this
// package), and the CPU executor with the kernels under it (engine/cpu: the
// conformance suite, its own products, attention and gates, and a check
// that the kernels really ran).
var inBrowser = map[string][]string{
	".": {"TestMatMulMatchesGGML", "TestPrepXPermutesAndSums", "TestDequantMatchesGGML", "TestSiLUMulMatchesGo",
		"TestAttendMatchesNaive", "TestIsolationKeepsCORSModels"},
	"../cpu": {"TestKernelsRunInTheBrowser", "TestExecutorConformance", "TestMatMulMatchesNaive", "TestAttentionMatchesNaive",
		"TestElementwiseOps", "TestF32BatchSplitIsExact"},
}

// benchPattern runs this package's benchmarks in the browser instead of the
// tests (go test -bench syntax), on one thread and on two: go test
// ./engine/wasmkernels -run TestKernelsInBrowser -kernels.bench MatMul -v.
var benchPattern = flag.String("kernels.bench", "", "run the kernels' benchmarks matching this pattern in the browser")

// TestKernelsInBrowser runs those tests in headless Chromium with
// heed-kernels.js loaded: once on one thread in a plain page (the kernels
// work on the Go program's memory), once with two threads in a cross-origin
// isolated page (workers share the weights; TestSharedMatchesOneThread must
// pass there too). A second origin serves a model with CORS, as a model
// host would, for TestIsolationKeepsCORSModels.
func TestKernelsInBrowser(t *testing.T) {
	if _, err := os.Stat(wasmtest.DefaultChromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (apt-get install -y chromium): %v", wasmtest.DefaultChromium, err)
		}
		t.Skipf("%s not installed (apt-get install -y chromium); set CI=1 to make this a failure", wasmtest.DefaultChromium)
	}
	root, err := defaultmodel.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bins := map[string]string{}
	for pkg := range inBrowser {
		bin := filepath.Join(dir, filepath.Base(filepath.Join("engine/wasmkernels", pkg))+".test.wasm")
		if err := wasmtest.Build(ctx, root, "./"+filepath.Join("engine/wasmkernels", pkg), bin); err != nil {
			t.Fatal(err)
		}
		bins[pkg] = bin
	}
	cors := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "Range")
		w.Header().Set("Access-Control-Expose-Headers", "Content-Range, Content-Length")
		if r.Method == http.MethodOptions {
			return
		}
		http.ServeContent(w, r, "model.gguf", time.Time{}, strings.NewReader("0123456789abcdef"))
	}))
	defer cors.Close()
	files := map[string]string{}
	for _, name := range []string{Script, WorkerScript, Module, ModuleShared} {
		files["kernels/"+name] = filepath.Join(root, "engine", "wasmkernels", name)
	}
	for _, threads := range []int{1, 2} {
		init := filepath.Join(dir, fmt.Sprintf("init%d.js", threads))
		// The binary starts once the kernels are ready (wasmtest's loader awaits this).
		js := fmt.Sprintf("globalThis.wasmtestReady = heedKernels.init({ threads: %d }).then((k) => { if (!k.ready) throw new Error(k.error); });\n", threads)
		if err := os.WriteFile(init, []byte(js), 0o644); err != nil {
			t.Fatal(err)
		}
		files["init.js"] = init
		for pkg, bin := range bins {
			if *benchPattern != "" && pkg != "." {
				continue
			}
			t.Run(fmt.Sprintf("%s/threads=%d", filepath.Base(filepath.Join("engine/wasmkernels", pkg)), threads), func(t *testing.T) {
				want := inBrowser[pkg]
				if pkg == "." && threads > 1 {
					want = append(want, "TestSharedMatchesOneThread")
				}
				args := []string{"-test.v", "-test.run", "^(" + strings.Join(want, "|") + ")$"}
				if *benchPattern != "" {
					args = []string{"-test.run", "^$", "-test.bench", *benchPattern}
				}
				res, err := wasmtest.Run(ctx, wasmtest.Options{
					Binary:      bin,
					Args:        args,
					Env:         map[string]string{"HEED_WASM_KERNELS": fmt.Sprint(threads), "HEED_CORS_MODEL": cors.URL + "/model.gguf"},
					Files:       files,
					Scripts:     []string{"kernels/" + Script, "init.js"},
					Isolated:    threads > 1,
					UserDataDir: t.TempDir(),
				})
				if err != nil {
					t.Fatalf("%v\noutput:\n%s", err, res.Output)
				}
				t.Logf("ran in the browser for %s", res.Elapsed.Round(time.Millisecond))
				if res.ExitCode != 0 {
					t.Fatalf("exit code %d\noutput:\n%s", res.ExitCode, res.Output)
				}
				if *benchPattern != "" {
					t.Logf("output:\n%s", res.Output)
					return
				}
				for _, name := range want {
					if !regexp.MustCompile(`(?m)^--- PASS: ` + name + ` `).MatchString(res.Output) {
						t.Errorf("%s did not pass in the browser", name)
					}
				}
				if t.Failed() || testing.Verbose() {
					t.Logf("output:\n%s", res.Output)
				}
			})
		}
	}
	if *benchPattern != "" {
		return
	}
	// Two threads asked for in an isolated page whose worker script does not
	// load: the kernels must run on one thread and say why.
	t.Run("wasmkernels/workers-blocked", func(t *testing.T) {
		blocked := maps.Clone(files)
		delete(blocked, "kernels/"+WorkerScript)
		want := []string{"TestMatMulMatchesGGML", "TestThreadsFallBackToOne"}
		res, err := wasmtest.Run(ctx, wasmtest.Options{
			Binary:      bins["."],
			Args:        []string{"-test.v", "-test.run", "^(" + strings.Join(want, "|") + ")$"},
			Env:         map[string]string{"HEED_WASM_KERNELS": "1", "HEED_WASM_WORKERS_BLOCKED": "1"},
			Files:       blocked,
			Scripts:     []string{"kernels/" + Script, "init.js"},
			Isolated:    true,
			UserDataDir: t.TempDir(),
		})
		if err != nil {
			t.Fatalf("%v\noutput:\n%s", err, res.Output)
		}
		if res.ExitCode != 0 {
			t.Fatalf("exit code %d\noutput:\n%s", res.ExitCode, res.Output)
		}
		for _, name := range want {
			if !regexp.MustCompile(`(?m)^--- PASS: ` + name + ` `).MatchString(res.Output) {
				t.Errorf("%s did not pass in the browser\noutput:\n%s", name, res.Output)
			}
		}
	})
}
