//go:build js && wasm

package app

import (
	"context"
	"errors"
	"io"
	"syscall/js"

	"heed/app/blobfile"
	"heed/app/wire"
)

// chosenFileSource is the first file in the file input with id inputID. The
// File object stays in the browser: the engine worker reads it slice by
// slice as the model asks for bytes.
func chosenFileSource(inputID string) (modelSource, error) {
	input := js.Global().Get("document").Call("getElementById", inputID)
	if !input.Truthy() {
		return modelSource{}, errors.New("the file control is missing from the page")
	}
	files := input.Get("files")
	if !files.Truthy() || files.Get("length").Int() == 0 {
		return modelSource{}, errors.New("no file was chosen")
	}
	file := files.Index(0)
	// The File is held below; clearing the input lets the same file be chosen again.
	input.Set("value", "")
	return modelSource{name: file.Get("name").String(), kind: wire.FromFile, file: file}, nil
}

// openFileValue reads a chosen File again, to keep it offline.
func openFileValue(ctx context.Context, file any) (io.ReaderAt, int64, error) {
	v, ok := file.(js.Value)
	if !ok {
		return nil, 0, errors.New("the file is no longer available")
	}
	r, err := blobfile.Open(ctx, v, blobfile.Options{})
	if err != nil {
		return nil, 0, err
	}
	return r, r.Size(), nil
}
