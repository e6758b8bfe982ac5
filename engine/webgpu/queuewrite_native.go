//go:build !js

package webgpu

import "github.com/cogentcore/webgpu/wgpu"

// queueWrite copies data into buf at off (natively wgpu-native copies it during the call).
func (d *Device) queueWrite(buf *wgpu.Buffer, off uint64, data []byte) error {
	return d.queue.WriteBuffer(buf, off, data)
}
