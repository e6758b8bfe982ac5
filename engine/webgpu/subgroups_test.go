package webgpu

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"heed/engine/ggml"
	"heed/engine/model"
	"heed/wgsl"
)

// withSubgroups runs f with d's MatVec forced to the subgroups variant (on) or the
// workgroup-memory kernel (off), restoring the device's choice afterwards. The shared device
// is switched in place, not copied, so the kernels other tests compiled are reused (each weight
// module costs SwiftShader about two seconds).
func withSubgroups(t testing.TB, d *Device, on bool, f func()) {
	t.Helper()
	was := d.Subgroups()
	if err := d.UseSubgroups(on); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := d.UseSubgroups(was); err != nil {
			t.Error(err)
		}
	}()
	f()
}

// matVecVariants lists the mat-vec variants d can run: always the workgroup-memory kernel,
// and the subgroups variant where the device uses it.
func matVecVariants(t testing.TB, d *Device) []bool {
	t.Helper()
	if d.Subgroups() {
		return []bool{false, true}
	}
	t.Logf("%s: MatVec has no subgroups variant here (feature %v)", d.Info().Name, d.Info().Features.Subgroups)
	return []bool{false}
}

func variantName(subgroups bool) string {
	if subgroups {
		return "subgroups"
	}
	return "workgroup"
}

// TestMatVecVariantsMatchCPU runs each mat-vec variant the device has on every weight type at
// edge shapes (one row, one block, rows not a multiple of ROWS, columns not a multiple of 8,
// and a row count that folds the grid) against the CPU reference.
func TestMatVecVariantsMatchCPU(t *testing.T) {
	d := testDevice(t)
	src, err := wgsl.SubgroupSource("matvec")
	if err != nil {
		t.Fatal(err)
	}
	wg, err := wgsl.Const(src, "WG")
	if err != nil {
		t.Fatal(err)
	}
	rowsPer, err := wgsl.Const(src, "ROWS")
	if err != nil {
		t.Fatal(err)
	}
	lanes := int(wg / rowsPer)
	for _, sub := range matVecVariants(t, d) {
		t.Run(variantName(sub), func(t *testing.T) {
			withSubgroups(t, d, sub, func() {
				for _, typ := range wgsl.WeightTypes {
					shapes := weightShapes(typ)
					if typ == ggml.F32 || typ == ggml.Q8_0 {
						shapes = append(shapes, [2]int{70001, 32})
					}
					for _, sh := range shapes {
						t.Run(fmt.Sprintf("%s/%dx%d", typ, sh[0], sh[1]), func(t *testing.T) {
							matVecAgainstCPU(t, d, typ, sh[0], sh[1], lanes)
						})
					}
				}
			})
		})
	}
}

func matVecAgainstCPU(t *testing.T, d *Device, typ ggml.Type, rows, cols, lanes int) {
	r := rand.New(rand.NewPCG(uint64(rows)+7, uint64(cols)))
	raw, deq := randWeight(t, r, typ, rows, cols)
	x := randVec(r, cols, 1)
	w, err := d.UploadWeight(typ, rows, cols, raw, "w")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Release()
	xb := upload(t, d, x)
	yb := nanBuffer(t, d, rows)
	got := run(t, d, yb, rows, func(s *Step) error { return s.MatVec(yb, w, xb) })
	// Both variants sum in a fixed order, so a second run gives the same bits: an A/B
	// generation from one seed must not differ by chance.
	again := run(t, d, yb, rows, func(s *Step) error { return s.MatVec(yb, w, xb) })
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(again[i]) {
			t.Fatalf("row %d: %v, then %v on a second run", i, got[i], again[i])
		}
	}
	// Each invocation adds ceil(groups/LANES) groups of 8 products in sequence; a row's LANES
	// partials are then summed, in a tree (workgroup) or by subgroups in slot order,
	// either way within LANES more additions.
	adds := ((cols+7)/8+lanes-1)/lanes*8 + lanes
	want, tol := make([]float64, rows), make([]float64, rows)
	for i := range rows {
		var sum, abs float64
		for k := range cols {
			p := float64(deq[i*cols+k]) * float64(x[k])
			sum += p
			abs += math.Abs(p)
		}
		want[i], tol[i] = sum, measuredBound(adds, abs, matVecUlps)
	}
	expectClose(t, "y", got, want, tol, 0)
}

// TestSubgroupsSelectedWhereTheDeviceHasThem pins the selection: where the device has the
// subgroups feature, the variant passes checkSubgroups and MatVec uses it (the browser harness
// looks for the "matvec variant: subgroups" line); UseSubgroups(false) falls back; without the
// feature, UseSubgroups(true) is refused and MatVec keeps the workgroup-memory kernel.
func TestSubgroupsSelectedWhereTheDeviceHasThem(t *testing.T) {
	d := testDevice(t)
	info := d.Info()
	t.Logf("adapter %q (%s, %s): features %+v", info.Name, info.Backend, info.Type, info.Features)
	usedName := func() string {
		p, err := d.matVecKernel(ggml.F32)
		if err != nil {
			t.Fatal(err)
		}
		return p.name
	}
	if !info.Features.Subgroups {
		if err := d.UseSubgroups(true); !errors.Is(err, ErrNoAdapter) {
			t.Fatalf("UseSubgroups(true) without the feature: %v, want ErrNoAdapter", err)
		}
		if d.Subgroups() || strings.Contains(usedName(), "subgroups") {
			t.Fatalf("MatVec uses the subgroups variant (%s) without the feature", usedName())
		}
		t.Logf("matvec variant: workgroup (no subgroups feature)")
		return
	}
	if err := d.subgroupsUsable(); err != nil {
		t.Fatalf("the device has subgroups but the variant failed its check: %v", err)
	}
	if !d.Subgroups() {
		t.Fatal("Subgroups() is false on a device whose variant passed its check")
	}
	if name := usedName(); !strings.HasSuffix(name, "/subgroups") {
		t.Fatalf("MatVec uses %s, want the subgroups variant", name)
	}
	withSubgroups(t, d, false, func() {
		if name := usedName(); strings.Contains(name, "subgroups") {
			t.Fatalf("UseSubgroups(false) still uses %s", name)
		}
	})
	if name := usedName(); !strings.HasSuffix(name, "/subgroups") {
		t.Fatalf("after restoring, MatVec uses %s", name)
	}
	t.Logf("matvec variant: subgroups")
}

// BenchmarkDecodeSubgroups reports decode tokens/s of the WebGPU executor with each mat-vec
// variant the device has, on SmolLM2-135M's shape in Q8_0 cut to 6 layers (BenchmarkModel's
// model), and the time of one 896×4864 mat-vec (Qwen2.5-0.5B's FFN down-projection) per type.
func BenchmarkDecodeSubgroups(b *testing.B) {
	const prompt, decodeContext = 64, 192
	d := testDevice(b)
	e, err := NewExecutor(d)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(e.Close)
	m, err := model.Load(synthFile(b, "smollm2-135m,layers=6", ggml.Q8_0), e)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int32, decodeContext)
	for i := range ids {
		ids[i] = int32(1 + (i*37)%500)
	}
	logits := make([]float32, m.Vocab)
	st := model.Step{Logits: model.LogitsLast}
	for _, sub := range matVecVariants(b, d) {
		withSubgroups(b, d, sub, func() {
			b.Run("smollm2-135m-6layers-Q8_0/decode/"+variantName(sub), func(b *testing.B) {
				s, err := m.NewState(model.StateOptions{Context: decodeContext, Batch: prompt})
				if err != nil {
					b.Fatal(err)
				}
				forward := func(ids []int32) {
					if err := m.Forward(s, ids, st); err != nil {
						b.Fatal(err)
					}
					// Reading the logits waits for the step to finish.
					if err := s.Logits(0, logits); err != nil {
						b.Fatal(err)
					}
				}
				// The first decode token after the prompt compiles the mat-vec kernels; the
				// restarts keep it (and every prefill) out of the timing.
				restart := func() {
					b.StopTimer()
					s.Reset()
					forward(ids[:prompt])
					forward(ids[prompt : prompt+1])
					b.StartTimer()
				}
				restart()
				for b.Loop() {
					if s.Pos() == decodeContext {
						restart()
					}
					forward(ids[s.Pos() : s.Pos()+1])
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
			})
			for _, typ := range []ggml.Type{ggml.F32, ggml.Q8_0, ggml.Q4_K} {
				b.Run(fmt.Sprintf("matvec/%s/896x4864/%s", typ, variantName(sub)), func(b *testing.B) {
					const rows, cols = 896, 4864
					r := rand.New(rand.NewPCG(1, 1))
					raw, _ := randWeight(b, r, typ, rows, cols)
					w, err := d.UploadWeight(typ, rows, cols, raw, "w")
					if err != nil {
						b.Fatal(err)
					}
					defer w.Release()
					x, y := upload(b, d, randVec(r, cols, 1)), nanBuffer(b, d, rows)
					// The first call compiles the kernel.
					run(b, d, y, 1, func(s *Step) error { return s.MatVec(y, w, x) })
					for b.Loop() {
						run(b, d, y, 1, func(s *Step) error { return s.MatVec(y, w, x) })
					}
				})
			}
		})
	}
}

// TestFailedSubgroupsCheckKeepsTheWorkgroupKernel pins the fallback when checkSubgroups fails:
// on a copy of the device that claims the feature, a recorded check failure (everywhere) and a
// compiler that rejects `enable subgroups;` (where the device really lacks the feature, e.g.
// wgpu-native) both leave MatVec on the workgroup-memory kernel and make UseSubgroups(true)
// an error.
func TestFailedSubgroupsCheckKeepsTheWorkgroupKernel(t *testing.T) {
	d := testDevice(t)
	injected := errors.New("injected check failure")
	cases := []struct {
		name    string
		prepare func(c *Device)
		want    error
	}{
		{"recorded failure", func(c *Device) { c.sgTried, c.sgErr = true, injected }, injected},
	}
	if !d.Info().Features.Subgroups {
		cases = append(cases, struct {
			name    string
			prepare func(c *Device)
			want    error
		}{"module rejected", func(*Device) {}, ErrValidation})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := limitedDevice(t, d, d.Info().Limits.MaxStorageBufferBindingSize)
			c.info.Features.Subgroups = true
			tc.prepare(c)
			if c.Subgroups() {
				t.Fatal("Subgroups() is true after a failed check")
			}
			err := c.UseSubgroups(true)
			if !errors.Is(err, ErrNoAdapter) || !errors.Is(err, tc.want) {
				t.Fatalf("UseSubgroups(true) = %v, want ErrNoAdapter wrapping %v", err, tc.want)
			}
			p, err := c.matVecKernel(ggml.F32)
			if err != nil {
				t.Fatal(err)
			}
			if p.name != "matvec/F32" {
				t.Fatalf("MatVec uses %s after a failed check", p.name)
			}
		})
	}
}
