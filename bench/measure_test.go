package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"heed/engine/ggml"
	"heed/engine/webgpu"
)

// tinyShape is a two-layer Llama small enough to run on any executor in well under a second.
const tinyShape = "arch=llama,layers=2,dim=64,heads=4,kv=2,ffn=128,vocab=512"

func TestModelFileNamesShapeOverrides(t *testing.T) {
	dir := t.TempDir()
	path, err := modelFile(benchModel{"tiny", tinyShape, ggml.Q8_0}, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "arch-llama-layers-2-dim-64-heads-4-kv-2-ffn-128-vocab-512-Q8_0.gguf")
	if path != want {
		t.Fatalf("path %q, want %q", path, want)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	again, err := modelFile(benchModel{"tiny", tinyShape, ggml.Q8_0}, dir)
	if err != nil || again != path {
		t.Fatalf("second call: %q, %v; want the same file", again, err)
	}
}

func TestMeasureHeedOnEachExecutor(t *testing.T) {
	path, err := modelFile(benchModel{"tiny", tinyShape, ggml.F32}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const prompt, steps = 8, 4
	for _, tc := range []struct {
		executor    string
		influence   bool
		wantAdapter bool
	}{
		{executorCPU, false, false},
		{executorCPU, true, false},
		{executorWebGPU, false, true},
		{executorWebGPU, true, true},
	} {
		t.Run(fmt.Sprintf("%s/influence=%v", tc.executor, tc.influence), func(t *testing.T) {
			r, err := measureHeed(tc.executor, path, 1, prompt, steps, tc.influence)
			if errors.Is(err, webgpu.ErrNoAdapter) {
				t.Skipf("no WebGPU adapter (install mesa-vulkan-drivers for lavapipe): %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(r.PromptIDs) != prompt || r.PrefillTPS <= 0 || r.DecodeTPS <= 0 || r.WeightBytes <= 0 || r.FileBytes <= 0 {
				t.Fatalf("incomplete result %+v", r)
			}
			if got := r.Adapter != ""; got != tc.wantAdapter {
				t.Fatalf("adapter %q; want one named: %v", r.Adapter, tc.wantAdapter)
			}
		})
	}
}

func TestMeasureHeedRejectsUnknownExecutor(t *testing.T) {
	path, err := modelFile(benchModel{"tiny", tinyShape, ggml.F32}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := measureHeed("tpu", path, 1, 8, 4, false); err == nil {
		t.Fatal("unknown executor accepted")
	}
}
