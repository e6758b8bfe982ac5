package webgpu

import (
	"fmt"
	"slices"

	"heed/engine/ggml"
	"heed/wgsl"
)

// Weight is a (Rows, Cols) matrix stored on the device exactly as its GGUF tensor data
// (row-major, Cols contiguous, quantised blocks left intact), dequantised by the kernels.
// Quantised blocks are not repacked: the shaders read bytes at any even offset (bytes.wgsl),
// so upload is a straight copy of the file's bytes.
//
// A matrix larger than one storage binding is held as several Weights, each a row range: rows
// FirstRow … FirstRow+Rows−1 of a matrix of TotalRows rows; the kernels write their part of the
// output (MatVec, MatMul) or the tokens whose ids fall in the range (Embedding).
type Weight struct {
	Buf        *Buffer
	Type       ggml.Type
	Rows, Cols int
	RowBytes   int
	FirstRow   int
	TotalRows  int // 0 means Rows: a whole matrix
}

// total is the row count of the whole matrix w belongs to.
func (w *Weight) total() int { return max(w.TotalRows, w.FirstRow+w.Rows) }

// UploadWeight copies a tensor's raw bytes to the device.
func (d *Device) UploadWeight(t ggml.Type, rows, cols int, data []byte, label string) (*Weight, error) {
	if !slices.Contains(wgsl.WeightTypes, t) {
		return nil, fmt.Errorf("webgpu: weight %s: %w %s", label, ggml.ErrUnsupportedType, t)
	}
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("%w: weight %s is %d×%d", ErrShape, label, rows, cols)
	}
	rb, err := t.RowBytes(int64(cols))
	if err != nil {
		return nil, fmt.Errorf("%w: weight %s: %v", ErrShape, label, err)
	}
	want := int64(rows) * rb
	if int64(len(data)) != want {
		return nil, fmt.Errorf("%w: weight %s: %d×%d %s needs %d bytes, got %d", ErrShape, label, rows, cols, t, want, len(data))
	}
	buf, err := d.NewBuffer(uint64(want), label)
	if err != nil {
		return nil, err
	}
	if err := d.Write(buf, 0, data); err != nil {
		buf.Release()
		return nil, err
	}
	return &Weight{Buf: buf, Type: t, Rows: rows, Cols: cols, RowBytes: int(rb)}, nil
}

// Release frees the weight's buffer.
func (w *Weight) Release() { w.Buf.Release() }

// weightKernel returns kernel (matvec, matmul, embedding) for w's type, compiling it on first
// use: for F16 the shader-f16 variant when the device uses it (UseShaderF16).
func (d *Device) weightKernel(kernel string, t ggml.Type) (*pipeline, error) {
	f16 := t == ggml.F16 && d.ShaderF16()
	name := kernel + "/" + t.String()
	if f16 {
		name += "/shader-f16"
	}
	if p, ok := d.compiled(name); ok {
		return p, nil
	}
	src, err := wgsl.WeightModule(kernel, t)
	if f16 {
		src, err = wgsl.WeightModuleShaderF16(kernel)
	}
	if err != nil {
		return nil, err
	}
	return d.kernel(name, src)
}
