package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"heed/engine/session"
	"heed/engine/webgpu"
)

func init() {
	register(command{name: "gpuinfo", summary: "describe the WebGPU adapter: name, backend, type, features, limits", run: runGPUInfo})
}

type gpuLimitsJSON struct {
	MaxStorageBufferBindingSize       uint64 `json:"max_storage_buffer_binding_size"`
	MaxBufferSize                     uint64 `json:"max_buffer_size"`
	MaxComputeWorkgroupStorageSize    uint32 `json:"max_compute_workgroup_storage_size"`
	MaxComputeInvocationsPerWorkgroup uint32 `json:"max_compute_invocations_per_workgroup"`
	MaxComputeWorkgroupsPerDimension  uint32 `json:"max_compute_workgroups_per_dimension"`
	MaxStorageBuffersPerShaderStage   uint32 `json:"max_storage_buffers_per_shader_stage"`
}

type gpuInfoJSON struct {
	Name     string        `json:"name"`
	Driver   string        `json:"driver,omitempty"`
	Backend  string        `json:"backend"`
	Type     string        `json:"type"`
	Features []string      `json:"features"`
	Limits   gpuLimitsJSON `json:"limits"`
	// SelfTest is "passed" or the reason the GPU was refused; empty unless --self-test.
	SelfTest string `json:"self_test,omitempty"`
}

func runGPUInfo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "gpuinfo", "")
	asJSON := fs.Bool("json", false, "print JSON")
	check := fs.Bool("self-test", false, "also run the startup self-test (a tiny model on the GPU and the CPU)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return usagef("gpuinfo takes no arguments, got %d", len(rest))
	}
	d, err := session.OpenGPU()
	if err != nil {
		return err
	}
	defer d.Close()
	out := gpuInfoFrom(d.Info())
	if *check {
		out.SelfTest = "passed"
		if err := webgpu.SelfTest(ctx, d); err != nil {
			out.SelfTest = err.Error()
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	printGPUInfo(e.stdout, out)
	return nil
}

func gpuInfoFrom(info webgpu.Info) gpuInfoJSON {
	features := []string{}
	if info.Features.ShaderF16 {
		features = append(features, "shader-f16")
	}
	if info.Features.Subgroups {
		features = append(features, "subgroups")
	}
	l := info.Limits
	return gpuInfoJSON{Name: info.Name, Driver: info.Driver, Backend: info.Backend, Type: info.Type, Features: features,
		Limits: gpuLimitsJSON{
			MaxStorageBufferBindingSize:       l.MaxStorageBufferBindingSize,
			MaxBufferSize:                     l.MaxBufferSize,
			MaxComputeWorkgroupStorageSize:    l.MaxComputeWorkgroupStorageSize,
			MaxComputeInvocationsPerWorkgroup: l.MaxComputeInvocationsPerWorkgroup,
			MaxComputeWorkgroupsPerDimension:  l.MaxComputeWorkgroupsPerDimension,
			MaxStorageBuffersPerShaderStage:   l.MaxStorageBuffersPerShaderStage,
		}}
}

func printGPUInfo(w io.Writer, g gpuInfoJSON) {
	features := "none"
	if len(g.Features) > 0 {
		features = fmt.Sprint(g.Features)
	}
	fmt.Fprintf(w, "adapter   %s\n", g.Name)
	if g.Driver != "" && g.Driver != g.Name {
		fmt.Fprintf(w, "driver    %s\n", g.Driver)
	}
	fmt.Fprintf(w, "backend   %s\n", g.Backend)
	fmt.Fprintf(w, "type      %s\n", g.Type)
	fmt.Fprintf(w, "features  %s\n", features)
	fmt.Fprintln(w, "limits")
	l := g.Limits
	for _, row := range []struct {
		name string
		v    uint64
	}{
		{"maxStorageBufferBindingSize", l.MaxStorageBufferBindingSize},
		{"maxBufferSize", l.MaxBufferSize},
		{"maxComputeWorkgroupStorageSize", uint64(l.MaxComputeWorkgroupStorageSize)},
		{"maxComputeInvocationsPerWorkgroup", uint64(l.MaxComputeInvocationsPerWorkgroup)},
		{"maxComputeWorkgroupsPerDimension", uint64(l.MaxComputeWorkgroupsPerDimension)},
		{"maxStorageBuffersPerShaderStage", uint64(l.MaxStorageBuffersPerShaderStage)},
	} {
		fmt.Fprintf(w, "  %-34s %d\n", row.name, row.v)
	}
	if g.SelfTest != "" {
		fmt.Fprintf(w, "self-test %s\n", g.SelfTest)
	}
}
