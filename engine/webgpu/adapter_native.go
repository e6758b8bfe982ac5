//go:build !js

package webgpu

import (
	"fmt"
	"strings"

	"github.com/cogentcore/webgpu/wgpu"
)

// platform holds what native setup keeps alive besides the device.
type platform struct {
	instance *wgpu.Instance
	adapter  *wgpu.Adapter
}

// wgpu-native logs warnings about surfaces and swapchains, which a compute-only
// device never uses; errors still reach the log, and the calls report their own.
func init() { wgpu.SetLogLevel(wgpu.LogLevelError) }

func (d *Device) open() error {
	inst := wgpu.CreateInstance(nil)
	if inst == nil {
		return fmt.Errorf("%w: cannot create a WebGPU instance", ErrNoAdapter)
	}
	ad, err := inst.RequestAdapter(&wgpu.RequestAdapterOptions{PowerPreference: wgpu.PowerPreferenceHighPerformance})
	if err != nil || ad == nil {
		inst.Release()
		return fmt.Errorf("%w: %v (install a Vulkan driver, e.g. mesa-vulkan-drivers for lavapipe)", ErrNoAdapter, err)
	}
	var feats []wgpu.FeatureName
	if ad.HasFeature(wgpu.FeatureNameShaderF16) {
		feats = append(feats, wgpu.FeatureNameShaderF16)
		d.info.Features.ShaderF16 = true
	}
	// wgpu-native as bundled with cogentcore/webgpu v0.23.0 has no subgroups feature, so
	// natively the kernels always take their workgroup-memory reductions.
	supported := ad.GetLimits()
	// The binding leaves the adapter's push-constant size uninitialised; heed uses none.
	supported.Limits.MaxPushConstantSize = 0
	// No DeviceLostCallback: the binding stores a Go pointer inside the C descriptor for it,
	// which cgo's pointer check rejects at run time. Natively a lost device surfaces as failing
	// calls (a failed map in Read), reported with their own errors.
	dev, err := ad.RequestDevice(&wgpu.DeviceDescriptor{
		Label:            "heed",
		RequiredFeatures: feats,
		RequiredLimits:   &wgpu.RequiredLimits{Limits: supported.Limits},
	})
	if err != nil {
		ad.Release()
		inst.Release()
		return fmt.Errorf("%w: requesting a device: %v", ErrNoAdapter, err)
	}
	info := ad.GetInfo()
	d.dev = dev
	d.plat = platform{instance: inst, adapter: ad}
	d.info.Name = adapterName(info)
	d.info.Driver = info.DriverDescription
	d.info.Backend = info.BackendType.String()
	d.info.Type = info.AdapterType.String()
	d.info.Limits = limitsFrom(dev.GetLimits().Limits)
	return nil
}

// adapterName is the device name, or, where the driver reports only a numeric id (wgpu-native
// prints lavapipe's as "0x0"), the driver's description ("llvmpipe (LLVM 15.0.6, 256 bits)").
func adapterName(info wgpu.AdapterInfo) string {
	if (info.Name == "" || strings.HasPrefix(info.Name, "0x")) && info.DriverDescription != "" {
		return info.DriverDescription
	}
	return info.Name
}

func (d *Device) closePlatform() {
	if d.dev != nil {
		d.dev.Release()
		d.dev = nil
	}
	if d.plat.adapter != nil {
		d.plat.adapter.Release()
	}
	if d.plat.instance != nil {
		d.plat.instance.Release()
	}
}

// wait blocks until the queue has finished the submitted work, mapping callbacks included.
func (d *Device) wait() { d.dev.Poll(true, nil) }

// Sync waits until all submitted work has finished.
func (d *Device) Sync() error {
	d.wait()
	return d.alive()
}
