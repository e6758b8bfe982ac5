//go:build js

package webgpu

import (
	"errors"
	"reflect"
	"syscall/js"
	"unsafe"

	"github.com/cogentcore/webgpu/wgpu"
)

// queueWrite copies data into buf at off through GPUQueue.writeBuffer, from a Uint8Array that
// JS owns. The binding's Queue.WriteBuffer instead views the wasm memory's ArrayBuffer in place
// (jsx.BytesToJS); when the Go heap grows while that call marshals its arguments, the memory's
// ArrayBuffer is replaced, the captured one is detached, and the call panics with "Cannot
// perform Construct on a detached ArrayBuffer". js.CopyBytesToJS reads the current buffer.
func (d *Device) queueWrite(buf *wgpu.Buffer, off uint64, data []byte) error {
	gpuBuf, err := jsGPUBuffer(buf)
	if err != nil {
		return err
	}
	src := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(src, data)
	d.plat.device.Get("queue").Call("writeBuffer", gpuBuf, off, src)
	return nil
}

var errBindingLayout = errors.New("webgpu: the js binding's wgpu.Buffer does not begin with jsValue js.Value")

// jsGPUBuffer returns the GPUBuffer behind the binding's js Buffer, whose only field, jsValue,
// is unexported. The field's name and type are checked, so a binding whose layout differs is
// an error rather than a bad read.
func jsGPUBuffer(buf *wgpu.Buffer) (js.Value, error) {
	t := reflect.TypeOf(*buf)
	if t.NumField() < 1 || t.Field(0).Name != "jsValue" || t.Field(0).Type != reflect.TypeOf(js.Value{}) {
		return js.Value{}, errBindingLayout
	}
	return *(*js.Value)(unsafe.Pointer(buf)), nil
}
