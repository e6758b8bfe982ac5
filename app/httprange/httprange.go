// Package httprange reads a file on an HTTP server as an io.ReaderAt, one
// Range request per read, so that a model file can be parsed header first and
// then tensor by tensor without ever being held whole in memory. It uses only
// net/http, so the same code runs natively and in the browser (where net/http
// is fetch).
package httprange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"heed/app/chunked"
)

// DefaultChunk is the smallest request the reader makes: small reads (the
// GGUF header is read through a small buffer) are served from one cached
// chunk instead of one request each.
const DefaultChunk = 256 << 10

var (
	// ErrNoRange means the server answered a Range request with the whole file.
	ErrNoRange = errors.New("the server does not answer Range requests")
	// ErrChanged means the server reported another size than the file had.
	ErrChanged = errors.New("the file changed on the server while it was read")
)

// Progress is how much of the file has been fetched so far.
type Progress struct {
	Fetched, Size int64
	Elapsed       time.Duration
}

// BytesPerSecond is the mean transfer rate so far.
func (p Progress) BytesPerSecond() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Fetched) / p.Elapsed.Seconds()
}

// Reader is an io.ReaderAt over one URL. It is safe for concurrent use.
type Reader struct {
	*chunked.Reader
	ctx      context.Context
	client   *http.Client
	url      string
	size     int64
	start    time.Time
	progress func(Progress)
	fetched  int64 // guarded by the chunked reader, which serialises fetch
}

// Options adjust a Reader.
type Options struct {
	// Chunk is the smallest request in bytes (0: DefaultChunk).
	Chunk int64
	// Progress, when set, is called after every request with the bytes fetched so far.
	Progress func(Progress)
}

// Open fetches the first chunk of url, learns the file size from its
// Content-Range, and returns a reader whose requests all use ctx.
func Open(ctx context.Context, client *http.Client, url string, opt Options) (*Reader, error) {
	r := &Reader{ctx: ctx, client: client, url: url, progress: opt.Progress, start: time.Now()}
	chunk := opt.Chunk
	if chunk <= 0 {
		chunk = DefaultChunk
	}
	buf := make([]byte, chunk)
	n, total, err := r.get(buf, 0)
	if err != nil {
		return nil, err
	}
	r.size = total
	r.Reader = chunked.New(total, chunk, r.fetch)
	r.Seed(0, buf[:n])
	r.report(int64(n))
	return r, nil
}

// fetch fills p from offset off with one request.
func (r *Reader) fetch(p []byte, off int64) error {
	n, total, err := r.get(p, off)
	if err != nil {
		return err
	}
	if total != r.size {
		return fmt.Errorf("httprange: %s: size %d, was %d: %w", r.url, total, r.size, ErrChanged)
	}
	if n != len(p) {
		return fmt.Errorf("httprange: %s: %d bytes at %d, want %d: %w", r.url, n, off, len(p), io.ErrUnexpectedEOF)
	}
	r.report(int64(n))
	return nil
}

func (r *Reader) report(n int64) {
	r.fetched += n
	if r.progress != nil {
		r.progress(Progress{Fetched: r.fetched, Size: r.size, Elapsed: time.Since(r.start)})
	}
}

// get requests up to len(p) bytes at off and reads them into p. It returns
// how many bytes the server sent (fewer at the end of the file) and the file
// size from Content-Range.
func (r *Reader) get(p []byte, off int64) (int, int64, error) {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("httprange: %w", err)
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+int64(len(p))-1))
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("httprange: %s: %w", r.url, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
	case http.StatusOK:
		return 0, 0, fmt.Errorf("httprange: %s: %w", r.url, ErrNoRange)
	default:
		return 0, 0, fmt.Errorf("httprange: %s: server answered %s", r.url, resp.Status)
	}
	first, last, total, err := parseContentRange(resp.Header.Get("Content-Range"))
	if err != nil {
		return 0, 0, fmt.Errorf("httprange: %s: %w", r.url, err)
	}
	if first != off || last-first+1 > int64(len(p)) {
		return 0, 0, fmt.Errorf("httprange: %s: asked for %d bytes at %d, got bytes %d-%d", r.url, len(p), off, first, last)
	}
	n, err := io.ReadFull(resp.Body, p[:last-first+1])
	if err != nil {
		return 0, 0, fmt.Errorf("httprange: %s: %w", r.url, err)
	}
	return n, total, nil
}

// parseContentRange reads "bytes FIRST-LAST/TOTAL" (RFC 9110 §14.4).
func parseContentRange(v string) (first, last, total int64, err error) {
	bad := fmt.Errorf("malformed Content-Range %q", v)
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, 0, 0, bad
	}
	rng, size, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, 0, 0, bad
	}
	a, b, ok := strings.Cut(rng, "-")
	if !ok {
		return 0, 0, 0, bad
	}
	nums := [3]int64{}
	for i, s := range []string{a, b, size} {
		if nums[i], err = strconv.ParseInt(s, 10, 64); err != nil || nums[i] < 0 {
			return 0, 0, 0, bad
		}
	}
	first, last, total = nums[0], nums[1], nums[2]
	if first > last || last >= total {
		return 0, 0, 0, bad
	}
	return first, last, total, nil
}
