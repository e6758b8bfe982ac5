//go:build !(js && wasm)

package app

// chosenFileSource has no file input to read outside the browser.
func chosenFileSource(string) (modelSource, error) { return modelSource{}, errBrowserOnly }
