package webgpu

import (
	"fmt"

	"github.com/cogentcore/webgpu/wgpu"

	"heed/wgsl"
)

// pipeline is one compiled kernel with the layout built from its WGSL bindings.
type pipeline struct {
	name     string
	bindings []wgsl.Binding
	module   *wgpu.ShaderModule
	bgl      *wgpu.BindGroupLayout
	layout   *wgpu.PipelineLayout
	compute  *wgpu.ComputePipeline
	// consts holds the kernel's host-visible constants (kernelConsts), parsed once.
	consts map[string]uint32
}

// kernelConsts are the WGSL constants hosts size dispatches with.
var kernelConsts = []string{"WG", "TILE_R", "TILE_T", "ROWS", "MAX_HEAD_DIM", "CHUNK"}

// constant returns the kernel's WGSL constant name.
func (p *pipeline) constant(name string) (uint32, error) {
	v, ok := p.consts[name]
	if !ok {
		return 0, fmt.Errorf("webgpu: kernel %s has no constant %s", p.name, name)
	}
	return v, nil
}

// compiled returns the pipeline compiled under name, if any.
func (d *Device) compiled(name string) (*pipeline, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.pipelines[name]
	return p, ok
}

func (p *pipeline) release() {
	p.compute.Release()
	p.layout.Release()
	p.bgl.Release()
	p.module.Release()
}

// kernel returns the compiled pipeline for src, compiling it on first use. The bind group and
// pipeline layouts are explicit (from wgsl.Bindings) because the browser binding has no
// GetBindGroupLayout.
func (d *Device) kernel(name, src string) (*pipeline, error) {
	if p, ok := d.compiled(name); ok {
		return p, nil
	}
	bindings, err := wgsl.Bindings(src)
	if err != nil {
		return nil, fmt.Errorf("webgpu: kernel %s: %w", name, err)
	}
	entries := make([]wgpu.BindGroupLayoutEntry, len(bindings))
	for i, b := range bindings {
		typ := wgpu.BufferBindingTypeStorage
		switch b.Access {
		case wgsl.Uniform:
			typ = wgpu.BufferBindingTypeUniform
		case wgsl.ReadOnly:
			typ = wgpu.BufferBindingTypeReadOnlyStorage
		}
		entries[i] = wgpu.BindGroupLayoutEntry{
			Binding:    uint32(i),
			Visibility: wgpu.ShaderStageCompute,
			Buffer:     wgpu.BufferBindingLayout{Type: typ},
		}
	}
	consts := map[string]uint32{}
	for _, c := range kernelConsts {
		if v, err := wgsl.Const(src, c); err == nil {
			consts[c] = v
		}
	}
	d.pushScope()
	p := &pipeline{name: name, bindings: bindings, consts: consts}
	err = p.build(d.dev, src, entries)
	if serr := d.popScope("compiling kernel " + name); err == nil {
		err = serr
	}
	if err != nil {
		return nil, fmt.Errorf("%w: compiling kernel %s: %v", ErrValidation, name, err)
	}
	d.mu.Lock()
	d.pipelines[name] = p
	d.mu.Unlock()
	return p, nil
}

func (p *pipeline) build(dev *wgpu.Device, src string, entries []wgpu.BindGroupLayoutEntry) error {
	var err error
	if p.module, err = dev.CreateShaderModule(&wgpu.ShaderModuleDescriptor{
		Label:          p.name,
		WGSLDescriptor: &wgpu.ShaderModuleWGSLDescriptor{Code: src},
	}); err != nil {
		return err
	}
	if p.bgl, err = dev.CreateBindGroupLayout(&wgpu.BindGroupLayoutDescriptor{Label: p.name, Entries: entries}); err != nil {
		return err
	}
	if p.layout, err = dev.CreatePipelineLayout(&wgpu.PipelineLayoutDescriptor{
		Label:            p.name,
		BindGroupLayouts: []*wgpu.BindGroupLayout{p.bgl},
	}); err != nil {
		return err
	}
	p.compute, err = dev.CreateComputePipeline(&wgpu.ComputePipelineDescriptor{
		Layout:  p.layout,
		Compute: wgpu.ProgrammableStageDescriptor{Module: p.module, EntryPoint: "main"},
	})
	return err
}
