// Package webgpu runs heed's WGSL kernels (package wgsl) on a WebGPU device through
// github.com/cogentcore/webgpu, natively (wgpu-native over Vulkan/Metal/DX12) and in the browser
// (GOOS=js, navigator.gpu). Only adapter setup and error scopes differ between the two
// (adapter_*.go, scope_*.go); buffers, pipelines and the one-function-per-kernel drivers above
// them are shared. Executor runs model.Forward with those kernels, and SelfTest checks a device
// against the CPU reference before it is trusted.
package webgpu

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cogentcore/webgpu/wgpu"
)

// Errors a caller (and the UI) can tell apart with errors.Is.
var (
	ErrNoAdapter   = errors.New("webgpu: no adapter")
	ErrDeviceLost  = errors.New("webgpu: device lost")
	ErrTooLarge    = errors.New("webgpu: buffer exceeds a device limit")
	ErrShape       = errors.New("webgpu: bad shape")
	ErrValidation  = errors.New("webgpu: validation error")
	ErrOutOfMemory = errors.New("webgpu: out of memory")
)

// Features are the optional WebGPU features heed can use.
type Features struct {
	ShaderF16 bool // "shader-f16"
	Subgroups bool // "subgroups" (browser only: the bundled wgpu-native does not expose it)
}

// Limits are the device limits the kernels depend on, as granted (the adapter's own limits are
// requested, not the WebGPU defaults).
type Limits struct {
	MaxStorageBufferBindingSize       uint64
	MaxBufferSize                     uint64
	MaxComputeWorkgroupStorageSize    uint32
	MaxComputeInvocationsPerWorkgroup uint32
	MaxComputeWorkgroupsPerDimension  uint32
	MaxStorageBuffersPerShaderStage   uint32
}

// Info describes the adapter behind a Device.
type Info struct {
	Name     string // adapter or driver name, when the platform tells
	Driver   string // driver description, when the platform tells
	Backend  string // e.g. "vulkan", "browser"
	Type     string // e.g. "cpu", "discrete-gpu"
	Features Features
	Limits   Limits
}

// Device is an open WebGPU device with its queue, limits and compiled kernels.
type Device struct {
	dev   *wgpu.Device
	queue *wgpu.Queue
	info  Info
	plat  platform // adapter_native.go / adapter_js.go

	mu        sync.Mutex
	pipelines map[string]*pipeline
	binds     bindCache // uniform buffers and bind groups reused across steps (bindcache.go)
	lost      error

	dummyRead, dummyWrite *Buffer // bound where an optional buffer is absent

	noShaderF16 bool // F16 weight kernels avoid the shader-f16 variant (UseShaderF16(false))
	// f16Tried and f16Err record whether checkShaderF16 has run on this device and its outcome.
	f16Tried bool
	f16Err   error

	noSubgroups bool // MatVec avoids the subgroups variant (UseSubgroups(false))
	// sgTried and sgErr record whether checkSubgroups has run on this device and its outcome.
	sgTried bool
	sgErr   error
}

// UseShaderF16 selects the F16 weight kernels: the shader-f16 variant (on, the default where
// the device has the feature and the variant passes checkShaderF16) or the one that reads
// halves with unpack2x16float (off). Both compute the same bits
// (wgsl/dequant_f16_shaderf16.wgsl); the switch exists to test both on one device. Turning it
// on where the variant fails checkShaderF16 is an error.
func (d *Device) UseShaderF16(on bool) error {
	if on && !d.info.Features.ShaderF16 {
		return fmt.Errorf("%w: the device has no shader-f16 feature", ErrNoAdapter)
	}
	if on {
		if err := d.shaderF16Usable(); err != nil {
			return err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.noShaderF16 = !on
	return nil
}

// ShaderF16 reports whether F16 weight kernels use the shader-f16 variant.
func (d *Device) ShaderF16() bool {
	d.mu.Lock()
	off := !d.info.Features.ShaderF16 || d.noShaderF16
	d.mu.Unlock()
	return !off && d.shaderF16Usable() == nil
}

// Open picks the default adapter, requests a device with the adapter's real limits and the
// optional features it offers, and returns it.
func Open() (*Device, error) {
	d := &Device{pipelines: map[string]*pipeline{}}
	if err := d.open(); err != nil {
		return nil, err
	}
	d.queue = d.dev.GetQueue()
	return d, nil
}

// Info describes the adapter and what the device was granted.
func (d *Device) Info() Info { return d.info }

// Close releases the device and everything compiled on it.
func (d *Device) Close() {
	d.mu.Lock()
	d.binds.clear()
	for _, p := range d.pipelines {
		p.release()
	}
	d.pipelines = nil
	dummies := []*Buffer{d.dummyRead, d.dummyWrite}
	d.dummyRead, d.dummyWrite = nil, nil
	d.mu.Unlock()
	// Buffer.Release takes d.mu to drop cached bindings (none are left).
	for _, b := range dummies {
		if b != nil {
			b.Release()
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closePlatform()
}

// setLost records device loss; every later call fails with it.
//
//lint:ignore U1000 the browser's device.lost promise calls it (adapter_js.go); natively a lost device surfaces as failing calls (adapter_native.go)
func (d *Device) setLost(reason string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lost == nil {
		d.lost = fmt.Errorf("%w: %s", ErrDeviceLost, reason)
	}
}

func (d *Device) alive() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lost
}

func limitsFrom(l wgpu.Limits) Limits {
	return Limits{
		MaxStorageBufferBindingSize:       l.MaxStorageBufferBindingSize,
		MaxBufferSize:                     l.MaxBufferSize,
		MaxComputeWorkgroupStorageSize:    l.MaxComputeWorkgroupStorageSize,
		MaxComputeInvocationsPerWorkgroup: l.MaxComputeInvocationsPerWorkgroup,
		MaxComputeWorkgroupsPerDimension:  l.MaxComputeWorkgroupsPerDimension,
		MaxStorageBuffersPerShaderStage:   l.MaxStorageBuffersPerShaderStage,
	}
}
