package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// expInputs are float32s across exp's whole range: its special values, the
// edges of float32's and float64's ranges and of the reduction, and random
// values at every scale.
func expInputs(r *rand.Rand) []float32 {
	x := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.5, -0.5, 88.7, 88.8, 89, -87.3, -103, -104, -150,
		709, 709.7, 709.78, 709.79, 710, -708, -708.4, -708.5, -744, -745, -746, -1e4, 1e4, -1e30, 1e30,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.SmallestNonzeroFloat32, -math.MaxFloat32}
	for i := range 30000 {
		scale := math.Pow(10, float64(i%9)-5)
		x = append(x, float32(r.NormFloat64()*scale))
	}
	for range 3000 {
		x = append(x, float32(r.Float64()*1500-750))
	}
	return x
}

// TestExpMatchesMathExp holds the vector exponential to float32(math.Exp) bit
// for bit (NaN to NaN) over every lane position and tail length.
func TestExpMatchesMathExp(t *testing.T) {
	if !useExp512 {
		t.Skip("no AVX-512: math.Exp is the only implementation")
	}
	r := rand.New(rand.NewPCG(41, 42))
	x := expInputs(r)
	for _, n := range []int{len(x), 1, 5, 16, 17, 31} {
		for off := range 3 {
			in := append([]float32(nil), x[off:off+n]...)
			got := append([]float32(nil), in...)
			expInPlace(got)
			for i, v := range in {
				want := float32(math.Exp(float64(v)))
				if math.Float32bits(got[i]) != math.Float32bits(want) && !(math.IsNaN(float64(want)) && math.IsNaN(float64(got[i]))) {
					t.Fatalf("exp(%v) = %v, math.Exp %v", v, got[i], want)
				}
			}
		}
	}
}

// TestSoftmaxMatchesGo holds the vector softmax to softmaxGo bit for bit at
// lengths around its 16-lane step, for scores at several scales (large ones
// make most weights underflow to zero).
func TestSoftmaxMatchesGo(t *testing.T) {
	if !useExp512 {
		t.Skip("no AVX-512: softmaxGo is the only implementation")
	}
	r := rand.New(rand.NewPCG(43, 44))
	for _, n := range []int{1, 2, 15, 16, 17, 33, 100, 1093} {
		for _, scale := range []float64{0.01, 1, 30, 1e3} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(r.NormFloat64() * scale)
			}
			got, want := append([]float32(nil), x...), append([]float32(nil), x...)
			softmax(got)
			softmaxGo(want)
			sameBits(t, fmt.Sprintf("n=%d scale=%g", n, scale), got, want)
		}
	}
}

// TestSiLUMulMatchesGo holds the vector SiLU to siluMulGo bit for bit.
func TestSiLUMulMatchesGo(t *testing.T) {
	if !useExp512 {
		t.Skip("no AVX-512: siluMulGo is the only implementation")
	}
	r := rand.New(rand.NewPCG(45, 46))
	x := expInputs(r)
	u := randVec(r, len(x))
	for _, n := range []int{len(x), 1, 7, 16, 23} {
		got, want := append([]float32(nil), x[:n]...), append([]float32(nil), x[:n]...)
		siluMul(got, u)
		siluMulGo(want, u)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(math.IsNaN(float64(want[i])) && math.IsNaN(float64(got[i]))) {
				t.Fatalf("n=%d: silu(%v)·%v = %v, Go %v", n, x[i], u[i], got[i], want[i])
			}
		}
	}
}

// TestDotsMatchDot: the many-key kernel gives each key dot's bits, at head
// widths with and without a tail past the last 8-float step.
func TestDotsMatchDot(t *testing.T) {
	r := rand.New(rand.NewPCG(47, 48))
	for _, hd := range []int{3, 8, 40, 64, 80, 96, 100, 128, 256} {
		for _, n := range []int{1, 2, 9} {
			stride := hd*3 + 5
			q, k := randVec(r, hd), randVec(r, (n-1)*stride+hd)
			got := make([]float32, n)
			dots(q, k, stride, got)
			for i := range got {
				if want := dot(q, k[i*stride:i*stride+hd]); math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("hd=%d n=%d key %d: %v, dot %v", hd, n, i, got[i], want)
				}
			}
		}
	}
}

// BenchmarkSoftmax times one row of attention weights at 1k keys.
func BenchmarkSoftmax(b *testing.B) {
	x := randVec(rand.New(rand.NewPCG(1, 2)), 1024)
	y := make([]float32, len(x))
	for b.Loop() {
		copy(y, x)
		softmax(y)
	}
}

// TestTanh64MatchesMathTanh: tanh64 is math.Tanh's algorithm with every step
// rounded on its own, which is math.Tanh's own evaluation (bit for bit) where
// the compiler does not fuse multiply-adds; within one ulp where it does.
func TestTanh64MatchesMathTanh(t *testing.T) {
	r := rand.New(rand.NewPCG(49, 50))
	for _, v := range expInputs(r) {
		x := float64(v) * 0.01
		got, want := tanh64(x), math.Tanh(x)
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) && (!fusedBuild || math.Abs(got-want) > math.Abs(want)*0x1p-52) {
			t.Fatalf("tanh64(%v) = %v, math.Tanh %v", x, got, want)
		}
	}
}

// TestGELUMulMatchesGo holds the vector GELU to geluMulGo bit for bit, over
// inputs on both sides of tanh's branch points and at every tail length.
func TestGELUMulMatchesGo(t *testing.T) {
	if !useExp512 {
		t.Skip("no AVX-512: geluMulGo is the only implementation")
	}
	r := rand.New(rand.NewPCG(51, 52))
	x := expInputs(r)
	for i := range 2000 {
		// Around |x| ≈ 0.76 and 9.6, where tanh's argument crosses 0.625 and 44.
		x = append(x, float32(0.7+float64(i)*1e-4), float32(-0.7-float64(i)*1e-4), float32(9+float64(i)*5e-4), float32(-9-float64(i)*5e-4), float32(math.Copysign(0, -1)))
	}
	u := randVec(r, len(x))
	for _, n := range []int{len(x), 1, 9, 16, 31} {
		got, want := append([]float32(nil), x[:n]...), append([]float32(nil), x[:n]...)
		geluMul(got, u)
		geluMulGo(want, u)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(math.IsNaN(float64(want[i])) && math.IsNaN(float64(got[i]))) {
				t.Fatalf("n=%d: gelu(%v)·%v = %v, Go %v", n, x[i], u[i], got[i], want[i])
			}
		}
	}
}
