//go:build js

package webgpu

import (
	"fmt"

	"github.com/cogentcore/webgpu/jsx"
)

// In the browser every create call and submit is fire-and-forget; errors surface only through
// error scopes. Out-of-memory is pushed outermost so a validation error inside wins.
func (d *Device) pushScope() {
	d.plat.device.Call("pushErrorScope", "out-of-memory")
	d.plat.device.Call("pushErrorScope", "validation")
}

func (d *Device) popScope(what string) error {
	val, _ := jsx.Await(d.plat.device.Call("popErrorScope"))
	oom, _ := jsx.Await(d.plat.device.Call("popErrorScope"))
	if err := d.alive(); err != nil {
		return err
	}
	if val.Truthy() {
		return fmt.Errorf("%w: %s: %s", ErrValidation, what, val.Get("message").String())
	}
	if oom.Truthy() {
		return fmt.Errorf("%w: %s: %s", ErrOutOfMemory, what, oom.Get("message").String())
	}
	return nil
}
