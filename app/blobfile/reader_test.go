package blobfile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
)

// memSource is a blob in memory that counts the slices read from it.
type memSource struct {
	data   []byte
	slices int
	short  bool // return one byte less than asked, as a file changed on disk would
}

func (m *memSource) readAt(_ context.Context, p []byte, off int64) (int, error) {
	m.slices++
	n := copy(p, m.data[off:])
	if m.short && n > 0 {
		n--
	}
	return n, nil
}

func testData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func TestReadAt(t *testing.T) {
	data := testData(1000)
	tests := []struct {
		name    string
		off     int64
		n       int
		wantN   int
		wantErr error
	}{
		{"small at start", 0, 4, 4, nil},
		{"small across a chunk edge", 60, 10, 10, nil},
		{"exactly one chunk", 128, 64, 64, nil},
		{"large", 100, 700, 700, nil},
		{"up to the end", 990, 10, 10, nil},
		{"past the end", 995, 10, 5, io.EOF},
		{"at the end", 1000, 1, 0, io.EOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReader(context.Background(), &memSource{data: data}, "m.gguf", int64(len(data)), Options{Chunk: 64})
			p := make([]byte, tc.n)
			n, err := r.ReadAt(p, tc.off)
			if n != tc.wantN || !errors.Is(err, tc.wantErr) && err != tc.wantErr {
				t.Fatalf("ReadAt(%d bytes at %d) = %d, %v; want %d, %v", tc.n, tc.off, n, err, tc.wantN, tc.wantErr)
			}
			if !bytes.Equal(p[:n], data[tc.off:tc.off+int64(n)]) {
				t.Fatalf("ReadAt(%d bytes at %d) returned other bytes than the blob holds", tc.n, tc.off)
			}
		})
	}
}

// TestSmallReadsShareOneSlice pins the point of the cache: a header decoded
// a few bytes at a time costs one browser round trip per chunk, not per read.
func TestSmallReadsShareOneSlice(t *testing.T) {
	src := &memSource{data: testData(4096)}
	r := newReader(context.Background(), src, "m.gguf", 4096, Options{Chunk: 1024})
	p := make([]byte, 8)
	for off := int64(0); off < 1024; off += 8 {
		if _, err := r.ReadAt(p, off); err != nil {
			t.Fatal(err)
		}
	}
	if src.slices != 1 {
		t.Errorf("128 reads inside one chunk took %d slices, want 1", src.slices)
	}
}

func TestProgressCountsBytesRead(t *testing.T) {
	var got [][2]int64
	r := newReader(context.Background(), &memSource{data: testData(300)}, "m.gguf", 300,
		Options{Chunk: 100, Progress: func(read, size int64) { got = append(got, [2]int64{read, size}) }})
	if _, err := r.ReadAt(make([]byte, 200), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadAt(make([]byte, 1), 250); err != nil {
		t.Fatal(err)
	}
	// The second read refills a chunk cut short by the end of the blob: 50 bytes.
	want := [][2]int64{{200, 300}, {250, 300}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("progress = %v, want %v", got, want)
	}
}

func TestErrors(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		src  *memSource
		off  int64
		want error
	}{
		{"cancelled", cancelled, &memSource{data: testData(100)}, 0, context.Canceled},
		{"short slice", context.Background(), &memSource{data: testData(100), short: true}, 0, ErrShortRead},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReader(tc.ctx, tc.src, "m.gguf", 100, Options{Chunk: 16})
			if _, err := r.ReadAt(make([]byte, 4), tc.off); !errors.Is(err, tc.want) {
				t.Errorf("ReadAt = %v, want %v", err, tc.want)
			}
		})
	}
	r := newReader(context.Background(), &memSource{data: testData(10)}, "m.gguf", 10, Options{})
	if _, err := r.ReadAt(make([]byte, 1), -1); err == nil {
		t.Error("ReadAt at a negative offset succeeded")
	}
}

// TestFailedRefillLeavesNoStaleCache reads after a failed refill and expects
// fresh bytes, not the previous chunk's.
func TestFailedRefillLeavesNoStaleCache(t *testing.T) {
	src := &memSource{data: testData(100)}
	r := newReader(context.Background(), src, "m.gguf", 100, Options{Chunk: 16})
	if _, err := r.ReadAt(make([]byte, 4), 0); err != nil {
		t.Fatal(err)
	}
	src.short = true
	if _, err := r.ReadAt(make([]byte, 4), 50); err == nil {
		t.Fatal("short slice not reported")
	}
	src.short = false
	p := make([]byte, 4)
	if _, err := r.ReadAt(p, 50); err != nil || !bytes.Equal(p, src.data[50:54]) {
		t.Errorf("read after a failed refill = %v, %v; want %v", p, err, src.data[50:54])
	}
}
