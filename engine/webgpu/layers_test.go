package webgpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestRMSNormMatchesCPU(t *testing.T) {
	d := testDevice(t)
	for _, sh := range [][2]int{{1, 1}, {1, 64}, {3, 37}, {70, 576}, {5, 4097}} {
		rows, cols := sh[0], sh[1]
		t.Run(fmt.Sprintf("%dx%d", rows, cols), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(rows), uint64(cols)))
			x, gain := randVec(r, rows*cols, 3), randVec(r, cols, 2)
			const eps = 1e-5
			xb, gb, yb := upload(t, d, x), upload(t, d, gain), nanBuffer(t, d, rows*cols)
			got := run(t, d, yb, rows*cols, func(s *Step) error { return s.RMSNorm(yb, xb, gb, rows, cols, eps) })
			want := make([]float64, rows*cols)
			for i := range rows {
				var ss float64
				for c := range cols {
					ss += float64(x[i*cols+c]) * float64(x[i*cols+c])
				}
				inv := 1 / math.Sqrt(ss/float64(cols)+eps)
				for c := range cols {
					want[i*cols+c] = float64(x[i*cols+c]) * inv * float64(gain[c])
				}
			}
			// The sum of squares has only positive terms, so its relative error is at most
			// (cols/WG + log2 WG + 2)·2⁻²⁴ ≤ 6e-6 for cols ≤ 4097; inverseSqrt adds 2 ulp and
			// the two products 1 ulp each: relative 1e-5 covers it; abs 1e-7 covers ref ≈ 0.
			expectClose(t, "y", got, want, []float64{1e-7}, 1e-5)
		})
	}
}

func TestRoPEMatchesCPU(t *testing.T) {
	d := testDevice(t)
	for _, tc := range []struct {
		tokens, heads, dim, rot, pos0 int
		layout                        RoPELayout
		base                          float64
		factor                        float32 // attention factor on cos and sin
	}{
		{1, 1, 2, 2, 0, RoPEAdjacent, 10000, 1},
		{1, 8, 8, 8, 5, RoPEAdjacent, 10000, 1},
		{7, 3, 64, 64, 0, RoPENeoX, 10000, 1},
		{33, 9, 64, 64, 1000, RoPEAdjacent, 10000, 1},
		{33, 9, 64, 64, 1000, RoPENeoX, 1000000, 1},
		{5, 2, 80, 32, 17, RoPENeoX, 10000, 1},
		{5, 2, 80, 32, 17, RoPEAdjacent, 500000, 1},
		{5, 3, 128, 96, 40, RoPENeoX, 10000, 1.1902}, // Phi-4-mini: partial rotation, LongRoPE factor
	} {
		name := fmt.Sprintf("T%d_H%d_d%d_rot%d_pos%d_layout%d", tc.tokens, tc.heads, tc.dim, tc.rot, tc.pos0, tc.layout)
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tc.tokens), uint64(tc.pos0)))
			n := tc.tokens * tc.heads * tc.dim
			x := randVec(r, n, 1)
			half := tc.rot / 2
			invFreq := make([]float32, half)
			for i := range invFreq {
				invFreq[i] = float32(math.Pow(tc.base, -2*float64(i)/float64(tc.rot)))
			}
			xb, fb := upload(t, d, x), upload(t, d, invFreq)
			got := run(t, d, xb, n, func(s *Step) error {
				return s.RoPE(xb, fb, tc.tokens, tc.heads, tc.dim, tc.rot, tc.pos0, tc.layout, tc.factor)
			})
			want := make([]float64, n)
			for i, v := range x {
				want[i] = float64(v)
			}
			for tt := range tc.tokens {
				for h := range tc.heads {
					base := (tt*tc.heads + h) * tc.dim
					for i := range half {
						a, b := base+2*i, base+2*i+1
						if tc.layout == RoPENeoX {
							a, b = base+i, base+i+half
						}
						theta := float64(tc.pos0+tt) * float64(invFreq[i])
						x0, x1 := float64(x[a]), float64(x[b])
						c, s := math.Cos(theta)*float64(tc.factor), math.Sin(theta)*float64(tc.factor)
						want[a] = x0*c - x1*s
						want[b] = x0*s + x1*c
					}
				}
			}
			// θ = pos·invFreq is one float32 product: |Δθ| ≤ 2⁻²⁴·|θ| ≤ 6.2e-5 rad at position
			// 1037, moving a pair with |x| ≤ √2 by ≤ √2·|Δθ|. rope.wgsl's own sincos (not the
			// built-ins, which WGSL lets err by 2⁻¹¹) errs by a few f32 ulps of 1 after the
			// reduction and polynomial (< 1e-6 each); the rotation's products and sum add 3 ulps
			// of |x|: 4e-6 covers both.
			maxPos := float64(tc.pos0 + tc.tokens)
			tol := (math.Sqrt2*0x1p-24*maxPos + 4e-6) * float64(tc.factor)
			expectClose(t, "x", got, want, []float64{tol}, 0)
		})
	}
}

func TestSiLUGateAndAddMatchCPU(t *testing.T) {
	d := testDevice(t)
	for _, n := range []int{1, 63, 65, 4864, 70000 * 64} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(n), 3))
			g, u := randVec(r, n, 6), randVec(r, n, 2)
			gb, ub := upload(t, d, g), upload(t, d, u)
			got := run(t, d, gb, n, func(s *Step) error { return s.SiLUGate(gb, ub, n) })
			want := make([]float64, n)
			for i := range n {
				gg := float64(g[i])
				want[i] = gg / (1 + math.Exp(-gg)) * float64(u[i])
			}
			// exp is accurate to 3 + 2·|x| ulp (WGSL) = 15 ulp for |g| ≤ 6, the division
			// 2.5 ulp and the products 1 ulp each: 20 ulp ≈ 1.2e-6 relative; 2e-6 with margin.
			expectClose(t, "silu", got, want, []float64{1e-7}, 2e-6)

			acc := upload(t, d, g)
			got = run(t, d, acc, n, func(s *Step) error { return s.Add(acc, ub, n) })
			for i := range n {
				// float32 addition is correctly rounded: the sum of float32 values rounded to
				// float32 is exactly reproducible.
				want[i] = float64(g[i] + u[i])
			}
			expectClose(t, "add", got, want, []float64{0}, 0)
		})
	}
}

func TestCopyMovesARange(t *testing.T) {
	d := testDevice(t)
	src := upload(t, d, []float32{1, 2, 3, 4, 5})
	dst := nanBuffer(t, d, 6)
	got := run(t, d, dst, 6, func(s *Step) error {
		// A kernel before the copy: the copy must end the open compute pass.
		if err := s.Add(dst, src, 0); err != nil {
			return err
		}
		return s.Copy(dst, 2, src, 1, 3)
	})
	nan := math.NaN()
	want := []float64{nan, nan, 2, 3, 4, nan}
	for i := range want {
		if math.IsNaN(want[i]) != math.IsNaN(float64(got[i])) || (!math.IsNaN(want[i]) && float64(got[i]) != want[i]) {
			t.Fatalf("dst = %v, want %v", got, want)
		}
	}
}

func TestArgmaxMatchesCPU(t *testing.T) {
	d := testDevice(t)
	for _, tc := range []struct {
		name string
		x    func(r *rand.Rand) []float32
	}{
		{"one", func(*rand.Rand) []float32 { return []float32{-3} }},
		{"random 37", func(r *rand.Rand) []float32 { return randVec(r, 37, 10) }},
		{"all negative 1000", func(r *rand.Rand) []float32 {
			v := randVec(r, 1000, 1)
			for i := range v {
				v[i] = -1000 - v[i]
			}
			return v
		}},
		{"ties pick lowest", func(*rand.Rand) []float32 {
			v := make([]float32, 5000)
			v[4321], v[1234], v[4999] = 7, 7, 7
			return v
		}},
		{"vocabulary 151936", func(r *rand.Rand) []float32 { return randVec(r, 151936, 30) }},
		{"max at end", func(r *rand.Rand) []float32 {
			v := randVec(r, 513, 1)
			v[512] = 2
			return v
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := tc.x(rand.New(rand.NewPCG(4, 5)))
			want := 0
			for i, v := range x {
				if v > x[want] {
					want = i
				}
			}
			xb := upload(t, d, x)
			out, err := d.UploadUint32([]uint32{0xdeadbeef}, "argmax")
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			s, err := d.NewStep()
			if err != nil {
				t.Fatal(err)
			}
			var sel Selection
			defer sel.Release()
			if err := s.Argmax(out, xb, 0, len(x), &sel); err != nil {
				t.Fatal(err)
			}
			if err := s.Submit(); err != nil {
				t.Fatal(err)
			}
			got, err := d.ReadUint32(out, 1)
			if err != nil {
				t.Fatal(err)
			}
			if int(got[0]) != want {
				t.Fatalf("argmax = %d, want %d", got[0], want)
			}
		})
	}
}
