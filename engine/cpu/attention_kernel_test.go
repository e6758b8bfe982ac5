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

// TestWeightedSumIsOneFMAChain: with AVX2, every element of every chunk (64,
// 32 and 8 wide) is one fused multiply-add chain over the keys in order, so
// an element's bits do not depend on the head width around it.
func TestWeightedSumIsOneFMAChain(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2: the portable sum is the only implementation")
	}
	r := rand.New(rand.NewPCG(23, 24))
	for _, hd := range []int{8, 40, 64, 104, 128, 256} {
		for _, keys := range []int{1, 9, 130} {
			stride := hd + 8
			w, v := randVec(r, keys), randVec(r, keys*stride)
			out := make([]float32, hd)
			weightedSum(out, w, v, stride)
			want := make([]float32, hd)
			for d := range want {
				for i := range keys {
					want[d] = fma32(w[i], v[i*stride+d], want[d])
				}
			}
			sameBits(t, fmt.Sprintf("hd=%d keys=%d", hd, keys), out, want)
		}
	}
}

// TestWeightedSumAddContinues: a sum split at any key, the second part added
// with weightedSumAdd, gives the one-pass bits (attention splits keys into
// blocks).
func TestWeightedSumAddContinues(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, hd := range []int{7, 8, 40, 64, 128} {
		const keys = 150
		stride := hd + 8
		w, v := randVec(r, keys), randVec(r, keys*stride)
		whole := make([]float32, hd)
		weightedSum(whole, w, v, stride)
		for _, split := range []int{1, 64, 149} {
			got := make([]float32, hd)
			weightedSum(got, w[:split], v, stride)
			weightedSumAdd(got, w[split:], v[split*stride:], stride)
			sameBits(t, fmt.Sprintf("hd=%d split=%d", hd, split), got, whole)
		}
	}
}
