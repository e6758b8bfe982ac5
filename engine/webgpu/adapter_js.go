//go:build js

package webgpu

import (
	"fmt"
	"syscall/js"

	"github.com/cogentcore/webgpu/jsx"
	"github.com/cogentcore/webgpu/wgpu"
)

// platform keeps the browser's GPUDevice: the binding hides it, and error scopes and
// feature queries need it.
type platform struct {
	device js.Value
}

// open requests the adapter and device through navigator.gpu directly, because the binding's
// js Adapter exposes neither features nor a way to require them; the device is then wrapped
// with wgpu.NewDevice so everything above this file is the same as natively.
func (d *Device) open() error {
	gpu := js.Global().Get("navigator").Get("gpu")
	if !gpu.Truthy() {
		return fmt.Errorf("%w: this browser has no navigator.gpu", ErrNoAdapter)
	}
	opts := js.Global().Get("Object").New()
	opts.Set("powerPreference", "high-performance")
	ad, ok := jsx.Await(gpu.Call("requestAdapter", opts))
	if !ok || !ad.Truthy() {
		return fmt.Errorf("%w: navigator.gpu.requestAdapter returned none", ErrNoAdapter)
	}
	feats := js.Global().Get("Array").New()
	if ad.Get("features").Call("has", "shader-f16").Bool() {
		feats.Call("push", "shader-f16")
		d.info.Features.ShaderF16 = true
	}
	if ad.Get("features").Call("has", "subgroups").Bool() {
		feats.Call("push", "subgroups")
		d.info.Features.Subgroups = true
	}
	// Request every numeric limit the adapter supports, not the WebGPU defaults.
	limits := js.Global().Get("Object").New()
	adLimits := ad.Get("limits")
	for _, name := range limitNames {
		if v := adLimits.Get(name); v.Type() == js.TypeNumber {
			limits.Set(name, v)
		}
	}
	desc := js.Global().Get("Object").New()
	desc.Set("label", "heed")
	desc.Set("requiredFeatures", feats)
	desc.Set("requiredLimits", limits)
	dev, ok := jsx.Await(ad.Call("requestDevice", desc))
	if !ok || !dev.Truthy() {
		return fmt.Errorf("%w: requestDevice failed: %s", ErrNoAdapter, jsString(dev))
	}
	var onLost js.Func
	onLost = js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := "unknown reason"
		if len(args) > 0 {
			msg = args[0].Get("reason").String() + ": " + args[0].Get("message").String()
		}
		d.setLost(msg)
		onLost.Release()
		return nil
	})
	dev.Get("lost").Call("then", onLost)
	wd := wgpu.NewDevice(dev)
	d.dev = &wd
	d.plat = platform{device: dev}
	d.info.Backend = "browser"
	if info := ad.Get("info"); info.Truthy() {
		d.info.Name = info.Get("vendor").String() + " " + info.Get("architecture").String()
		d.info.Type = info.Get("description").String()
	}
	l := dev.Get("limits")
	d.info.Limits = Limits{
		MaxStorageBufferBindingSize:       uint64(l.Get("maxStorageBufferBindingSize").Float()),
		MaxBufferSize:                     uint64(l.Get("maxBufferSize").Float()),
		MaxComputeWorkgroupStorageSize:    uint32(l.Get("maxComputeWorkgroupStorageSize").Int()),
		MaxComputeInvocationsPerWorkgroup: uint32(l.Get("maxComputeInvocationsPerWorkgroup").Int()),
		MaxComputeWorkgroupsPerDimension:  uint32(l.Get("maxComputeWorkgroupsPerDimension").Int()),
		MaxStorageBuffersPerShaderStage:   uint32(l.Get("maxStorageBuffersPerShaderStage").Int()),
	}
	return nil
}

// limitNames are the GPUSupportedLimits members copied from adapter to device request.
var limitNames = []string{
	"maxStorageBufferBindingSize", "maxBufferSize", "maxComputeWorkgroupStorageSize",
	"maxComputeInvocationsPerWorkgroup", "maxComputeWorkgroupSizeX", "maxComputeWorkgroupSizeY",
	"maxComputeWorkgroupSizeZ", "maxComputeWorkgroupsPerDimension", "maxStorageBuffersPerShaderStage",
	"maxBindGroups", "maxBindingsPerBindGroup", "maxUniformBufferBindingSize",
	"minStorageBufferOffsetAlignment", "minUniformBufferOffsetAlignment",
}

func jsString(v js.Value) string {
	if v.IsUndefined() || v.IsNull() {
		return "no reason given"
	}
	return v.Call("toString").String()
}

func (d *Device) closePlatform() {
	if d.plat.device.Truthy() {
		d.plat.device.Call("destroy")
	}
}

// wait is a no-op in the browser: MapAsync already awaits the mapping promise.
func (d *Device) wait() {}

// Sync waits until all submitted work has finished.
func (d *Device) Sync() error {
	d.queue.OnSubmittedWorkDone(func(wgpu.QueueWorkDoneStatus) {})
	return d.alive()
}
