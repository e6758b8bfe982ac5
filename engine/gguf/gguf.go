// Package gguf reads and writes GGUF files, the model container of llama.cpp.
//
// Layout (all integers little-endian; spec: ggml/docs/gguf.md):
//
//	magic "GGUF" | version u32 | tensor_count u64 | kv_count u64
//	kv_count × { key string | value_type u32 | value }
//	tensor_count × { name string | n_dims u32 | ne[n_dims] u64 | type u32 | offset u64 }
//	padding to general.alignment (default 32)
//	tensor data, each tensor at its offset (relative to here, aligned)
//
// where string = length u64 | bytes, and an array value = element type u32 | count u64 | elements.
//
// The reader trusts nothing in the file: every count, length, size and offset is
// checked against the file size before it is used, so a hostile file produces an
// error wrapping ErrTruncated, ErrInvalid or ErrUnsupported, never a panic or an
// allocation the file size cannot justify. Tensor data is never read by Read; it is
// fetched on demand through the io.ReaderAt the file was opened with.
package gguf

import (
	"errors"
	"fmt"

	"heed/engine/ggml"
)

// Sentinel errors; every error from this package wraps one of them.
var (
	// ErrTruncated: the file ends before a structure it declares.
	ErrTruncated = errors.New("truncated")
	// ErrInvalid: the file is malformed (bad magic, inconsistent sizes, duplicates…).
	ErrInvalid = errors.New("invalid")
	// ErrUnsupported: a well-formed file this package cannot handle (version 1, big-endian, unknown tensor type).
	ErrUnsupported = errors.New("unsupported")
)

// Magic is the first four bytes of every GGUF file.
const Magic = "GGUF"

// DefaultAlignment is the data alignment when general.alignment is absent.
const DefaultAlignment = 32

// KeyAlignment is the metadata key that overrides DefaultAlignment (a uint32 power of two).
const KeyAlignment = "general.alignment"

// MaxDims is the largest n_dims a tensor may have (GGML_MAX_DIMS).
const MaxDims = 4

// maxArrayDepth bounds nested arrays: real files use none, and each level costs
// only 12 bytes, so without a bound a small file could demand deep recursion.
const maxArrayDepth = 8

// ValueType is a GGUF metadata value type (gguf_type in gguf.h).
type ValueType uint32

// Metadata value types, numbered as in the file format.
const (
	Uint8 ValueType = iota
	Int8
	Uint16
	Int16
	Uint32
	Int32
	Float32
	Bool
	String
	Array
	Uint64
	Int64
	Float64
)

var valueTypeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

// String returns the type's name as the GGUF spec writes it, e.g. "uint32".
func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("value_type(%d)", uint32(t))
}

// Valid reports whether t is one of the thirteen GGUF value types.
func (t ValueType) Valid() bool { return t <= Float64 }

// fixedSize is the encoded size of a scalar of type t, or 0 for strings and arrays.
func (t ValueType) fixedSize() int64 {
	switch t {
	case Uint8, Int8, Bool:
		return 1
	case Uint16, Int16:
		return 2
	case Uint32, Int32, Float32:
		return 4
	case Uint64, Int64, Float64:
		return 8
	}
	return 0
}

// minSize is the fewest bytes one encoded value of type t can occupy: a string
// is at least its 8-byte length, an array its 4-byte element type and 8-byte count.
func (t ValueType) minSize() int64 {
	switch t {
	case String:
		return 8
	case Array:
		return 12
	}
	return t.fixedSize()
}

// Value is one metadata value.
//
// Data holds, by Type: uint8, int8, uint16, int16, uint32, int32, float32, bool,
// string, uint64, int64, float64. For Type == Array, Elem is the element type and
// Data a typed slice ([]uint8 … []float64, []bool, []string), or []Value (each of
// Type Array) when Elem == Array.
type Value struct {
	Type ValueType
	Elem ValueType // element type when Type == Array
	Data any
}

// KV is one metadata entry, in file order.
type KV struct {
	Key   string
	Value Value
}

// TensorInfo describes one tensor of the file.
type TensorInfo struct {
	Name   string
	Dims   []int64 // ne[0] first: ne[0] is the contiguous dimension (a row)
	Type   ggml.Type
	Offset int64 // relative to File.DataOffset
}

// Elements returns the number of elements (product of Dims), or -1 on overflow or a dim below 1.
func (t *TensorInfo) Elements() int64 {
	n, err := elements(t.Dims)
	if err != nil {
		return -1
	}
	return n
}

// Bytes returns the byte size of the tensor's data, or -1 when the type is unknown,
// a row (ne[0]) is not a whole number of blocks, or the size overflows.
func (t *TensorInfo) Bytes() int64 {
	n, err := tensorBytes(t.Dims, t.Type)
	if err != nil {
		return -1
	}
	return n
}

// elements is the overflow-checked product of dims, each of which must be >= 1.
func elements(dims []int64) (int64, error) {
	n := int64(1)
	for i, d := range dims {
		if d < 1 {
			return 0, fmt.Errorf("ne[%d] = %d, want >= 1", i, d)
		}
		if n > maxInt64/d {
			return 0, fmt.Errorf("element count overflows int64 at ne[%d] = %d", i, d)
		}
		n *= d
	}
	return n, nil
}

// tensorBytes is RowBytes(ne[0]) × ne[1] × … with every step overflow-checked.
func tensorBytes(dims []int64, t ggml.Type) (int64, error) {
	if len(dims) == 0 || len(dims) > MaxDims {
		return 0, fmt.Errorf("%d dimensions, want 1 to %d", len(dims), MaxDims)
	}
	if _, err := elements(dims); err != nil {
		return 0, err
	}
	if !t.Known() {
		return 0, fmt.Errorf("%w id %d", ggml.ErrUnknownType, uint32(t))
	}
	row, err := t.RowBytes(dims[0])
	if err != nil {
		return 0, err
	}
	n := row
	for _, d := range dims[1:] {
		if n > maxInt64/d {
			return 0, fmt.Errorf("byte size overflows int64")
		}
		n *= d
	}
	return n, nil
}

const maxInt64 = int64(^uint64(0) >> 1)

// alignUp rounds off up to a multiple of align (a power of two); ok is false on overflow.
func alignUp(off, align int64) (int64, bool) {
	if off > maxInt64-(align-1) {
		return 0, false
	}
	return (off + align - 1) / align * align, true
}
