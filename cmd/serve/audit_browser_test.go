//go:build !(js && wasm)

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-rod/rod/lib/input"

	"heed/internal/defaultmodel"
)

// pageTools is where `make test-deps` installs Lighthouse and axe-core
// (cmd/serve/testdata/fetch.sh), relative to this package.
const pageTools = "../../testdata/cache/npm-page/node_modules"

// needPageTools returns the path of the pinned npm packages, skipping the
// test without them (failing in CI, which installs them).
func needPageTools(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(pageTools)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"axe-core/axe.min.js", "lighthouse/cli/index.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s missing: run make test-deps (bash cmd/serve/testdata/fetch.sh): %v", f, err)
			}
			t.Skipf("%s missing: run make test-deps (bash cmd/serve/testdata/fetch.sh)", f)
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node is required in CI: %v", err)
		}
		t.Skip("node not installed")
	}
	return dir
}

// axeViolation is one rule axe-core found broken, with its nodes.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct{ Target []any }
}

// TestAccessibilityInEveryView runs axe-core 4.14.1 in every view of the
// page — the first paint before the app starts, the first screen after a
// run, each sheet, each tab, the highlight editor with the tag source, and
// presentation mode — and fails on any serious or critical violation.
func TestAccessibilityInEveryView(t *testing.T) {
	needChromium(t)
	tools := needPageTools(t)
	axe, err := os.ReadFile(filepath.Join(tools, "axe-core/axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	artifacts := artifactsDir(t)
	base, _ := started(t, modelsDir(t))
	page, log := openPage(t, false)
	log.expect(noAdapterWarning)
	setViewport(t, page, 1280, 720)
	fail := failer(t, page, log, artifacts, "axe-failed-")
	check := func(view string) {
		t.Helper()
		// axe runs through the debugger, which the page's CSP does not govern.
		if _, err := page.Eval(`(src) => { if (!globalThis.axe) (0, eval)(src); }`, string(axe)); err != nil {
			fail("load axe-core", err)
		}
		raw, err := page.Eval(`() => axe.run(document, {resultTypes: ["violations"]}).then((r) => JSON.stringify(r.violations))`)
		if err != nil {
			fail("axe in "+view, err)
		}
		var vs []axeViolation
		if err := json.Unmarshal([]byte(raw.Value.Str()), &vs); err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			msg := view + ": " + v.Impact + " " + v.ID + " (" + v.Help + "): " + targets(v)
			if v.Impact == "serious" || v.Impact == "critical" {
				t.Error(msg)
			} else {
				t.Log(msg)
			}
		}
		shot(t, page, artifacts, "axe-"+strings.ReplaceAll(view, " ", "-"))
	}

	if err := page.Navigate(base + "/"); err != nil {
		t.Fatal(err)
	}
	if err := page.WaitLoad(); err != nil {
		t.Fatal(err)
	}
	check("first paint")
	if err := interact(page); err != nil {
		t.Fatal(err)
	}
	if _, err := waitModelLoaded(page, log, defaultmodel.Name); err != nil {
		fail("model load", err)
	}
	if _, err := waitAutoRun(page, log); err != nil {
		fail("the sample's run", err)
	}
	check("first screen")
	for _, sheet := range []string{"model", "settings", "gallery"} {
		openSheet(t, page, log, sheet)
		check(sheet + " sheet")
		closeSheets(t, page)
	}
	clickOn(t, page, ".heed-measure", fail)
	if _, err := waitFor(page, log, `() => document.querySelector(".heed-influence").dataset.running === "false" && document.querySelector(".heed-track") ? "y" : ""`); err != nil {
		fail("measure", err)
	}
	check("charts tab")
	for _, tab := range []string{"sweep", "calibrate", "session"} {
		clickOn(t, page, "#heed-tab-"+tab, fail)
		check(tab + " tab")
	}
	clickOn(t, page, `#heed-rendered mark[data-index="0"]`, fail)
	clickOn(t, page, ".heed-source-toggle", fail)
	check("highlight editor")
	clickOn(t, page, ".heed-open-present", fail)
	if _, err := waitFor(page, log, `() => document.querySelector(".heed-shell").dataset.presenting === "true" ? "y" : ""`); err != nil {
		fail("presentation mode", err)
	}
	if _, err := waitRun(page, log); err != nil {
		fail("presentation run", err)
	}
	check("presentation mode")
	if err := page.Keyboard.Type(input.KeyG); err != nil {
		fail("toggle GUIDE", err)
	}
	check("presentation mode, GUIDE alone")
	checkProblems(t, log)
}

func targets(v axeViolation) string {
	var out []string
	for i, n := range v.Nodes {
		if i == 4 {
			out = append(out, "…")
			break
		}
		b, _ := json.Marshal(n.Target)
		out = append(out, string(b))
	}
	return strings.Join(out, " ")
}

// TestLighthouseAudits runs Lighthouse 12.2.3 on the page (desktop preset)
// and requires full marks in accessibility, best practices and SEO. Speed
// is measured by make bench-page (docs/bench.md), not here: a timed test
// on a shared 2-core machine measures the machine.
func TestLighthouseAudits(t *testing.T) {
	needChromium(t)
	tools := needPageTools(t)
	base, _ := started(t, modelsDir(t))
	out := filepath.Join(t.TempDir(), "lighthouse.json")
	cmd := exec.Command("node", filepath.Join(tools, "lighthouse/cli/index.js"), base+"/",
		"--preset=desktop", "--only-categories=accessibility,best-practices,seo",
		"--chrome-flags=--headless=new --no-sandbox --user-data-dir="+t.TempDir(),
		"--output=json", "--output-path="+out, "--quiet")
	cmd.Env = append(os.Environ(), "CHROME_PATH="+chromiumBin)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lighthouse: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Categories map[string]struct {
			Score     *float64
			AuditRefs []struct{ ID string }
		}
		Audits map[string]struct {
			Score *float64
			Title string
		}
	}
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"accessibility", "best-practices", "seo"} {
		cat, ok := report.Categories[c]
		if !ok || cat.Score == nil {
			t.Errorf("no %s score", c)
			continue
		}
		t.Logf("%s: %.2f", c, *cat.Score)
		if *cat.Score != 1 {
			for _, ref := range cat.AuditRefs {
				if a := report.Audits[ref.ID]; a.Score != nil && *a.Score < 1 {
					t.Errorf("%s: %s (%s) scores %.2f", c, ref.ID, a.Title, *a.Score)
				}
			}
		}
	}
}
