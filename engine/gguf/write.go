package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"unicode/utf8"

	"heed/engine/ggml"
)

// Builder assembles a GGUF v3 file: metadata in the order first set, tensors in
// the order added, each tensor's data aligned to general.alignment (default 32).
type Builder struct {
	kv      []KV
	kvIndex map[string]int
	tensors []pendingTensor
	names   map[string]bool
}

// pendingTensor is a tensor to write: either its bytes, or a function that
// produces them when WriteTo reaches it (so large files stream one tensor at a time).
type pendingTensor struct {
	info   TensorInfo
	bytes  int64
	data   []byte
	source func() ([]byte, error)
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{kvIndex: map[string]int{}, names: map[string]bool{}}
}

// Set sets a metadata key, replacing an earlier value in place. The value is
// validated by WriteTo.
func (b *Builder) Set(key string, v Value) {
	if i, ok := b.kvIndex[key]; ok {
		b.kv[i].Value = v
		return
	}
	b.kvIndex[key] = len(b.kv)
	b.kv = append(b.kv, KV{Key: key, Value: v})
}

// SetString sets a string value.
func (b *Builder) SetString(key, v string) { b.Set(key, Value{Type: String, Data: v}) }

// SetUint32 sets a uint32 value.
func (b *Builder) SetUint32(key string, v uint32) { b.Set(key, Value{Type: Uint32, Data: v}) }

// SetInt32 sets an int32 value.
func (b *Builder) SetInt32(key string, v int32) { b.Set(key, Value{Type: Int32, Data: v}) }

// SetUint64 sets a uint64 value.
func (b *Builder) SetUint64(key string, v uint64) { b.Set(key, Value{Type: Uint64, Data: v}) }

// SetFloat32 sets a float32 value.
func (b *Builder) SetFloat32(key string, v float32) { b.Set(key, Value{Type: Float32, Data: v}) }

// SetBool sets a bool value.
func (b *Builder) SetBool(key string, v bool) { b.Set(key, Value{Type: Bool, Data: v}) }

// SetStrings sets an array of strings.
func (b *Builder) SetStrings(key string, v []string) {
	b.Set(key, Value{Type: Array, Elem: String, Data: v})
}

// SetFloat32s sets an array of float32.
func (b *Builder) SetFloat32s(key string, v []float32) {
	b.Set(key, Value{Type: Array, Elem: Float32, Data: v})
}

// SetInt32s sets an array of int32.
func (b *Builder) SetInt32s(key string, v []int32) {
	b.Set(key, Value{Type: Array, Elem: Int32, Data: v})
}

// AddTensor adds a tensor whose data is already encoded as type t. dims is ne[0]
// first. The Builder keeps data (without copying) until WriteTo.
func (b *Builder) AddTensor(name string, dims []int64, t ggml.Type, data []byte) error {
	n, err := b.checkTensor(name, dims, t)
	if err != nil {
		return err
	}
	if int64(len(data)) != n {
		return fmt.Errorf("gguf: tensor %q: %d bytes of data, shape %v of %s needs %d: %w", name, len(data), dims, t, n, ErrInvalid)
	}
	b.add(name, dims, t, n, data, nil)
	return nil
}

// AddTensorF32 adds a tensor given as float32 values (len = product of dims),
// encoded as type t with ggml.Quantize.
func (b *Builder) AddTensorF32(name string, dims []int64, t ggml.Type, values []float32) error {
	n, err := b.checkTensor(name, dims, t)
	if err != nil {
		return err
	}
	if ne, _ := elements(dims); int64(len(values)) != ne {
		return fmt.Errorf("gguf: tensor %q: %d values, shape %v needs %d: %w", name, len(values), dims, ne, ErrInvalid)
	}
	data, err := ggml.Quantize(t, values)
	if err != nil {
		return fmt.Errorf("gguf: tensor %q: %w", name, err)
	}
	b.add(name, dims, t, n, data, nil)
	return nil
}

// AddTensorSource adds a tensor whose encoded bytes source produces when WriteTo
// reaches it; WriteTo fails if source returns a different length than the shape needs.
func (b *Builder) AddTensorSource(name string, dims []int64, t ggml.Type, source func() ([]byte, error)) error {
	n, err := b.checkTensor(name, dims, t)
	if err != nil {
		return err
	}
	b.add(name, dims, t, n, nil, source)
	return nil
}

func (b *Builder) add(name string, dims []int64, t ggml.Type, n int64, data []byte, source func() ([]byte, error)) {
	b.names[name] = true
	info := TensorInfo{Name: name, Dims: append([]int64(nil), dims...), Type: t}
	b.tensors = append(b.tensors, pendingTensor{info: info, bytes: n, data: data, source: source})
}

func (b *Builder) checkTensor(name string, dims []int64, t ggml.Type) (int64, error) {
	if name == "" || !utf8.ValidString(name) {
		return 0, fmt.Errorf("gguf: tensor name %q must be non-empty valid UTF-8: %w", name, ErrInvalid)
	}
	if b.names[name] {
		return 0, fmt.Errorf("gguf: duplicate tensor name %q: %w", name, ErrInvalid)
	}
	n, err := tensorBytes(dims, t)
	if err != nil {
		return 0, fmt.Errorf("gguf: tensor %q: shape %v of %s: %v: %w", name, dims, t, err, ErrInvalid)
	}
	return n, nil
}

// alignment returns general.alignment as set, or DefaultAlignment.
func (b *Builder) alignment() (int64, error) {
	i, ok := b.kvIndex[KeyAlignment]
	if !ok {
		return DefaultAlignment, nil
	}
	v := b.kv[i].Value
	a, isU32 := v.Data.(uint32)
	if v.Type != Uint32 || !isU32 || a == 0 || a&(a-1) != 0 {
		return 0, fmt.Errorf("gguf: %s must be a uint32 non-zero power of two, got %s %v: %w", KeyAlignment, v.Type, v.Data, ErrInvalid)
	}
	return int64(a), nil
}

// WriteTo writes the file as GGUF v3 and returns the number of bytes written.
func (b *Builder) WriteTo(w io.Writer) (int64, error) {
	align, err := b.alignment()
	if err != nil {
		return 0, err
	}
	for _, kv := range b.kv {
		if kv.Key == "" || !utf8.ValidString(kv.Key) {
			return 0, fmt.Errorf("gguf: metadata key %q must be non-empty valid UTF-8: %w", kv.Key, ErrInvalid)
		}
		if err := checkValue(kv.Value, 0); err != nil {
			return 0, fmt.Errorf("gguf: key %q: %w", kv.Key, err)
		}
	}
	var off int64
	for i := range b.tensors {
		t := &b.tensors[i]
		t.info.Offset = off
		off, _ = alignUp(off+t.bytes, align)
	}

	e := &encoder{w: bufio.NewWriterSize(w, 1<<16)}
	e.raw([]byte(Magic))
	e.u32(3)
	e.u64(uint64(len(b.tensors)))
	e.u64(uint64(len(b.kv)))
	for _, kv := range b.kv {
		e.string(kv.Key)
		e.u32(uint32(kv.Value.Type))
		e.value(kv.Value)
	}
	for _, t := range b.tensors {
		e.string(t.info.Name)
		e.u32(uint32(len(t.info.Dims)))
		for _, d := range t.info.Dims {
			e.u64(uint64(d))
		}
		e.u32(uint32(t.info.Type))
		e.u64(uint64(t.info.Offset))
	}
	e.pad(align)
	for _, t := range b.tensors {
		data := t.data
		if t.source != nil && e.err == nil {
			if data, err = t.source(); err != nil {
				return e.n, fmt.Errorf("gguf: tensor %q: %w", t.info.Name, err)
			}
			if int64(len(data)) != t.bytes {
				return e.n, fmt.Errorf("gguf: tensor %q: source gave %d bytes, shape needs %d: %w", t.info.Name, len(data), t.bytes, ErrInvalid)
			}
		}
		e.raw(data)
		e.pad(align)
	}
	if e.err == nil {
		e.err = e.w.Flush()
	}
	return e.n, e.err
}

// checkValue verifies that v.Data has the Go type v.Type (and v.Elem) call for.
func checkValue(v Value, depth int) error {
	if !v.Type.Valid() {
		return fmt.Errorf("unknown value type %d: %w", uint32(v.Type), ErrInvalid)
	}
	var ok bool
	switch v.Type {
	case Uint8:
		_, ok = v.Data.(uint8)
	case Int8:
		_, ok = v.Data.(int8)
	case Uint16:
		_, ok = v.Data.(uint16)
	case Int16:
		_, ok = v.Data.(int16)
	case Uint32:
		_, ok = v.Data.(uint32)
	case Int32:
		_, ok = v.Data.(int32)
	case Float32:
		_, ok = v.Data.(float32)
	case Bool:
		_, ok = v.Data.(bool)
	case String:
		_, ok = v.Data.(string)
	case Uint64:
		_, ok = v.Data.(uint64)
	case Int64:
		_, ok = v.Data.(int64)
	case Float64:
		_, ok = v.Data.(float64)
	case Array:
		return checkArray(v, depth)
	}
	if !ok {
		return fmt.Errorf("value of type %s holds a Go %T: %w", v.Type, v.Data, ErrInvalid)
	}
	return nil
}

func checkArray(v Value, depth int) error {
	if depth >= maxArrayDepth {
		return fmt.Errorf("arrays nested deeper than %d: %w", maxArrayDepth, ErrInvalid)
	}
	var ok bool
	switch v.Elem {
	case Uint8:
		_, ok = v.Data.([]uint8)
	case Int8:
		_, ok = v.Data.([]int8)
	case Uint16:
		_, ok = v.Data.([]uint16)
	case Int16:
		_, ok = v.Data.([]int16)
	case Uint32:
		_, ok = v.Data.([]uint32)
	case Int32:
		_, ok = v.Data.([]int32)
	case Float32:
		_, ok = v.Data.([]float32)
	case Bool:
		_, ok = v.Data.([]bool)
	case String:
		_, ok = v.Data.([]string)
	case Uint64:
		_, ok = v.Data.([]uint64)
	case Int64:
		_, ok = v.Data.([]int64)
	case Float64:
		_, ok = v.Data.([]float64)
	case Array:
		vs, isValues := v.Data.([]Value)
		if !isValues {
			break
		}
		for i, e := range vs {
			if e.Type != Array {
				return fmt.Errorf("element %d of an array of arrays has type %s: %w", i, e.Type, ErrInvalid)
			}
			if err := checkArray(e, depth+1); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
		ok = true
	default:
		return fmt.Errorf("unknown array element type %d: %w", uint32(v.Elem), ErrInvalid)
	}
	if !ok {
		return fmt.Errorf("array of %s holds a Go %T: %w", v.Elem, v.Data, ErrInvalid)
	}
	return nil
}

// encoder writes little-endian values, remembering the first error and the byte count.
type encoder struct {
	w   *bufio.Writer
	n   int64
	err error
	tmp [8]byte
}

func (e *encoder) raw(b []byte) {
	if e.err != nil {
		return
	}
	n, err := e.w.Write(b)
	e.n += int64(n)
	e.err = err
}

func (e *encoder) u8(v uint8) { e.tmp[0] = v; e.raw(e.tmp[:1]) }

func (e *encoder) u16(v uint16) {
	binary.LittleEndian.PutUint16(e.tmp[:], v)
	e.raw(e.tmp[:2])
}

func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.tmp[:], v)
	e.raw(e.tmp[:4])
}

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.tmp[:], v)
	e.raw(e.tmp[:8])
}

func (e *encoder) string(s string) {
	e.u64(uint64(len(s)))
	if e.err == nil {
		n, err := e.w.WriteString(s)
		e.n += int64(n)
		e.err = err
	}
}

func (e *encoder) pad(align int64) {
	var zeros [64]byte
	for e.err == nil && e.n%align != 0 {
		k := min(align-e.n%align, int64(len(zeros)))
		e.raw(zeros[:k])
	}
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// value writes the payload of v (its type id is written by the caller); v has passed checkValue.
func (e *encoder) value(v Value) {
	switch x := v.Data.(type) {
	case uint8:
		e.u8(x)
	case int8:
		e.u8(uint8(x))
	case bool:
		e.u8(boolByte(x))
	case uint16:
		e.u16(x)
	case int16:
		e.u16(uint16(x))
	case uint32:
		e.u32(x)
	case int32:
		e.u32(uint32(x))
	case float32:
		e.u32(math.Float32bits(x))
	case uint64:
		e.u64(x)
	case int64:
		e.u64(uint64(x))
	case float64:
		e.u64(math.Float64bits(x))
	case string:
		e.string(x)
	default:
		e.array(v)
	}
}

func (e *encoder) array(v Value) {
	e.u32(uint32(v.Elem))
	switch x := v.Data.(type) {
	case []uint8:
		e.u64(uint64(len(x)))
		e.raw(x)
	case []int8:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.u8(uint8(s))
		}
	case []bool:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.u8(boolByte(s))
		}
	case []uint16:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.u16(s)
		}
	case []int16:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.u16(uint16(s))
		}
	case []uint32:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.u32(s)
		}
	case []int32:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.u32(uint32(s))
		}
	case []float32:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.u32(math.Float32bits(s))
		}
	case []uint64:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.u64(s)
		}
	case []int64:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.u64(uint64(s))
		}
	case []float64:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.u64(math.Float64bits(s))
		}
	case []string:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.string(s)
		}
	case []Value:
		e.u64(uint64(len(x)))
		for _, s := range x {
			e.array(s)
		}
	}
}
