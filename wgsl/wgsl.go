// Package wgsl holds heed's WebGPU compute shaders, one file per kernel with its contract
// (math, dispatch geometry, host function, CPU twin) on top, and small readers of the facts
// the host must agree with: the `struct Params` layout, the bindings and the workgroup-size
// constants.
//
// Weight-reading kernels (matvec, matmul, embedding) are assembled from three files:
// bytes.wgsl (byte reads from array<u32>), dequant_<type>.wgsl (dequant8 for one ggml type)
// and the kernel itself.
package wgsl

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"heed/engine/ggml"
)

//go:embed *.wgsl
var files embed.FS

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
var WeightTypes = []ggml.Type{ggml.F32, ggml.F16, ggml.Q8_0, ggml.Q4_0, ggml.Q4_K, ggml.Q6_K}

// WeightModule assembles bytes.wgsl, dequant_<t>.wgsl and the kernel into one module.
func WeightModule(kernel string, t ggml.Type) (string, error) {
	found := false
	for _, k := range WeightKernels {
		found = found || k == kernel
	}
	if !found {
		return "", fmt.Errorf("%w: %q does not read weights", ErrNoKernel, kernel)
	}
	deq, err := Source("dequant_" + strings.ToLower(t.String()))
	if err != nil {
		return "", fmt.Errorf("%w: no dequantiser for %s", ErrNoKernel, t)
	}
	helpers, err := Source("bytes")
	if err != nil {
		return "", err
	}
	body, err := Source(kernel)
	if err != nil {
		return "", err
	}
	return helpers + "\n" + deq + "\n" + body, nil
}
