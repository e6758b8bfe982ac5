package webgpu

import (
	"encoding/binary"
	"fmt"

	"github.com/cogentcore/webgpu/wgpu"
)

// Step records kernels into one command encoder and submits them together (one encoder per
// forward step). Kernel methods record nothing after the first error; Submit reports it.
type Step struct {
	d    *Device
	enc  *wgpu.CommandEncoder
	pass *wgpu.ComputePassEncoder
	err  error
}

// NewStep starts recording.
func (d *Device) NewStep() (*Step, error) {
	if err := d.alive(); err != nil {
		return nil, err
	}
	d.pushScope()
	enc, err := d.dev.CreateCommandEncoder(&wgpu.CommandEncoderDescriptor{Label: "step"})
	if serr := d.popScope("creating command encoder"); err == nil {
		err = serr
	}
	if err != nil {
		return nil, fmt.Errorf("webgpu: creating command encoder: %w", err)
	}
	return &Step{d: d, enc: enc}, nil
}

// fail records the first error of the step and returns it.
func (s *Step) fail(err error) error {
	if s.err == nil {
		s.err = err
	}
	return err
}

// dispatch binds params (a Go mirror of the kernel's struct Params) and bufs in WGSL binding
// order and records a dispatch of (x, y) workgroups.
func (s *Step) dispatch(p *pipeline, params any, bufs []*Buffer, x, y uint32) error {
	if s.err != nil {
		return s.err
	}
	if len(bufs)+1 != len(p.bindings) {
		return s.fail(fmt.Errorf("webgpu: kernel %s binds %d buffers, got %d", p.name, len(p.bindings)-1, len(bufs)))
	}
	raw, err := binary.Append(nil, binary.LittleEndian, params)
	if err != nil {
		return s.fail(fmt.Errorf("webgpu: kernel %s params: %w", p.name, err))
	}
	// Uniform bindings are sized in 16-byte units.
	raw = append(raw, make([]byte, (16-len(raw)%16)%16)...)
	if len(bufs) > maxBindings {
		return s.fail(fmt.Errorf("webgpu: kernel %s binds %d buffers, more than %d", p.name, len(bufs), maxBindings))
	}
	key := bindKey{p: p, params: string(raw)}
	for i, b := range bufs {
		if b == nil || b.buf == nil {
			return s.fail(fmt.Errorf("%w: kernel %s binding %d (%s) has no buffer", ErrShape, p.name, i+1, p.bindings[i+1].Name))
		}
		key.bufs[i] = b
	}
	d := s.d
	d.mu.Lock()
	entry := d.binds.lookup(key)
	d.mu.Unlock()
	if entry == nil {
		var err error
		if entry, err = d.newBinding(p, raw, bufs); err != nil {
			return s.fail(fmt.Errorf("webgpu: kernel %s: %w", p.name, err))
		}
		d.mu.Lock()
		d.binds.add(key, entry)
		d.mu.Unlock()
	}
	bg := entry.group
	if s.pass == nil {
		s.pass = s.enc.BeginComputePass(nil)
	}
	s.pass.SetPipeline(p.compute)
	s.pass.SetBindGroup(0, bg, nil)
	s.pass.DispatchWorkgroups(x, y, 1)
	return nil
}

// newBinding creates the uniform buffer holding raw and the bind group of p over it and bufs.
func (d *Device) newBinding(p *pipeline, raw []byte, bufs []*Buffer) (*bindEntry, error) {
	d.pushScope()
	uni, err := d.dev.CreateBuffer(&wgpu.BufferDescriptor{
		Label: p.name + " params",
		Size:  uint64(len(raw)),
		Usage: wgpu.BufferUsageUniform | wgpu.BufferUsageCopyDst,
	})
	if err == nil {
		err = d.queueWrite(uni, 0, raw)
	}
	var bg *wgpu.BindGroup
	if err == nil {
		entries := make([]wgpu.BindGroupEntry, 0, len(p.bindings))
		entries = append(entries, wgpu.BindGroupEntry{Binding: 0, Buffer: uni, Size: uint64(len(raw))})
		for i, b := range bufs {
			entries = append(entries, wgpu.BindGroupEntry{Binding: uint32(i + 1), Buffer: b.buf, Size: b.size})
		}
		bg, err = d.dev.CreateBindGroup(&wgpu.BindGroupDescriptor{Label: p.name, Layout: p.bgl, Entries: entries})
	}
	if serr := d.popScope("binding kernel " + p.name); err == nil {
		err = serr
	}
	if err != nil {
		if bg != nil {
			bg.Release()
		}
		if uni != nil {
			uni.Release()
		}
		return nil, err
	}
	return &bindEntry{uni: uni, group: bg}, nil
}

// dispatch1D records a dispatch of n workgroups, folded into 2-D when n exceeds the
// per-dimension limit; kernels recover the linear index as wid.y·nwg.x + wid.x and guard the tail.
func (s *Step) dispatch1D(p *pipeline, params any, bufs []*Buffer, n uint32) error {
	x, y, err := fold(n, s.d.info.Limits.MaxComputeWorkgroupsPerDimension)
	if err != nil {
		return s.fail(fmt.Errorf("webgpu: kernel %s: %w", p.name, err))
	}
	return s.dispatch(p, params, bufs, x, y)
}

// fold splits n workgroups into x·y ≥ n with x, y ≤ limit.
func fold(n, limit uint32) (x, y uint32, err error) {
	if limit == 0 {
		limit = 65535
	}
	if n <= limit {
		return max(n, 1), 1, nil
	}
	y = (n + limit - 1) / limit
	if y > limit {
		return 0, 0, fmt.Errorf("%w: %d workgroups exceed %d² (maxComputeWorkgroupsPerDimension)", ErrTooLarge, n, limit)
	}
	x = (n + y - 1) / y
	return x, y, nil
}

// Copy records a copy of count float32 values from src[srcOff:] to dst[dstOff:].
func (s *Step) Copy(dst *Buffer, dstOff int, src *Buffer, srcOff, count int) error {
	if s.err != nil {
		return s.err
	}
	if dstOff < 0 || srcOff < 0 || count < 0 {
		return s.fail(fmt.Errorf("%w: copy of %d floats at %d → %d", ErrShape, count, srcOff, dstOff))
	}
	if err := need(src, srcOff+count, "copy source"); err != nil {
		return s.fail(err)
	}
	if err := need(dst, dstOff+count, "copy destination"); err != nil {
		return s.fail(err)
	}
	if count == 0 {
		return nil
	}
	if s.pass != nil {
		s.pass.End()
		s.pass.Release()
		s.pass = nil
	}
	if err := s.enc.CopyBufferToBuffer(src.buf, uint64(4*srcOff), dst.buf, uint64(4*dstOff), uint64(4*count)); err != nil {
		return s.fail(fmt.Errorf("%w: copy: %v", ErrValidation, err))
	}
	return nil
}

// Submit ends recording and submits the step's work to the queue.
func (s *Step) Submit() error {
	defer s.release()
	if s.err != nil {
		return s.err
	}
	d := s.d
	if s.pass != nil {
		s.pass.End()
		s.pass.Release()
		s.pass = nil
	}
	d.pushScope()
	cmd, err := s.enc.Finish(nil)
	if err == nil {
		d.queue.Submit(cmd)
		cmd.Release()
	}
	d.mu.Lock()
	d.binds.submitted()
	d.mu.Unlock()
	if serr := d.popScope("submitting step"); err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("%w: submitting step: %v", ErrValidation, err)
	}
	return nil
}

func (s *Step) release() {
	if s.pass != nil {
		s.pass.End()
		s.pass.Release()
		s.pass = nil
	}
	if s.enc != nil {
		s.enc.Release()
		s.enc = nil
	}
}
