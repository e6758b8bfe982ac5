//go:build js && wasm

package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"heed/engine/cpu"
	"heed/engine/model"
	"heed/engine/webgpu"
)

func init() {
	classifyGPU = func(err error) gpuFault {
		switch {
		case errors.Is(err, webgpu.ErrDeviceLost):
			return gpuLost
		case errors.Is(err, webgpu.ErrOutOfMemory):
			return gpuOutOfMemory
		}
		return noGPUFault
	}
}

// gpuExecutor is the WebGPU executor together with its device, so that
// closing the session releases both.
type gpuExecutor struct {
	*webgpu.Executor
	dev *webgpu.Device
}

func (g gpuExecutor) Close() {
	g.Executor.Close()
	g.dev.Close()
}

// openBackend returns the WebGPU executor when the browser has a WebGPU
// adapter that passes the engine's self-test, else the CPU executor with a
// banner saying why. A panic in the binding counts as a failure: the page
// falls back instead of dying.
func openBackend(ctx context.Context) (b backend) {
	defer func() {
		if r := recover(); r != nil {
			b = cpuBackend("The WebGPU backend failed", fmt.Sprint(r))
		}
	}()
	d, err := webgpu.Open()
	if err != nil {
		return cpuBackend("This browser offers no WebGPU adapter", err.Error())
	}
	if err := webgpu.SelfTest(ctx, d); err != nil {
		d.Close()
		return cpuBackend("WebGPU failed its self-test", err.Error())
	}
	e, err := webgpu.NewExecutor(d)
	if err != nil {
		d.Close()
		return cpuBackend("The WebGPU executor could not start", err.Error())
	}
	name := "WebGPU"
	if info := d.Info(); info.Name != "" {
		name += " (" + info.Name + ")"
	}
	return backend{exec: gpuExecutor{e, d}, name: name, gpu: true}
}

// adapterCard describes the device's adapter for the model card.
func (g gpuExecutor) adapterCard() adapterCard {
	info := g.dev.Info()
	a := adapterCard{Name: info.Name, Backend: info.Backend, Type: info.Type,
		MaxStorageBufferBindingSize: info.Limits.MaxStorageBufferBindingSize, MaxBufferSize: info.Limits.MaxBufferSize,
		MaxComputeWorkgroupStorageSize:    info.Limits.MaxComputeWorkgroupStorageSize,
		MaxComputeInvocationsPerWorkgroup: info.Limits.MaxComputeInvocationsPerWorkgroup}
	if info.Features.ShaderF16 {
		a.Features = append(a.Features, "shader-f16")
	}
	if info.Features.Subgroups {
		a.Features = append(a.Features, "subgroups")
	}
	return a
}

func cpuBackend(why, detail string) backend {
	return backend{exec: cpu.New(1), name: "CPU", banner: why + ": running on the CPU, which is slower.", detail: detail}
}

// newCPUBackend is the fallback after the GPU could not take the model.
func newCPUBackend() model.Executor { return cpu.New(1) }

// yieldToBrowser lets the browser paint between tokens: a timer returns
// control to the JavaScript event loop, which a busy goroutine never does.
func yieldToBrowser() { time.Sleep(time.Millisecond) }
