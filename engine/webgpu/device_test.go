package webgpu

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/cogentcore/webgpu/wgpu"
)

var (
	sharedOnce sync.Once
	shared     *Device
	sharedErr  error
)

// testDevice opens one device for the whole test binary. Without an adapter the GPU tests
// skip, unless CI is set: CI installs lavapipe, so there a missing adapter is a failure.
func testDevice(t testing.TB) *Device {
	t.Helper()
	sharedOnce.Do(func() {
		if os.Getenv("XDG_RUNTIME_DIR") == "" {
			os.Setenv("XDG_RUNTIME_DIR", os.TempDir())
		}
		shared, sharedErr = Open()
	})
	if sharedErr != nil {
		if errors.Is(sharedErr, ErrNoAdapter) && os.Getenv("CI") == "" {
			t.Skipf("no WebGPU adapter (install mesa-vulkan-drivers libvulkan1 for lavapipe): %v", sharedErr)
		}
		t.Fatalf("opening WebGPU device: %v", sharedErr)
	}
	// Without a Vulkan driver wgpu-native falls back to OpenGL on llvmpipe, which passes but
	// takes minutes; the suite targets lavapipe (or a real GPU).
	if b := shared.Info().Backend; b == wgpu.BackendTypeOpenGL.String() || b == wgpu.BackendTypeOpenGLES.String() {
		if os.Getenv("CI") == "" {
			t.Skipf("only an OpenGL adapter (%s); install mesa-vulkan-drivers libvulkan1 for lavapipe", b)
		}
		t.Fatalf("CI expects a Vulkan adapter (lavapipe), got backend %s", b)
	}
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	os.Exit(code)
}

// nanBuffer allocates n floats prefilled with NaN, so elements a kernel leaves untouched show.
func nanBuffer(t testing.TB, d *Device, n int) *Buffer {
	t.Helper()
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	b, err := d.UploadFloat32(v, "output")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Release)
	return b
}

func upload(t testing.TB, d *Device, v []float32) *Buffer {
	t.Helper()
	b, err := d.UploadFloat32(v, "input")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Release)
	return b
}

func randVec(r *rand.Rand, n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = (2*r.Float32() - 1) * scale
	}
	return v
}

// run records one kernel through rec, submits it and reads n floats of out.
func run(t testing.TB, d *Device, out *Buffer, n int, rec func(s *Step) error) []float32 {
	t.Helper()
	s, err := d.NewStep()
	if err != nil {
		t.Fatal(err)
	}
	if err := rec(s); err != nil {
		t.Fatal(err)
	}
	if err := s.Submit(); err != nil {
		t.Fatal(err)
	}
	got, err := d.ReadFloat32(out, n)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// expectClose checks |got−want| ≤ tol[i] + rel·|want| per element (tol may be one value
// for all), printing the first ten mismatches with their indices. NaN never passes.
func expectClose(t testing.TB, what string, got []float32, want []float64, tol []float64, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	var worst float64
	for i := range want {
		abs := tol[0]
		if len(tol) > 1 {
			abs = tol[i]
		}
		diff := math.Abs(float64(got[i]) - want[i])
		bound := abs + rel*math.Abs(want[i])
		if !(diff <= bound) {
			if bad < 10 {
				t.Errorf("%s[%d] = %g, want %g (|diff| %.3g > bound %.3g)", what, i, got[i], want[i], diff, bound)
			}
			bad++
		}
		if diff > worst {
			worst = diff
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d elements out of tolerance (worst |diff| %.3g)", what, bad, len(want), worst)
	}
}

func TestOpenReportsLimits(t *testing.T) {
	d := testDevice(t)
	info := d.Info()
	t.Logf("adapter %q backend %s type %s features %+v limits %+v", info.Name, info.Backend, info.Type, info.Features, info.Limits)
	if info.Limits.MaxStorageBufferBindingSize < 128<<20 {
		t.Errorf("maxStorageBufferBindingSize %d is below the WebGPU default: adapter limits were not requested", info.Limits.MaxStorageBufferBindingSize)
	}
	if info.Limits.MaxComputeWorkgroupsPerDimension == 0 {
		t.Error("maxComputeWorkgroupsPerDimension not reported")
	}
}

func TestFold(t *testing.T) {
	for _, tc := range []struct {
		n, limit uint32
		fits     bool
	}{
		{0, 65535, true}, {1, 65535, true}, {65535, 65535, true}, {65536, 65535, true},
		{151936, 65535, true}, {70001, 100, false}, {9999, 100, true}, {10000, 100, true}, {10001, 100, false},
	} {
		t.Run(fmt.Sprint(tc.n, "/", tc.limit), func(t *testing.T) {
			x, y, err := fold(tc.n, tc.limit)
			if !tc.fits {
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("fold(%d, %d) = %d, %d, %v; want ErrTooLarge", tc.n, tc.limit, x, y, err)
				}
				return
			}
			if err != nil || x > tc.limit || y > tc.limit || uint64(x)*uint64(y) < uint64(tc.n) || x == 0 {
				t.Fatalf("fold(%d, %d) = %d, %d, %v", tc.n, tc.limit, x, y, err)
			}
		})
	}
}

func TestBufferLimitIsAClearError(t *testing.T) {
	d := testDevice(t)
	_, err := d.NewBuffer(d.Info().Limits.MaxStorageBufferBindingSize+4, "too big")
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	t.Log(err)
}

func TestBrokenShaderIsAValidationError(t *testing.T) {
	d := testDevice(t)
	src := "@group(0) @binding(0) var<uniform> p: vec4<u32>;\n@compute @workgroup_size(1) fn main() { let x: u32 = p.x + 1.5; }"
	_, err := d.kernel("broken", src)
	if !errors.Is(err, ErrValidation) {
		t.Fatalf("got %v, want ErrValidation", err)
	}
	t.Log(err)
}

func TestShapeErrors(t *testing.T) {
	d := testDevice(t)
	small := nanBuffer(t, d, 4)
	for _, tc := range []struct {
		name string
		rec  func(s *Step) error
	}{
		{"add short input", func(s *Step) error { return s.Add(nanBuffer(t, d, 8), small, 8) }},
		{"add aliasing", func(s *Step) error { return s.Add(small, small, 4) }},
		{"rope odd dims", func(s *Step) error { return s.RoPE(small, nanBuffer(t, d, 4), 1, 1, 4, 3, 0, RoPEAdjacent, 1) }},
		{"rope short frequencies", func(s *Step) error { return s.RoPE(nanBuffer(t, d, 16), small, 1, 1, 16, 16, 0, RoPENeoX, 1) }},
		{"copy past the end", func(s *Step) error { return s.Copy(small, 2, small, 0, 3) }},
		{"argmax empty", func(s *Step) error { return s.Argmax(small, small, 0, 0, &Selection{}) }},
		{"top-k past the values", func(s *Step) error { return s.TopK(nanBuffer(t, d, 16), small, 0, 4, 5, &Selection{}) }},
		{"argmax past the buffer", func(s *Step) error { return s.Argmax(small, small, 2, 3, &Selection{}) }},
		{"attention gqa", func(s *Step) error {
			return s.Attention(small, small, small, small, AttentionArgs{Tokens: 1, Keys: 1, Heads: 3, KVHeads: 2, HeadDim: 1})
		}},
		{"attention causal past cache", func(s *Step) error {
			return s.Attention(small, small, small, small, AttentionArgs{Tokens: 2, Keys: 1, Heads: 1, KVHeads: 1, HeadDim: 1, Causal: true})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := d.NewStep()
			if err != nil {
				t.Fatal(err)
			}
			err = tc.rec(s)
			if !errors.Is(err, ErrShape) {
				t.Fatalf("got %v, want ErrShape", err)
			}
			if serr := s.Submit(); !errors.Is(serr, ErrShape) {
				t.Fatalf("Submit after a failed kernel: %v, want the kernel's error", serr)
			}
		})
	}
}
