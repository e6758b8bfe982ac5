// Package wgsl holds heed's WebGPU compute shaders, one file per kernel with its contract
// (math, dispatch geometry, host function, CPU twin) on top, and small readers of the facts
// the host must agree with: the `struct Params` layout, the bindings and the workgroup-size
// constants.
//
// Weight-reading kernels (matvec, matmul, embedding) are assembled from three files:
// bytes.wgsl (byte reads from array<u32>), dequant_<type>.wgsl (dequant8 for one ggml type)
// and the kernel itself. F16 has a second dequantiser, dequant_f16_shaderf16.wgsl, for
// devices with the shader-f16 feature (WeightModuleShaderF16).
//
// Kernels that need the "subgroups" feature live under subgroups/ (same name as the kernel they
// stand in for, same Params and bindings). They are not in Names, whose files compile on every
// device: `enable subgroups;` does not (WeightModuleSubgroups, SubgroupSource). Functions
// several kernels share live under parts/ and are appended to the modules that use them.
package wgsl

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"heed/engine/ggml"
)

//go:embed *.wgsl
var files embed.FS

//go:embed subgroups/*.wgsl
var subgroupFiles embed.FS

// Parts are functions shared by several kernels, appended to their modules (kernelParts).
//
//go:embed parts/*.wgsl
var partFiles embed.FS

// kernelParts lists the parts each kernel's module appends: both mat-vec variants take their
// per-invocation partial sums from one function, so they add the same products in one order;
// the kernels that soft-cap or apply GELU share one accurate tanh.
var kernelParts = map[string][]string{
	"matvec":    {"matvec_row"},
	"attention": {"tanh"},
	"gelu_gate": {"tanh"},
	"softcap":   {"tanh"},
}

// ErrNoKernel is returned for a kernel or type that has no shader.
var ErrNoKernel = errors.New("no such WGSL kernel")

// Source returns the text of one shader file, by name without the .wgsl extension.
func Source(name string) (string, error) {
	b, err := fs.ReadFile(files, name+".wgsl")
	if err != nil {
		return "", fmt.Errorf("%w: %q", ErrNoKernel, name)
	}
	return string(b), nil
}

// Module returns the module of a kernel that reads no weights: its file followed by the parts
// it uses (kernelParts).
func Module(name string) (string, error) {
	src, err := Source(name)
	if err != nil {
		return "", err
	}
	return withParts(name, src)
}

// withParts appends the parts kernel uses to module.
func withParts(kernel, module string) (string, error) {
	for _, name := range kernelParts[kernel] {
		part, err := fs.ReadFile(partFiles, "parts/"+name+".wgsl")
		if err != nil {
			return "", fmt.Errorf("%w: no part %s", ErrNoKernel, name)
		}
		module += "\n" + string(part)
	}
	return module, nil
}

// Names lists the shader files, without extension, in lexical order.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".wgsl"))
	}
	return names
}

// WeightKernels are the kernels that read a weight matrix through dequant8.
var WeightKernels = []string{"matvec", "matmul", "embedding"}

// WeightTypes are the ggml types with a dequant_<type>.wgsl.
var WeightTypes = []ggml.Type{ggml.F32, ggml.F16, ggml.BF16, ggml.Q8_0, ggml.Q4_0, ggml.Q4_1, ggml.Q5_0, ggml.Q5_1,
	ggml.Q2_K, ggml.Q3_K, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K, ggml.IQ4_NL, ggml.IQ4_XS}

// WeightModule assembles bytes.wgsl, dequant_<t>.wgsl and the kernel into one module.
func WeightModule(kernel string, t ggml.Type) (string, error) {
	return weightModule(kernel, "dequant_"+strings.ToLower(t.String()), "")
}

// WeightModuleShaderF16 assembles the F16 variant of a weight kernel for devices with the
// shader-f16 feature: `enable f16;`, bytes.wgsl, dequant_f16_shaderf16.wgsl and the kernel.
func WeightModuleShaderF16(kernel string) (string, error) {
	return weightModule(kernel, "dequant_f16_shaderf16", "enable f16;\n")
}

// SubgroupKernels are the weight kernels with a subgroups variant (WeightModuleSubgroups).
var SubgroupKernels = []string{"matvec"}

// SubgroupSource returns the text of a kernel's subgroups variant, subgroups/<name>.wgsl
// (without the `enable subgroups;` that WeightModuleSubgroups puts first).
func SubgroupSource(name string) (string, error) {
	b, err := fs.ReadFile(subgroupFiles, "subgroups/"+name+".wgsl")
	if err != nil {
		return "", fmt.Errorf("%w: no subgroups variant of %q", ErrNoKernel, name)
	}
	return string(b), nil
}

// WeightModuleSubgroups assembles the subgroups variant of a weight kernel for t:
// `enable subgroups;`, bytes.wgsl, dequant_<t>.wgsl and subgroups/<kernel>.wgsl. With
// shaderF16 an F16 module also enables f16 and reads halves with dequant_f16_shaderf16.wgsl.
func WeightModuleSubgroups(kernel string, t ggml.Type, shaderF16 bool) (string, error) {
	if !slices.Contains(SubgroupKernels, kernel) {
		return "", fmt.Errorf("%w: %q has no subgroups variant", ErrNoKernel, kernel)
	}
	body, err := SubgroupSource(kernel)
	if err != nil {
		return "", err
	}
	if shaderF16 && t == ggml.F16 {
		return assemble("dequant_f16_shaderf16", "enable subgroups;\nenable f16;\n", kernel, body)
	}
	return assemble("dequant_"+strings.ToLower(t.String()), "enable subgroups;\n", kernel, body)
}

func weightModule(kernel, dequant, prefix string) (string, error) {
	if !slices.Contains(WeightKernels, kernel) {
		return "", fmt.Errorf("%w: %q does not read weights", ErrNoKernel, kernel)
	}
	body, err := Source(kernel)
	if err != nil {
		return "", err
	}
	return assemble(dequant, prefix, kernel, body)
}

// assemble joins prefix (enable directives), bytes.wgsl, a dequantiser, the kernel's body and
// the parts it uses.
func assemble(dequant, prefix, kernel, body string) (string, error) {
	deq, err := Source(dequant)
	if err != nil {
		return "", fmt.Errorf("%w: no dequantiser %s", ErrNoKernel, dequant)
	}
	helpers, err := Source("bytes")
	if err != nil {
		return "", err
	}
	return withParts(kernel, prefix+helpers+"\n"+deq+"\n"+body)
}
