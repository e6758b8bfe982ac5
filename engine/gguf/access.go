package gguf

import (
	"fmt"
	"io"
	"math"

	"heed/engine/ggml"
)

// Get returns the value of a metadata key.
func (f *File) Get(key string) (Value, bool) {
	i, ok := f.kvIndex[key]
	if !ok {
		return Value{}, false
	}
	return f.KV[i].Value, true
}

// String returns a string value.
func (f *File) String(key string) (string, bool) {
	v, ok := f.Get(key)
	s, isString := v.Data.(string)
	return s, ok && v.Type == String && isString
}

// Uint returns an integer value of any integer type that holds a value >= 0.
func (f *File) Uint(key string) (uint64, bool) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false
	}
	switch x := v.Data.(type) {
	case uint8, uint16, uint32, uint64:
		return toUint64(x), true
	case int8, int16, int32, int64:
		if i := toInt64(x); i >= 0 {
			return uint64(i), true
		}
	}
	return 0, false
}

// Int returns an integer value of any integer type that fits in an int64.
func (f *File) Int(key string) (int64, bool) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false
	}
	switch x := v.Data.(type) {
	case int8, int16, int32, int64:
		return toInt64(x), true
	case uint8, uint16, uint32, uint64:
		if u := toUint64(x); u <= math.MaxInt64 {
			return int64(u), true
		}
	}
	return 0, false
}

// Float returns a float or integer value as a float64.
func (f *File) Float(key string) (float64, bool) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false
	}
	switch x := v.Data.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case int8, int16, int32, int64:
		return float64(toInt64(x)), true
	case uint8, uint16, uint32, uint64:
		return float64(toUint64(x)), true
	}
	return 0, false
}

// Bool returns a bool value.
func (f *File) Bool(key string) (bool, bool) {
	v, ok := f.Get(key)
	b, isBool := v.Data.(bool)
	return b, ok && isBool
}

// Strings returns an array of strings.
func (f *File) Strings(key string) ([]string, bool) {
	v, ok := f.Get(key)
	s, isStrings := v.Data.([]string)
	return s, ok && isStrings
}

// Float32s returns an array of float32, or of float64 converted to float32.
func (f *File) Float32s(key string) ([]float32, bool) {
	v, ok := f.Get(key)
	if !ok {
		return nil, false
	}
	switch x := v.Data.(type) {
	case []float32:
		return x, true
	case []float64:
		s := make([]float32, len(x))
		for i, e := range x {
			s[i] = float32(e)
		}
		return s, true
	}
	return nil, false
}

// Int32s returns an array of int32 (e.g. tokenizer.ggml.token_type). Arrays of
// other integer types are converted when every element fits in an int32.
func (f *File) Int32s(key string) ([]int32, bool) {
	v, ok := f.Get(key)
	if !ok {
		return nil, false
	}
	if s, ok := v.Data.([]int32); ok {
		return s, true
	}
	var n int
	var at func(i int) (int64, bool)
	switch x := v.Data.(type) {
	case []int8:
		n, at = len(x), func(i int) (int64, bool) { return int64(x[i]), true }
	case []uint8:
		n, at = len(x), func(i int) (int64, bool) { return int64(x[i]), true }
	case []int16:
		n, at = len(x), func(i int) (int64, bool) { return int64(x[i]), true }
	case []uint16:
		n, at = len(x), func(i int) (int64, bool) { return int64(x[i]), true }
	case []uint32:
		n, at = len(x), func(i int) (int64, bool) { return int64(x[i]), true }
	case []int64:
		n, at = len(x), func(i int) (int64, bool) { return x[i], true }
	case []uint64:
		n, at = len(x), func(i int) (int64, bool) { return int64(x[i]), x[i] <= math.MaxInt64 }
	default:
		return nil, false
	}
	s := make([]int32, n)
	for i := range s {
		e, ok := at(i)
		if !ok || e < math.MinInt32 || e > math.MaxInt32 {
			return nil, false
		}
		s[i] = int32(e)
	}
	return s, true
}

// Architecture returns general.architecture ("llama", "qwen2", …), or "" when absent.
func (f *File) Architecture() string {
	s, _ := f.String("general.architecture")
	return s
}

// Tensor returns the info of the named tensor.
func (f *File) Tensor(name string) (*TensorInfo, bool) {
	i, ok := f.tIndex[name]
	if !ok {
		return nil, false
	}
	return &f.Tensors[i], true
}

// TensorReader returns a reader over the raw bytes of one tensor.
func (f *File) TensorReader(t *TensorInfo) *io.SectionReader {
	return io.NewSectionReader(f.r, f.DataOffset+t.Offset, max(t.Bytes(), 0))
}

// ReadTensorBytes reads the raw (possibly quantised) bytes of one tensor.
func (f *File) ReadTensorBytes(t *TensorInfo) ([]byte, error) {
	n := t.Bytes()
	if n < 0 {
		return nil, fmt.Errorf("gguf: tensor %q: shape %v of %s has no valid byte size: %w", t.Name, t.Dims, t.Type, ErrInvalid)
	}
	start := f.DataOffset + t.Offset
	if t.Offset < 0 || start > f.Size || n > f.Size-start {
		return nil, fmt.Errorf("gguf: tensor %q: data [%d, %d) past end of file (size %d): %w", t.Name, start, start+n, f.Size, ErrTruncated)
	}
	b := make([]byte, n)
	if got, err := f.r.ReadAt(b, start); got < len(b) {
		return nil, fmt.Errorf("gguf: tensor %q: read %d of %d bytes: %w", t.Name, got, n, err)
	}
	return b, nil
}

// ReadTensorF32 reads one tensor and dequantises it to float32 with ggml.Dequantize.
func (f *File) ReadTensorF32(t *TensorInfo) ([]float32, error) {
	if !ggml.Supported(t.Type) {
		return nil, fmt.Errorf("gguf: tensor %q: cannot dequantise %s: %w", t.Name, t.Type, ErrUnsupported)
	}
	b, err := f.ReadTensorBytes(t)
	if err != nil {
		return nil, err
	}
	dst := make([]float32, t.Elements())
	if err := ggml.Dequantize(t.Type, b, dst); err != nil {
		return nil, fmt.Errorf("gguf: tensor %q: %w", t.Name, err)
	}
	return dst, nil
}

func toUint64(x any) uint64 {
	switch v := x.(type) {
	case uint8:
		return uint64(v)
	case uint16:
		return uint64(v)
	case uint32:
		return uint64(v)
	case uint64:
		return v
	}
	return 0
}

func toInt64(x any) int64 {
	switch v := x.(type) {
	case int8:
		return int64(v)
	case int16:
		return int64(v)
	case int32:
		return int64(v)
	case int64:
		return v
	}
	return 0
}
