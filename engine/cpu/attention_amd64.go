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
	weightedSumAVX2(&out[0], &w[0], &v[0], vstride, len(w), hd, 0)
}

// weightedSumAdd adds Σ_i w[i]·v[i·vstride+d] to out[d], each element's
// multiply-adds going on from its value in order: weightedSum over keys
// [0, a) then weightedSumAdd over [a, b) gives weightedSum's bits over [0, b).
func weightedSumAdd(out, w, v []float32, vstride int) {
	hd := len(out)
	if !useAVX2 || hd%8 != 0 || hd == 0 || len(w) == 0 {
		weightedSumAddGo(out, w, v, vstride)
		return
	}
	_ = v[(len(w)-1)*vstride+hd-1]
	weightedSumAVX2(&out[0], &w[0], &v[0], vstride, len(w), hd, 1)
}

// weightedSumAVX2 is the kernel of weightedSum (add 0: the sums start at
// zero) and weightedSumAdd (add 1: at out's values) (attention_amd64.s).
//
//go:noescape
func weightedSumAVX2(out, w, v *float32, vstride, keys, hd, add int)
