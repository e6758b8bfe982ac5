//go:build js && wasm

package keep

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	"heed/app/blobfile"
)

// TestSaveListOpenDelete runs a model file's whole stay on the device, in
// the browser's private file system: saved in chunks with progress, listed
// with its size, read back byte for byte, replaced, and deleted.
func TestSaveListOpenDelete(t *testing.T) {
	ctx := context.Background()
	data := make([]byte, Chunk+12345) // two chunks, the second short
	for i := range data {
		data[i] = byte(i * 31)
	}
	var last int64
	if err := Save(ctx, "t.gguf", bytes.NewReader(data), int64(len(data)), func(done, total int64) { last = done }); err != nil {
		t.Fatal(err)
	}
	if last != int64(len(data)) {
		t.Errorf("last progress %d, want %d", last, len(data))
	}
	models, err := List(ctx)
	if err != nil || !slices.Contains(models, Model{Name: "t.gguf", Size: int64(len(data))}) {
		t.Fatalf("List = %v, %v; want t.gguf of %d bytes", models, err, len(data))
	}
	r, err := Open(ctx, "t.gguf", blobfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	back := make([]byte, len(data))
	if _, err := r.ReadAt(back, 0); err != nil || !bytes.Equal(back, data) {
		t.Fatalf("read back: %v, equal %v", err, bytes.Equal(back, data))
	}

	if err := Save(ctx, "t.gguf", bytes.NewReader(data[:10]), 10, nil); err != nil {
		t.Fatal(err)
	}
	if models, _ := List(ctx); !slices.Contains(models, Model{Name: "t.gguf", Size: 10}) {
		t.Errorf("after saving again: %v, want t.gguf of 10 bytes", models)
	}
	if u, err := Estimate(ctx); err != nil || u.Quota <= 0 {
		t.Errorf("Estimate = %+v, %v", u, err)
	}

	if err := Delete(ctx, "t.gguf"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, "t.gguf", blobfile.Options{}); !errors.Is(err, ErrNotKept) {
		t.Errorf("Open after Delete = %v, want ErrNotKept", err)
	}
	if err := Delete(ctx, "t.gguf"); !errors.Is(err, ErrNotKept) {
		t.Errorf("Delete twice = %v, want ErrNotKept", err)
	}
}

// failingReader fails after its first chunk, as a download cut off would.
type failingReader struct{ data []byte }

func (f failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off > 0 {
		return 0, io.ErrUnexpectedEOF
	}
	return copy(p, f.data), nil
}

// TestFailedSaveLeavesNothing pins that a save cut off midway lists no file.
func TestFailedSaveLeavesNothing(t *testing.T) {
	ctx := context.Background()
	data := make([]byte, 2*Chunk)
	if err := Save(ctx, "cut.gguf", failingReader{data}, int64(len(data)), nil); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Save = %v, want io.ErrUnexpectedEOF", err)
	}
	models, err := List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range models {
		if m.Name == "cut.gguf" {
			t.Errorf("a failed save left %+v", m)
		}
	}
}

func TestBadNamesAreRefused(t *testing.T) {
	if err := Save(context.Background(), "../x", bytes.NewReader(nil), 0, nil); !errors.Is(err, ErrName) {
		t.Errorf("Save(../x) = %v, want ErrName", err)
	}
}
