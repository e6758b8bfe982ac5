package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/internal/defaultmodel"
)

func TestExitCodesAndMessages(t *testing.T) {
	defaultmodel.ForTest(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.gguf")
	if err := os.WriteFile(garbage, []byte("GGUF\x03\x00\x00\x00truncated"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{"no command", nil, 2, nil, []string{"usage: heed"}},
		{"help", []string{"help"}, 0, nil, []string{"tokenize", "info", "synth"}},
		{"unknown command", []string{"frobnicate"}, 2, nil, []string{`unknown command "frobnicate"`}},
		{"unknown flag", []string{"info", "--nope"}, 2, nil, []string{"flag provided but not defined"}},
		{"too many arguments", []string{"info", "a.gguf", "b"}, 2, nil, []string{"expected 0 argument"}},
		{"missing file", []string{"info", filepath.Join(dir, "absent.gguf")}, 1, nil, []string{"heed info:", "absent.gguf"}},
		{"truncated file", []string{"info", garbage}, 1, nil, []string{"heed info: gguf"}},
		{"info default model", []string{"info"}, 0,
			[]string{"architecture  llama", "layers        5", "dim           64", "heads         8 (KV heads 4", "vocab         512"}, nil},
		{"tokenize with a tag", []string{"tokenize", "Lily had a <!!!->cat<-!!!>."}, 0,
			[]string{"▁Lily", `span "cat" chars [11,14) Δ=2 → tokens [4,6)`}, nil},
		{"tokenize with a span flag", []string{"tokenize", "Lily had a cat.", "--span", "0:4:-1.5"}, 0,
			[]string{`span "Lily" chars [0,4) Δ=-1.5 → tokens [1,2)`}, nil},
		{"tokenize unbalanced tag", []string{"tokenize", "Lily had a <!!->cat."}, 1, nil, []string{"heed tokenize:", "1:12"}},
		{"tokenize bad span flag", []string{"tokenize", "x", "--span", "1:2"}, 2, nil, []string{"flag -span", "START:END:DELTA"}},
		{"chat without a template", []string{"tokenize", "--chat", "hi"}, 2, nil, []string{"no recognised chat template"}},
		{"unknown template", []string{"tokenize", "--template", "nope", "hi"}, 2, nil, []string{"chatml"}},
		{"no-think without a thinking switch", []string{"tokenize", "--template", "chatml", "--no-think", "hi"}, 2, nil, []string{"no thinking switch"}},
		{"no-think with qwen3", []string{"tokenize", "--template", "qwen3", "--no-think", "hi"}, 0, []string{"in      [65,67)"}, nil}, // the "think" of "</think>"
		{"models lists the default model", []string{"models", "--json", "-dir", filepath.Dir(defaultmodel.ForTest(t))}, 0,
			[]string{`"path":`, defaultmodel.Name, `"bytes":1185376`}, nil},
		{"synth bad type", []string{"synth", "--type", "q9_9", filepath.Join(dir, "x.gguf")}, 2, nil, []string{"q9_9"}},
		{"synth bad shape", []string{"synth", "--shape", "arch=llama,dim=7,heads=2", filepath.Join(dir, "x.gguf")}, 2, nil, []string{"heed synth:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := heed(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, stdout, stderr)
			}
			for _, w := range tc.wantStdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

func TestInfoJSON(t *testing.T) {
	code, stdout, stderr := heed(t, "info", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got infoJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	want := infoJSON{Architecture: "llama", Supported: true, Layers: 5, Dim: 64, Heads: 8, KVHeads: 4, Vocab: 512, Tokenizer: "llama", ChatTemplate: "raw"}
	if got.Architecture != want.Architecture || got.Supported != want.Supported || got.Layers != want.Layers ||
		got.Dim != want.Dim || got.Heads != want.Heads || got.KVHeads != want.KVHeads || got.Vocab != want.Vocab ||
		got.Tokenizer != want.Tokenizer || got.ChatTemplate != want.ChatTemplate {
		t.Errorf("info %+v, want %+v", got, want)
	}
	// stories260K: 48 F32 tensors, 292 800 parameters.
	if got.Parameters != 292800 || len(got.TensorTypes) != 1 || got.TensorTypes[0].Type != "F32" {
		t.Errorf("parameters %d, tensor types %+v", got.Parameters, got.TensorTypes)
	}
}

func TestTokenizeJSON(t *testing.T) {
	code, stdout, stderr := heed(t, "tokenize", "--json", "Lily had a <!!!->cat<-!!!> and a <?->ball<-?>.")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got tokenizeJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Text != "Lily had a cat and a ball." {
		t.Errorf("text %q", got.Text)
	}
	if len(got.Spans) != 2 {
		t.Fatalf("spans %+v", got.Spans)
	}
	for _, s := range got.Spans {
		var pieces string
		for _, tok := range got.Tokens[s.First:s.Last] {
			pieces += tok.Piece
		}
		if strings.TrimPrefix(strings.ReplaceAll(pieces, "▁", " "), " ") != s.Text {
			t.Errorf("span %q covers tokens %q", s.Text, pieces)
		}
	}
	if got.Spans[0].Delta != 2 || got.Spans[0].Measure || !got.Spans[1].Measure {
		t.Errorf("span kinds %+v", got.Spans)
	}
}

func TestSynthWritesALoadableModel(t *testing.T) {
	out := filepath.Join(t.TempDir(), "tiny.gguf")
	code, _, stderr := heed(t, "synth", "--shape", "smollm2-135m,layers=2", "--type", "q4_k", "--seed", "7", out)
	if code != 0 {
		t.Fatalf("synth exit %d: %s", code, stderr)
	}
	code, stdout, stderr := heed(t, "info", out)
	if code != 0 {
		t.Fatalf("info exit %d: %s", code, stderr)
	}
	for _, w := range []string{"layers        2", "dim           576", "heads         9 (KV heads 3", "Q4_K"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("info lacks %q:\n%s", w, stdout)
		}
	}
}

// TestInfoNamesArchitectureFeatures writes a Gemma 3 file and reads back what sets it
// apart, and says which tensor type makes a file unloadable.
func TestInfoNamesArchitectureFeatures(t *testing.T) {
	out := filepath.Join(t.TempDir(), "gemma3.gguf")
	if code, _, stderr := heed(t, "synth", "--shape", "gemma3-270m,layers=6,dim=256,ffn=512", "--type", "q8_0", out); code != 0 {
		t.Fatalf("synth exit %d: %s", code, stderr)
	}
	code, stdout, stderr := heed(t, "info", out)
	if code != 0 {
		t.Fatalf("info exit %d: %s", code, stderr)
	}
	for _, w := range []string{"architecture  gemma3", "q/k norms per head", "post-norms", "GeGLU", "embeddings ×16",
		"sliding window 512 on 5 of 6 layers", "local RoPE base 10000"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("info lacks %q:\n%s", w, stdout)
		}
	}

	// The same file with one tensor relabelled IQ2_XXS (its bytes do not matter here).
	f, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := gguf.NewBuilder()
	for _, kv := range f.KV {
		b.Set(kv.Key, kv.Value)
	}
	b.SetUint32(gguf.KeyAlignment, gguf.DefaultAlignment)
	for i := range f.Tensors {
		ti := f.Tensors[i]
		typ, dims := ti.Type, ti.Dims
		data, err := f.ReadTensorBytes(&ti)
		if err != nil {
			t.Fatal(err)
		}
		if ti.Name == "blk.0.ffn_down.weight" {
			typ = ggml.IQ2_XXS
			n, _ := typ.RowBytes(dims[0] * dims[1])
			data = make([]byte, n)
		}
		if err := b.AddTensorSource(ti.Name, dims, typ, func() ([]byte, error) { return data, nil }); err != nil {
			t.Fatal(err)
		}
	}
	bad := filepath.Join(t.TempDir(), "iq2.gguf")
	w, err := os.Create(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.WriteTo(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	code, stdout, stderr = heed(t, "info", bad)
	if code != 0 {
		t.Fatalf("info exit %d: %s", code, stderr)
	}
	if want := "unsupported   tensor blk.0.ffn_down.weight: unsupported tensor type IQ2_XXS (supported: F32, "; !strings.Contains(stdout, want) {
		t.Errorf("info lacks %q:\n%s", want, stdout)
	}
	if code, _, stderr := heed(t, "run", "--backend", "cpu", "--max-tokens", "1", bad, "hi"); code != 1 || !strings.Contains(stderr, "IQ2_XXS") {
		t.Errorf("run exit %d: %s", code, stderr)
	}
}
