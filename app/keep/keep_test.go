package keep

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"stories260K.gguf", true},
		{"SmolLM2 135M (Q8_0).gguf", true},
		{"", false},
		{".", false},
		{"..", false},
		{"a/b.gguf", false},
		{`a\b.gguf`, false},
		{"a\x00b", false},
		{"line\nbreak", false},
		{strings.Repeat("x", 255), true},
		{strings.Repeat("x", 256), false},
	}
	for _, tc := range tests {
		err := CheckName(tc.name)
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrName) {
			t.Errorf("CheckName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// shortReader is a file that ends before the size it was announced with.
type shortReader struct{ data []byte }

func (s shortReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(s.data)) {
		return 0, io.EOF
	}
	n := copy(p, s.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestCopyChunks(t *testing.T) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i * 13)
	}
	tests := []struct {
		name       string
		size       int64
		chunk      int64
		wantWrites int
	}{
		{"several chunks, last one short", 1000, 300, 4},
		{"one chunk exactly", 1000, 1000, 1},
		{"chunk larger than the file", 1000, 4096, 1},
		{"empty file", 0, 300, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got bytes.Buffer
			writes := 0
			var last [2]int64
			err := copyChunks(context.Background(), bytes.NewReader(data[:tc.size]), tc.size, tc.chunk,
				func(p []byte) error { writes++; got.Write(p); return nil },
				func(done, total int64) { last = [2]int64{done, total} })
			if err != nil {
				t.Fatal(err)
			}
			if writes != tc.wantWrites || !bytes.Equal(got.Bytes(), data[:tc.size]) {
				t.Errorf("%d writes of %d bytes, want %d writes of the %d-byte file", writes, got.Len(), tc.wantWrites, tc.size)
			}
			if tc.size > 0 && last != [2]int64{tc.size, tc.size} {
				t.Errorf("last progress %v, want [%d %d]", last, tc.size, tc.size)
			}
		})
	}
}

func TestCopyChunksErrors(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	errWrite := errors.New("quota exceeded")
	data := make([]byte, 100)
	tests := []struct {
		name  string
		ctx   context.Context
		r     io.ReaderAt
		size  int64
		write error
		want  error
	}{
		{"cancelled", cancelled, bytes.NewReader(data), 100, nil, context.Canceled},
		{"file shorter than announced", context.Background(), shortReader{data[:50]}, 100, nil, io.ErrUnexpectedEOF},
		{"write fails", context.Background(), bytes.NewReader(data), 100, errWrite, errWrite},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := copyChunks(tc.ctx, tc.r, tc.size, 30, func([]byte) error { return tc.write }, nil)
			if !errors.Is(err, tc.want) {
				t.Errorf("copyChunks = %v, want %v", err, tc.want)
			}
		})
	}
	if err := copyChunks(context.Background(), bytes.NewReader(data), 100, 0, func([]byte) error { return nil }, nil); err == nil {
		t.Error("a zero chunk size was accepted")
	}
}
