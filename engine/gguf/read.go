package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"unicode/utf8"

	"heed/engine/ggml"
)

// File is a parsed GGUF header: metadata and tensor infos. Tensor data stays in
// the underlying reader until asked for.
type File struct {
	Version    uint32
	KV         []KV
	Tensors    []TensorInfo
	Alignment  int64
	DataOffset int64 // absolute offset of the data section
	Size       int64 // file size in bytes

	r       io.ReaderAt
	closer  io.Closer
	kvIndex map[string]int
	tIndex  map[string]int
}

// Open opens and parses the GGUF file at path. Close releases it.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("gguf: %w", err)
	}
	g, err := Read(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	g.closer = f
	return g, nil
}

// Close closes the file opened by Open; it does nothing for a File from Read.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	c := f.closer
	f.closer = nil
	return c.Close()
}

// Read parses the header, metadata and tensor infos of the size-byte GGUF file
// behind r and validates every tensor's data range against size. It reads the
// header region sequentially through a small buffer and never reads tensor data.
func Read(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, fmt.Errorf("gguf: negative file size %d: %w", size, ErrInvalid)
	}
	d := &decoder{r: r, size: size}
	f := &File{Size: size, r: r, Alignment: DefaultAlignment}
	if err := f.readHeader(d); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) readHeader(d *decoder) error {
	magic, err := d.bytes(4, "magic")
	if err != nil {
		return err
	}
	if string(magic) != Magic {
		return fmt.Errorf("gguf: bad magic %q, want %q (not a GGUF file): %w", magic, Magic, ErrInvalid)
	}
	vb, err := d.bytes(4, "version")
	if err != nil {
		return err
	}
	f.Version = binary.LittleEndian.Uint32(vb)
	switch v := f.Version; {
	case v == 2 || v == 3:
	case v == 1:
		return fmt.Errorf("gguf: version 1 files (2023, 32-bit counts) are not supported; re-convert the model: %w", ErrUnsupported)
	case v&0xffff == 0 && binary.BigEndian.Uint32(vb) >= 1 && binary.BigEndian.Uint32(vb) <= 3:
		return fmt.Errorf("gguf: big-endian file (version bytes % x) is not supported: %w", vb, ErrUnsupported)
	default:
		return fmt.Errorf("gguf: version %d is not supported (want 2 or 3): %w", v, ErrUnsupported)
	}
	nTensors, err := d.count("tensor count", "count", 8+1+4+8+4+8)
	if err != nil {
		return err
	}
	nKV, err := d.count("metadata count", "count", 8+1+4+1)
	if err != nil {
		return err
	}
	f.KV = make([]KV, 0, nKV)
	f.kvIndex = make(map[string]int, nKV)
	for i := int64(0); i < nKV; i++ {
		if err := f.readKV(d, i); err != nil {
			return err
		}
	}
	if err := f.readAlignment(); err != nil {
		return err
	}
	f.Tensors = make([]TensorInfo, 0, nTensors)
	f.tIndex = make(map[string]int, nTensors)
	for i := int64(0); i < nTensors; i++ {
		if err := f.readTensorInfo(d, i); err != nil {
			return err
		}
	}
	off, ok := alignUp(d.off, f.Alignment)
	if !ok {
		return fmt.Errorf("gguf: data offset overflows: %w", ErrInvalid)
	}
	f.DataOffset = off
	return f.checkDataRanges()
}

func (f *File) readKV(d *decoder, i int64) error {
	key, err := d.string(fmt.Sprintf("key of metadata entry %d", i))
	if err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("gguf: metadata entry %d: empty key: %w", i, ErrInvalid)
	}
	if !utf8.ValidString(key) {
		return fmt.Errorf("gguf: metadata entry %d: key %q is not valid UTF-8: %w", i, key, ErrInvalid)
	}
	if _, dup := f.kvIndex[key]; dup {
		return fmt.Errorf("gguf: duplicate metadata key %q: %w", key, ErrInvalid)
	}
	t, err := d.valueType("key " + quote(key))
	if err != nil {
		return err
	}
	v, err := d.value(t, "key "+quote(key), 0)
	if err != nil {
		return err
	}
	f.kvIndex[key] = len(f.KV)
	f.KV = append(f.KV, KV{Key: key, Value: v})
	return nil
}

func (f *File) readAlignment() error {
	v, ok := f.Get(KeyAlignment)
	if !ok {
		return nil
	}
	a, isU32 := v.Data.(uint32)
	if v.Type != Uint32 || !isU32 {
		return fmt.Errorf("gguf: %s has type %s, want uint32: %w", KeyAlignment, v.Type, ErrInvalid)
	}
	if a == 0 || a&(a-1) != 0 {
		return fmt.Errorf("gguf: %s = %d, want a non-zero power of two: %w", KeyAlignment, a, ErrInvalid)
	}
	f.Alignment = int64(a)
	return nil
}

func (f *File) readTensorInfo(d *decoder, i int64) error {
	name, err := d.string(fmt.Sprintf("name of tensor %d", i))
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("gguf: tensor %d: empty name: %w", i, ErrInvalid)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("gguf: tensor %d: name %q is not valid UTF-8: %w", i, name, ErrInvalid)
	}
	if _, dup := f.tIndex[name]; dup {
		return fmt.Errorf("gguf: duplicate tensor name %q: %w", name, ErrInvalid)
	}
	what := "tensor " + quote(name)
	nd, err := d.u32(what + " n_dims")
	if err != nil {
		return err
	}
	if nd < 1 || nd > MaxDims {
		return fmt.Errorf("gguf: %s: n_dims = %d, want 1 to %d: %w", what, nd, MaxDims, ErrInvalid)
	}
	dims := make([]int64, nd)
	for j := range dims {
		v, err := d.u64(what + " dims")
		if err != nil {
			return err
		}
		if v < 1 || v > uint64(maxInt64) {
			return fmt.Errorf("gguf: %s: ne[%d] = %d, want >= 1: %w", what, j, v, ErrInvalid)
		}
		dims[j] = int64(v)
	}
	tid, err := d.u32(what + " type")
	if err != nil {
		return err
	}
	t := ggml.Type(tid)
	if !t.Known() {
		return fmt.Errorf("gguf: %s: %w id %d: %w", what, ggml.ErrUnknownType, tid, ErrUnsupported)
	}
	off, err := d.u64(what + " offset")
	if err != nil {
		return err
	}
	if off > uint64(maxInt64) {
		return fmt.Errorf("gguf: %s: offset %d overflows: %w", what, off, ErrInvalid)
	}
	if int64(off)%f.Alignment != 0 {
		return fmt.Errorf("gguf: %s: offset %d is not a multiple of the alignment %d: %w", what, off, f.Alignment, ErrInvalid)
	}
	if _, err := tensorBytes(dims, t); err != nil {
		return fmt.Errorf("gguf: %s: shape %v of %s: %v: %w", what, dims, t, err, ErrInvalid)
	}
	f.tIndex[name] = len(f.Tensors)
	f.Tensors = append(f.Tensors, TensorInfo{Name: name, Dims: dims, Type: t, Offset: int64(off)})
	return nil
}

// checkDataRanges verifies every tensor's data lies inside the file and that no two overlap.
func (f *File) checkDataRanges() error {
	if len(f.Tensors) > 0 && f.DataOffset > f.Size {
		return fmt.Errorf("gguf: data section starts at %d, past end of file (size %d): %w", f.DataOffset, f.Size, ErrTruncated)
	}
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return f.Tensors[order[a]].Offset < f.Tensors[order[b]].Offset })
	prevEnd, prev := int64(0), -1
	for _, i := range order {
		t := &f.Tensors[i]
		n := t.Bytes() // validated in readTensorInfo
		if t.Offset > f.Size-f.DataOffset || n > f.Size-f.DataOffset-t.Offset {
			start := uint64(f.DataOffset) + uint64(t.Offset)
			return fmt.Errorf("gguf: tensor %q: data [%d, %d) past end of file (size %d): %w",
				t.Name, start, start+uint64(n), f.Size, ErrTruncated)
		}
		if prev >= 0 && t.Offset < prevEnd {
			return fmt.Errorf("gguf: tensor %q: data at offset %d overlaps tensor %q, which ends at %d: %w",
				t.Name, t.Offset, f.Tensors[prev].Name, prevEnd, ErrInvalid)
		}
		prevEnd, prev = t.Offset+n, i
	}
	return nil
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// decoder reads the header region sequentially through a buffer refilled with
// ReadAt, so the file is never loaded whole and no read goes past size.
type decoder struct {
	r      io.ReaderAt
	size   int64
	off    int64 // offset of the next unread byte
	buf    []byte
	bufOff int64 // file offset of buf[0]
}

const decoderChunk = 64 << 10

func (d *decoder) left() int64 { return d.size - d.off }

// bytes returns the next n bytes. The slice is valid until the next call.
func (d *decoder) bytes(n int64, what string) ([]byte, error) {
	if n < 0 || n > d.left() {
		return nil, fmt.Errorf("gguf: %s: needs %d bytes at offset %d, file has %d left: %w", what, n, d.off, max(d.left(), 0), ErrTruncated)
	}
	if d.off >= d.bufOff && d.off+n <= d.bufOff+int64(len(d.buf)) {
		b := d.buf[d.off-d.bufOff : d.off-d.bufOff+n]
		d.off += n
		return b, nil
	}
	if n > decoderChunk {
		b := make([]byte, n)
		if err := d.readAt(b, d.off, what); err != nil {
			return nil, err
		}
		d.off += n
		return b, nil
	}
	fill := min(int64(decoderChunk), d.left())
	if cap(d.buf) < decoderChunk {
		d.buf = make([]byte, decoderChunk)
	}
	d.buf = d.buf[:fill]
	if err := d.readAt(d.buf, d.off, what); err != nil {
		d.buf = d.buf[:0]
		return nil, err
	}
	d.bufOff = d.off
	d.off += n
	return d.buf[:n], nil
}

func (d *decoder) readAt(b []byte, off int64, what string) error {
	n, err := d.r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("gguf: %s: short read at offset %d: %w", what, off+int64(n), ErrTruncated)
	}
	return fmt.Errorf("gguf: %s: %w", what, err)
}

func (d *decoder) u32(what string) (uint32, error) {
	b, err := d.bytes(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (d *decoder) u64(what string) (uint64, error) {
	b, err := d.bytes(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// count reads a u64 count of items each at least minItem bytes long and rejects
// one that the rest of the file could not hold.
func (d *decoder) count(what, label string, minItem int64) (int64, error) {
	n, err := d.u64(what)
	if err != nil {
		return 0, err
	}
	if left := d.left(); n > uint64(left/minItem) {
		return 0, fmt.Errorf("gguf: %s: %s %d × at least %d bytes exceeds the %d bytes left in the file: %w", what, label, n, minItem, left, ErrTruncated)
	}
	return int64(n), nil
}

// string reads a length-prefixed string. what names it in errors; callers in
// loops pass a fixed what, so no text is built per element.
func (d *decoder) string(what string) (string, error) {
	n, err := d.u64(what)
	if err != nil {
		return "", err
	}
	if n > uint64(d.left()) {
		return "", fmt.Errorf("gguf: %s: string length %d exceeds the %d bytes left in the file: %w", what, n, d.left(), ErrTruncated)
	}
	b, err := d.bytes(int64(n), what)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (d *decoder) valueType(what string) (ValueType, error) {
	v, err := d.u32(what)
	if err != nil {
		return 0, err
	}
	t := ValueType(v)
	if !t.Valid() {
		return 0, fmt.Errorf("gguf: %s: unknown value type %d: %w", what, v, ErrInvalid)
	}
	return t, nil
}

func (d *decoder) value(t ValueType, what string, depth int) (Value, error) {
	if t == Array {
		return d.array(what, depth)
	}
	if t == String {
		s, err := d.string(what)
		return Value{Type: String, Data: s}, err
	}
	b, err := d.bytes(t.fixedSize(), what)
	if err != nil {
		return Value{}, err
	}
	v := Value{Type: t}
	switch t {
	case Uint8:
		v.Data = b[0]
	case Int8:
		v.Data = int8(b[0])
	case Bool:
		v.Data = b[0] != 0
	case Uint16:
		v.Data = binary.LittleEndian.Uint16(b)
	case Int16:
		v.Data = int16(binary.LittleEndian.Uint16(b))
	case Uint32:
		v.Data = binary.LittleEndian.Uint32(b)
	case Int32:
		v.Data = int32(binary.LittleEndian.Uint32(b))
	case Float32:
		v.Data = math.Float32frombits(binary.LittleEndian.Uint32(b))
	case Uint64:
		v.Data = binary.LittleEndian.Uint64(b)
	case Int64:
		v.Data = int64(binary.LittleEndian.Uint64(b))
	case Float64:
		v.Data = math.Float64frombits(binary.LittleEndian.Uint64(b))
	}
	return v, nil
}

func (d *decoder) array(what string, depth int) (Value, error) {
	if depth >= maxArrayDepth {
		return Value{}, fmt.Errorf("gguf: %s: arrays nested deeper than %d: %w", what, maxArrayDepth, ErrInvalid)
	}
	et, err := d.valueType(what)
	if err != nil {
		return Value{}, err
	}
	n, err := d.count(what, "array length", et.minSize())
	if err != nil {
		return Value{}, err
	}
	v := Value{Type: Array, Elem: et}
	switch et {
	case String:
		s := make([]string, n)
		for i := range s {
			if s[i], err = d.string(what); err != nil {
				return Value{}, err
			}
		}
		v.Data = s
	case Array:
		s := make([]Value, n)
		for i := range s {
			if s[i], err = d.array(what, depth+1); err != nil {
				return Value{}, err
			}
		}
		v.Data = s
	default:
		b, err := d.bytes(n*et.fixedSize(), what)
		if err != nil {
			return Value{}, err
		}
		if v.Data, err = decodeFixed(et, b, int(n)); err != nil {
			return Value{}, fmt.Errorf("gguf: %s: %w", what, err)
		}
	}
	return v, nil
}

// decodeFixed decodes n little-endian scalars of type t into a typed slice.
func decodeFixed(t ValueType, b []byte, n int) (any, error) {
	le := binary.LittleEndian
	switch t {
	case Uint8:
		return append([]uint8(nil), b...), nil
	case Int8:
		s := make([]int8, n)
		for i := range s {
			s[i] = int8(b[i])
		}
		return s, nil
	case Bool:
		s := make([]bool, n)
		for i := range s {
			s[i] = b[i] != 0
		}
		return s, nil
	case Uint16:
		s := make([]uint16, n)
		for i := range s {
			s[i] = le.Uint16(b[2*i:])
		}
		return s, nil
	case Int16:
		s := make([]int16, n)
		for i := range s {
			s[i] = int16(le.Uint16(b[2*i:]))
		}
		return s, nil
	case Uint32:
		s := make([]uint32, n)
		for i := range s {
			s[i] = le.Uint32(b[4*i:])
		}
		return s, nil
	case Int32:
		s := make([]int32, n)
		for i := range s {
			s[i] = int32(le.Uint32(b[4*i:]))
		}
		return s, nil
	case Float32:
		s := make([]float32, n)
		for i := range s {
			s[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
		return s, nil
	case Uint64:
		s := make([]uint64, n)
		for i := range s {
			s[i] = le.Uint64(b[8*i:])
		}
		return s, nil
	case Int64:
		s := make([]int64, n)
		for i := range s {
			s[i] = int64(le.Uint64(b[8*i:]))
		}
		return s, nil
	case Float64:
		s := make([]float64, n)
		for i := range s {
			s[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
		return s, nil
	}
	return nil, fmt.Errorf("value type %s is not a fixed-size scalar: %w", t, ErrInvalid)
}
