package httprange

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fileServer serves content with Range support, counting requests.
func fileServer(t *testing.T, content []byte, requests *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.ServeContent(w, r, "f.gguf", time.Time{}, bytes.NewReader(content))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestReadAtMatchesFile(t *testing.T) {
	const size = 10_000
	content := pattern(size)
	tests := []struct {
		name    string
		off     int64
		n       int
		wantN   int
		wantEOF bool
		chunk   int64
		maxGets int64 // requests after Open
	}{
		{"small inside first chunk", 10, 20, 20, false, 1024, 0},
		{"small across chunk edge", 1020, 10, 10, false, 1024, 1},
		{"large direct", 2000, 5000, 5000, false, 1024, 1},
		{"whole file", 0, size, size, false, 1024, 1},
		{"tail short read", size - 5, 10, 5, true, 1024, 1},
		{"at end", size, 4, 0, true, 1024, 0},
		{"chunk bigger than file", 9000, 100, 100, false, 1 << 20, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var gets atomic.Int64
			srv := fileServer(t, content, &gets)
			r, err := Open(context.Background(), srv.Client(), srv.URL, Options{Chunk: tc.chunk})
			if err != nil {
				t.Fatal(err)
			}
			if r.Size() != size {
				t.Fatalf("Size() = %d, want %d", r.Size(), size)
			}
			gets.Store(0)
			p := make([]byte, tc.n)
			n, err := r.ReadAt(p, tc.off)
			if n != tc.wantN || (err == io.EOF) != tc.wantEOF || (err != nil && err != io.EOF) {
				t.Fatalf("ReadAt = %d, %v; want %d, EOF %v", n, err, tc.wantN, tc.wantEOF)
			}
			if !bytes.Equal(p[:n], content[min(tc.off, size):min(tc.off, size)+int64(n)]) {
				t.Fatal("bytes differ from the file")
			}
			if g := gets.Load(); g > tc.maxGets {
				t.Errorf("%d requests, want at most %d", g, tc.maxGets)
			}
		})
	}
}

// TestSequentialSmallReadsAreBatched pins the point of the cache: a parser
// reading a header a few bytes at a time makes one request per chunk.
func TestSequentialSmallReadsAreBatched(t *testing.T) {
	content := pattern(50_000)
	var gets atomic.Int64
	srv := fileServer(t, content, &gets)
	var last Progress
	r, err := Open(context.Background(), srv.Client(), srv.URL, Options{Chunk: 4096, Progress: func(p Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) {
		t.Fatal("content differs")
	}
	// ReadAll asks for 512 bytes first, then growing slices; reads of a chunk
	// or more go straight through, so the count stays near size/chunk.
	if g := gets.Load(); g > 50_000/4096+4 {
		t.Errorf("%d requests for 50000 bytes in 4096-byte chunks", g)
	}
	if last.Size != 50_000 || last.Fetched < 50_000 {
		t.Errorf("last progress %+v", last)
	}
}

func TestServerErrors(t *testing.T) {
	content := pattern(3000)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr error
		wantMsg string
	}{
		{"no range support", func(w http.ResponseWriter, r *http.Request) { w.Write(content) }, ErrNoRange, ""},
		{"not found", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, nil, "404"},
		{"bad content range", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes x-y/z")
			w.WriteHeader(http.StatusPartialContent)
		}, nil, "malformed Content-Range"},
		{"other offset", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 5-9/3000")
			w.WriteHeader(http.StatusPartialContent)
			w.Write(content[5:10])
		}, nil, "got bytes 5-9"},
		{"short body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 0-99/3000")
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusPartialContent)
			w.Write(content[:50])
		}, io.ErrUnexpectedEOF, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			_, err := Open(context.Background(), srv.Client(), srv.URL, Options{Chunk: 100})
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %v lacks %q", err, tc.wantMsg)
			}
		})
	}
}

func TestFileChangedSize(t *testing.T) {
	content := pattern(3000)
	var grown atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := content
		if grown.Load() {
			c = pattern(4000)
		}
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(c))
	}))
	defer srv.Close()
	r, err := Open(context.Background(), srv.Client(), srv.URL, Options{Chunk: 100})
	if err != nil {
		t.Fatal(err)
	}
	grown.Store(true)
	if _, err := r.ReadAt(make([]byte, 10), 2000); !errors.Is(err, ErrChanged) {
		t.Fatalf("error %v, want ErrChanged", err)
	}
}

func TestCancelledContext(t *testing.T) {
	var gets atomic.Int64
	srv := fileServer(t, pattern(3000), &gets)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := Open(ctx, srv.Client(), srv.URL, Options{Chunk: 100})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := r.ReadAt(make([]byte, 10), 2000); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in                 string
		first, last, total int64
		ok                 bool
	}{
		{"bytes 0-99/1000", 0, 99, 1000, true},
		{"bytes 999-999/1000", 999, 999, 1000, true},
		{"bytes 0-999/1000", 0, 999, 1000, true},
		{"bytes 0-1000/1000", 0, 0, 0, false},
		{"bytes 10-5/1000", 0, 0, 0, false},
		{"bytes */1000", 0, 0, 0, false},
		{"bytes 0-9/*", 0, 0, 0, false},
		{"items 0-9/10", 0, 0, 0, false},
		{"bytes -1-9/10", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	}
	for _, tc := range tests {
		f, l, n, err := parseContentRange(tc.in)
		if (err == nil) != tc.ok || (tc.ok && (f != tc.first || l != tc.last || n != tc.total)) {
			t.Errorf("parseContentRange(%q) = %d, %d, %d, %v", tc.in, f, l, n, err)
		}
	}
}

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/1000", "bytes */10", "bytes 1-0/2", "bytes 9223372036854775807-9223372036854775807/9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, last, total, err := parseContentRange(s)
		if err == nil && (first < 0 || first > last || last >= total) {
			t.Fatalf("%q accepted as %d-%d/%d", s, first, last, total)
		}
	})
}
