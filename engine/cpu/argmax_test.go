package cpu

import (
	"math/rand/v2"
	"slices"
	"testing"

	"heed/engine/sample"
)

// argmaxCases are vectors whose greedy token the executor must agree on with the sampler.
func argmaxCases() []struct {
	name string
	x    []float32
} {
	r := rand.New(rand.NewPCG(7, 8))
	random := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64() * 10)
		}
		return v
	}
	ties := make([]float32, 5000)
	ties[4321], ties[1234], ties[4999] = 7, 7, 7
	negative := random(1000)
	for i := range negative {
		negative[i] = -1000 - negative[i]*negative[i]
	}
	atEnd := random(513)
	atEnd[512] = 100
	return []struct {
		name string
		x    []float32
	}{
		{"one", []float32{-3}},
		{"random 37", random(37)},
		{"all equal", make([]float32, 300)},
		{"ties pick lowest", ties},
		{"all negative", negative},
		{"max at end of 513", atEnd},
		{"vocabulary 151936", random(151936)},
	}
}

func TestArgmaxMatchesSamplerGreedy(t *testing.T) {
	e := New(1)
	defer e.Close()
	for _, tc := range argmaxCases() {
		t.Run(tc.name, func(t *testing.T) {
			want := sample.New(sample.Params{}).Sample(slices.Clone(tc.x), nil)
			// Row 1 of a 3-row buffer with a longer row than n, so the row offset and the
			// bound n are both exercised; rows 0 and 2 hold larger values that must be ignored.
			cols := len(tc.x) + 5
			b := e.Buffer(3, cols)
			fill := make([]float32, 3*cols)
			for i := range fill {
				fill[i] = 1e30
			}
			copy(fill[cols:], tc.x)
			e.Write(b, 0, fill)
			got, err := e.Argmax(b, 1, len(tc.x))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("Argmax = %d, sampler's greedy token %d", got, want)
			}
		})
	}
}

func TestArgmaxRejectsBadRange(t *testing.T) {
	e := New(1)
	defer e.Close()
	b := e.Buffer(2, 10)
	for _, tc := range []struct {
		name   string
		row, n int
	}{
		{"negative row", -1, 10},
		{"row past end", 2, 10},
		{"zero floats", 0, 0},
		{"more floats than columns", 1, 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.Argmax(b, tc.row, tc.n); err == nil {
				t.Fatalf("Argmax(row %d, n %d) of a 2×10 buffer: no error", tc.row, tc.n)
			}
		})
	}
}
