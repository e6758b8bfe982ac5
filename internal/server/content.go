package server

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRanges bounds the ranges one request may ask for. RFC 9110 §14.2 lets a
// server reject many small ranges, which would otherwise multiply a tiny
// request into a large multipart response.
const maxRanges = 16

// serveContent is http.ServeContent (Range, HEAD, conditional requests) for a
// representation of size bytes, with three corrections:
//   - a Range in another unit than bytes is ignored, as RFC 9110 §14.2 asks
//     (ServeContent answers 416);
//   - more than maxRanges ranges, or only empty suffix ranges ("-0"), are
//     answered 416 (ServeContent answers the first with a large multipart
//     body and the second with an empty 206);
//   - a non-empty encoding is declared only once the status is known, so
//     ServeContent still sends Content-Length (it omits it whenever
//     Content-Encoding is set, expecting on-the-fly compression), and every
//     416 carries Content-Range: bytes */size.
func serveContent(w http.ResponseWriter, r *http.Request, name string, modTime time.Time, content io.ReadSeeker, size int64, encoding string) {
	cw := &contentWriter{ResponseWriter: w, encoding: encoding, size: size}
	if rng := r.Header.Get("Range"); rng != "" {
		unit, spec, found := strings.Cut(rng, "=")
		if !found || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
			r2 := *r
			r2.Header = r.Header.Clone()
			r2.Header.Del("Range")
			r = &r2
		} else if specs := strings.Split(spec, ","); len(specs) > maxRanges || onlyEmptySuffixes(specs) {
			http.Error(cw, "range not satisfiable", http.StatusRequestedRangeNotSatisfiable)
			return
		}
	}
	http.ServeContent(cw, r, name, modTime, content)
}

// onlyEmptySuffixes reports whether every range is "-0": a suffix of length
// zero, which RFC 9110 §14.1.2 makes unsatisfiable.
func onlyEmptySuffixes(specs []string) bool {
	for _, s := range specs {
		if strings.TrimSpace(s) != "-0" {
			return false
		}
	}
	return true
}

// contentWriter adds Content-Encoding to successful responses and
// Content-Range to 416 responses when their status is written. It keeps
// ReadFrom (sendfile) and Unwrap reachable.
type contentWriter struct {
	http.ResponseWriter
	encoding    string
	size        int64
	wroteHeader bool
}

func (w *contentWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *contentWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		h := w.Header()
		switch {
		case code == http.StatusRequestedRangeNotSatisfiable:
			for _, k := range []string{"ETag", "Cache-Control", "Content-Encoding", "Last-Modified"} {
				h.Del(k)
			}
			if h.Get("Content-Range") == "" {
				h.Set("Content-Range", "bytes */"+strconv.FormatInt(w.size, 10))
			}
		case w.encoding != "" && (code == http.StatusOK || code == http.StatusPartialContent || code == http.StatusNotModified):
			h.Set("Content-Encoding", w.encoding)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *contentWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

func (w *contentWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}
