// Package keep stores model files on the user's device, in the browser's
// Origin Private File System (a "models" directory under
// navigator.storage.getDirectory()), so that the page can load them with the
// server out of reach. Files are streamed in chunks from any io.ReaderAt and
// read back through package blobfile, so neither direction holds a model
// whole in memory.
//
// The storage calls exist under js/wasm; elsewhere they return
// ErrUnavailable. Name checks and the chunked copy are the same everywhere
// and are tested natively.
package keep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Chunk is how many bytes one write to the file system carries.
const Chunk = 4 << 20

var (
	// ErrUnavailable means the browser offers no private file system here.
	ErrUnavailable = errors.New("this browser cannot keep files for offline use")
	// ErrName marks a name that cannot be a file name in the store.
	ErrName = errors.New("not a usable file name")
	// ErrNotKept means no kept model has that name.
	ErrNotKept = errors.New("no kept model has that name")
)

// Model is one kept model file.
type Model struct {
	Name string
	Size int64
}

// Usage is the origin's storage use and quota, as the browser estimates them.
type Usage struct {
	Used, Quota int64
}

// maxNameBytes keeps names within what every file system accepts.
const maxNameBytes = 255

// CheckName reports whether name can name a kept file: not empty, not "."
// or "..", no path separators or control characters, at most 255 bytes.
func CheckName(name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return fmt.Errorf("keep: %q: %w", name, ErrName)
	case len(name) > maxNameBytes:
		return fmt.Errorf("keep: name of %d bytes (at most %d): %w", len(name), maxNameBytes, ErrName)
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("keep: %q has a path separator: %w", name, ErrName)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("keep: %q has a control character: %w", name, ErrName)
		}
	}
	return nil
}

// copyChunks reads r (size bytes) in chunks of chunk bytes, in order, and
// hands each to write; buf is reused, so write must be done with it before
// returning. progress, when set, is called after each chunk.
func copyChunks(ctx context.Context, r io.ReaderAt, size, chunk int64, write func([]byte) error, progress func(done, total int64)) error {
	if size < 0 || chunk <= 0 {
		return fmt.Errorf("keep: size %d, chunk %d", size, chunk)
	}
	buf := make([]byte, min(chunk, size))
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := buf[:min(chunk, size-off)]
		n, err := r.ReadAt(p, off)
		if n < len(p) {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("keep: reading at %d: %w", off, err)
		}
		if err := write(p); err != nil {
			return fmt.Errorf("keep: writing at %d: %w", off, err)
		}
		off += int64(n)
		if progress != nil {
			progress(off, size)
		}
	}
	return nil
}
