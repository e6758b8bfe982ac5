package webgpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"heed/engine/ggml"
)

// f16Variants returns the devices to run F16 kernels on: d with the shader-f16 variant where
// it builds, and a copy of d (same device and queue) forced to the unpack2x16float variant.
func f16Variants(t *testing.T, d *Device) map[string]*Device {
	t.Helper()
	off := limitedDevice(t, d, d.Info().Limits.MaxStorageBufferBindingSize)
	if err := off.UseShaderF16(false); err != nil {
		t.Fatal(err)
	}
	v := map[string]*Device{"unpack2x16float": off}
	switch {
	case d.ShaderF16():
		v["shader-f16"] = d
	case d.Info().Features.ShaderF16:
		err := d.UseShaderF16(true)
		if err == nil {
			t.Fatal("UseShaderF16(true) accepted where the variant is unusable")
		}
		t.Logf("%s grants shader-f16, the variant is untested here: %v", d.Info().Name, err)
	default:
		if err := d.UseShaderF16(true); err == nil {
			t.Fatal("UseShaderF16(true) accepted without the feature")
		}
		t.Logf("%s has no shader-f16: the variant is untested here", d.Info().Name)
	}
	return v
}

// TestF16EveryHalf looks up a table holding every finite half bit pattern (subnormals and both
// zeros included) with each F16 variant and requires ggml's F16→F32 bit for bit: both variants
// widen exactly (the device's own checkShaderF16 for the shader-f16 variant, done here through
// the executor's path for both).
func TestF16EveryHalf(t *testing.T) {
	d := testDevice(t)
	raw, rows, cols := finiteHalves()
	want := make([]float32, rows*cols)
	if err := ggml.Dequantize(ggml.F16, raw, want); err != nil {
		t.Fatal(err)
	}
	ids := make([]uint32, rows)
	for i := range ids {
		ids[i] = uint32(i)
	}
	for name, dv := range f16Variants(t, d) {
		t.Run(name, func(t *testing.T) {
			w, err := dv.UploadWeight(ggml.F16, rows, cols, raw, "every half")
			if err != nil {
				t.Fatal(err)
			}
			defer w.Release()
			idb, err := dv.UploadUint32(ids, "ids")
			if err != nil {
				t.Fatal(err)
			}
			defer idb.Release()
			out := nanBuffer(t, dv, rows*cols)
			got := run(t, dv, out, rows*cols, func(s *Step) error { return s.Embedding(out, w, idb, rows) })
			bad := 0
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					if bad++; bad <= 10 {
						t.Errorf("half %#04x: got %g (%#08x), want %g", binary.LittleEndian.Uint16(raw[2*i:]), got[i], math.Float32bits(got[i]), want[i])
					}
				}
			}
		})
	}
}

// TestF16VariantsAgree runs the F16 mat-vec and matmul on each variant and requires the same
// bits: both widen halves exactly and compute in f32 in the same order.
func TestF16VariantsAgree(t *testing.T) {
	d := testDevice(t)
	variants := f16Variants(t, d)
	for _, sh := range [][2]int{{1, 8}, {5, 7}, {33, 37}, {67, 576}, {45, 1001}} {
		for _, tokens := range []int{1, 33} {
			rows, cols := sh[0], sh[1]
			t.Run(fmt.Sprintf("%dx%d/T%d", rows, cols, tokens), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(rows), uint64(cols*tokens)))
				raw, _ := randWeight(t, r, ggml.F16, rows, cols)
				x := randVec(r, tokens*cols, 1)
				results := map[string][]float32{}
				for name, dv := range variants {
					w, err := dv.UploadWeight(ggml.F16, rows, cols, raw, "w")
					if err != nil {
						t.Fatal(err)
					}
					xb := upload(t, dv, x)
					yb := nanBuffer(t, dv, tokens*rows)
					results[name] = run(t, dv, yb, tokens*rows, func(s *Step) error {
						if tokens == 1 {
							return s.MatVec(yb, w, xb)
						}
						return s.MatMul(yb, w, xb, tokens)
					})
					w.Release()
				}
				ref := results["unpack2x16float"]
				for name, got := range results {
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(ref[i]) {
							t.Fatalf("%s: y[%d] = %g, unpack2x16float %g", name, i, got[i], ref[i])
						}
					}
				}
			})
		}
	}
}
