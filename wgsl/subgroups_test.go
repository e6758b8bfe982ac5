package wgsl

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"heed/engine/ggml"
)

// TestSubgroupVariantsMatchTheirKernel pins what lets the host drive a subgroups variant with
// the plain kernel's driver: the same Params members, bindings and dispatch constants, and a
// header stating the contract.
func TestSubgroupVariantsMatchTheirKernel(t *testing.T) {
	for _, name := range SubgroupKernels {
		t.Run(name, func(t *testing.T) {
			variant, err := SubgroupSource(name)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := Source(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"Dispatch:", "Host:", "CPU twin:"} {
				if !strings.Contains(variant, key) {
					t.Errorf("header lacks %q", key)
				}
			}
			vf, verr := StructFields(variant, "Params")
			pf, perr := StructFields(plain, "Params")
			if verr != nil || perr != nil || !reflect.DeepEqual(vf, pf) {
				t.Errorf("Params: variant %v (%v), kernel %v (%v)", vf, verr, pf, perr)
			}
			vb, verr := Bindings(variant)
			pb, perr := Bindings(plain)
			if verr != nil || perr != nil || !reflect.DeepEqual(vb, pb) {
				t.Errorf("bindings: variant %v (%v), kernel %v (%v)", vb, verr, pb, perr)
			}
			for _, c := range []string{"WG", "ROWS"} {
				v, verr := Const(variant, c)
				p, perr := Const(plain, c)
				if verr != nil || perr != nil || v != p {
					t.Errorf("const %s: variant %d (%v), kernel %d (%v)", c, v, verr, p, perr)
				}
			}
		})
	}
}

func TestWeightModuleSubgroups(t *testing.T) {
	for _, typ := range WeightTypes {
		for _, f16 := range []bool{false, true} {
			src, err := WeightModuleSubgroups("matvec", typ, f16)
			if err != nil {
				t.Fatalf("%s shader-f16 %v: %v", typ, f16, err)
			}
			want := "enable subgroups;\n"
			if f16 && typ == ggml.F16 {
				want += "enable f16;\n"
			}
			if !strings.HasPrefix(src, want) {
				t.Errorf("%s shader-f16 %v: module starts %q, want %q", typ, f16, src[:min(len(src), 40)], want)
			}
			if !strings.Contains(src, "fn dequant8") || !strings.Contains(src, "subgroupAdd") {
				t.Errorf("%s shader-f16 %v: module lacks the dequantiser or the subgroup reduction", typ, f16)
			}
		}
	}
	for _, tc := range []struct {
		kernel string
		typ    ggml.Type
	}{{"matmul", ggml.F32}, {"embedding", ggml.F32}, {"nope", ggml.F32}, {"matvec", ggml.Type(9999)}} {
		if _, err := WeightModuleSubgroups(tc.kernel, tc.typ, false); !errors.Is(err, ErrNoKernel) {
			t.Errorf("WeightModuleSubgroups(%q, %v) error %v, want ErrNoKernel", tc.kernel, tc.typ, err)
		}
	}
	if names := Names(); strings.Contains(strings.Join(names, ","), "subgroups") {
		t.Errorf("Names lists a subgroups variant: %v", names)
	}
}
