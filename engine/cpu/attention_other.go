//go:build !amd64

package cpu

// weightedSum sets out[d] = Σ_i w[i]·v[i·vstride+d], each element summed over
// the keys in order.
func weightedSum(out, w, v []float32, vstride int) { weightedSumGo(out, w, v, vstride) }
