//go:build js && wasm

package blobfile

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"

	"heed/app/jspromise"
)

// Open returns a reader over blob (a Blob or File). Every read waits for the
// browser, so it must run off the page's event loop (in ctx.Async), and ctx
// ends every read in flight.
func Open(ctx context.Context, blob js.Value, opt Options) (*Reader, error) {
	if blob.Type() != js.TypeObject || blob.Get("size").Type() != js.TypeNumber || blob.Get("slice").Type() != js.TypeFunction {
		return nil, errors.New("blobfile: not a Blob")
	}
	name := ""
	if n := blob.Get("name"); n.Type() == js.TypeString {
		name = n.String()
	}
	size := int64(blob.Get("size").Float())
	return newReader(ctx, blobSource{blob}, name, size, opt), nil
}

type blobSource struct{ blob js.Value }

func (b blobSource) readAt(ctx context.Context, p []byte, off int64) (int, error) {
	slice := b.blob.Call("slice", float64(off), float64(off+int64(len(p))))
	buf, err := jspromise.Await(ctx, slice.Call("arrayBuffer"))
	if err != nil {
		return 0, fmt.Errorf("reading %d bytes at %d: %w", len(p), off, err)
	}
	return js.CopyBytesToGo(p, js.Global().Get("Uint8Array").New(buf)), nil
}
