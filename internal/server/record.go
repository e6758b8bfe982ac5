package server

import (
	"io"
	"log/slog"
	"net/http"
	"time"
)

// writeChunk is how much one ReadFrom hands to the connection between write
// deadline extensions (sendfile moves it without copying through user space).
const writeChunk = 4 << 20

// logRequests wraps next with one log line per request and a sliding write
// deadline: each write (or writeChunk of a file) must finish within
// writeTimeout of the previous one. A fixed deadline would cut off a slow but
// steady multi-GB download; a sliding one still drops a client that stops
// reading.
func logRequests(next http.Handler, log *slog.Logger, writeTimeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, rc: http.NewResponseController(w), timeout: writeTimeout}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		attrs := []any{"method", r.Method, "path", r.URL.Path}
		if rng := r.Header.Get("Range"); rng != "" {
			attrs = append(attrs, "range", rng)
		}
		attrs = append(attrs,
			"status", rec.status,
			"bytes", rec.bytes,
			"duration", time.Since(start).Round(time.Microsecond),
			"remote", r.RemoteAddr)
		log.Info("request", attrs...)
	})
}

// recorder records status and body size and extends the write deadline.
type recorder struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	status  int
	bytes   int64
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	w.extend()
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps http.ServeContent's zero-copy path: it receives an
// *io.LimitedReader over an *os.File, which the connection sends with
// sendfile as long as it is not wrapped twice, so chunks are cut by
// re-limiting the same file.
func (w *recorder) ReadFrom(src io.Reader) (int64, error) {
	rf, ok := w.ResponseWriter.(io.ReaderFrom)
	if !ok {
		return io.Copy(writerOnly{w}, src)
	}
	lr, ok := src.(*io.LimitedReader)
	if !ok {
		lr = &io.LimitedReader{R: src, N: 1<<63 - 1}
	}
	var total int64
	for lr.N > 0 {
		w.extend()
		want := min(lr.N, writeChunk)
		n, err := rf.ReadFrom(&io.LimitedReader{R: lr.R, N: want})
		lr.N -= n
		total += n
		w.bytes += n
		if err != nil || n < want {
			return total, err
		}
	}
	return total, nil
}

func (w *recorder) extend() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.timeout > 0 {
		// Unsupported only under test recorders, which have no deadline to move.
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
	}
}

// writerOnly hides ReadFrom so io.Copy does not call back into it.
type writerOnly struct{ io.Writer }
