package webgpu

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/cogentcore/webgpu/wgpu"
)

// Buffer is a storage buffer on the device. Sizes are rounded up to a multiple of 4 bytes,
// the granularity of array<u32>/array<f32> bindings and of queue writes.
type Buffer struct {
	d    *Device
	buf  *wgpu.Buffer
	size uint64
}

// Size is the buffer's size in bytes.
func (b *Buffer) Size() uint64 { return b.size }

// Release frees the buffer; it must not be used afterwards.
func (b *Buffer) Release() {
	if b.buf != nil {
		if b.d != nil {
			b.d.mu.Lock()
			b.d.binds.forget(b)
			b.d.mu.Unlock()
		}
		b.buf.Release()
		b.buf = nil
	}
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }

// checkBindable rejects sizes the device cannot bind as one storage buffer, naming the limit.
func (d *Device) checkBindable(size uint64, label string) error {
	if l := d.info.Limits.MaxStorageBufferBindingSize; size > l {
		return fmt.Errorf("%w: %s needs %d bytes, maxStorageBufferBindingSize is %d", ErrTooLarge, label, size, l)
	}
	if l := d.info.Limits.MaxBufferSize; size > l {
		return fmt.Errorf("%w: %s needs %d bytes, maxBufferSize is %d", ErrTooLarge, label, size, l)
	}
	return nil
}

// NewBuffer allocates a zero-filled storage buffer of at least size bytes.
func (d *Device) NewBuffer(size uint64, label string) (*Buffer, error) {
	if err := d.alive(); err != nil {
		return nil, err
	}
	size = max(align4(size), 4)
	if err := d.checkBindable(size, label); err != nil {
		return nil, err
	}
	d.pushScope()
	buf, err := d.dev.CreateBuffer(&wgpu.BufferDescriptor{
		Label: label,
		Size:  size,
		Usage: wgpu.BufferUsageStorage | wgpu.BufferUsageCopySrc | wgpu.BufferUsageCopyDst,
	})
	if serr := d.popScope("creating buffer " + label); err == nil {
		err = serr
	}
	if err != nil {
		return nil, fmt.Errorf("webgpu: creating %d-byte buffer %s: %w", size, label, err)
	}
	return &Buffer{d: d, buf: buf, size: size}, nil
}

// Write copies data into b at byte offset off (a multiple of 4); a tail shorter than 4 bytes
// is zero-padded.
func (d *Device) Write(b *Buffer, off uint64, data []byte) error {
	if err := d.alive(); err != nil {
		return err
	}
	if off%4 != 0 {
		return fmt.Errorf("%w: write offset %d is not a multiple of 4", ErrShape, off)
	}
	if len(data)%4 != 0 {
		padded := make([]byte, align4(uint64(len(data))))
		copy(padded, data)
		data = padded
	}
	if off+uint64(len(data)) > b.size {
		return fmt.Errorf("%w: writing %d bytes at %d into a %d-byte buffer", ErrShape, len(data), off, b.size)
	}
	if len(data) == 0 {
		return nil
	}
	return d.queueWrite(b.buf, off, data)
}

// WriteFloat32 copies v into the start of b.
func (d *Device) WriteFloat32(b *Buffer, v []float32) error {
	return d.Write(b, 0, float32Bytes(v))
}

// UploadFloat32 allocates a buffer holding v.
func (d *Device) UploadFloat32(v []float32, label string) (*Buffer, error) {
	b, err := d.NewBuffer(uint64(4*len(v)), label)
	if err != nil {
		return nil, err
	}
	if err := d.WriteFloat32(b, v); err != nil {
		b.Release()
		return nil, err
	}
	return b, nil
}

// UploadUint32 allocates a buffer holding v.
func (d *Device) UploadUint32(v []uint32, label string) (*Buffer, error) {
	b, err := d.NewBuffer(uint64(4*len(v)), label)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint32(raw, x)
	}
	if err := d.Write(b, 0, raw); err != nil {
		b.Release()
		return nil, err
	}
	return b, nil
}

// Read copies n bytes from the start of b back to the host, waiting for all submitted work.
func (d *Device) Read(b *Buffer, n uint64) ([]byte, error) { return d.ReadAt(b, 0, n) }

// ReadAt copies n bytes of b starting at byte offset off (a multiple of 4) back to the host,
// waiting for all submitted work.
func (d *Device) ReadAt(b *Buffer, off, n uint64) ([]byte, error) {
	if err := d.alive(); err != nil {
		return nil, err
	}
	if off%4 != 0 {
		return nil, fmt.Errorf("%w: read offset %d is not a multiple of 4", ErrShape, off)
	}
	if off > b.size || n > b.size-off {
		return nil, fmt.Errorf("%w: reading %d bytes at %d from a %d-byte buffer", ErrShape, n, off, b.size)
	}
	// The copy reads whole words; a read of the buffer's last bytes stays inside it because
	// buffer sizes are multiples of 4.
	size := max(align4(n), 4)
	if off+size > b.size {
		return nil, fmt.Errorf("%w: reading %d bytes at %d from a %d-byte buffer", ErrShape, size, off, b.size)
	}
	d.pushScope()
	staging, err := d.dev.CreateBuffer(&wgpu.BufferDescriptor{
		Label: "readback",
		Size:  size,
		Usage: wgpu.BufferUsageMapRead | wgpu.BufferUsageCopyDst,
	})
	if err != nil {
		d.popScope("readback")
		return nil, fmt.Errorf("webgpu: creating readback buffer: %w", err)
	}
	defer staging.Release()
	enc, err := d.dev.CreateCommandEncoder(nil)
	if err != nil {
		d.popScope("readback")
		return nil, fmt.Errorf("webgpu: readback encoder: %w", err)
	}
	defer enc.Release()
	if err := enc.CopyBufferToBuffer(b.buf, off, staging, 0, size); err != nil {
		d.popScope("readback")
		return nil, fmt.Errorf("webgpu: readback copy: %w", err)
	}
	cmd, err := enc.Finish(nil)
	if err != nil {
		d.popScope("readback")
		return nil, fmt.Errorf("%w: readback: %v", ErrValidation, err)
	}
	defer cmd.Release()
	d.queue.Submit(cmd)
	if err := d.popScope("readback"); err != nil {
		return nil, err
	}
	status := wgpu.BufferMapAsyncStatusUnknown
	if err := staging.MapAsync(wgpu.MapModeRead, 0, size, func(s wgpu.BufferMapAsyncStatus) { status = s }); err != nil {
		return nil, fmt.Errorf("webgpu: mapping readback buffer: %w", err)
	}
	d.wait()
	if err := d.alive(); err != nil {
		return nil, err
	}
	if status != wgpu.BufferMapAsyncStatusSuccess {
		return nil, fmt.Errorf("webgpu: mapping readback buffer: status %v", status)
	}
	out := make([]byte, n)
	copy(out, staging.GetMappedRange(0, uint(size)))
	staging.Unmap()
	return out, nil
}

// ReadFloat32 reads the first n float32 values of b.
func (d *Device) ReadFloat32(b *Buffer, n int) ([]float32, error) {
	raw, err := d.Read(b, uint64(4*n))
	if err != nil {
		return nil, err
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out, nil
}

// ReadUint32 reads the first n uint32 values of b.
func (d *Device) ReadUint32(b *Buffer, n int) ([]uint32, error) {
	raw, err := d.Read(b, uint64(4*n))
	if err != nil {
		return nil, err
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(raw[4*i:])
	}
	return out, nil
}

func float32Bytes(v []float32) []byte {
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(x))
	}
	return raw
}
