package defaultmodel

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEnsureFetchesAndVerifies(t *testing.T) {
	p := ForTest(t)
	if filepath.Base(p) != Name {
		t.Fatalf("path %s", p)
	}
	if err := verify(p); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureReplacesCorruptFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, Name), []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Ensure(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(p); err != nil {
		t.Fatal(err)
	}
}
