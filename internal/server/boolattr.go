package server

import (
	"bytes"
	"net/http"
	"regexp"
	"strconv"
)

// go-app's server rendering writes a boolean attribute set to false as
// disabled="false" (which HTML reads as disabled) and one set to true, or any
// attribute whose value is "true", as the bare name (which ARIA reads as an
// empty, invalid state). Its client sets them right; pageFix makes the
// first paint say the same before the wasm runs.
var (
	// falseBoolean matches an HTML boolean attribute written as ="false".
	falseBoolean = regexp.MustCompile(` (?:disabled|checked|selected|hidden|readonly|required|multiple|open|autofocus)="false"`)
	// bareState matches an aria-* or data-* attribute written without a value.
	bareState = regexp.MustCompile(` ((?:aria|data)-[a-z0-9-]+)([ >/])`)
)

// tag matches an element's start tag (text is escaped, so holds no '<').
var tag = regexp.MustCompile(`<[a-zA-Z][^<>]*>`)

// fixBooleans rewrites go-app's boolean attributes in the start tags of a
// rendered page.
func fixBooleans(page []byte) []byte {
	return tag.ReplaceAllFunc(page, func(t []byte) []byte {
		t = falseBoolean.ReplaceAll(t, nil)
		return bareState.ReplaceAll(t, []byte(` $1="true"$2`))
	})
}

// pageFix buffers a go-app page (text/html) to fix its boolean attributes;
// other responses (scripts, manifest, worker) pass through.
type pageFix struct {
	http.ResponseWriter
	status int
	buf    *bytes.Buffer // nil when not a page
}

func (w *pageFix) WriteHeader(status int) {
	if w.buf == nil && w.status == 0 && isHTML(w.Header()) {
		w.status = status
		w.buf = new(bytes.Buffer)
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *pageFix) Write(p []byte) (int, error) {
	if w.status == 0 && w.buf == nil {
		w.WriteHeader(http.StatusOK)
	}
	if w.buf != nil {
		return w.buf.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// finish writes the fixed page.
func (w *pageFix) finish() {
	if w.buf == nil {
		return
	}
	page := fixBooleans(w.buf.Bytes())
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.ResponseWriter.WriteHeader(w.status)
	w.ResponseWriter.Write(page)
}

func isHTML(h http.Header) bool {
	ct := h.Get("Content-Type")
	return len(ct) >= 9 && ct[:9] == "text/html"
}
