//go:build js && wasm

package blobfile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"syscall/js"
	"testing"
)

// newBlob makes a browser Blob holding data.
func newBlob(data []byte) js.Value {
	arr := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(arr, data)
	return js.Global().Get("File").New([]any{arr}, "m.gguf")
}

func TestOpenReadsABrowserBlob(t *testing.T) {
	data := testData(3000)
	r, err := Open(context.Background(), newBlob(data), Options{Chunk: 512})
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != 3000 || r.Name() != "m.gguf" {
		t.Fatalf("Size %d, Name %q; want 3000, m.gguf", r.Size(), r.Name())
	}
	for _, c := range []struct {
		off int64
		n   int
	}{{0, 4}, {510, 10}, {100, 2000}, {2990, 10}} {
		p := make([]byte, c.n)
		if _, err := r.ReadAt(p, c.off); err != nil {
			t.Fatalf("ReadAt(%d at %d): %v", c.n, c.off, err)
		}
		if !bytes.Equal(p, data[c.off:c.off+int64(c.n)]) {
			t.Errorf("ReadAt(%d at %d) differs from the blob", c.n, c.off)
		}
	}
	if _, err := r.ReadAt(make([]byte, 20), 2990); !errors.Is(err, io.EOF) {
		t.Errorf("read past the end: %v, want io.EOF", err)
	}
}

func TestOpenRejectsNonBlobs(t *testing.T) {
	for _, v := range []js.Value{js.Undefined(), js.Null(), js.ValueOf("text"), js.Global().Get("Object").New()} {
		if _, err := Open(context.Background(), v, Options{}); err == nil {
			t.Errorf("Open(%v) succeeded", v)
		}
	}
}
