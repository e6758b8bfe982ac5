package webgpu

import (
	"reflect"
	"strings"
	"testing"

	"heed/wgsl"
)

// TestParamsMirrorWGSL parses `struct Params` in every kernel and compares it, member by
// member, with the Go mirror the host fills, so shader and host cannot drift apart.
func TestParamsMirrorWGSL(t *testing.T) {
	wgslType := map[reflect.Kind]string{reflect.Uint32: "u32", reflect.Int32: "i32", reflect.Float32: "f32"}
	for _, name := range wgsl.Names() {
		if name == "bytes" || strings.HasPrefix(name, "dequant_") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			mirror, ok := kernelParams[name]
			if !ok {
				t.Fatalf("kernel %s has no Go params mirror in kernelParams", name)
			}
			src, err := wgsl.Source(name)
			if err != nil {
				t.Fatal(err)
			}
			fields, err := wgsl.StructFields(src, "Params")
			if err != nil {
				t.Fatal(err)
			}
			rt := reflect.TypeOf(mirror)
			if rt.NumField() != len(fields) {
				t.Fatalf("WGSL Params has %d members, Go %s has %d fields", len(fields), rt.Name(), rt.NumField())
			}
			for i, f := range fields {
				gf := rt.Field(i)
				if strings.ReplaceAll(f.Name, "_", "") != strings.ToLower(gf.Name) {
					t.Errorf("member %d: WGSL %s, Go %s", i, f.Name, gf.Name)
				}
				if wgslType[gf.Type.Kind()] != f.Type {
					t.Errorf("member %s: WGSL %s, Go %s", f.Name, f.Type, gf.Type)
				}
			}
		})
	}
}

// TestKernelConstantsAgree checks the constants that array sizes spell out by hand.
func TestKernelConstantsAgree(t *testing.T) {
	for _, tc := range []struct {
		kernel, product string
		factors         []string
	}{
		{"matmul", "WG_SIZE", []string{"WG_R", "WG_T"}},
		// A register block's rows are one vec4 of results (xv * mat4x4).
		{"matmul", "SUB", []string{"VEC4"}},
		{"matmul", "TILE_R", []string{"WG_R", "SUB"}},
		{"matmul", "TILE_T", []string{"WG_T", "SUB"}},
		{"matmul", "TILE_K", []string{"K4", "VEC4"}},
		{"matmul", "TILE_K", []string{"KG", "GROUP"}},
		{"matmul", "XS_LEN", []string{"TILE_T", "K4"}},
		{"matmul", "WS_LEN", []string{"TILE_R", "K4"}},
		{"matmul", "WS_GROUPS", []string{"TILE_R", "KG"}},
		{"attention", "MAX_HEAD_DIM", []string{"WG", "DIMS_PER_INV"}},
	} {
		t.Run(tc.kernel+"/"+tc.product, func(t *testing.T) {
			src, err := wgsl.Source(tc.kernel)
			if err != nil {
				t.Fatal(err)
			}
			want, err := wgsl.Const(src, tc.product)
			if err != nil {
				t.Fatal(err)
			}
			got := uint32(1)
			for _, f := range tc.factors {
				v, err := wgsl.Const(src, f)
				if err != nil {
					t.Fatal(err)
				}
				got *= v
			}
			if got != want {
				t.Fatalf("%s = %d, but %s multiply to %d", tc.product, want, strings.Join(tc.factors, "·"), got)
			}
		})
	}
	// Workgroup memory (two arrays of vec4<f32>) stays within 16 KiB and the workgroup within
	// 256 invocations (the WebGPU default limits).
	src, _ := wgsl.Source("matmul")
	xsLen, _ := wgsl.Const(src, "XS_LEN")
	wsLen, _ := wgsl.Const(src, "WS_LEN")
	if bytes := (xsLen + wsLen) * 16; bytes > 16<<10 {
		t.Errorf("matmul stages %d bytes of workgroup memory, over 16 KiB", bytes)
	}
	if size, _ := wgsl.Const(src, "WG_SIZE"); size > 256 {
		t.Errorf("matmul workgroup has %d invocations, over 256", size)
	}
}
