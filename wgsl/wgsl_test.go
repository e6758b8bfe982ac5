package wgsl

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"heed/engine/ggml"
)

func TestStructFields(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []Field
		err       bool
	}{
		{"plain", "struct Params { n: u32, }", []Field{{"n", "u32"}}, false},
		{"comments and spacing", "struct Params {\n  a: u32, // x\n  b_c :f32,\n  d: i32\n}", []Field{{"a", "u32"}, {"b_c", "f32"}, {"d", "i32"}}, false},
		{"other struct first", "struct Other { z: f32 }\nstruct Params { y: u32 }", []Field{{"y", "u32"}}, false},
		{"missing", "struct Other { z: f32 }", nil, true},
		{"member without type", "struct Params { y }", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StructFields(tc.src, "Params")
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if !tc.err && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBindings(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []Access
		err       bool
	}{
		{"three kinds", "@group(0) @binding(0) var<uniform> p: P;\n@group(0) @binding(1) var<storage, read> a: array<f32>;\n@group(0) @binding(2) var<storage, read_write> b: array<f32>;", []Access{Uniform, ReadOnly, ReadWrite}, false},
		{"storage defaults to read", "@group(0) @binding(0) var<storage> a: array<u32>;", []Access{ReadOnly}, false},
		{"gap", "@group(0) @binding(0) var<uniform> p: P;\n@group(0) @binding(2) var<storage, read> a: array<f32>;", nil, true},
		{"commented out binding is ignored", "// @group(0) @binding(0) var<uniform> p: P;\n@group(0) @binding(0) var<storage, read> a: array<f32>;", []Access{ReadOnly}, false},
		{"unknown space", "@group(0) @binding(0) var<workgroup> a: array<f32, 4>;", nil, true},
		{"none", "fn main() {}", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Bindings(tc.src)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			for i, b := range got {
				if b.Index != i || b.Access != tc.want[i] {
					t.Fatalf("binding %d = %+v, want access %v", i, b, tc.want[i])
				}
			}
			if !tc.err && len(got) != len(tc.want) {
				t.Fatalf("got %d bindings, want %d", len(got), len(tc.want))
			}
		})
	}
}

func TestConst(t *testing.T) {
	src := "const A: u32 = 64u;\nconst B: u32 = 0x10u; // sixteen\nconst C: u32 = A * B / 4u;\nconst D: u32 = A / ZERO;\nconst ZERO: u32 = 0u;\nconst F: f32 = 1.0;"
	for _, tc := range []struct {
		name string
		want uint32
		err  bool
	}{
		{"A", 64, false}, {"B", 16, false}, {"C", 256, false}, {"D", 0, true}, {"F", 0, true}, {"MISSING", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Const(src, tc.name)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("Const(%s) = %d, %v; want %d, error %v", tc.name, got, err, tc.want, tc.err)
			}
			if err != nil && !errors.Is(err, ErrParse) {
				t.Fatalf("error %v is not ErrParse", err)
			}
		})
	}
}

// TestEveryKernelStatesItsContract keeps the header of each kernel file honest: it names the
// dispatch geometry, the host function and the CPU twin, and every binding has a shape comment.
func TestEveryKernelStatesItsContract(t *testing.T) {
	for _, name := range Names() {
		src, err := Source(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			if !strings.HasPrefix(src, "//") {
				t.Error("no header comment")
			}
			if name == "bytes" || strings.HasPrefix(name, "dequant_") {
				if !strings.Contains(src, "CPU twin:") {
					t.Error("header names no CPU twin")
				}
				return
			}
			for _, key := range []string{"Dispatch:", "Host:", "CPU twin:"} {
				if !strings.Contains(src, key) {
					t.Errorf("header lacks %q", key)
				}
			}
			for _, line := range strings.Split(src, "\n") {
				if strings.Contains(line, "var<storage") && !strings.Contains(line, "//") {
					t.Errorf("binding without a shape comment: %s", line)
				}
			}
			if _, err := Bindings(src); err != nil {
				t.Error(err)
			}
			if _, err := StructFields(src, "Params"); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestWeightModule(t *testing.T) {
	for _, k := range WeightKernels {
		for _, typ := range WeightTypes {
			src, err := WeightModule(k, typ)
			if err != nil {
				t.Fatalf("%s/%s: %v", k, typ, err)
			}
			for _, want := range []string{"fn w_u8", "fn dequant8", "fn main"} {
				if !strings.Contains(src, want) {
					t.Errorf("%s/%s lacks %q", k, typ, want)
				}
			}
			bb, err := Const(src, "BLOCK_BYTES")
			if err != nil || int(bb) != typ.TypeSize() {
				t.Errorf("%s/%s: BLOCK_BYTES %d (%v), ggml says %d", k, typ, bb, err, typ.TypeSize())
			}
			be, err := Const(src, "BLOCK_ELEMS")
			if err != nil || int(be) != typ.BlockSize() {
				t.Errorf("%s/%s: BLOCK_ELEMS %d (%v), ggml says %d", k, typ, be, err, typ.BlockSize())
			}
		}
	}
	for _, k := range WeightKernels {
		src, err := WeightModuleShaderF16(k)
		if err != nil {
			t.Fatalf("%s shader-f16: %v", k, err)
		}
		if !strings.HasPrefix(src, "enable f16;\n") || !strings.Contains(src, "fn dequant8") {
			t.Errorf("%s shader-f16 module does not start with `enable f16;` or lacks dequant8", k)
		}
		if bb, err := Const(src, "BLOCK_BYTES"); err != nil || bb != 2 {
			t.Errorf("%s shader-f16: BLOCK_BYTES %d (%v), want 2", k, bb, err)
		}
	}
	if _, err := WeightModuleShaderF16("rmsnorm"); !errors.Is(err, ErrNoKernel) {
		t.Errorf("rmsnorm as a shader-f16 weight kernel: %v", err)
	}
	if _, err := WeightModule("rmsnorm", ggml.F32); !errors.Is(err, ErrNoKernel) {
		t.Errorf("rmsnorm as a weight kernel: %v", err)
	}
	if _, err := WeightModule("matvec", ggml.Q8_1); !errors.Is(err, ErrNoKernel) {
		t.Errorf("matvec over Q8_1: %v", err)
	}
	if _, err := Source("nope"); !errors.Is(err, ErrNoKernel) {
		t.Errorf("missing source: %v", err)
	}
}

// TestWeightTypesCoverSupported pins that every type the CPU reference computes with has a
// dequantiser, so the executor never needs to expand a matrix to F32.
func TestWeightTypesCoverSupported(t *testing.T) {
	for typ := range ggml.Type(64) {
		if ggml.Supported(typ) && !slices.Contains(WeightTypes, typ) {
			t.Errorf("%s: ggml computes with it, no dequant_%s.wgsl reads it", typ, strings.ToLower(typ.String()))
		}
	}
}

func FuzzParsers(f *testing.F) {
	for _, name := range Names() {
		src, _ := Source(name)
		f.Add(src)
	}
	f.Add("struct Params { a: u32, }\nconst X: u32 = Y * 2u;\nconst Y: u32 = X;")
	f.Fuzz(func(t *testing.T, src string) {
		_, _ = StructFields(src, "Params")
		_, _ = Bindings(src)
		_, _ = Const(src, "WG")
		_, _ = Const(src, "X")
	})
}
