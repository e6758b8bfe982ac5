// The fuzz test runs natively only: under js/wasm the test binary has no
// file system for its seed corpus directory.

//go:build !(js && wasm)

package blobfile

import (
	"bytes"
	"context"
	"testing"
)

// FuzzReadAt compares every read, at any offset, length and chunk size,
// with bytes.Reader over the same data.
func FuzzReadAt(f *testing.F) {
	f.Add(int64(0), 4, int64(64), uint16(300))
	f.Add(int64(299), 10, int64(1), uint16(300))
	f.Add(int64(-1), 1, int64(0), uint16(10))
	f.Fuzz(func(t *testing.T, off int64, n int, chunk int64, size uint16) {
		if n < 0 || n > 1<<16 {
			return
		}
		data := testData(int(size))
		r := newReader(context.Background(), &memSource{data: data}, "m.gguf", int64(size), Options{Chunk: chunk})
		got := make([]byte, n)
		gn, gerr := r.ReadAt(got, off)
		want := make([]byte, n)
		wn, werr := bytes.NewReader(data).ReadAt(want, off)
		if gn != wn || (gerr == nil) != (werr == nil) || !bytes.Equal(got[:gn], want[:wn]) {
			t.Fatalf("ReadAt(%d at %d, chunk %d, size %d) = %d, %v; bytes.Reader: %d, %v", n, off, chunk, size, gn, gerr, wn, werr)
		}
	})
}
