package cpu

import "math"

// useExp512 is set when the vector exponentials (exp_amd64.s) apply: AVX-512F
// and BMI2 (BZHI builds the tail masks). Their lanes reproduce math.Exp bit
// for bit, which on such CPUs takes its FMA path.
var useExp512 = useAVX512 && detectBMI2()

func detectBMI2() bool {
	_, b, _, _ := cpuid(7, 0)
	return b&(1<<8) != 0
}

// softmax normalises x in place (softmaxGo's result, bit for bit).
func softmax(x []float32) {
	if !useExp512 || len(x) == 0 {
		softmaxGo(x)
		return
	}
	softmaxAVX512(&x[0], len(x))
}

// siluMul sets g[i] = silu(g[i])·u[i] for i < len(g), as siluMulGo.
func siluMul(g, u []float32) {
	if !useExp512 || len(g) == 0 {
		siluMulGo(g, u)
		return
	}
	_ = u[len(g)-1]
	siluMulAVX512(&g[0], &u[0], len(g))
}

// geluMul sets g[i] = gelu(g[i])·u[i] for i < len(g), as geluMulGo.
func geluMul(g, u []float32) {
	if !useExp512 || len(g) == 0 {
		geluMulGo(g, u)
		return
	}
	_ = u[len(g)-1]
	geluMulAVX512(&g[0], &u[0], len(g))
}

// expInPlace sets x[i] = float32(math.Exp(float64(x[i]))), the kernels'
// exponential alone (for its tests).
func expInPlace(x []float32) {
	if !useExp512 || len(x) == 0 {
		for i, v := range x {
			x[i] = float32(math.Exp(float64(v)))
		}
		return
	}
	expAVX512(&x[0], len(x))
}

// dots sets out[i] = dot(q, k[i·stride:i·stride+len(q)]), bit for bit, with one
// kernel call for all the keys instead of one call per key.
func dots(q, k []float32, stride int, out []float32) {
	hd := len(q)
	n8 := hd &^ 7
	if !useAVX2 || n8 == 0 || len(out) == 0 {
		for i := range out {
			out[i] = dot(q, k[i*stride:i*stride+hd])
		}
		return
	}
	_ = k[(len(out)-1)*stride+hd-1]
	switch {
	case hd == 64:
		dots64AVX2(&q[0], &k[0], stride, len(out), &out[0])
	case hd == 128 && useAVX512:
		dots128AVX512(&q[0], &k[0], stride, len(out), &out[0])
	default:
		dotsAVX2(&q[0], &k[0], stride, len(out), n8, &out[0])
	}
	if n8 < hd {
		// dot adds the products past the last 8-float step in order.
		for i := range out {
			kk := k[i*stride : i*stride+hd]
			s := out[i]
			for j := n8; j < hd; j++ {
				s += q[j] * kk[j]
			}
			out[i] = s
		}
	}
}

// The kernels of exp_amd64.s.

//go:noescape
func expAVX512(x *float32, n int)

//go:noescape
func softmaxAVX512(x *float32, n int)

//go:noescape
func siluMulAVX512(gate, u *float32, n int)

//go:noescape
func dotsAVX2(q, k *float32, kstride, n, hd int, out *float32)

//go:noescape
func dots64AVX2(q, k *float32, kstride, n int, out *float32)

//go:noescape
func dots128AVX512(q, k *float32, kstride, n int, out *float32)

//go:noescape
func geluMulAVX512(gate, u *float32, n int)
