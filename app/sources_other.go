//go:build !(js && wasm)

package app

import (
	"context"
	"io"
)

// chosenFileSource has no file input to read outside the browser.
func chosenFileSource(string) (modelSource, error) { return modelSource{}, errBrowserOnly }

// openFileValue reads a file the tests passed as an io.ReaderAt with a Size.
func openFileValue(_ context.Context, file any) (io.ReaderAt, int64, error) {
	if s, ok := file.(interface {
		io.ReaderAt
		Size() int64
	}); ok {
		return s, s.Size(), nil
	}
	return nil, 0, errBrowserOnly
}
