package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestWeightedSumMatchesNaive covers the value sum's 32-wide and 8-wide chunks
// and the portable fallback (widths that are not multiples of 8), with a value
// stride wider than the head, against a float64 sum.
func TestWeightedSumMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, hd := range []int{1, 7, 8, 24, 32, 40, 64, 72, 128} {
		for _, keys := range []int{1, 2, 9, 33} {
			stride := hd + 3
			w, v := randVec(r, keys), randVec(r, keys*stride)
			out := make([]float32, hd)
			for i := range out {
				out[i] = float32(i) // must be overwritten
			}
			weightedSum(out, w, v, stride)
			want := make([]float64, hd)
			for d := range want {
				for i := range keys {
					want[d] += float64(w[i]) * float64(v[i*stride+d])
				}
			}
			// At most 33 products of unit normals in f32: error below 1e-5.
			checkClose(t, fmt.Sprintf("hd=%d keys=%d", hd, keys), out, want, 1e-5, 1e-6)
		}
	}
}
