//go:build js

package webgpu

import (
	"syscall/js"
	"testing"

	"github.com/cogentcore/webgpu/wgpu"
)

// TestJSGPUBufferIsTheBrowsersBuffer pins the binding layout queueWrite reads: the value behind
// a wgpu.Buffer is a GPUBuffer with the size it was created with.
func TestJSGPUBufferIsTheBrowsersBuffer(t *testing.T) {
	d := testDevice(t)
	buf, err := d.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "probe", Size: 48, Usage: wgpu.BufferUsageStorage | wgpu.BufferUsageCopyDst})
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Release()
	v, err := jsGPUBuffer(buf)
	if err != nil {
		t.Fatal(err)
	}
	if v.Type() != js.TypeObject || v.Get("mapAsync").Type() != js.TypeFunction || v.Get("size").Int() != 48 {
		t.Fatalf("jsGPUBuffer returned %v, not a 48-byte GPUBuffer", v)
	}
}
