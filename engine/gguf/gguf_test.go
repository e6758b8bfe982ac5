package gguf

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"heed/engine/ggml"
)

// readBytes parses an in-memory file.
func readBytes(b []byte) (*File, error) { return Read(bytes.NewReader(b), int64(len(b))) }

// everyValue holds one metadata value of each scalar type, an array of each
// element type (one of them empty) and nested arrays.
func everyValue() []KV {
	return []KV{
		{"u8", Value{Type: Uint8, Data: uint8(200)}},
		{"i8", Value{Type: Int8, Data: int8(-100)}},
		{"u16", Value{Type: Uint16, Data: uint16(60000)}},
		{"i16", Value{Type: Int16, Data: int16(-30000)}},
		{"u32", Value{Type: Uint32, Data: uint32(4000000000)}},
		{"i32", Value{Type: Int32, Data: int32(-2000000000)}},
		{"f32", Value{Type: Float32, Data: float32(1.5e-5)}},
		{"bool", Value{Type: Bool, Data: true}},
		{"str", Value{Type: String, Data: "héllo ▁world"}},
		{"u64", Value{Type: Uint64, Data: uint64(1) << 63}},
		{"i64", Value{Type: Int64, Data: int64(-1) << 62}},
		{"f64", Value{Type: Float64, Data: math.Pi}},
		{"a.u8", Value{Type: Array, Elem: Uint8, Data: []uint8{1, 2, 255}}},
		{"a.i8", Value{Type: Array, Elem: Int8, Data: []int8{-1, 0, 127}}},
		{"a.u16", Value{Type: Array, Elem: Uint16, Data: []uint16{1, 65535}}},
		{"a.i16", Value{Type: Array, Elem: Int16, Data: []int16{-32768, 7}}},
		{"a.u32", Value{Type: Array, Elem: Uint32, Data: []uint32{7, 1 << 31}}},
		{"a.i32", Value{Type: Array, Elem: Int32, Data: []int32{2, 3, 3, 6, -1}}},
		{"a.f32", Value{Type: Array, Elem: Float32, Data: []float32{0, -1.25, float32(math.Inf(1))}}},
		{"a.bool", Value{Type: Array, Elem: Bool, Data: []bool{true, false, true}}},
		{"a.str", Value{Type: Array, Elem: String, Data: []string{"<unk>", "", "▁the"}}},
		{"a.u64", Value{Type: Array, Elem: Uint64, Data: []uint64{math.MaxUint64}}},
		{"a.i64", Value{Type: Array, Elem: Int64, Data: []int64{math.MinInt64, 5}}},
		{"a.f64", Value{Type: Array, Elem: Float64, Data: []float64{}}},
		{"a.nested", Value{Type: Array, Elem: Array, Data: []Value{
			{Type: Array, Elem: String, Data: []string{"a b", "c d"}},
			{Type: Array, Elem: Array, Data: []Value{{Type: Array, Elem: Int32, Data: []int32{1, 2}}}},
			{Type: Array, Elem: Float32, Data: []float32{}},
		}}},
	}
}

// smallModel writes a file with metadata, an F32, an F16 and a Q8_0 tensor. Its last
// tensor ends on an alignment boundary, so every proper prefix of it is truncated.
func smallModel(t testing.TB, align uint32) []byte {
	t.Helper()
	b := NewBuilder()
	b.SetString("general.architecture", "llama")
	b.SetUint32(KeyAlignment, align)
	b.SetStrings("tokenizer.ggml.tokens", []string{"<unk>", "<s>", "</s>"})
	b.SetInt32s("tokenizer.ggml.token_type", []int32{2, 3, 3})
	norm := []float32{1, 2, 3, 4}
	if err := b.AddTensorF32("output_norm.weight", []int64{4}, ggml.F32, norm); err != nil {
		t.Fatal(err)
	}
	if err := b.AddTensor("half", []int64{2, 3}, ggml.F16, make([]byte, 12)); err != nil {
		t.Fatal(err)
	}
	q := make([]float32, 64)
	for i := range q {
		q[i] = float32(i-32) / 16
	}
	if err := b.AddTensorF32("blk.0.attn_q.weight", []int64{32, 2}, ggml.Q8_0, q); err != nil {
		t.Fatal(err)
	}
	// 8 F32 values = 32 bytes: the file ends exactly at the end of this tensor for align <= 32.
	if err := b.AddTensorF32("last", []int64{8}, ggml.F32, make([]float32, 8)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTripEveryValueType(t *testing.T) {
	b := NewBuilder()
	for _, kv := range everyValue() {
		b.Set(kv.Key, kv.Value)
	}
	var buf bytes.Buffer
	n, err := b.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("WriteTo returned %d, wrote %d bytes", n, buf.Len())
	}
	f, err := readBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 3 || f.Alignment != DefaultAlignment || len(f.Tensors) != 0 {
		t.Errorf("version %d alignment %d tensors %d, want 3 32 0", f.Version, f.Alignment, len(f.Tensors))
	}
	want := everyValue()
	if len(f.KV) != len(want) {
		t.Fatalf("%d keys, want %d", len(f.KV), len(want))
	}
	for i, kv := range want {
		if !reflect.DeepEqual(f.KV[i], kv) {
			t.Errorf("entry %d: got %#v, want %#v", i, f.KV[i], kv)
		}
	}
}

func TestRoundTripTensors(t *testing.T) {
	for _, align := range []uint32{1, 8, 32, 64, 4096} {
		data := smallModel(t, align)
		f, err := readBytes(data)
		if err != nil {
			t.Fatalf("align %d: %v", align, err)
		}
		if f.Alignment != int64(align) || f.DataOffset%int64(align) != 0 {
			t.Errorf("align %d: alignment %d, data offset %d", align, f.Alignment, f.DataOffset)
		}
		wantTensors := []TensorInfo{
			{Name: "output_norm.weight", Dims: []int64{4}, Type: ggml.F32},
			{Name: "half", Dims: []int64{2, 3}, Type: ggml.F16},
			{Name: "blk.0.attn_q.weight", Dims: []int64{32, 2}, Type: ggml.Q8_0},
			{Name: "last", Dims: []int64{8}, Type: ggml.F32},
		}
		if len(f.Tensors) != len(wantTensors) {
			t.Fatalf("align %d: %d tensors", align, len(f.Tensors))
		}
		for i, w := range wantTensors {
			got := f.Tensors[i]
			if got.Name != w.Name || !reflect.DeepEqual(got.Dims, w.Dims) || got.Type != w.Type || got.Offset%int64(align) != 0 {
				t.Errorf("align %d: tensor %d = %+v, want %+v at an aligned offset", align, i, got, w)
			}
		}
		norm, _ := f.Tensor("output_norm.weight")
		v, err := f.ReadTensorF32(norm)
		if err != nil || !reflect.DeepEqual(v, []float32{1, 2, 3, 4}) {
			t.Errorf("align %d: output_norm = %v, %v", align, v, err)
		}
		q, _ := f.Tensor("blk.0.attn_q.weight")
		if q.Elements() != 64 || q.Bytes() != 68 {
			t.Errorf("Q8_0 [32 2]: %d elements, %d bytes; want 64, 68", q.Elements(), q.Bytes())
		}
		qv, err := f.ReadTensorF32(q)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range qv {
			// Q8_0 stores 32 values with one scale amax/127 (amax = 2 here): error <= half a step.
			if want := float32(i-32) / 16; math.Abs(float64(x-want)) > 2.0/127/2+1e-6 {
				t.Errorf("align %d: Q8_0 element %d = %v, want %v", align, i, x, want)
			}
		}
		raw, err := f.ReadTensorBytes(q)
		if err != nil || len(raw) != 68 {
			t.Errorf("ReadTensorBytes: %d bytes, %v", len(raw), err)
		}
		var sb bytes.Buffer
		if _, err := sb.ReadFrom(f.TensorReader(q)); err != nil || !bytes.Equal(sb.Bytes(), raw) {
			t.Errorf("TensorReader bytes differ from ReadTensorBytes (%v)", err)
		}
	}
}

// TestReadsVersion2: v2 has v3's layout (v3 only added the big-endian variant).
func TestReadsVersion2(t *testing.T) {
	data := smallModel(t, 32)
	data[4] = 2
	f, err := readBytes(data)
	if err != nil || f.Version != 2 || len(f.Tensors) != 4 {
		t.Fatalf("v2: %v", err)
	}
}

func TestAccessors(t *testing.T) {
	b := NewBuilder()
	for _, kv := range everyValue() {
		b.Set(kv.Key, kv.Value)
	}
	b.SetString("general.architecture", "qwen2")
	b.Set("neg", Value{Type: Int32, Data: int32(-5)})
	b.Set("a.u8small", Value{Type: Array, Elem: Uint8, Data: []uint8{1, 2}})
	b.Set("a.u64big", Value{Type: Array, Elem: Uint64, Data: []uint64{1 << 40}})
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := readBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Architecture() != "qwen2" {
		t.Errorf("Architecture = %q", f.Architecture())
	}
	if s, ok := f.String("str"); !ok || s != "héllo ▁world" {
		t.Errorf("String = %q %v", s, ok)
	}
	if _, ok := f.String("u8"); ok {
		t.Error("String accepted a uint8")
	}
	for _, tc := range []struct {
		key   string
		u     uint64
		uOK   bool
		i     int64
		iOK   bool
		fl    float64
		flOK  bool
		isInt bool
	}{
		{"u8", 200, true, 200, true, 200, true, true},
		{"i8", 0, false, -100, true, -100, true, true},
		{"u32", 4000000000, true, 4000000000, true, 4000000000, true, true},
		{"neg", 0, false, -5, true, -5, true, true},
		{"u64", 1 << 63, true, 0, false, 1 << 63, true, true},
		{"f32", 0, false, 0, false, float64(float32(1.5e-5)), true, false},
		{"str", 0, false, 0, false, 0, false, false},
		{"missing", 0, false, 0, false, 0, false, false},
	} {
		if u, ok := f.Uint(tc.key); ok != tc.uOK || u != tc.u {
			t.Errorf("Uint(%q) = %d %v", tc.key, u, ok)
		}
		if i, ok := f.Int(tc.key); ok != tc.iOK || i != tc.i {
			t.Errorf("Int(%q) = %d %v", tc.key, i, ok)
		}
		if fl, ok := f.Float(tc.key); ok != tc.flOK || fl != tc.fl {
			t.Errorf("Float(%q) = %v %v", tc.key, fl, ok)
		}
	}
	if v, ok := f.Bool("bool"); !ok || !v {
		t.Errorf("Bool = %v %v", v, ok)
	}
	if s, ok := f.Strings("a.str"); !ok || len(s) != 3 {
		t.Errorf("Strings = %v %v", s, ok)
	}
	if s, ok := f.Float32s("a.f32"); !ok || len(s) != 3 {
		t.Errorf("Float32s = %v %v", s, ok)
	}
	if s, ok := f.Float32s("a.f64"); !ok || len(s) != 0 {
		t.Errorf("Float32s(float64 array) = %v %v", s, ok)
	}
	if s, ok := f.Int32s("a.i32"); !ok || !reflect.DeepEqual(s, []int32{2, 3, 3, 6, -1}) {
		t.Errorf("Int32s = %v %v", s, ok)
	}
	if s, ok := f.Int32s("a.u8small"); !ok || !reflect.DeepEqual(s, []int32{1, 2}) {
		t.Errorf("Int32s(uint8 array) = %v %v", s, ok)
	}
	if _, ok := f.Int32s("a.u64big"); ok {
		t.Error("Int32s accepted 2^40")
	}
	if _, ok := f.Tensor("nope"); ok {
		t.Error("Tensor found a missing name")
	}
}

func TestBuilderRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(b *Builder) error
		want string
	}{
		{"wrong data length", func(b *Builder) error { return b.AddTensor("x", []int64{4}, ggml.F32, make([]byte, 15)) }, "15 bytes"},
		{"duplicate tensor", func(b *Builder) error {
			_ = b.AddTensor("x", []int64{1}, ggml.F32, make([]byte, 4))
			return b.AddTensor("x", []int64{1}, ggml.F32, make([]byte, 4))
		}, "duplicate"},
		{"partial block", func(b *Builder) error { return b.AddTensorF32("x", []int64{33}, ggml.Q8_0, make([]float32, 33)) }, "whole number"},
		{"five dims", func(b *Builder) error { return b.AddTensor("x", []int64{1, 1, 1, 1, 1}, ggml.F32, make([]byte, 4)) }, "dimensions"},
		{"zero dim", func(b *Builder) error { return b.AddTensor("x", []int64{0}, ggml.F32, nil) }, ">= 1"},
		{"unknown type", func(b *Builder) error { return b.AddTensor("x", []int64{1}, ggml.Type(99), nil) }, "unknown"},
		{"value type mismatch", func(b *Builder) error {
			b.Set("k", Value{Type: Uint32, Data: int32(1)})
			_, err := b.WriteTo(&bytes.Buffer{})
			return err
		}, "holds a Go int32"},
		{"bad alignment", func(b *Builder) error {
			b.SetUint32(KeyAlignment, 24)
			_, err := b.WriteTo(&bytes.Buffer{})
			return err
		}, "power of two"},
		{"empty key", func(b *Builder) error {
			b.SetBool("", true)
			_, err := b.WriteTo(&bytes.Buffer{})
			return err
		}, "non-empty"},
		{"short source", func(b *Builder) error {
			_ = b.AddTensorSource("x", []int64{2}, ggml.F32, func() ([]byte, error) { return make([]byte, 4), nil })
			_, err := b.WriteTo(&bytes.Buffer{})
			return err
		}, "source gave 4 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do(NewBuilder())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v, want one containing %q wrapping ErrInvalid", err, tc.want)
			}
		})
	}
}

func TestTruncatedAtEveryOffset(t *testing.T) {
	data := smallModel(t, 32)
	if _, err := readBytes(data); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(data); n++ {
		f, err := readBytes(data[:n])
		if err == nil {
			t.Fatalf("prefix of %d of %d bytes parsed (%d tensors)", n, len(data), len(f.Tensors))
		}
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("prefix of %d bytes: %v, want ErrTruncated", n, err)
		}
	}
}

// failingReaderAt fails every read that reaches past limit.
type failingReaderAt struct {
	data  []byte
	limit int64
}

var errDisk = errors.New("disk on fire")

func (r failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > r.limit {
		return 0, errDisk
	}
	return copy(p, r.data[off:]), nil
}

func TestReaderErrorsPropagate(t *testing.T) {
	data := smallModel(t, 32)
	_, err := Read(failingReaderAt{data, 0}, int64(len(data)))
	if !errors.Is(err, errDisk) || !strings.HasPrefix(err.Error(), "gguf: magic") {
		t.Errorf("header read: %v, want the reader's error with context", err)
	}
	f, err := Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f.r = failingReaderAt{data, f.DataOffset}
	ti, _ := f.Tensor("last")
	if _, err := f.ReadTensorF32(ti); !errors.Is(err, errDisk) || !strings.Contains(err.Error(), `"last"`) {
		t.Errorf("tensor read: %v, want the reader's error naming the tensor", err)
	}
}
