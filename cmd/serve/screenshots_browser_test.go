//go:build !(js && wasm)

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"
	"github.com/go-rod/rod/lib/proto"

	"heed/internal/defaultmodel"
)

// TestScreenshots writes the README's screenshots (docs/screenshots/) when
// HEED_UPDATE_SCREENSHOT=1: the first screen at 1280×720 after the sample's
// run, presentation mode at 1920×1080 on a gallery example, and the first
// screen on a 390-pixel phone. The page runs on the CPU.
func TestScreenshots(t *testing.T) {
	if os.Getenv("HEED_UPDATE_SCREENSHOT") != "1" {
		t.Skip("set HEED_UPDATE_SCREENSHOT=1 to write docs/screenshots/")
	}
	needChromium(t)
	dir := "../../docs/screenshots"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	base, _ := started(t, modelsDir(t))
	page, log := openPage(t, false)
	log.expect(noAdapterWarning)
	fail := failer(t, page, log, t.TempDir(), "screenshots-failed-")
	view := func(name string, w, h int) {
		t.Helper()
		setViewport(t, page, w, h)
		if _, err := page.Eval(`() => new Promise((r) => { scrollTo(0, 0); requestAnimationFrame(() => setTimeout(r, 300)); })`); err != nil {
			t.Fatal(err)
		}
		b, err := page.Screenshot(false, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setViewport(t, page, 1280, 720)
	if err := visit(page, base+"/"); err != nil {
		t.Fatal(err)
	}
	if _, err := waitModelLoaded(page, log, defaultmodel.Name); err != nil {
		fail("model", err)
	}
	if _, err := waitAutoRun(page, log); err != nil {
		fail("run", err)
	}
	pointAt(t, page, 57)
	view("desktop.png", 1280, 720)
	view("phone.png", 390, 844)

	clickOn(t, page, ".heed-open-present", fail)
	if _, err := waitFor(page, log, `() => document.querySelector(".heed-shell").dataset.presenting === "true" ? "y" : ""`); err != nil {
		fail("presentation mode", err)
	}
	if err := page.Keyboard.Type(input.ArrowRight); err != nil {
		t.Fatal(err)
	}
	if _, err := waitFor(page, log, `() => document.querySelector(".heed-present-title").innerText.startsWith("The farmer") ? "y" : ""`); err != nil {
		fail("next example", err)
	}
	if _, err := waitRun(page, log); err != nil {
		fail("presentation run", err)
	}
	view("presentation.png", 1920, 1080)
	checkProblems(t, log)
}

// pointAt moves the pointer over heatmap token k, so the readout shows it.
func pointAt(t *testing.T, page *rod.Page, k int) {
	t.Helper()
	el, err := page.Element(`.heed-heat .heed-tok[data-k="` + strconv.Itoa(k) + `"]`)
	if err != nil {
		t.Fatal(err)
	}
	if err := el.Hover(); err != nil {
		t.Fatal(err)
	}
}
