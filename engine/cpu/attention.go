package cpu

import (
	"math"

	"heed/engine/model"
)

// Attention computes every (query, key/value group) unit independently across
// the workers, then reduces the Influence mixes over heads in head order.
func (e *Executor) Attention(a *model.Attention) {
	units := a.N * a.KVHeads
	group := a.Heads / a.KVHeads
	nmix := len(a.Mix)
	if len(e.mixPart) < a.N*a.Heads*nmix {
		e.mixPart = make([]float32, a.N*a.Heads*nmix)
	}
	ctx, _ := a.K.Shape()
	if !e.kern.attention(a, e.mixPart, ctx) {
		e.att = attentionJob{e: e, a: a, ctx: ctx, nmix: nmix, group: group}
		// A unit visits at most group·(Pos+N) keys; a worker gets at least
		// minKeysPerWorker of them, so a decode step's few short units stay on the
		// caller instead of paying for a worker's wake-up.
		e.pool.run(units, max(1, minPairsPerWorker/group, minKeysPerWorker/(group*(a.Pos+a.N))), &e.att)
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

// attentionJob computes units [lo, hi) of one Attention: a unit is one query
// token with the group of query heads that share a key/value head.
type attentionJob struct {
	e                *Executor
	a                *model.Attention
	ctx, nmix, group int
}

// keyBlock is how many keys every query head of a group takes in turn, for
// the scores and then for the weighted values: 64 keys of a 64-float head
// (16 KiB) stay in L1 across the group's heads instead of streaming from L2
// (or L3) once per head, which bounded attention's speed at long prompts.
const keyBlock = 64

// Units go group by group, so one group's keys and values (512 KiB at 1k
// tokens of SmolLM2 or Qwen2.5) stay in L2 across its tokens. Within a group
// tokens alternate early and late (0, N−1, 1, N−2, …): a causal query's cost
// grows with its position, so contiguous ranges of this order, one per
// worker, cost about the same, where tokens in order left the last worker
// three times the first one's work over a prefill.
func (j *attentionJob) do(k, lo, hi int) {
	scores := j.e.scratchScores(k, j.group*j.ctx)
	n := j.a.N
	for u := lo; u < hi; u++ {
		g, slot := u/n, u%n
		t := slot / 2
		if slot%2 == 1 {
			t = n - 1 - slot/2
		}
		j.e.attendGroup(j.a, t, g, j.group, j.ctx, scores)
	}
}

// attendGroup is query t for the heads of key/value group g: for each head,
// scores over the visible keys, softmax, the weighted sum of values, and
// Σ_k A[k]·In[k] for every mix into its part of mixPart. scores holds one row
// of ctx floats per head of the group.
func (e *Executor) attendGroup(a *model.Attention, t, g, group, ctx int, scores []float32) {
	hd, kvd := a.HeadDim, a.KVHeads*a.HeadDim
	qpos := a.Pos + t
	first := 0
	if a.Window > 0 {
		first = max(0, qpos-a.Window+1)
	}
	nk := qpos + 1 - first
	// Key (and value) i of group g starts at keys[i*kvd] (vals[i*kvd]).
	keys, vals := data(a.K)[first*kvd+g*hd:], data(a.V)[first*kvd+g*hd:]
	q, out := data(a.Q)[t*a.Heads*hd:], data(a.Out)[t*a.Heads*hd:]
	scale := a.Scale
	if scale == 0 {
		scale = float32(1 / math.Sqrt(float64(hd)))
	}
	row := func(j int) []float32 { return scores[j*ctx : j*ctx+nk] }
	head := func(v []float32, j int) []float32 { h := g*group + j; return v[h*hd : (h+1)*hd] }
	for k0 := 0; k0 < nk; k0 += keyBlock {
		kn := min(keyBlock, nk-k0)
		for j := range group {
			dots(head(q, j), keys[k0*kvd:], kvd, row(j)[k0:k0+kn])
		}
	}
	for j := range group {
		sc := row(j)
		for i := range sc {
			sc[i] *= scale
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
	}
	for k0 := 0; k0 < nk; k0 += keyBlock {
		kn := min(keyBlock, nk-k0)
		for j := range group {
			w, o := row(j)[k0:k0+kn], head(out, j)
			if k0 == 0 {
				weightedSum(o, w, vals, kvd)
			} else {
				// Each element's chain of multiply-adds goes on from the
				// previous block's value: the same bits as one pass.
				weightedSumAdd(o, w, vals[k0*kvd:], kvd)
			}
		}
	}
	// Σ_k A[k]·In[k] is a dot product over the visible keys: the vector kernel
	// keeps Influence's cost at a fraction of the head's own dot products.
	for j := range group {
		pair := (t*a.Heads + g*group + j) * len(a.Mix)
		for m, mx := range a.Mix {
			e.mixPart[pair+m] = dot(row(j), data(mx.In)[first:qpos+1])
		}
	}
}

// softmaxGo is the portable softmax: x[i] = e^(x[i]−max)/Σ, each exponential
// math.Exp's in float64 rounded to float32, the sum taken in 16 lanes (lane l
// adds the elements i ≡ l mod 16 in order) folded as hsum16, which a vector
// kernel computes in the same order (softmaxAVX512).
func softmaxGo(x []float32) {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	var acc [16]float32
	for i, v := range x {
		x[i] = float32(math.Exp(float64(v - m)))
		acc[i%16] += x[i]
	}
	sum := hsum16(&acc)
	for i := range x {
		x[i] /= sum
	}
}

// weightedSumGo is the portable weightedSum.
func weightedSumGo(out, w, v []float32, vstride int) {
	clear(out)
	weightedSumAddGo(out, w, v, vstride)
}

// weightedSumAddGo is the portable weightedSumAdd.
func weightedSumAddGo(out, w, v []float32, vstride int) {
	for i, wi := range w {
		vi := v[i*vstride : i*vstride+len(out)]
		for d := range out {
			out[d] += wi * vi[d]
		}
	}
}
