package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
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
	d, err := openGPU()
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

func mustClose(t *testing.T, e any) {
	t.Helper()
	c, ok := e.(interface{ Close() })
	if !ok {
		t.Fatalf("%T has no Close method", e)
	}
	c.Close()
}

func TestOpenExecutorCPU(t *testing.T) {
	var stderr bytes.Buffer
	e, desc, err := openExecutor("cpu", 2, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, e)
	if _, ok := e.(*cpu.Executor); !ok || desc != "cpu (2 threads)" || stderr.Len() != 0 {
		t.Fatalf("got %T %q, stderr %q", e, desc, stderr.String())
	}
}

func TestOpenExecutorRejectsUnknownBackend(t *testing.T) {
	_, _, err := openExecutor("tpu", 1, io.Discard)
	if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), `"tpu"`) {
		t.Fatalf("got %v, want a usage error naming the backend", err)
	}
}

// TestOpenExecutorFallback pins what gpu and auto do without a usable GPU: gpu fails with the
// reason, auto warns on stderr and runs on the CPU.
func TestOpenExecutorFallback(t *testing.T) {
	noAdapter := func() (*webgpu.Device, error) { return nil, webgpu.ErrNoAdapter }
	garbage := func(context.Context, *webgpu.Device) error { return webgpu.ErrSelfTest }
	for _, tc := range []struct {
		name     string
		b        backends
		needsGPU bool
		reason   string
		is       error
	}{
		{"no adapter", backends{openDevice: noAdapter, selfTest: webgpu.SelfTest, software: isSoftware}, false, "no GPU", webgpu.ErrNoAdapter},
		{"self-test fails", backends{openDevice: openGPU, selfTest: garbage, software: hardware}, true, "refused", webgpu.ErrSelfTest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needsGPU {
				needGPU(t)
			}
			_, _, err := tc.b.open("gpu", 1, io.Discard)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("gpu: got %v, want %v", err, tc.is)
			}
			var stderr bytes.Buffer
			e, desc, err := tc.b.open("auto", 1, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			defer mustClose(t, e)
			if !strings.HasPrefix(desc, "cpu") || !strings.Contains(stderr.String(), "warning: using the CPU") || !strings.Contains(stderr.String(), tc.reason) {
				t.Fatalf("auto: %q, stderr %q", desc, stderr.String())
			}
		})
	}
}

// hardware treats every adapter as a hardware GPU, so lavapipe stands in for one.
func hardware(webgpu.Info) bool { return false }

func TestOpenExecutorGPU(t *testing.T) {
	needGPU(t)
	b := backends{openDevice: openGPU, selfTest: webgpu.SelfTest, software: hardware}
	for _, backend := range []string{"gpu", "auto"} {
		t.Run(backend, func(t *testing.T) {
			var stderr bytes.Buffer
			e, desc, err := b.open(backend, 1, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			defer mustClose(t, e)
			if _, ok := e.(*gpuExecutor); !ok || !strings.HasPrefix(desc, "webgpu: ") || stderr.Len() != 0 {
				t.Fatalf("got %T %q, stderr %q", e, desc, stderr.String())
			}
			t.Log(desc)
		})
	}
}

// TestAutoPassesOverSoftwareAdapters pins that auto prefers the CPU executor to an adapter
// that emulates a GPU on the CPU, while gpu uses it.
func TestAutoPassesOverSoftwareAdapters(t *testing.T) {
	needGPU(t)
	b := backends{openDevice: openGPU, selfTest: webgpu.SelfTest, software: func(webgpu.Info) bool { return true }}
	var stderr bytes.Buffer
	e, desc, err := b.open("auto", 1, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, e)
	if !strings.HasPrefix(desc, "cpu") || !strings.Contains(stderr.String(), "software adapter") {
		t.Fatalf("auto: %q, stderr %q", desc, stderr.String())
	}
	e, desc, err = b.open("gpu", 1, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, e)
	if !strings.HasPrefix(desc, "webgpu: ") {
		t.Fatalf("gpu: %q", desc)
	}
}

func TestBackendFlagDefaultsToAuto(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	b := addBackendFlag(fs)
	if *b != "auto" {
		t.Fatalf("default %q", *b)
	}
	if err := fs.Parse([]string{"--backend", "cpu"}); err != nil || *b != "cpu" {
		t.Fatalf("parsed %q, %v", *b, err)
	}
}

func TestGPUInfo(t *testing.T) {
	needGPU(t)
	code, stdout, stderr := heed(t, "gpuinfo", "--json", "--self-test")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got gpuInfoJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Backend == "" || got.Type == "" || got.Limits.MaxStorageBufferBindingSize == 0 || got.Features == nil || got.SelfTest != "passed" {
		t.Fatalf("gpuinfo %+v", got)
	}
	code, stdout, stderr = heed(t, "gpuinfo")
	if code != 0 || !strings.Contains(stdout, "backend   "+got.Backend) || !strings.Contains(stdout, "maxStorageBufferBindingSize") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr: %s", code, stdout, stderr)
	}
	if code, _, stderr = heed(t, "gpuinfo", "extra"); code != 2 || !strings.Contains(stderr, "no arguments") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
}
