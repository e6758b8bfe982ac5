package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"heed/engine/cpu"
	"heed/engine/webgpu"
)

// gpuAvailable reports whether a Vulkan (or other non-OpenGL) WebGPU adapter opens here.
// Without one the GPU tests skip, unless CI is set: CI installs lavapipe, so there a missing
// adapter is a failure. An OpenGL-only adapter (llvmpipe without a Vulkan driver) counts as
// missing: it passes, but compiling the kernels there takes most of a minute.
var gpuAvailable = sync.OnceValue(func() error {
	d, err := OpenGPU()
	if err != nil {
		return err
	}
	defer d.Close()
	if b := d.Info().Backend; strings.HasPrefix(b, "open-gl") {
		return fmt.Errorf("only an OpenGL adapter (%s)", b)
	}
	return nil
})

func needGPU(t *testing.T) {
	t.Helper()
	if err := gpuAvailable(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no WebGPU adapter (install mesa-vulkan-drivers libvulkan1 for lavapipe): %v", err)
		}
		t.Fatal(err)
	}
}

func TestOpenCPU(t *testing.T) {
	b, err := Open(context.Background(), CPU, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, ok := b.Exec.(*cpu.Executor); !ok || b.Desc != "cpu (2 threads)" || b.GPU() || b.Fallback != nil || b.Label() != "CPU" {
		t.Fatalf("got %T %q gpu %v fallback %v label %q", b.Exec, b.Desc, b.GPU(), b.Fallback, b.Label())
	}
}

func TestParseChoice(t *testing.T) {
	for _, s := range []string{"auto", "cpu", "gpu"} {
		if c, err := ParseChoice(s); err != nil || string(c) != s {
			t.Errorf("ParseChoice(%q) = %q, %v", s, c, err)
		}
	}
	if _, err := ParseChoice("tpu"); err == nil || !strings.Contains(err.Error(), `"tpu"`) {
		t.Errorf("ParseChoice(tpu): %v, want an error naming it", err)
	}
	if _, err := (Opener{}).Open(context.Background(), "tpu", 1); err == nil {
		t.Error("Open(tpu) succeeded")
	}
}

// TestOpenFallback pins what GPU and Auto do without a usable GPU: GPU fails
// with the reason, Auto runs on the CPU and says why.
func TestOpenFallback(t *testing.T) {
	noAdapter := func() (*webgpu.Device, error) { return nil, webgpu.ErrNoAdapter }
	garbage := func(context.Context, *webgpu.Device) error { return webgpu.ErrSelfTest }
	panics := func() (*webgpu.Device, error) { panic("syscall/js: call of Value.Get on undefined") }
	for _, tc := range []struct {
		name     string
		o        Opener
		needsGPU bool
		reason   string
		is       error
	}{
		{"no adapter", Opener{OpenDevice: noAdapter, SelfTest: webgpu.SelfTest, Software: IsSoftware}, false, "no GPU", webgpu.ErrNoAdapter},
		{"binding panics", Opener{OpenDevice: panics, SelfTest: webgpu.SelfTest, Software: IsSoftware}, false, "WebGPU backend failed", nil},
		{"self-test fails", Opener{OpenDevice: OpenGPU, SelfTest: garbage, Software: hardware}, true, "refused", webgpu.ErrSelfTest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needsGPU {
				needGPU(t)
			}
			_, err := tc.o.Open(context.Background(), GPU, 1)
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("gpu: got %v, want %v (%s)", err, tc.is, tc.reason)
			}
			b, err := tc.o.Open(context.Background(), Auto, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if b.GPU() || b.Fallback == nil || !strings.Contains(b.Fallback.Error(), tc.reason) {
				t.Fatalf("auto: %q, fallback %v", b.Desc, b.Fallback)
			}
		})
	}
}

// hardware treats every adapter as a hardware GPU, so lavapipe stands in for one.
func hardware(webgpu.Info) bool { return false }

func TestOpenGPU(t *testing.T) {
	needGPU(t)
	o := Opener{OpenDevice: OpenGPU, SelfTest: webgpu.SelfTest, Software: hardware}
	for _, c := range []Choice{GPU, Auto} {
		t.Run(string(c), func(t *testing.T) {
			b, err := o.Open(context.Background(), c, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if _, ok := b.Exec.(*gpuExecutor); !ok || !b.GPU() || Device(b.Exec) == nil || !strings.HasPrefix(b.Desc, "webgpu: ") ||
				!strings.HasPrefix(b.Label(), "WebGPU") || b.Fallback != nil {
				t.Fatalf("got %T %q label %q fallback %v", b.Exec, b.Desc, b.Label(), b.Fallback)
			}
			t.Log(b.Desc)
		})
	}
}

// TestAutoPassesOverSoftwareAdapters pins that Auto prefers the CPU executor
// to an adapter that emulates a GPU on the CPU, while GPU uses it.
func TestAutoPassesOverSoftwareAdapters(t *testing.T) {
	needGPU(t)
	o := Opener{OpenDevice: OpenGPU, SelfTest: webgpu.SelfTest, Software: func(webgpu.Info) bool { return true }}
	b, err := o.Open(context.Background(), Auto, 1)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if b.GPU() || !errors.Is(b.Fallback, ErrSoftwareAdapter) {
		t.Fatalf("auto: %q, fallback %v", b.Desc, b.Fallback)
	}
	b, err = o.Open(context.Background(), GPU, 1)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if !b.GPU() {
		t.Fatalf("gpu: %q", b.Desc)
	}
}

func TestIsSoftware(t *testing.T) {
	for _, tc := range []struct {
		info webgpu.Info
		want bool
	}{
		{webgpu.Info{Name: "llvmpipe (LLVM 15.0.6, 256 bits)", Backend: "vulkan", Type: "cpu"}, true},
		{webgpu.Info{Name: "google swiftshader", Backend: "browser"}, true},
		{webgpu.Info{Name: "nvidia ampere", Backend: "browser"}, false},
		{webgpu.Info{Name: "NVIDIA H100", Backend: "vulkan", Type: "discrete-gpu"}, false},
	} {
		if got := IsSoftware(tc.info); got != tc.want {
			t.Errorf("IsSoftware(%+v) = %v, want %v", tc.info, got, tc.want)
		}
	}
}
