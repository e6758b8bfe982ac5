//go:build !(js && wasm)

package app

import "errors"

// errBrowserOnly is what the file functions return outside the browser
// (tests, the server's first render).
var errBrowserOnly = errors.New("files are saved and opened in the browser only")

func downloadFile(name, mime string, data []byte) error { return errBrowserOnly }

func readChosenFile(inputID string, done func(name string, data []byte, err error)) {
	done("", nil, errBrowserOnly)
}
