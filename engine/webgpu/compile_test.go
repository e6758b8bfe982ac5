package webgpu

import (
	"strings"
	"testing"

	"heed/wgsl"
)

// TestEveryKernelCompiles builds every shader module (each weight kernel for each type) on the
// device, so a WGSL error shows with its kernel's name even where no numeric test reaches.
func TestEveryKernelCompiles(t *testing.T) {
	d := testDevice(t)
	for _, name := range wgsl.Names() {
		if name == "bytes" || strings.HasPrefix(name, "dequant_") || isWeightKernel(name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			src, err := wgsl.Module(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.kernel(name, src); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, k := range wgsl.WeightKernels {
		for _, typ := range wgsl.WeightTypes {
			t.Run(k+"/"+typ.String(), func(t *testing.T) {
				if _, err := d.weightKernel(k, typ); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func isWeightKernel(name string) bool {
	for _, k := range wgsl.WeightKernels {
		if k == name {
			return true
		}
	}
	return false
}
