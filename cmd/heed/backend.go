package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"heed/engine/cpu"
	"heed/engine/model"
	"heed/engine/webgpu"
)

// backendUsage is the help text of a --backend flag.
const backendUsage = "compute backend: cpu, gpu (WebGPU), or auto (the GPU when one is present and passes the self-test, else the CPU)"

// addBackendFlag registers --backend (default auto) on fs.
func addBackendFlag(fs *flag.FlagSet) *string {
	return fs.String("backend", "auto", backendUsage)
}

// openExecutor opens the executor a --backend value names and describes it for reports
// ("cpu (2 threads)", "webgpu: <adapter> (vulkan, cpu)"). The executor has a Close method
// (interface{ Close() }) that the caller calls when done; for the GPU it also closes the device.
//
// "gpu" fails when no adapter is present or the GPU fails the startup self-test; "auto" then
// falls back to the CPU and says why on stderr. "auto" also passes over software adapters
// (adapter type "cpu", such as Mesa's lavapipe): they run the same kernels on the CPU many
// times slower than the CPU executor; "gpu" still uses them.
func openExecutor(backend string, threads int, stderr io.Writer) (model.Executor, string, error) {
	return defaultBackends.open(backend, threads, stderr)
}

// backends opens GPU devices and checks them; tests replace the parts to simulate a missing,
// faulty or hardware GPU.
type backends struct {
	openDevice func() (*webgpu.Device, error)
	selfTest   func(context.Context, *webgpu.Device) error
	// software reports adapters that "auto" passes over.
	software func(webgpu.Info) bool
}

var defaultBackends = backends{openDevice: openGPU, selfTest: webgpu.SelfTest, software: isSoftware}

// isSoftware reports a CPU-emulated adapter (WebGPU adapter type "cpu").
func isSoftware(info webgpu.Info) bool { return info.Type == "cpu" }

// errSoftwareAdapter is why "auto" passed over a software adapter.
var errSoftwareAdapter = errors.New("is a software adapter, slower than the CPU executor (--backend gpu uses it anyway)")

// openGPU opens the default WebGPU adapter. wgpu-native's Vulkan loader warns when
// XDG_RUNTIME_DIR is unset (common under sudo, in containers and in CI); a temporary directory
// serves.
func openGPU() (*webgpu.Device, error) {
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		os.Setenv("XDG_RUNTIME_DIR", os.TempDir())
	}
	return webgpu.Open()
}

func (b backends) open(backend string, threads int, stderr io.Writer) (model.Executor, string, error) {
	switch backend {
	case "cpu":
		return cpuExecutor(threads)
	case "gpu", "auto":
	default:
		return nil, "", usagef("unknown backend %q (want cpu, gpu or auto)", backend)
	}
	e, desc, err := b.gpu(backend == "auto")
	if err == nil {
		return e, desc, nil
	}
	if backend == "gpu" {
		return nil, "", err
	}
	fmt.Fprintf(stderr, "heed: warning: using the CPU: %v\n", err)
	return cpuExecutor(threads)
}

// cpuExecutor is the CPU executor with llama.cpp's 8-bit activations for
// quantised weights (cpu.Options.Int8): about twice the speed of the f32
// reference on CPUs with AVX-512 VNNI, and the same greedy tokens as llama.cpp.
func cpuExecutor(threads int) (model.Executor, string, error) {
	e := cpu.NewWith(cpu.Options{Threads: threads, Int8: true})
	return e, fmt.Sprintf("cpu (%d threads)", e.Threads()), nil
}

// gpu opens the device and runs the self-test on it; skipSoftware refuses software adapters.
func (b backends) gpu(skipSoftware bool) (model.Executor, string, error) {
	d, err := b.openDevice()
	if err != nil {
		if errors.Is(err, webgpu.ErrNoAdapter) {
			return nil, "", fmt.Errorf("no GPU: %w", err)
		}
		return nil, "", fmt.Errorf("opening the GPU: %w", err)
	}
	info := d.Info()
	if skipSoftware && b.software(info) {
		d.Close()
		return nil, "", fmt.Errorf("GPU %q %w", info.Name, errSoftwareAdapter)
	}
	if err := b.selfTest(context.Background(), d); err != nil {
		d.Close()
		return nil, "", fmt.Errorf("GPU %q refused: %w", info.Name, err)
	}
	e, err := webgpu.NewExecutor(d)
	if err != nil {
		d.Close()
		return nil, "", err
	}
	return &gpuExecutor{Executor: e, dev: d}, describeGPU(info), nil
}

func describeGPU(info webgpu.Info) string {
	return fmt.Sprintf("webgpu: %s (%s, %s)", info.Name, info.Backend, info.Type)
}

// gpuExecutor is a WebGPU executor that owns its device.
type gpuExecutor struct {
	*webgpu.Executor
	dev *webgpu.Device
}

// Close releases the executor's buffers, then the device.
func (g *gpuExecutor) Close() {
	g.Executor.Close()
	g.dev.Close()
}
