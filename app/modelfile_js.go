//go:build js && wasm

package app

import (
	"context"
	"errors"
	"io"
	"syscall/js"

	"heed/app/blobfile"
	"heed/app/httprange"
)

// chosenFileSource reads the first file in the file input with id inputID,
// slice by slice: the File object stays in the browser, which reads it from
// disk as the model asks for bytes.
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
	name := file.Get("name").String()
	// The File is held below; clearing the input lets the same file be chosen again.
	input.Set("value", "")
	return modelSource{name: name, kind: fromFile,
		open: func(ctx context.Context, report func(httprange.Progress)) (io.ReaderAt, int64, error) {
			r, err := blobfile.Open(ctx, file, blobfile.Options{Progress: blobProgress(report)})
			if err != nil {
				return nil, 0, err
			}
			return r, r.Size(), nil
		}}, nil
}
