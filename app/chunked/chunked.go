// Package chunked turns a slow random-access source (an HTTP Range request,
// a browser Blob slice: one round trip per read) into an io.ReaderAt. A read
// of a chunk or more goes straight to the source; a smaller one is served
// from one cached chunk, so the GGUF header, decoded a few bytes at a time,
// costs one round trip per chunk instead of one per field.
package chunked

import (
	"fmt"
	"io"
	"sync"
)

// Fill reads exactly len(p) bytes at off from the source; p never reaches
// past the end. Calls are serialised by the Reader.
type Fill func(p []byte, off int64) error

// Reader is an io.ReaderAt over a source of a known size. It is safe for
// concurrent use.
type Reader struct {
	size, chunk int64
	fill        Fill

	mu       sync.Mutex
	cache    []byte // bytes [cacheOff, cacheOff+len(cache)) of the source
	cacheOff int64
}

// New returns a reader of size bytes that asks fill for at least chunk
// bytes at a time (chunk must be positive).
func New(size, chunk int64, fill Fill) *Reader {
	return &Reader{size: size, chunk: max(chunk, 1), fill: fill}
}

// Seed caches b as the bytes at off, when the caller has read them already
// (the request that learnt the size).
func (r *Reader) Seed(off int64, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cache, r.cacheOff = b, off
}

// Size is the source's size in bytes.
func (r *Reader) Size() int64 { return r.size }

// ReadAt reads len(p) bytes at off, returning io.EOF when the source ends first.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
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
