package webgpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveAttention is the float64 oracle: full softmax over the allowed keys of each query,
// the GUIDE bias added after the scale (SPEC.md §1), and Σ_h Σ_k A_h[t,k]·I_k / H (§2).
func naiveAttention(q, k, v, bias, infl []float32, a AttentionArgs) (out, ai []float64) {
	d := a.HeadDim
	scale := 1 / math.Sqrt(float64(d))
	out = make([]float64, a.Tokens*a.Heads*d)
	ai = make([]float64, a.Tokens)
	group := a.Heads / a.KVHeads
	for t := range a.Tokens {
		qpos := a.Pos0 + t
		for h := range a.Heads {
			g := h / group
			logits := make([]float64, a.Keys)
			mx := math.Inf(-1)
			for key := range a.Keys {
				allowed := (!a.Causal || key <= qpos) && (a.Window == 0 || key > qpos-a.Window)
				if !allowed {
					logits[key] = math.Inf(-1)
					continue
				}
				var dot float64
				for i := range d {
					dot += float64(q[(t*a.Heads+h)*d+i]) * float64(k[(key*a.KVHeads+g)*d+i])
				}
				logits[key] = dot * scale
				if bias != nil {
					logits[key] += float64(bias[key])
				}
				mx = max(mx, logits[key])
			}
			var z float64
			for key := range a.Keys {
				logits[key] = math.Exp(logits[key] - mx)
				z += logits[key]
			}
			for key := range a.Keys {
				p := logits[key] / z
				for i := range d {
					out[(t*a.Heads+h)*d+i] += p * float64(v[(key*a.KVHeads+g)*d+i])
				}
				if infl != nil {
					ai[t] += p * float64(infl[key]) / float64(a.Heads)
				}
			}
		}
	}
	return out, ai
}

func TestAttentionMatchesNaiveSoftmax(t *testing.T) {
	d := testDevice(t)
	type tc struct {
		name            string
		a               AttentionArgs
		bias, influence bool
	}
	cases := []tc{
		{"single key", AttentionArgs{Tokens: 1, Keys: 1, Heads: 1, KVHeads: 1, HeadDim: 4, Causal: true}, false, false},
		{"decode gqa", AttentionArgs{Tokens: 1, Keys: 37, Heads: 8, KVHeads: 2, HeadDim: 64, Pos0: 36, Causal: true}, true, true},
		{"prefill 67 keys", AttentionArgs{Tokens: 67, Keys: 67, Heads: 4, KVHeads: 4, HeadDim: 48, Causal: true}, true, true},
		{"prefill after cache", AttentionArgs{Tokens: 13, Keys: 100, Heads: 6, KVHeads: 3, HeadDim: 64, Pos0: 87, Causal: true}, true, false},
		{"long T", AttentionArgs{Tokens: 300, Keys: 300, Heads: 2, KVHeads: 1, HeadDim: 64, Causal: true}, true, true},
		{"sliding window", AttentionArgs{Tokens: 90, Keys: 90, Heads: 2, KVHeads: 2, HeadDim: 32, Causal: true, Window: 16}, true, true},
		{"head dim 200", AttentionArgs{Tokens: 3, Keys: 70, Heads: 2, KVHeads: 1, HeadDim: 200, Pos0: 67, Causal: true}, false, true},
		{"head dim 256", AttentionArgs{Tokens: 2, Keys: 2, Heads: 1, KVHeads: 1, HeadDim: 256, Causal: true}, true, true},
		{"not causal", AttentionArgs{Tokens: 5, Keys: 129, Heads: 3, KVHeads: 1, HeadDim: 16}, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.a
			r := rand.New(rand.NewPCG(uint64(a.Tokens), uint64(a.Keys)))
			q := randVec(r, a.Tokens*a.Heads*a.HeadDim, 2)
			k := randVec(r, a.Keys*a.KVHeads*a.HeadDim, 2)
			v := randVec(r, a.Keys*a.KVHeads*a.HeadDim, 1)
			var bias, infl []float32
			if c.bias {
				// GUIDE levels and a negative Δ on alternating spans of keys.
				bias = make([]float32, a.Keys)
				for i := range bias {
					bias[i] = []float32{0, 0.5, 0, 2, -5}[(i/3)%5]
				}
				a.Bias = upload(t, d, bias)
			}
			if c.influence {
				infl = make([]float32, a.Keys)
				for i := range infl {
					infl[i] = r.Float32()
				}
				a.Influence = upload(t, d, infl)
				a.InfluenceOut = nanBuffer(t, d, a.Tokens)
				a.InfluenceHeads = nanBuffer(t, d, a.Tokens*a.Heads)
			}
			n := a.Tokens * a.Heads * a.HeadDim
			qb, kb, vb, ob := upload(t, d, q), upload(t, d, k), upload(t, d, v), nanBuffer(t, d, n)
			got := run(t, d, ob, n, func(s *Step) error { return s.Attention(ob, qb, kb, vb, a) })
			want, wantAI := naiveAttention(q, k, v, bias, infl, a)
			// Logits: d float32 products summed in sequence, |q·k|·scale ≤ 4·√d ≤ 64, error
			// ≤ (d+2)·2⁻²⁴·Σ|q_i k_i|·scale ≤ 1.6e-5·64/… ≈ 1e-5 absolute; exp adds 3+2|x| ulp on
			// arguments down to −30 (≈ 4e-6 relative). So every probability carries relative
			// error ≤ ~2e-5, the normaliser and the weighted value sum (Tk float32 adds in
			// WG-wide chunks) a further ≤ (Tk/WG + WG)·2⁻²⁴ ≈ 6e-6. Outputs are convex
			// combinations of |v| ≤ 1 (and of I ∈ [0,1]): absolute 1e-4 holds with margin.
			expectClose(t, "out", got, want, []float64{1e-4}, 0)
			if c.influence {
				gotAI, err := d.ReadFloat32(a.InfluenceOut, a.Tokens)
				if err != nil {
					t.Fatal(err)
				}
				expectClose(t, "Ā·I", gotAI, wantAI, []float64{1e-4}, 0)
			}
		})
	}
}

// TestAttentionBiasShiftsAttention pins the direction of GUIDE: a positive Δ on one key raises
// the Influence it receives, a negative Δ lowers it.
func TestAttentionBiasShiftsAttention(t *testing.T) {
	d := testDevice(t)
	const keys, dim = 20, 16
	a := AttentionArgs{Tokens: 1, Keys: keys, Heads: 2, KVHeads: 2, HeadDim: dim, Pos0: keys - 1, Causal: true}
	r := rand.New(rand.NewPCG(9, 9))
	q, k, v := randVec(r, 2*dim, 1), randVec(r, keys*2*dim, 1), randVec(r, keys*2*dim, 1)
	infl := make([]float32, keys)
	infl[7] = 1
	qb, kb, vb := upload(t, d, q), upload(t, d, k), upload(t, d, v)
	a.Influence = upload(t, d, infl)
	a.InfluenceHeads = nanBuffer(t, d, 2)
	var prev float32 = -1
	for _, delta := range []float32{-5, -1, 0, 1, 2, 5} {
		t.Run(fmt.Sprint(delta), func(t *testing.T) {
			bias := make([]float32, keys)
			bias[7] = delta
			a.Bias = upload(t, d, bias)
			a.InfluenceOut = nanBuffer(t, d, 1)
			ob := nanBuffer(t, d, 2*dim)
			run(t, d, ob, 1, func(s *Step) error { return s.Attention(ob, qb, kb, vb, a) })
			got, err := d.ReadFloat32(a.InfluenceOut, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !(got[0] > prev) {
				t.Fatalf("Δ=%g: attention on the biased key %g, not above %g at the smaller Δ", delta, got[0], prev)
			}
			prev = got[0]
		})
	}
}
