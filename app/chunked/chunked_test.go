package chunked

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// counting is a source over data that records each fill and can fail.
type counting struct {
	data  []byte
	fills [][2]int64 // (off, len) of each call
	fail  error
}

func (c *counting) fill(p []byte, off int64) error {
	c.fills = append(c.fills, [2]int64{off, int64(len(p))})
	if c.fail != nil {
		return c.fail
	}
	copy(p, c.data[off:])
	return nil
}

func TestReadAt(t *testing.T) {
	data := make([]byte, 100)
	for i := range data {
		data[i] = byte(i * 7)
	}
	tests := []struct {
		name      string
		off       int64
		n         int
		wantN     int
		wantErr   error
		wantFills int
	}{
		{"small read fills one chunk", 3, 5, 5, nil, 1},
		{"the chunk starts at the read, not at a multiple of the chunk", 14, 4, 4, nil, 1},
		{"a chunk or more goes straight to the source", 20, 40, 40, nil, 1},
		{"past the end is io.EOF", 100, 4, 0, io.EOF, 0},
		{"a read cut by the end", 96, 8, 4, io.EOF, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := &counting{data: data}
			r := New(int64(len(data)), 16, src.fill)
			p := make([]byte, tc.n)
			n, err := r.ReadAt(p, tc.off)
			if n != tc.wantN || !errors.Is(err, tc.wantErr) {
				t.Fatalf("ReadAt = %d, %v; want %d, %v", n, err, tc.wantN, tc.wantErr)
			}
			if !bytes.Equal(p[:n], data[tc.off:tc.off+int64(n)]) {
				t.Errorf("bytes differ")
			}
			if len(src.fills) != tc.wantFills {
				t.Errorf("%d fills %v, want %d", len(src.fills), src.fills, tc.wantFills)
			}
		})
	}
}

func TestSeededAndFailedChunks(t *testing.T) {
	data := bytes.Repeat([]byte{1, 2, 3, 4}, 16)
	src := &counting{data: data}
	r := New(int64(len(data)), 16, src.fill)
	r.Seed(0, data[:16])
	p := make([]byte, 8)
	if _, err := r.ReadAt(p, 4); err != nil || len(src.fills) != 0 {
		t.Fatalf("seeded read: %v, %d fills", err, len(src.fills))
	}
	src.fail = errors.New("gone")
	if _, err := r.ReadAt(p, 20); !errors.Is(err, src.fail) {
		t.Fatalf("failed fill: %v", err)
	}
	// The failed refill dropped the seeded chunk: a read there asks again.
	src.fail = nil
	if _, err := r.ReadAt(p, 4); err != nil || !bytes.Equal(p, data[4:12]) || len(src.fills) != 2 {
		t.Fatalf("after a failure: %v, %v, fills %v", err, p, src.fills)
	}
	if _, err := r.ReadAt(p, -1); err == nil {
		t.Error("negative offset accepted")
	}
}
