package cpu

import (
	"math"
	"slices"
	"testing"
)

func TestTopKOrderAndNormaliser(t *testing.T) {
	e := New(1)
	defer e.Close()
	for _, tc := range []struct {
		name string
		x    []float32
		k    int
		ids  []int32
	}{
		{"one", []float32{-3}, 1, []int32{0}},
		{"descending", []float32{1, 5, 3, 4}, 3, []int32{1, 3, 2}},
		{"ties by lower index", []float32{2, 7, 7, 1, 7}, 2, []int32{1, 2}},
		{"ties at the k-th place", []float32{0, 7, 3, 3, 3}, 3, []int32{1, 2, 3}},
		{"all equal", []float32{4, 4, 4, 4}, 4, []int32{0, 1, 2, 3}},
		{"negative", []float32{-10, -1e4, -2, -3}, 2, []int32{2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := e.Buffer(2, len(tc.x)+1)
			e.Write(b, len(tc.x)+1, tc.x) // row 1
			c, err := e.TopK(b, 1, len(tc.x), tc.k)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.IDs, tc.ids) {
				t.Fatalf("ids %v, want %v", c.IDs, tc.ids)
			}
			var want float64
			for _, v := range tc.x {
				want += math.Exp(float64(v - c.Logits[0]))
			}
			// Each float32 term rounds by 2⁻²⁴ relative, the float64 sum adds far less.
			if math.Abs(c.Sum-want) > float64(len(tc.x))*0x1p-24*want {
				t.Fatalf("normaliser %g, want %g", c.Sum, want)
			}
		})
	}
	b := e.Buffer(1, 4)
	for _, bad := range [][3]int{{0, 4, 0}, {0, 4, 5}, {1, 4, 1}, {0, 5, 1}} {
		if _, err := e.TopK(b, bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("TopK(row %d, n %d, k %d): no error", bad[0], bad[1], bad[2])
		}
	}
}
