//go:build !(js && wasm)

package chart

// Outside the browser (native tests, the server's first render) there is no
// chart library: the functions report ErrUnavailable and change nothing.

// Available reports whether the chart library's script has run.
func Available() bool { return false }

// Show draws opt in the element with id, replacing what it showed before.
func Show(id string, opt Option) error { return ErrUnavailable }

// Resize fits the chart of element id to its element's size.
func Resize(id string) error { return ErrUnavailable }

// Dispose releases the chart of element id.
func Dispose(id string) error { return ErrUnavailable }

// PNG is the chart of element id as a PNG image.
func PNG(id string) ([]byte, error) { return nil, ErrUnavailable }

// SetLibrary does nothing outside the browser.
func SetLibrary(string) {}

// Load reports ErrUnavailable outside the browser.
func Load(done func(error)) { done(ErrUnavailable) }
