package webgpu

import "testing"

// cached counts the cache entries that bind b.
func cached(d *Device, b *Buffer) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for k := range d.binds.entries {
		for _, kb := range k.bufs {
			if kb == b {
				n++
				break
			}
		}
	}
	return n
}

// TestBindingsAreReusedAndReleased pins the bind cache's life cycle: a repeated dispatch reuses
// its entry, new params make a new one, entries unused for bindKeepSteps submits go, and
// releasing a buffer drops the entries that bind it.
func TestBindingsAreReusedAndReleased(t *testing.T) {
	d := testDevice(t)
	dst, x := upload(t, d, []float32{1, 2, 3, 4}), upload(t, d, []float32{1, 1, 1, 1})
	step := func(rec func(s *Step) error) {
		t.Helper()
		s, err := d.NewStep()
		if err != nil {
			t.Fatal(err)
		}
		if rec != nil {
			if err := rec(s); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Submit(); err != nil {
			t.Fatal(err)
		}
	}
	add := func(n int) func(s *Step) error { return func(s *Step) error { return s.Add(dst, x, n) } }
	step(add(4))
	step(add(4))
	if n := cached(d, x); n != 1 {
		t.Fatalf("after a repeated dispatch: %d entries bind x, want 1", n)
	}
	step(add(3))
	if n := cached(d, x); n != 2 {
		t.Fatalf("after new params: %d entries bind x, want 2", n)
	}
	got, err := d.ReadFloat32(dst, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{4, 5, 6, 6}; got[0] != want[0] || got[3] != want[3] {
		t.Fatalf("dst %v, want %v: a reused binding ran with stale params", got, want)
	}
	for range bindKeepSteps {
		step(add(4))
	}
	if n := cached(d, x); n != 1 {
		t.Fatalf("after %d submits without it: %d entries bind x, want 1 (the Add over 3 evicted)", bindKeepSteps, n)
	}
	x.Release()
	if n := cached(d, x); n != 0 {
		t.Fatalf("after Release: %d entries bind x", n)
	}
}
