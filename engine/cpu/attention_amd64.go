package cpu

// weightedSum sets out[d] = Σ_i w[i]·v[i·vstride+d] (the values of len(w) keys
// weighted by their attention), each element summed over the keys in order.
func weightedSum(out, w, v []float32, vstride int) {
	hd := len(out)
	if !useAVX2 || hd%8 != 0 || hd == 0 || len(w) == 0 {
		weightedSumGo(out, w, v, vstride)
		return
	}
	_ = v[(len(w)-1)*vstride+hd-1]
	weightedSumAVX2(&out[0], &w[0], &v[0], vstride, len(w), hd)
}

// weightedSumAVX2 is weightedSum's kernel (attention_amd64.s).
//
//go:noescape
func weightedSumAVX2(out, w, v *float32, vstride, keys, hd int)
