//go:build !(js && wasm)

package keep

import (
	"context"
	"io"

	"heed/app/blobfile"
)

// List returns ErrUnavailable outside the browser.
func List(context.Context) ([]Model, error) { return nil, ErrUnavailable }

// Estimate returns ErrUnavailable outside the browser.
func Estimate(context.Context) (Usage, error) { return Usage{}, ErrUnavailable }

// RequestPersist does nothing outside the browser.
func RequestPersist() {}

// Persisted returns ErrUnavailable outside the browser.
func Persisted(context.Context) (bool, error) { return false, ErrUnavailable }

// Save returns ErrUnavailable outside the browser.
func Save(context.Context, string, io.ReaderAt, int64, func(done, total int64)) error {
	return ErrUnavailable
}

// Delete returns ErrUnavailable outside the browser.
func Delete(context.Context, string) error { return ErrUnavailable }

// Open returns ErrUnavailable outside the browser.
func Open(context.Context, string, blobfile.Options) (*blobfile.Reader, error) {
	return nil, ErrUnavailable
}
