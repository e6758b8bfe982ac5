// Package blobfile reads a browser Blob (a File chosen by the user, dropped
// on the page, or kept in the Origin Private File System) as an io.ReaderAt,
// one blob.slice(off, off+n).arrayBuffer() per read, so that a model file of
// gigabytes is parsed header first and then tensor by tensor without ever
// being held whole in memory. Small reads (the GGUF header is decoded a few
// bytes at a time) are served from one cached chunk.
//
// Open exists only under js/wasm; the chunking and caching below are the
// same on every platform and are tested natively over an in-memory source.
package blobfile

import (
	"context"
	"errors"
	"fmt"

	"heed/app/chunked"
)

// DefaultChunk is the smallest slice the reader asks the browser for: one
// promise round trip per MiB keeps header parsing fast without holding much.
const DefaultChunk = 1 << 20

// ErrShortRead means the browser returned fewer bytes than the slice held,
// which happens when the file changed on disk after it was chosen.
var ErrShortRead = errors.New("the file returned fewer bytes than asked for (did it change on disk?)")

// Options adjust a Reader.
type Options struct {
	// Chunk is the smallest slice read in bytes (0: DefaultChunk).
	Chunk int64
	// Progress, when set, is called after every slice with the bytes read so
	// far and the file size.
	Progress func(read, size int64)
}

// source fills p with the bytes at off; p never reaches past the end.
type source interface {
	readAt(ctx context.Context, p []byte, off int64) (int, error)
}

// Reader is an io.ReaderAt over one blob. It is safe for concurrent use.
type Reader struct {
	*chunked.Reader
	ctx      context.Context
	src      source
	name     string
	size     int64
	progress func(read, size int64)
	read     int64 // guarded by the chunked reader, which serialises fill
}

func newReader(ctx context.Context, src source, name string, size int64, opt Options) *Reader {
	r := &Reader{ctx: ctx, src: src, name: name, size: size, progress: opt.Progress}
	chunk := opt.Chunk
	if chunk <= 0 {
		chunk = DefaultChunk
	}
	r.Reader = chunked.New(size, chunk, r.fill)
	return r
}

// Name is the file's name ("" for a plain Blob).
func (r *Reader) Name() string { return r.name }

// fill reads exactly len(p) bytes at off from the source.
func (r *Reader) fill(p []byte, off int64) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	n, err := r.src.readAt(r.ctx, p, off)
	if err != nil {
		return fmt.Errorf("blobfile: %s: %w", r.name, err)
	}
	if n != len(p) {
		return fmt.Errorf("blobfile: %s: %d bytes at %d, want %d: %w", r.name, n, off, len(p), ErrShortRead)
	}
	r.read += int64(n)
	if r.progress != nil {
		r.progress(r.read, r.size)
	}
	return nil
}
