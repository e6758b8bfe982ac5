package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
		{executorCPUF32, false, false},
		{executorWebGPU, false, true},
		{executorWebGPU, true, true},
	} {
		t.Run(fmt.Sprintf("%s/influence=%v", tc.executor, tc.influence), func(t *testing.T) {
			r, err := measureHeed(tc.executor, path, 1, prompt, steps, tc.influence)
			if errors.Is(err, webgpu.ErrNoAdapter) {
				// Under CI the adapter is installed (.ci/run): its absence is a failure.
				if os.Getenv("CI") != "" {
					t.Fatalf("no WebGPU adapter under CI: %v", err)
				}
				t.Skipf("no WebGPU adapter (install mesa-vulkan-drivers for lavapipe): %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(r.PromptIDs) != prompt || len(r.Tokens) != steps || r.PrefillTPS <= 0 || r.DecodeTPS <= 0 || r.WeightBytes <= 0 || r.FileBytes <= 0 {
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

// TestGreedyTokensAgreeAcrossExecutors: the tokens a child reports are the
// model's greedy continuation, the same from the int8 path, the f32 reference
// and with Influence followed (on a tiny F32 model every path computes in f32).
func TestGreedyTokensAgreeAcrossExecutors(t *testing.T) {
	path, err := modelFile(benchModel{"tiny", tinyShape, ggml.F32}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var first []int32
	for _, tc := range []struct {
		executor  string
		influence bool
	}{{executorCPU, false}, {executorCPUF32, false}, {executorCPU, true}} {
		r, err := measureHeed(tc.executor, path, 1, 8, 6, tc.influence)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = r.Tokens
			continue
		}
		if !slices.Equal(r.Tokens, first) {
			t.Fatalf("%s influence=%v: tokens %v, want %v", tc.executor, tc.influence, r.Tokens, first)
		}
	}
}

func TestStatistics(t *testing.T) {
	if m := median([]float64{5, 1, 3}); m != 3 {
		t.Errorf("median of 5 1 3 = %v", m)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median of 4 1 3 2 = %v", m)
	}
	if s := spread([]float64{2, 1, 3}, 1); s != "2.0 [1.0–3.0]" {
		t.Errorf("spread = %q", s)
	}
	if r := ratios([]float64{2, 6}, []float64{1, 3}); !slices.Equal(r, []float64{2, 2}) {
		t.Errorf("ratios = %v", r)
	}
	if r := ratios([]float64{2, 6}, []float64{1}); r != nil {
		t.Errorf("ratios of unequal runs = %v, want none", r)
	}
	if o := overheadCell([]float64{110, 100, 105}, []float64{100, 100, 100}); o != "5.0 [0.0–10.0]%" {
		t.Errorf("overhead = %q", o)
	}
	if n := commonPrefix([]int32{1, 2, 3}, []int32{1, 2, 4}); n != 2 {
		t.Errorf("common prefix = %d", n)
	}
	if _, err := intList("1,x"); err == nil {
		t.Error("intList accepted 1,x")
	}
	if l, err := intList("1, 2"); err != nil || !slices.Equal(l, []int{1, 2}) {
		t.Errorf("intList(1, 2) = %v, %v", l, err)
	}
}

func TestTop2AndTokensEqual(t *testing.T) {
	if b, s := top2([]float32{1, 3, 2, 3}); b != 1 || s != 3 {
		t.Errorf("top2 = %d, %d; want 1, 3 (lowest index first on ties)", b, s)
	}
	if b, s := top2([]float32{5, 1}); b != 0 || s != 1 {
		t.Errorf("top2 = %d, %d; want 0, 1", b, s)
	}
	h := heedResult{Tokens: []int32{1, 2, 3}, RunnersUp: []int32{9, 7, 9}, Gaps: []float32{1, 0.02, 1}}
	for _, tc := range []struct {
		peer []int32
		want string
	}{
		{[]int32{1, 2, 3}, "3/3"},
		{[]int32{1, 7, 3}, "1/3 (tie 0.02)"},
		{[]int32{1, 5, 3}, "1/3"},
		{[]int32{4, 2, 3}, "0/3"},
	} {
		if got := tokensEqual(h, tc.peer, true, nil); got != tc.want {
			t.Errorf("peer %v: %q, want %q", tc.peer, got, tc.want)
		}
	}
	if got := tokensEqual(h, nil, false, nil); got != "heed varied" {
		t.Errorf("inconsistent runs: %q", got)
	}
}
