package cpu

import (
	"math"

	"heed/engine/model"
)

// Attention computes every (query, head) pair independently across the
// workers, then reduces the Influence mixes over heads in head order.
func (e *Executor) Attention(a *model.Attention) {
	pairs := a.N * a.Heads
	nmix := len(a.Mix)
	if len(e.mixPart) < pairs*nmix {
		e.mixPart = make([]float32, pairs*nmix)
	}
	ctx, _ := a.K.Shape()
	if !e.kern.attention(a, e.mixPart, ctx) {
		e.att = attentionJob{e: e, a: a, ctx: ctx, nmix: nmix}
		e.pool.run(pairs, minPairsPerWorker, &e.att)
	}
	for j, mx := range a.Mix {
		out := data(mx.Out)
		for t := range a.N {
			var s float32
			for h := range a.Heads {
				s += e.mixPart[(t*a.Heads+h)*nmix+j]
			}
			out[a.Pos+t] = s / float32(a.Heads)
		}
	}
}

// attentionJob computes (query, head) pairs [lo, hi) of one Attention.
type attentionJob struct {
	e         *Executor
	a         *model.Attention
	ctx, nmix int
}

func (j *attentionJob) do(k, lo, hi int) {
	scores := j.e.scratchScores(k, j.ctx)
	for p := lo; p < hi; p++ {
		j.e.attendOne(j.a, p/j.a.Heads, p%j.a.Heads, scores, j.e.mixPart[p*j.nmix:(p+1)*j.nmix])
	}
}

// attendOne is query t, head h: scores over the visible keys, softmax, the
// weighted sum of values, and Σ_k A[k]·In[k] for every mix into part.
func (e *Executor) attendOne(a *model.Attention, t, h int, scores, part []float32) {
	hd, kvd := a.HeadDim, a.KVHeads*a.HeadDim
	g := h / (a.Heads / a.KVHeads)
	qpos := a.Pos + t
	first := 0
	if a.Window > 0 {
		first = max(0, qpos-a.Window+1)
	}
	q := data(a.Q)[t*a.Heads*hd+h*hd : t*a.Heads*hd+(h+1)*hd]
	keys, vals := data(a.K), data(a.V)
	scale := a.Scale
	if scale == 0 {
		scale = float32(1 / math.Sqrt(float64(hd)))
	}
	sc := scores[first : qpos+1]
	for i := range sc {
		k := first + i
		sc[i] = dot(q, keys[k*kvd+g*hd:k*kvd+(g+1)*hd]) * scale
	}
	if c := float64(a.SoftCap); c > 0 {
		for i, v := range sc {
			sc[i] = float32(c * math.Tanh(float64(v)/c))
		}
	}
	// GUIDE's Δ goes last, on the value the softmax sees (model.Attention).
	if a.Bias != nil {
		bias := data(a.Bias)[first : qpos+1]
		for i := range sc {
			sc[i] += bias[i]
		}
	}
	softmax(sc)
	out := data(a.Out)[t*a.Heads*hd+h*hd : t*a.Heads*hd+(h+1)*hd]
	// Values of key k for group g start at vals[k*kvd+g*hd].
	weightedSum(out, sc, vals[first*kvd+g*hd:], kvd)
	// Σ_k A[k]·In[k] is a dot product over the visible keys: the vector kernel
	// keeps Influence's cost at a fraction of the head's own dot products.
	for j, mx := range a.Mix {
		part[j] = dot(sc, data(mx.In)[first:qpos+1])
	}
}

// softmax normalises x in place, subtracting the maximum first.
func softmax(x []float32) {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	var sum float32
	for i, v := range x {
		x[i] = float32(math.Exp(float64(v - m)))
		sum += x[i]
	}
	for i := range x {
		x[i] /= sum
	}
}

// weightedSumGo is the portable weightedSum.
func weightedSumGo(out, w, v []float32, vstride int) {
	clear(out)
	for i, wi := range w {
		vi := v[i*vstride : i*vstride+len(out)]
		for d := range out {
			out[d] += wi * vi[d]
		}
	}
}
