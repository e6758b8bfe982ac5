//go:build !(js && wasm)

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"heed/engine/ggml"
	"heed/engine/synth"
	"heed/internal/defaultmodel"
)

// archModels are synthetic models of architectures beyond Llama that the page must run:
// Qwen3 (q/k norms, heads wider than dim/heads) and Gemma 3 (scaled embeddings, post-norms,
// GeGLU, q/k norms, two sliding-window layers of 5 keys and a global one).
var archModels = []struct{ file, shape string }{
	{"qwen3-q8_0.gguf", "qwen3-0.6b,layers=2,dim=256,heads=4,kv=2,ffn=512"},
	{"gemma3-q4_k.gguf", "gemma3-270m,layers=3,dim=256,swa=5,swa_pattern=3,ffn=512"},
}

// TestAppRunsQwen3AndGemma3 loads each of archModels from the server's list in headless
// Chromium (on SwiftShader's WebGPU, picked in the settings), runs A/B on the sample's
// highlighted prompt, and checks the followed Influence heatmap against the native engine.
func TestAppRunsQwen3AndGemma3(t *testing.T) {
	needChromium(t)
	artifacts := artifactsDir(t)
	models := modelsDir(t)
	for i, m := range archModels {
		shape, err := synth.ParseShape(m.shape)
		if err != nil {
			t.Fatal(err)
		}
		typ := []ggml.Type{ggml.Q8_0, ggml.Q4_K}[i]
		var b bytes.Buffer
		if err := synth.Write(&b, shape, typ, 11); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(models, m.file), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base, _ := started(t, models)
	page, log := openPage(t, true)
	setViewport(t, page, 1280, 720)
	if err := visit(page, base+"/"); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	fail := failer(t, page, log, artifacts, "failed-arch-")
	if _, err := waitModelLoaded(page, log, defaultmodel.Name); err != nil {
		fail("default model", err)
	}
	if _, err := waitAutoRun(page, log); err != nil {
		fail("the sample's run", err)
	}
	for _, m := range archModels {
		openSheet(t, page, log, "model")
		clickOn(t, page, `.heed-load[aria-label="Load `+m.file+`"]`, fail)
		backend, err := waitModelLoaded(page, log, m.file)
		if err != nil {
			fail("load "+m.file, err)
		}
		closeSheets(t, page)
		generate(t, page, log, fail)
		ab, err := waitRun(page, log)
		if err != nil {
			fail("A/B on "+m.file, err)
		}
		if ab.Error != "" || len(ab.Texts) != 2 || ab.Texts[0] == "" || ab.Texts[1] == "" {
			t.Errorf("%s: A/B %+v; want two continuations", m.file, ab)
		}
		tol := influenceTolerance(backend)
		worst := nativeModel(t, filepath.Join(models, m.file)).checkFollowed(t, page, log, tagged(t, page), tol)
		t.Logf("%s on %s: GUIDE %q, baseline %q; largest |page − native| Influence %.3g", m.file, backend, ab.Texts[0], ab.Texts[1], worst)
		shot(t, page, artifacts, "arch-"+m.file)
	}
	checkProblems(t, log)
}
