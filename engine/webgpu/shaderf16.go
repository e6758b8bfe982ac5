package webgpu

import (
	"encoding/binary"
	"fmt"
	"math"

	"heed/engine/ggml"
	"heed/wgsl"
)

// shaderF16Usable tries the shader-f16 variant once per device (checkShaderF16) and returns
// the outcome: nil when F16 weight kernels may use it.
func (d *Device) shaderF16Usable() error {
	d.mu.Lock()
	tried, err := d.f16Tried, d.f16Err
	d.mu.Unlock()
	if !tried {
		err = d.checkShaderF16()
		d.mu.Lock()
		d.f16Tried, d.f16Err = true, err
		d.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("%w: the shader-f16 variant is unusable on this device: %w", ErrNoAdapter, err)
	}
	return nil
}

// finiteHalves is a table of every finite half bit pattern (Inf and NaN, whose widening
// unpack2x16float leaves implementation-defined, excluded), padded with zeros to a square.
func finiteHalves() (raw []byte, rows, cols int) {
	const side = 252 // 252² = 63 504 ≥ the 63 488 finite patterns
	raw = make([]byte, 2*side*side)
	n := 0
	for bits := range 0x10000 {
		if bits&0x7c00 != 0x7c00 {
			binary.LittleEndian.PutUint16(raw[2*n:], uint16(bits))
			n++
		}
	}
	return raw, side, side
}

// checkShaderF16 builds the shader-f16 embedding kernel and looks up every finite half with
// it, requiring ggml's F16→F32 bit for bit. The variant runs nowhere in this project's CI
// (wgpu-native as bundled with cogentcore/webgpu v0.23.0 grants the feature on lavapipe, but
// its WGSL parser predates `enable`; SwiftShader in Chromium lacks the feature), so each device
// proves it before F16 kernels use it: a compiler that rejects the module, or a driver whose
// f16 path flushes subnormals, keeps the unpack2x16float kernels.
func (d *Device) checkShaderF16() error {
	src, err := wgsl.WeightModuleShaderF16("embedding")
	if err != nil {
		return err
	}
	p, err := d.kernel("embedding/F16/shader-f16", src)
	if err != nil {
		return err
	}
	raw, rows, cols := finiteHalves()
	want := make([]float32, rows*cols)
	if err := ggml.Dequantize(ggml.F16, raw, want); err != nil {
		return err
	}
	table, err := d.UploadWeight(ggml.F16, rows, cols, raw, "shader-f16 check table")
	if err != nil {
		return err
	}
	defer table.Release()
	ids := make([]uint32, rows)
	for i := range ids {
		ids[i] = uint32(i)
	}
	idb, err := d.UploadUint32(ids, "shader-f16 check ids")
	if err != nil {
		return err
	}
	defer idb.Release()
	out, err := d.NewBuffer(uint64(rows*cols)*4, "shader-f16 check out")
	if err != nil {
		return err
	}
	defer out.Release()
	s, err := d.NewStep()
	if err != nil {
		return err
	}
	groups := uint32(cols+7) / 8
	wg, err := p.constant("WG")
	if err == nil {
		params := embeddingParams{Rows: uint32(rows), Cols: uint32(cols), RowBytes: uint32(2 * cols), Groups: groups,
			Tokens: uint32(rows), TotalRows: uint32(rows)}
		err = s.dispatch1D(p, params, []*Buffer{table.Buf, idb, out}, groupsOf(rows*int(groups), wg))
	}
	if err != nil {
		s.release()
		return err
	}
	if err := s.Submit(); err != nil {
		return err
	}
	got, err := d.ReadFloat32(out, rows*cols)
	if err != nil {
		return err
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return fmt.Errorf("half %#04x widens to %#08x, want %#08x", binary.LittleEndian.Uint16(raw[2*i:]), math.Float32bits(got[i]), math.Float32bits(want[i]))
		}
	}
	return nil
}
