//go:build !js

package wasmtest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"heed/internal/defaultmodel"
)

// browserSuite are tests of engine/webgpu that must report "--- PASS" in the browser: kernels
// against their CPU twins and whole models against the CPU executor. Every other test of the
// package runs too and must pass or fail the binary; none may skip.
var browserSuite = []string{
	"TestAttentionMatchesNaiveSoftmax",
	"TestExecutorConformance",
	"TestMatVecMatchesCPU",
	"TestMatMulMatchesCPU",
	"TestRoPEMatchesCPU",
	"TestSelfTestPassesOnTheDevice",
	"TestModelsMatchCPU",
	"TestSplitWeightsMatchCPU",
	"TestGreedyContinuationMatchesCPU",
	"TestGuideAndInfluenceMatchCPU",
	"TestArchitecturesGuideAndInfluenceMatchCPU",
	"TestExecutorArgmaxMatchesSampler",
	"TestExecutorTopKMatchesCPU",
	"TestSampledGenerationTopKPathMatchesFullLogits",
	"TestF16EveryHalf",
	"TestMatVecVariantsMatchCPU",
	"TestSubgroupsSelectedWhereTheDeviceHasThem",
	"TestFailedSubgroupsCheckKeepsTheWorkgroupKernel",
}

// subgroupsUsed is the line TestSubgroupsSelectedWhereTheDeviceHasThem logs when MatVec runs
// the subgroups variant: SwiftShader in Chromium grants the feature, so the browser run is
// where that variant is proven.
var subgroupsUsed = regexp.MustCompile(`(?m)^\s*subgroups_test\.go:\d+: matvec variant: subgroups$`)

// runPattern narrows the browser run to some tests (go test -run syntax), e.g. while
// debugging one kernel: go test ./internal/wasmtest -webgpu.run TestRoPEMatchesCPU. The check
// that the whole suite passed is then left out.
var runPattern = flag.String("webgpu.run", "", "run only engine/webgpu tests matching this pattern in the browser")

// benchPattern runs engine/webgpu benchmarks in the browser instead of the suite (go test
// -bench syntax), e.g. -webgpu.bench BenchmarkDecodeSubgroups; the output is logged.
var benchPattern = flag.String("webgpu.bench", "", "run only engine/webgpu benchmarks matching this pattern in the browser")

// TestWebGPUSuiteInBrowser builds engine/webgpu's tests for js/wasm and runs them in headless
// Chromium on SwiftShader's WebGPU, through cogentcore/webgpu's js binding. The default model
// is served by the harness and fetched by the binary (HEED_DEFAULT_MODEL_URL); synthetic
// models are written in memory. CI=1 in the binary's environment turns a missing adapter
// into a failure instead of a skip.
func TestWebGPUSuiteInBrowser(t *testing.T) {
	needChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	root, err := defaultmodel.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	model, err := defaultmodel.Ensure(filepath.Join(root, "models"))
	if err != nil {
		t.Fatalf("default model: %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "webgpu.test.wasm")
	buildStart := time.Now()
	if err := Build(ctx, root, "./engine/webgpu", bin); err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s in %s", filepath.Base(bin), time.Since(buildStart).Round(time.Millisecond))

	// SwiftShader compiles each of the 33 weight-kernel modules (11 types) in about two
	// seconds, and the suite runs every type through every weight kernel.
	args := []string{"-test.v", "-test.timeout=7m"}
	if *runPattern != "" {
		args = append(args, "-test.run", *runPattern)
	}
	if *benchPattern != "" {
		args = append(args, "-test.run", "^$", "-test.bench", *benchPattern)
	}
	res, err := Run(ctx, Options{
		Binary:      bin,
		Args:        args,
		Env:         map[string]string{"CI": "1", "HEED_DEFAULT_MODEL_URL": "models/" + defaultmodel.Name},
		Files:       map[string]string{"models/" + defaultmodel.Name: model},
		UserDataDir: filepath.Join(dir, "chromium"),
		WebGPU:      true,
	})
	if err != nil {
		t.Fatalf("%v\noutput:\n%s", err, res.Output)
	}
	t.Logf("test binary ran in the browser for %s", res.Elapsed.Round(time.Millisecond))
	if res.ExitCode != 0 {
		t.Fatalf("exit code %d\noutput:\n%s", res.ExitCode, res.Output)
	}
	if *benchPattern != "" {
		t.Logf("output:\n%s", res.Output)
		return
	}
	if !subgroupsUsed.MatchString(res.Output) && (*runPattern == "" || strings.Contains(res.Output, "TestSubgroupsSelectedWhereTheDeviceHasThem")) {
		t.Errorf("MatVec did not use the subgroups variant in the browser")
	}
	if *runPattern != "" {
		t.Logf("output:\n%s", res.Output)
		return
	}
	for _, name := range browserSuite {
		if !regexp.MustCompile(`(?m)^--- PASS: ` + name + ` `).MatchString(res.Output) {
			t.Errorf("%s did not pass in the browser", name)
		}
	}
	if skips := regexp.MustCompile(`(?m)^\s*--- SKIP: .*`).FindAllString(res.Output, -1); len(skips) > 0 {
		t.Errorf("tests skipped in the browser:\n%s", strings.Join(skips, "\n"))
	}
	if !regexp.MustCompile(`(?m)^PASS$`).MatchString(res.Output) {
		t.Errorf("no final PASS line")
	}
	if t.Failed() {
		t.Logf("output:\n%s", res.Output)
	}
}

// needChromium skips the test without Chromium, except in CI where it fails.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(DefaultChromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (apt-get install -y chromium): %v", DefaultChromium, err)
		}
		t.Skipf("%s not installed (apt-get install -y chromium); set CI=1 to make this a failure", DefaultChromium)
	}
}
