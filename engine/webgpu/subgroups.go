package webgpu

import (
	"fmt"
	"math"
	"math/rand/v2"

	"heed/engine/ggml"
	"heed/wgsl"
)

// UseSubgroups selects the decode mat-vec kernel: the subgroups variant (on, the default where
// the device has the "subgroups" feature and the variant passes checkSubgroups) or the one that
// reduces in workgroup memory only (off). The two sum a row's partials in different orders, so
// they agree within rounding (wgsl/subgroups/matvec.wgsl); the switch exists to test and time
// both on one device. Turning it on where the variant fails checkSubgroups is an error.
func (d *Device) UseSubgroups(on bool) error {
	if on && !d.info.Features.Subgroups {
		return fmt.Errorf("%w: the device has no subgroups feature", ErrNoAdapter)
	}
	if on {
		if err := d.subgroupsUsable(); err != nil {
			return err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.noSubgroups = !on
	return nil
}

// Subgroups reports whether MatVec uses the subgroups variant.
func (d *Device) Subgroups() bool {
	d.mu.Lock()
	off := !d.info.Features.Subgroups || d.noSubgroups
	d.mu.Unlock()
	return !off && d.subgroupsUsable() == nil
}

// subgroupsUsable runs checkSubgroups once per device and returns the outcome: nil when MatVec
// may use the subgroups variant.
func (d *Device) subgroupsUsable() error {
	d.mu.Lock()
	tried, err := d.sgTried, d.sgErr
	d.mu.Unlock()
	if !tried {
		err = d.checkSubgroups()
		d.mu.Lock()
		d.sgTried, d.sgErr = true, err
		d.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("%w: the subgroups mat-vec is unusable on this device: %w", ErrNoAdapter, err)
	}
	return nil
}

// matVecKernel returns the mat-vec pipeline for weights of type t: the subgroups variant when
// the device uses it (UseSubgroups), else the workgroup-memory kernel; F16 reads halves with
// shader-f16 in either where the device uses that (UseShaderF16).
func (d *Device) matVecKernel(t ggml.Type) (*pipeline, error) {
	if !d.Subgroups() {
		return d.weightKernel("matvec", t)
	}
	return d.subgroupMatVec(t)
}

func (d *Device) subgroupMatVec(t ggml.Type) (*pipeline, error) {
	f16 := t == ggml.F16 && d.ShaderF16()
	name := "matvec/" + t.String() + "/subgroups"
	if f16 {
		name += "/shader-f16"
	}
	if p, ok := d.compiled(name); ok {
		return p, nil
	}
	src, err := wgsl.WeightModuleSubgroups("matvec", t, f16)
	if err != nil {
		return nil, err
	}
	return d.kernel(name, src)
}

// Shape of checkSubgroups' probe: a row count that leaves the last workgroup's row slots part
// empty, and a column count whose 126 groups give each lane 15 or 16 of them and end in a
// partial group.
const sgCheckRows, sgCheckCols = 67, 1001

// checkSubgroups runs the subgroups mat-vec and the workgroup-memory one on the same F32 matrix
// and requires every row to agree within the reordering bound. The variant runs nowhere in
// native CI (the bundled wgpu-native exposes no subgroups feature and its WGSL parser predates
// `enable`), so each device proves it before MatVec uses it: a compiler that rejects the module,
// a driver whose subgroup operations mix rows or drop invocations, keeps the plain kernel.
func (d *Device) checkSubgroups() error {
	variant, err := d.subgroupMatVec(ggml.F32)
	if err != nil {
		return err
	}
	plain, err := d.weightKernel("matvec", ggml.F32)
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(sgCheckRows, sgCheckCols))
	wv := make([]float32, sgCheckRows*sgCheckCols)
	xv := make([]float32, sgCheckCols)
	for i := range wv {
		wv[i] = r.Float32()*2 - 1
	}
	for i := range xv {
		xv[i] = r.Float32()*2 - 1
	}
	raw, err := ggml.Quantize(ggml.F32, wv)
	if err != nil {
		return err
	}
	w, err := d.UploadWeight(ggml.F32, sgCheckRows, sgCheckCols, raw, "subgroups check weights")
	if err != nil {
		return err
	}
	defer w.Release()
	nan := make([]float32, sgCheckRows)
	for i := range nan {
		nan[i] = float32(math.NaN())
	}
	bufs := make([]*Buffer, 0, 3)
	defer func() {
		for _, b := range bufs {
			b.Release()
		}
	}()
	for _, u := range []struct {
		v     []float32
		label string
	}{{xv, "subgroups check x"}, {nan, "subgroups check plain y"}, {nan, "subgroups check variant y"}} {
		b, err := d.UploadFloat32(u.v, u.label)
		if err != nil {
			return err
		}
		bufs = append(bufs, b)
	}
	x, yPlain, yVariant := bufs[0], bufs[1], bufs[2]
	s, err := d.NewStep()
	if err != nil {
		return err
	}
	if err := s.matVecWith(plain, yPlain, w, x); err != nil {
		s.release()
		return err
	}
	if err := s.matVecWith(variant, yVariant, w, x); err != nil {
		s.release()
		return err
	}
	if err := s.Submit(); err != nil {
		return err
	}
	want, err := d.ReadFloat32(yPlain, sgCheckRows)
	if err != nil {
		return err
	}
	got, err := d.ReadFloat32(yVariant, sgCheckRows)
	if err != nil {
		return err
	}
	wg, err := variant.constant("WG")
	if err != nil {
		return err
	}
	rowsPer, err := variant.constant("ROWS")
	if err != nil {
		return err
	}
	lanes := wg / rowsPer
	for i := range got {
		var abs float64
		for k, xk := range xv {
			abs += math.Abs(float64(wv[i*sgCheckCols+k]) * float64(xk))
		}
		// Both kernels form the same LANES per-invocation partials and only sum them in a
		// different order; any order is within (LANES−1)·2⁻²⁴·Σ|partials| of the exact sum, and
		// Σ|partials| ≤ Σ|w·x| up to second-order terms, which the spare LANES covers.
		tol := 2 * float64(lanes) * 0x1p-24 * abs
		if diff := math.Abs(float64(got[i]) - float64(want[i])); !(diff <= tol) {
			return fmt.Errorf("row %d: subgroups %g, workgroup %g (|Δ| %g > %g)", i, got[i], want[i], diff, tol)
		}
	}
	return nil
}
