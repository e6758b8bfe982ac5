package synth

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"heed/engine/ggml"
)

// TestWriteFileOnce checks the file's name and bytes, that a second call
// finds it instead of writing again, and that nothing is left beside it.
func TestWriteFileOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "models")
	const spec = "arch=llama,layers=1,dim=64,heads=4,kv=2,ffn=128,vocab=512"
	path, err := WriteFileOnce(dir, spec, ggml.Q8_0)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "arch-llama-layers-1-dim-64-heads-4-kv-2-ffn-128-vocab-512-Q8_0.gguf"); path != want {
		t.Fatalf("path %s; want %s", path, want)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := ParseShape(spec)
	var want bytes.Buffer
	if err := Write(&want, s, ggml.Q8_0, 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("the file differs from Write's bytes for seed 1")
	}
	// A second call keeps the file: mark it and look for the mark.
	if err := os.WriteFile(path, []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	if again, err := WriteFileOnce(dir, spec, ggml.Q8_0); err != nil || again != path {
		t.Fatalf("second call: %s, %v", again, err)
	}
	if b, _ := os.ReadFile(path); string(b) != "kept" {
		t.Fatal("the second call wrote the file again")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d files in the directory; want the model alone", len(entries))
	}
	if _, err := WriteFileOnce(dir, "no-such-preset", ggml.Q8_0); err == nil {
		t.Fatal("an unknown shape was accepted")
	}
}
