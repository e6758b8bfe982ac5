//go:build js && wasm

package worker

import (
	"context"
	"errors"
	"io"
	"syscall/js"

	"heed/app/blobfile"
)

// openFile reads a File posted by the page, slice by slice: the file stays
// on disk, read as the model asks for bytes.
func openFile(ctx context.Context, file any, progress func(fetched, size int64)) (io.ReaderAt, int64, error) {
	v, ok := file.(js.Value)
	if !ok || !v.Truthy() {
		return nil, 0, errors.New("no file came with the request")
	}
	r, err := blobfile.Open(ctx, v, blobfile.Options{Progress: progress})
	if err != nil {
		return nil, 0, err
	}
	return r, r.Size(), nil
}
