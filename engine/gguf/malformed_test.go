package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"heed/engine/ggml"
)

var update = flag.Bool("update", false, "rewrite testdata/malformed and the FuzzRead seed corpus")

// rawFile writes GGUF fields one by one, so a test can produce files the Builder refuses to.
type rawFile struct{ bytes.Buffer }

func (r *rawFile) u32(v uint32) *rawFile {
	r.Write(binary.LittleEndian.AppendUint32(nil, v))
	return r
}

func (r *rawFile) u64(v uint64) *rawFile {
	r.Write(binary.LittleEndian.AppendUint64(nil, v))
	return r
}

func (r *rawFile) str(s string) *rawFile {
	r.u64(uint64(len(s)))
	r.WriteString(s)
	return r
}

// header writes magic, version 3 and the two counts.
func header(tensors, kvs uint64) *rawFile {
	r := &rawFile{}
	r.WriteString(Magic)
	return r.u32(3).u64(tensors).u64(kvs)
}

// kvU32 writes a uint32 metadata entry.
func (r *rawFile) kvU32(key string, v uint32) *rawFile { return r.str(key).u32(uint32(Uint32)).u32(v) }

// tensor writes one tensor info.
func (r *rawFile) tensor(name string, dims []uint64, t ggml.Type, off uint64) *rawFile {
	r.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		r.u64(d)
	}
	return r.u32(uint32(t)).u64(off)
}

// data pads to 32 bytes and appends n zero bytes of tensor data.
func (r *rawFile) data(n int) []byte {
	for r.Len()%DefaultAlignment != 0 {
		r.WriteByte(0)
	}
	r.Write(make([]byte, n))
	return r.Bytes()
}

// malformedCases are the committed hostile files: name, bytes, the sentinel the
// error must wrap and a phrase it must contain.
func malformedCases(t testing.TB) []struct {
	name   string
	data   []byte
	kind   error
	phrase string
} {
	valid := smallModel(t, 32)
	depthBomb := header(0, 1).str("bomb")
	depthBomb.u32(uint32(Array))
	for range 1000 {
		depthBomb.u32(uint32(Array)).u64(1)
	}
	depthBomb.u32(uint32(Uint8)).u64(0)

	type c = struct {
		name   string
		data   []byte
		kind   error
		phrase string
	}
	return []c{
		{"bad-magic", append([]byte("GGML"), valid[4:]...), ErrInvalid, "bad magic"},
		{"empty", nil, ErrTruncated, "magic"},
		{"version-1", append(append([]byte(Magic), 1, 0, 0, 0), valid[8:]...), ErrUnsupported, "version 1"},
		{"big-endian", append(append([]byte(Magic), 0, 0, 0, 3), valid[8:]...), ErrUnsupported, "big-endian"},
		{"version-99", append(append([]byte(Magic), 99, 0, 0, 0), valid[8:]...), ErrUnsupported, "version 99"},
		{"truncated-header", valid[:14], ErrTruncated, "tensor count"},
		{"truncated-metadata", append(header(0, 1).str("general.architecture").u32(uint32(String)).u64(5).Bytes(), "lla"...), ErrTruncated, "general.architecture"},
		{"truncated-tensor-info", header(1, 0).str("blk.0.attn_q.weight").u32(2).u64(4).u64(4).Bytes(), ErrTruncated, `tensor "blk.0.attn_q.weight"`},
		{"truncated-data", valid[:len(valid)-1], ErrTruncated, "past end of file"},
		{"kv-count-absurd", header(0, 1<<62).Bytes(), ErrTruncated, "metadata count"},
		{"tensor-count-absurd", header(math.MaxUint64, 0).Bytes(), ErrTruncated, "tensor count"},
		{"array-length-absurd", header(0, 1).str("a").u32(uint32(Array)).u32(uint32(Uint32)).u64(1 << 40).Bytes(), ErrTruncated, "array length"},
		{"string-array-absurd", header(0, 1).str("a").u32(uint32(Array)).u32(uint32(String)).u64(1 << 40).Bytes(), ErrTruncated, "array length"},
		{"string-length-absurd", header(0, 1).str("s").u32(uint32(String)).u64(math.MaxUint64).Bytes(), ErrTruncated, "string length"},
		{"key-length-absurd", header(0, 1).u64(1 << 50).u64(0).Bytes(), ErrTruncated, "string length"},
		{"offset-past-eof", header(1, 0).tensor("w", []uint64{8}, ggml.F32, 1<<20).data(32), ErrTruncated, "past end of file"},
		{"offset-unaligned", header(1, 0).tensor("w", []uint64{4}, ggml.F32, 4).data(32), ErrInvalid, "not a multiple of the alignment"},
		{"offset-overflow", header(1, 0).tensor("w", []uint64{4}, ggml.F32, math.MaxUint64-31).data(32), ErrInvalid, "overflows"},
		{"tensors-overlap", header(2, 0).tensor("a", []uint64{16}, ggml.F32, 0).tensor("b", []uint64{8}, ggml.F32, 32).data(96), ErrInvalid, "overlaps"},
		{"tensor-type-unknown", header(1, 0).tensor("w", []uint64{4}, ggml.Type(99), 0).data(32), ErrUnsupported, "id 99"},
		{"ndims-5", header(1, 0).tensor("w", []uint64{1, 1, 1, 1, 1}, ggml.F32, 0).data(32), ErrInvalid, "n_dims = 5"},
		{"ndims-0", header(1, 0).tensor("w", nil, ggml.F32, 0).data(32), ErrInvalid, "n_dims = 0"},
		{"dim-zero", header(1, 0).tensor("w", []uint64{4, 0}, ggml.F32, 0).data(32), ErrInvalid, "ne[1] = 0"},
		{"dims-overflow", header(1, 0).tensor("w", []uint64{1 << 32, 1 << 32, 4}, ggml.F32, 0).data(32), ErrInvalid, "overflows"},
		{"dim-negative", header(1, 0).tensor("w", []uint64{math.MaxUint64}, ggml.F32, 0).data(32), ErrInvalid, "ne[0]"},
		{"row-partial-block", header(1, 0).tensor("w", []uint64{33}, ggml.Q8_0, 0).data(64), ErrInvalid, "whole number"},
		{"key-bad-utf8", header(0, 1).kvU32("a\xffb", 1).Bytes(), ErrInvalid, "UTF-8"},
		{"key-empty", header(0, 1).kvU32("", 1).Bytes(), ErrInvalid, "empty key"},
		{"key-duplicate", header(0, 2).kvU32("k", 1).kvU32("k", 2).Bytes(), ErrInvalid, `duplicate metadata key "k"`},
		{"tensor-duplicate", header(2, 0).tensor("w", []uint64{8}, ggml.F32, 0).tensor("w", []uint64{8}, ggml.F32, 32).data(64), ErrInvalid, `duplicate tensor name "w"`},
		{"tensor-name-empty", header(1, 0).tensor("", []uint64{8}, ggml.F32, 0).data(32), ErrInvalid, "empty name"},
		{"alignment-not-power-of-two", header(0, 1).kvU32(KeyAlignment, 48).Bytes(), ErrInvalid, "power of two"},
		{"alignment-zero", header(0, 1).kvU32(KeyAlignment, 0).Bytes(), ErrInvalid, "power of two"},
		{"alignment-wrong-type", header(0, 1).str(KeyAlignment).u32(uint32(Uint64)).u64(32).Bytes(), ErrInvalid, "want uint32"},
		{"value-type-unknown", header(0, 1).str("k").u32(13).u32(0).Bytes(), ErrInvalid, "unknown value type 13"},
		{"array-depth-bomb", depthBomb.Bytes(), ErrInvalid, "nested deeper"},
	}
}

// TestMalformed checks each hostile file gives the expected error, both as
// generated here and as committed under testdata/malformed (regenerate with -update).
func TestMalformed(t *testing.T) {
	dir := filepath.Join("testdata", "malformed")
	for _, tc := range malformedCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".gguf")
			if *update {
				if err := os.WriteFile(path, tc.data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			committed, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestMalformed -update)", err)
			}
			if !bytes.Equal(committed, tc.data) {
				t.Fatalf("%s differs from the generated case (run go test -run TestMalformed -update)", path)
			}
			f, err := readBytes(committed)
			if err == nil {
				t.Fatalf("parsed: %d keys, %d tensors", len(f.KV), len(f.Tensors))
			}
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.phrase) {
				t.Errorf("error %q, want one wrapping %v and containing %q", err, tc.kind, tc.phrase)
			}
			if !strings.HasPrefix(err.Error(), "gguf: ") {
				t.Errorf("error %q lacks the gguf: prefix", err)
			}
		})
	}
}

// TestMalformedCorpusIsComplete fails when a committed file has no case, so the
// directory and the table cannot drift apart.
func TestMalformedCorpusIsComplete(t *testing.T) {
	names := map[string]bool{}
	for _, tc := range malformedCases(t) {
		names[tc.name+".gguf"] = true
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "malformed"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".gguf") {
			n++
			if !names[e.Name()] {
				t.Errorf("testdata/malformed/%s has no case in malformedCases", e.Name())
			}
		}
	}
	if n < 20 {
		t.Errorf("%d malformed files, want at least 20", n)
	}
}

// TestReadAllocationBounded: a file that claims huge counts must not make Read
// allocate more than a small multiple of its size.
func TestReadAllocationBounded(t *testing.T) {
	// Many empty strings are the worst legitimate case: 8 bytes of file each
	// become a 16-byte string header in memory.
	many := header(0, 1).str("tokens").u32(uint32(Array)).u32(uint32(String)).u64(100000)
	for range 100000 {
		many.u64(0)
	}
	for _, tc := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"2^40 strings", header(0, 1).str("a").u32(uint32(Array)).u32(uint32(String)).u64(1 << 40).Bytes(), false},
		{"2^40 float64", header(0, 1).str("a").u32(uint32(Array)).u32(uint32(Float64)).u64(1 << 40).Bytes(), false},
		{"2^62 tensors", header(1<<62, 0).Bytes(), false},
		{"100000 empty strings", many.Bytes(), true},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := readBytes(tc.data)
		runtime.ReadMemStats(&after)
		if (err == nil) != tc.ok {
			t.Errorf("%s: error %v", tc.name, err)
		}
		// Bound: 4 bytes of memory per byte of file (string headers take 2), plus
		// 256 KiB for the read buffer, maps and error text.
		limit := 4*uint64(len(tc.data)) + 256<<10
		if got := after.TotalAlloc - before.TotalAlloc; got > limit {
			t.Errorf("%s: Read of %d bytes allocated %d bytes, limit %d", tc.name, len(tc.data), got, limit)
		}
	}
}

// FuzzRead: Read must return a File or an error, never panic, and a File it
// returns must have every tensor inside the file.
func FuzzRead(f *testing.F) {
	seeds := fuzzSeeds(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := readBytes(data)
		if err != nil {
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		for i := range g.Tensors {
			ti := &g.Tensors[i]
			n := ti.Bytes()
			if n < 0 || g.DataOffset+ti.Offset+n > int64(len(data)) {
				t.Fatalf("tensor %q: %d bytes at %d past %d", ti.Name, n, g.DataOffset+ti.Offset, len(data))
			}
			if _, err := g.ReadTensorBytes(ti); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// fuzzSeeds are small valid files; with -update they are also written as the
// committed seed corpus under testdata/fuzz/FuzzRead.
func fuzzSeeds(tb testing.TB) [][]byte {
	b := NewBuilder()
	for _, kv := range everyValue() {
		b.Set(kv.Key, kv.Value)
	}
	var every bytes.Buffer
	if _, err := b.WriteTo(&every); err != nil {
		tb.Fatal(err)
	}
	seeds := [][]byte{smallModel(tb, 32), smallModel(tb, 8), every.Bytes()}
	if *update {
		dir := filepath.Join("testdata", "fuzz", "FuzzRead")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		for i, s := range seeds {
			var sb strings.Builder
			sb.WriteString("go test fuzz v1\n[]byte(")
			sb.WriteString(strconv.Quote(string(s)))
			sb.WriteString(")\n")
			name := filepath.Join(dir, "seed-"+string(rune('a'+i)))
			if err := os.WriteFile(name, []byte(sb.String()), 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return seeds
}
