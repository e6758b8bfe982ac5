package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"heed/engine/session"
	"heed/engine/webgpu"
)

// needGPU skips without a WebGPU adapter, except in CI, which installs lavapipe.
func needGPU(t *testing.T) {
	t.Helper()
	d, err := session.OpenGPU()
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no WebGPU adapter (install mesa-vulkan-drivers libvulkan1 for lavapipe): %v", err)
		}
		t.Fatal(err)
	}
	d.Close()
}

func TestOpenBackendRejectsUnknownBackend(t *testing.T) {
	_, err := openBackend("tpu", 1, io.Discard)
	if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), `"tpu"`) {
		t.Fatalf("got %v, want a usage error naming the backend", err)
	}
}

// TestAutoWarnsOnStderr pins the CLI's words when auto falls back: a warning
// on stderr with the reason, and the hint for software adapters.
func TestAutoWarnsOnStderr(t *testing.T) {
	noAdapter := func() (*webgpu.Device, error) { return nil, webgpu.ErrNoAdapter }
	o := session.Opener{OpenDevice: noAdapter, SelfTest: webgpu.SelfTest, Software: session.IsSoftware}
	var stderr bytes.Buffer
	b, err := openBackendWith(o, "auto", 1, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if !strings.HasPrefix(b.Desc, "cpu") || !strings.Contains(stderr.String(), "warning: using the CPU: no GPU") {
		t.Fatalf("auto: %q, stderr %q", b.Desc, stderr.String())
	}
	if _, err := openBackendWith(o, "gpu", 1, io.Discard); !errors.Is(err, webgpu.ErrNoAdapter) {
		t.Fatalf("gpu without an adapter: %v", err)
	}
	soft := session.Opener{OpenDevice: session.OpenGPU, SelfTest: func(context.Context, *webgpu.Device) error { return nil },
		Software: func(webgpu.Info) bool { return true }}
	stderr.Reset()
	if b, err := openBackendWith(soft, "auto", 1, &stderr); err == nil {
		b.Close()
		if d, _ := session.OpenGPU(); d != nil {
			d.Close()
			if !strings.Contains(stderr.String(), "software adapter") || !strings.Contains(stderr.String(), "--backend gpu uses it anyway") {
				t.Errorf("auto over a software adapter: stderr %q", stderr.String())
			}
		}
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
