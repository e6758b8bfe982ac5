//go:build !amd64

package cpu

import "math"

// weightedSum sets out[d] = Σ_i w[i]·v[i·vstride+d], each element summed over
// the keys in order.
func weightedSum(out, w, v []float32, vstride int) { weightedSumGo(out, w, v, vstride) }

// weightedSumAdd adds Σ_i w[i]·v[i·vstride+d] to out[d], in order.
func weightedSumAdd(out, w, v []float32, vstride int) { weightedSumAddGo(out, w, v, vstride) }

func softmax(x []float32) { softmaxGo(x) }

func siluMul(g, u []float32) { siluMulGo(g, u) }

func geluMul(g, u []float32) { geluMulGo(g, u) }

// dots sets out[i] = dot(q, k[i·stride:i·stride+len(q)]).
func dots(q, k []float32, stride int, out []float32) {
	for i := range out {
		out[i] = dot(q, k[i*stride:i*stride+len(q)])
	}
}

// useExp512 is false off amd64: softmaxGo and siluMulGo are used.
const useExp512 = false

// expInPlace sets x[i] = float32(math.Exp(float64(x[i]))).
func expInPlace(x []float32) {
	for i, v := range x {
		x[i] = float32(math.Exp(float64(v)))
	}
}
