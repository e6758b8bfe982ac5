//go:build !js

package webgpu

// Natively the binding wraps every create call and CommandEncoder.Finish in a validation error
// scope and returns what it caught as the call's error, so no scope of our own is needed.
func (d *Device) pushScope() {}

func (d *Device) popScope(what string) error { return d.alive() }
