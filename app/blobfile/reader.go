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
	"io"
	"sync"
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
	ctx      context.Context
	src      source
	name     string
	size     int64
	chunk    int64
	progress func(read, size int64)

	mu       sync.Mutex
	cache    []byte // bytes [cacheOff, cacheOff+len(cache)) of the blob
	cacheOff int64
	read     int64
}

func newReader(ctx context.Context, src source, name string, size int64, opt Options) *Reader {
	r := &Reader{ctx: ctx, src: src, name: name, size: size, chunk: opt.Chunk, progress: opt.Progress}
	if r.chunk <= 0 {
		r.chunk = DefaultChunk
	}
	return r
}

// Size is the blob's size in bytes.
func (r *Reader) Size() int64 { return r.size }

// Name is the file's name ("" for a plain Blob).
func (r *Reader) Name() string { return r.name }

// ReadAt reads len(p) bytes at off, returning io.EOF when the blob ends first.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("blobfile: %s: negative offset %d", r.name, off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := p
	if rest := r.size - off; int64(len(p)) > rest {
		want = p[:rest]
	}
	r.mu.Lock()
	var err error
	if int64(len(want)) >= r.chunk {
		err = r.fill(want, off)
	} else {
		err = r.readCached(want, off)
	}
	r.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if len(want) < len(p) {
		return len(want), io.EOF
	}
	return len(want), nil
}

// readCached serves a small read from the cached chunk, refilling it as
// needed. r.mu is held.
func (r *Reader) readCached(p []byte, off int64) error {
	for len(p) > 0 {
		if off >= r.cacheOff && off < r.cacheOff+int64(len(r.cache)) {
			n := copy(p, r.cache[off-r.cacheOff:])
			p, off = p[n:], off+int64(n)
			continue
		}
		n := min(r.chunk, r.size-off)
		buf := r.cache[:0]
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		r.cache = nil // a failed refill leaves no stale bytes behind
		if err := r.fill(buf, off); err != nil {
			return err
		}
		r.cache, r.cacheOff = buf, off
	}
	return nil
}

// fill reads exactly len(p) bytes at off from the source. r.mu is held.
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
