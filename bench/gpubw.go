package main

import (
	"fmt"
	"time"

	"github.com/cogentcore/webgpu/wgpu"
)

// gpuBandwidth is the WebGPU adapter's measured memory bandwidth.
type gpuBandwidth struct {
	Adapter string  `json:"adapter"` // name (backend, type), as the executor children report it
	Type    string  `json:"type"`    // wgpu's adapter type: "cpu" for lavapipe, "discrete-gpu", …
	Bytes   uint64  `json:"bytes"`   // size of the buffer copied
	GBps    float64 `json:"gbps"`    // bytes read plus bytes written per second, best pass
}

// copyWGSL copies one buffer into another, 16 bytes per invocation: the
// simplest kernel whose speed is set by memory, not arithmetic. Workgroup
// counts past the per-dimension limit fold into y, as heed's kernels do.
const copyWGSL = `
@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<u32>>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
	let i = (wid.y * nwg.x + wid.x) * 256u + lid;
	if (i < arrayLength(&src)) {
		dst[i] = src[i];
	}
}
`

// gpuCopyPasses is the number of timed passes; the best counts.
const gpuCopyPasses = 5

// measureGPUBandwidth opens the adapter webgpu.Open picks (the default,
// high-performance one), copies a buffer as large as the device allows up to
// 512 MiB (far beyond any cache) several times per pass, and reports the
// best pass. A copy reads and writes every byte, so its bandwidth is the
// bytes moved both ways over the time: the figure decode's weight reads are
// held against (a GPU's read-only bandwidth is close to it).
func measureGPUBandwidth() (gpuBandwidth, error) {
	var r gpuBandwidth
	inst := wgpu.CreateInstance(nil)
	if inst == nil {
		return r, fmt.Errorf("cannot create a WebGPU instance")
	}
	defer inst.Release()
	ad, err := inst.RequestAdapter(&wgpu.RequestAdapterOptions{PowerPreference: wgpu.PowerPreferenceHighPerformance})
	if err != nil || ad == nil {
		return r, fmt.Errorf("no WebGPU adapter: %v", err)
	}
	defer ad.Release()
	info := ad.GetInfo()
	name := info.Name
	if (name == "" || name[0:min(2, len(name))] == "0x") && info.DriverDescription != "" {
		name = info.DriverDescription
	}
	r.Adapter = fmt.Sprintf("%s (%s, %s)", name, info.BackendType, info.AdapterType)
	r.Type = info.AdapterType.String()
	limits := ad.GetLimits()
	limits.Limits.MaxPushConstantSize = 0 // uninitialised by the binding; unused
	dev, err := ad.RequestDevice(&wgpu.DeviceDescriptor{Label: "bench", RequiredLimits: &wgpu.RequiredLimits{Limits: limits.Limits}})
	if err != nil {
		return r, fmt.Errorf("requesting a device: %w", err)
	}
	defer dev.Release()
	queue := dev.GetQueue()
	defer queue.Release()

	size := min(uint64(512<<20), limits.Limits.MaxStorageBufferBindingSize, limits.Limits.MaxBufferSize)
	size &^= 4096 - 1
	r.Bytes = size
	usage := wgpu.BufferUsageStorage | wgpu.BufferUsageCopyDst
	src, err := dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "copy src", Size: size, Usage: usage})
	if err != nil {
		return r, err
	}
	defer src.Release()
	dst, err := dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "copy dst", Size: size, Usage: usage})
	if err != nil {
		return r, err
	}
	defer dst.Release()
	mod, err := dev.CreateShaderModule(&wgpu.ShaderModuleDescriptor{Label: "copy", WGSLDescriptor: &wgpu.ShaderModuleWGSLDescriptor{Code: copyWGSL}})
	if err != nil {
		return r, err
	}
	defer mod.Release()
	bgl, err := dev.CreateBindGroupLayout(&wgpu.BindGroupLayoutDescriptor{Label: "copy", Entries: []wgpu.BindGroupLayoutEntry{
		{Binding: 0, Visibility: wgpu.ShaderStageCompute, Buffer: wgpu.BufferBindingLayout{Type: wgpu.BufferBindingTypeReadOnlyStorage}},
		{Binding: 1, Visibility: wgpu.ShaderStageCompute, Buffer: wgpu.BufferBindingLayout{Type: wgpu.BufferBindingTypeStorage}},
	}})
	if err != nil {
		return r, err
	}
	defer bgl.Release()
	layout, err := dev.CreatePipelineLayout(&wgpu.PipelineLayoutDescriptor{Label: "copy", BindGroupLayouts: []*wgpu.BindGroupLayout{bgl}})
	if err != nil {
		return r, err
	}
	defer layout.Release()
	pipe, err := dev.CreateComputePipeline(&wgpu.ComputePipelineDescriptor{Layout: layout,
		Compute: wgpu.ProgrammableStageDescriptor{Module: mod, EntryPoint: "main"}})
	if err != nil {
		return r, err
	}
	defer pipe.Release()
	bg, err := dev.CreateBindGroup(&wgpu.BindGroupDescriptor{Label: "copy", Layout: bgl, Entries: []wgpu.BindGroupEntry{
		{Binding: 0, Buffer: src, Size: size}, {Binding: 1, Buffer: dst, Size: size},
	}})
	if err != nil {
		return r, err
	}
	defer bg.Release()

	groups := uint32(size / 16 / 256)
	gx, gy := groups, uint32(1)
	if maxDim := limits.Limits.MaxComputeWorkgroupsPerDimension; gx > maxDim {
		gy = (groups + maxDim - 1) / maxDim
		gx = (groups + gy - 1) / gy
	}
	// pass submits copies dispatches and waits for them.
	pass := func(copies int) (time.Duration, error) {
		enc, err := dev.CreateCommandEncoder(nil)
		if err != nil {
			return 0, err
		}
		defer enc.Release()
		cp := enc.BeginComputePass(nil)
		for range copies {
			cp.SetPipeline(pipe)
			cp.SetBindGroup(0, bg, nil)
			cp.DispatchWorkgroups(gx, gy, 1)
		}
		if err := cp.End(); err != nil {
			return 0, err
		}
		cp.Release()
		cmd, err := enc.Finish(nil)
		if err != nil {
			return 0, err
		}
		defer cmd.Release()
		start := time.Now()
		queue.Submit(cmd)
		dev.Poll(true, nil)
		return time.Since(start), nil
	}
	if _, err := pass(1); err != nil { // compiles and touches every page
		return r, err
	}
	// Enough copies per pass that submission costs nothing beside them: about
	// 4 GiB of traffic on a real GPU; on a CPU-type adapter, one copy.
	copies := 1
	if r.Type != "cpu" {
		copies = max(1, int((4<<30)/(2*size)))
	}
	for range gpuCopyPasses {
		d, err := pass(copies)
		if err != nil {
			return r, err
		}
		r.GBps = max(r.GBps, float64(2*size)*float64(copies)/d.Seconds()/1e9)
	}
	return r, nil
}
