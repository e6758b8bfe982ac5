package webgpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestL1NormMatchesCPU(t *testing.T) {
	d := testDevice(t)
	for _, sh := range [][2]int{{1, 1}, {3, 37}, {67, 576}, {2, 4097}} {
		rows, cols := sh[0], sh[1]
		t.Run(fmt.Sprintf("%dx%d", rows, cols), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(rows), uint64(cols)))
			x := randVec(r, rows*cols, 3)
			xb, out := upload(t, d, x), nanBuffer(t, d, rows)
			got := run(t, d, out, rows, func(s *Step) error { return s.L1Norm(out, xb, rows, cols) })
			want := make([]float64, rows)
			for i := range rows {
				for c := range cols {
					want[i] += math.Abs(float64(x[i*cols+c]))
				}
			}
			// Positive terms: relative error ≤ (cols/WG + log2 WG + 1)·2⁻²⁴ ≤ 5e-6 for cols ≤ 4097.
			expectClose(t, "l1", got, want, []float64{0}, 5e-6)
		})
	}
}

func TestInfluenceUpdateMatchesCPU(t *testing.T) {
	d := testDevice(t)
	for _, rollout := range []bool{false, true} {
		for _, sh := range [][2]int{{0, 1}, {0, 65}, {0, 300}, {40, 1}, {7, 70}} {
			pos0, n := sh[0], sh[1]
			t.Run(fmt.Sprintf("rollout=%v/pos%d/T%d", rollout, pos0, n), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(n), uint64(pos0)))
				total := pos0 + n
				prev, mixed := make([]float32, total), make([]float32, total)
				for k := range total {
					prev[k], mixed[k] = r.Float32(), r.Float32()
				}
				xn, on := make([]float32, n), make([]float32, n)
				for i := range n {
					xn[i], on[i] = 100*r.Float32(), 10*r.Float32()
				}
				xn[0], on[0] = 0, 0 // both norms zero: influence carries over
				pb, mb, xb, ob := upload(t, d, prev), upload(t, d, mixed), upload(t, d, xn), upload(t, d, on)
				next := nanBuffer(t, d, total)
				got := run(t, d, next, total, func(s *Step) error {
					return s.InfluenceUpdate(next, pb, mb, xb, ob, pos0, n, rollout)
				})
				want := make([]float64, total)
				for k := range pos0 {
					want[k] = math.NaN() // positions before pos0 are not this call's
				}
				for i := range n {
					k := pos0 + i
					wx, wo := float64(xn[i]), float64(on[i])
					if rollout {
						wx, wo = 0.5, 0.5
					}
					if wx+wo == 0 {
						want[k] = float64(prev[k])
						continue
					}
					want[k] = (wx*float64(prev[k]) + wo*float64(mixed[k])) / (wx + wo)
				}
				for k := range pos0 {
					if !math.IsNaN(float64(got[k])) {
						t.Fatalf("next[%d] = %g was written, but lies before pos0 %d", k, got[k], pos0)
					}
				}
				// Two products, two sums and a division, each ≤ 1 ulp (2.5 for the division):
				// 6.5·2⁻²⁴ ≈ 4e-7 relative; values lie in [0, 1].
				expectClose(t, "I", got[pos0:], want[pos0:], []float64{1e-7}, 5e-7)
			})
		}
	}
}

func TestAddBiasMatchesCPU(t *testing.T) {
	d := testDevice(t)
	for _, sh := range [][2]int{{1, 1}, {3, 37}, {70, 896}} {
		rows, cols := sh[0], sh[1]
		t.Run(fmt.Sprintf("%dx%d", rows, cols), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(rows), uint64(cols)))
			x, b := randVec(r, rows*cols, 1), randVec(r, cols, 1)
			xb, bb := upload(t, d, x), upload(t, d, b)
			got := run(t, d, xb, rows*cols, func(s *Step) error { return s.AddBias(xb, bb, rows, cols) })
			want := make([]float64, rows*cols)
			for i := range want {
				want[i] = float64(x[i] + b[i%cols]) // one correctly rounded float32 add
			}
			expectClose(t, "dst", got, want, []float64{0}, 0)
		})
	}
}
