package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"heed/engine/cpu"
	"heed/engine/model"
	"heed/engine/webgpu"
)

// Choice names the executor a model runs on, as `heed --backend` and the
// page's settings name it.
type Choice string

const (
	// Auto runs on a hardware GPU that passes the self-test, else on the CPU.
	// Software adapters (SwiftShader, lavapipe) lose to the CPU executor:
	// they run the same kernels on the CPU many times slower.
	Auto Choice = "auto"
	CPU  Choice = "cpu" // the CPU executor
	GPU  Choice = "gpu" // any WebGPU adapter that passes the self-test, software ones included
)

// ParseChoice reads a --backend value.
func ParseChoice(s string) (Choice, error) {
	switch c := Choice(s); c {
	case Auto, CPU, GPU:
		return c, nil
	}
	return "", fmt.Errorf("unknown backend %q (want cpu, gpu or auto)", s)
}

// Backend is an opened executor and what it is, for people.
type Backend struct {
	Exec model.Executor
	// Desc names it the way `heed run --json` reports it: "cpu (2 threads)",
	// "webgpu: NAME (BACKEND, TYPE)".
	Desc string
	// Adapter describes the GPU; nil on the CPU.
	Adapter *webgpu.Info
	// Fallback, when Auto (or a GPU that could not take the model) ended
	// on the CPU, says why not on a GPU.
	Fallback error
}

// GPU reports whether the executor runs on a WebGPU adapter.
func (b Backend) GPU() bool { return b.Adapter != nil }

// Close releases the executor (for the GPU, its device too).
func (b Backend) Close() { closeExecutor(b.Exec) }

// closeExecutor releases an executor that has a Close method.
func closeExecutor(x model.Executor) {
	if c, ok := x.(interface{ Close() }); ok {
		c.Close()
	}
}

// Opener opens executors; tests replace its parts to simulate a missing,
// faulty or hardware GPU.
type Opener struct {
	OpenDevice func() (*webgpu.Device, error)
	SelfTest   func(context.Context, *webgpu.Device) error
	// Software reports adapters that Auto passes over.
	Software func(webgpu.Info) bool
}

// DefaultOpener opens the platform's WebGPU adapter (wgpu-native natively,
// navigator.gpu in a browser) and checks it with the engine's self-test.
var DefaultOpener = Opener{OpenDevice: OpenGPU, SelfTest: webgpu.SelfTest, Software: IsSoftware}

// Open is DefaultOpener.Open.
func Open(ctx context.Context, c Choice, threads int) (Backend, error) {
	return DefaultOpener.Open(ctx, c, threads)
}

// IsSoftware reports a CPU-emulated adapter: natively wgpu-native says so
// (adapter type "cpu": lavapipe, llvmpipe); a browser does not, so the
// adapter's name is checked for the software rasterisers browsers ship or
// sit on (SwiftShader in Chromium, llvmpipe and lavapipe under Mesa).
func IsSoftware(info webgpu.Info) bool {
	if info.Type == "cpu" {
		return true
	}
	name := strings.ToLower(info.Name + " " + info.Driver + " " + info.Type)
	for _, s := range []string{"swiftshader", "llvmpipe", "lavapipe", "software"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// ErrSoftwareAdapter is why Auto passed over a software adapter.
var ErrSoftwareAdapter = errors.New("is a software adapter, slower than the CPU executor")

// OpenGPU opens the default WebGPU adapter. wgpu-native's Vulkan loader
// warns when XDG_RUNTIME_DIR is unset (common under sudo, in containers and
// in CI); a temporary directory serves.
func OpenGPU() (*webgpu.Device, error) {
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		os.Setenv("XDG_RUNTIME_DIR", os.TempDir())
	}
	return webgpu.Open()
}

// Open opens the executor c names. GPU fails when no adapter is present or
// it fails the self-test; Auto then falls back to the CPU and says why in
// Fallback. Auto also passes over software adapters; GPU still uses them.
func (o Opener) Open(ctx context.Context, c Choice, threads int) (b Backend, err error) {
	switch c {
	case CPU:
		return cpuBackend(threads), nil
	case GPU, Auto:
	default:
		return Backend{}, fmt.Errorf("unknown backend %q (want cpu, gpu or auto)", c)
	}
	b, err = o.gpu(ctx, c == Auto)
	if err == nil {
		return b, nil
	}
	if c == GPU {
		return Backend{}, err
	}
	b = cpuBackend(threads)
	b.Fallback = err
	return b, nil
}

// cpuBackend is the CPU executor with llama.cpp's 8-bit activations for
// quantised weights (cpu.Options.Int8): faster than the f32 reference on CPUs
// with AVX-512 VNNI, with the same greedy tokens as llama.cpp. Elsewhere (and
// in wasm) Int8 changes nothing.
func cpuBackend(threads int) Backend {
	e := cpu.NewWith(cpu.Options{Threads: threads, Int8: true})
	desc := fmt.Sprintf("cpu (%d threads)", e.Threads())
	if k := e.Kernels(); k != "Go" {
		// In the browser: the WebAssembly SIMD kernels and their threads,
		// or why Go's kernels run ("Go (…)").
		desc = "cpu (" + k + ")"
	}
	return Backend{Exec: e, Desc: desc}
}

// gpu opens the device and runs the self-test on it; skipSoftware refuses
// software adapters. A panic in the WebGPU binding counts as a failure.
func (o Opener) gpu(ctx context.Context, skipSoftware bool) (b Backend, err error) {
	var d *webgpu.Device
	defer func() {
		if r := recover(); r != nil {
			if d != nil {
				d.Close()
			}
			b, err = Backend{}, fmt.Errorf("the WebGPU backend failed: %v", r)
		}
	}()
	d, err = o.OpenDevice()
	if err != nil {
		d = nil
		if errors.Is(err, webgpu.ErrNoAdapter) {
			return Backend{}, fmt.Errorf("no GPU: %w", err)
		}
		return Backend{}, fmt.Errorf("opening the GPU: %w", err)
	}
	info := d.Info()
	if skipSoftware && o.Software(info) {
		d.Close()
		return Backend{}, fmt.Errorf("GPU %q %w", info.Name, ErrSoftwareAdapter)
	}
	if err := o.SelfTest(ctx, d); err != nil {
		d.Close()
		return Backend{}, fmt.Errorf("GPU %q refused: %w", info.Name, err)
	}
	e, err := webgpu.NewExecutor(d)
	if err != nil {
		d.Close()
		return Backend{}, err
	}
	return Backend{Exec: &gpuExecutor{Executor: e, dev: d}, Desc: DescribeGPU(info), Adapter: &info}, nil
}

// DescribeGPU names an adapter as reports do: "webgpu: NAME (BACKEND, TYPE)".
func DescribeGPU(info webgpu.Info) string {
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

// Device is the WebGPU device of a GPU executor opened here, nil otherwise.
func Device(x model.Executor) *webgpu.Device {
	if g, ok := x.(*gpuExecutor); ok {
		return g.dev
	}
	return nil
}
