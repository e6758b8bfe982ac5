package model_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"heed/engine/gguf"
	"heed/engine/model"
)

// reference is a deliberately naive forward pass over the whole sequence at
// once, in float64, with weights decoded to f32 straight from the file and
// every T×T attention matrix kept. It shares no code with Forward or the CPU
// executor (only the configuration read from metadata) and is the oracle for
// both, and for Influence and Rollout, in every architecture.
type reference struct {
	cfg     model.Config
	w       map[string][]float32
	context int // of the run: Phi-3's long RoPE factors apply above the original one
}

func loadReference(t *testing.T, f *gguf.File) *reference {
	t.Helper()
	cfg, err := model.ReadConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	r := &reference{cfg: cfg, w: map[string][]float32{}}
	get := func(name string) {
		info, ok := f.Tensor(name)
		if !ok {
			return
		}
		v, err := f.ReadTensorF32(info)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r.w[name] = v
	}
	for _, n := range []string{"token_embd.weight", "output_norm.weight", "output.weight", "rope_freqs.weight",
		"rope_factors_short.weight", "rope_factors_long.weight"} {
		get(n)
	}
	for l := range cfg.NumLayers {
		for _, n := range []string{"attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight",
			"attn_qkv.weight", "attn_q.bias", "attn_k.bias", "attn_v.bias", "attn_q_norm.weight",
			"attn_k_norm.weight", "attn_output.weight", "post_attention_norm.weight",
			"ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight", "post_ffw_norm.weight"} {
			get(fmt.Sprintf("blk.%d.%s", l, n))
		}
		// Fused tensors (Phi-3) are stacked row ranges: Q, K, V; gate, up.
		p := fmt.Sprintf("blk.%d.", l)
		if qkv, ok := r.w[p+"attn_qkv.weight"]; ok {
			qd, kvd := cfg.QDim()*cfg.Dim, cfg.KVDim()*cfg.Dim
			r.w[p+"attn_q.weight"], r.w[p+"attn_k.weight"], r.w[p+"attn_v.weight"] = qkv[:qd], qkv[qd:qd+kvd], qkv[qd+kvd:]
		}
		if _, ok := r.w[p+"ffn_gate.weight"]; !ok {
			up := r.w[p+"ffn_up.weight"]
			r.w[p+"ffn_gate.weight"], r.w[p+"ffn_up.weight"] = up[:len(up)/2], up[len(up)/2:]
		}
	}
	if _, ok := r.w["output.weight"]; !ok {
		r.w["output.weight"] = r.w["token_embd.weight"]
	}
	if f, ok := r.w["rope_freqs.weight"]; ok {
		r.cfg.RopeFactors = f
	}
	r.cfg.Vocab = len(r.w["token_embd.weight"]) / cfg.Dim
	return r
}

// refResult is everything the reference computes.
type refResult struct {
	logits     [][]float64   // [token][vocab]
	infl, roll [][][]float64 // [track][layer][token]
}

// run computes the whole sequence. bias is over key positions (nil: none),
// applied in every layer, or only in biasLayers when given; tracks are
// Influence indicators; lagged uses the previous layer's ‖x‖₁.
func (r *reference) run(ids []int32, bias []float32, tracks [][]float32, lagged bool, biasLayers ...int) refResult {
	c := r.cfg
	T, D, hd := len(ids), c.Dim, c.HeadDim
	r.context = T // the tests' states hold just the sequence
	x := make([][]float64, T)
	for i, id := range ids {
		x[i] = widen(r.w["token_embd.weight"][int(id)*D : (int(id)+1)*D])
		for e := range x[i] {
			x[i][e] *= float64(c.EmbedScale) // √dim for Gemma, else 1
		}
	}
	res := refResult{}
	inf := make([][]float64, len(tracks))
	rol := make([][]float64, len(tracks))
	for s, ind := range tracks {
		inf[s], rol[s] = widen(ind[:T]), widen(ind[:T])
		res.infl = append(res.infl, nil)
		res.roll = append(res.roll, nil)
	}
	var xnPrev []float64
	for l := range c.NumLayers {
		p := func(n string) []float32 { return r.w[fmt.Sprintf("blk.%d.%s", l, n)] }
		xb := make([][]float64, T)
		for i := range T {
			xb[i] = rmsnorm(x[i], p("attn_norm.weight"), float64(c.NormEps))
		}
		q := matmul(xb, p("attn_q.weight"), p("attn_q.bias"))
		k := matmul(xb, p("attn_k.weight"), p("attn_k.bias"))
		v := matmul(xb, p("attn_v.weight"), p("attn_v.bias"))
		for i := range T {
			if g := p("attn_q_norm.weight"); g != nil {
				headNorm(q[i], g, float64(c.NormEps))
				headNorm(k[i], p("attn_k_norm.weight"), float64(c.NormEps))
			}
			r.rope(q[i], i, c.Heads, l)
			r.rope(k[i], i, c.KVHeads, l)
		}
		window := c.Spec[l].Window
		// abar is the head-averaged attention matrix (T×T): what Influence must never keep.
		abar := make([][]float64, T)
		att := make([][]float64, T)
		for i := range T {
			abar[i] = make([]float64, T)
			att[i] = make([]float64, c.Heads*hd)
		}
		group := c.Heads / c.KVHeads
		for h := range c.Heads {
			g := h / group
			for i := range T {
				logit := make([]float64, T)
				for j := range T {
					masked := j > i || (window > 0 && i-j >= window)
					if masked {
						logit[j] = math.Inf(-1)
						continue
					}
					var d float64
					for e := range hd {
						d += q[i][h*hd+e] * k[j][g*hd+e]
					}
					logit[j] = d * float64(c.AttnScale)
					if cp := float64(c.AttnSoftCap); cp > 0 {
						logit[j] = cp * math.Tanh(logit[j]/cp)
					}
					// Δ last, on the value the softmax sees.
					if bias != nil && (biasLayers == nil || slices.Contains(biasLayers, l)) {
						logit[j] += float64(bias[j])
					}
				}
				a := softmax64(logit)
				for j := range T {
					abar[i][j] += a[j] / float64(c.Heads)
					for e := range hd {
						att[i][h*hd+e] += a[j] * v[j][g*hd+e]
					}
				}
			}
		}
		o := matmul(att, p("attn_output.weight"), nil)
		if g := p("post_attention_norm.weight"); g != nil {
			for i := range T {
				o[i] = rmsnorm(o[i], g, float64(c.NormEps))
			}
		}
		xn, on := make([]float64, T), make([]float64, T)
		for i := range T {
			xn[i], on[i] = l1(xb[i]), l1(o[i])
		}
		wx := xn
		if lagged && l > 0 {
			wx = xnPrev
		}
		for s := range tracks {
			ni, nr := make([]float64, T), make([]float64, T)
			for i := range T {
				var mi, mr float64
				for j := range T {
					mi += abar[i][j] * inf[s][j]
					mr += abar[i][j] * rol[s][j]
				}
				ni[i] = (wx[i]*inf[s][i] + on[i]*mi) / (wx[i] + on[i])
				nr[i] = (rol[s][i] + mr) / 2
			}
			inf[s], rol[s] = ni, nr
			res.infl[s] = append(res.infl[s], ni)
			res.roll[s] = append(res.roll[s], nr)
		}
		xnPrev = xn
		for i := range T {
			for e := range D {
				x[i][e] += o[i][e]
			}
		}
		// Gated feed-forward: SwiGLU, or GeGLU with GELU's tanh form (Gemma).
		for i := range T {
			xb[i] = rmsnorm(x[i], p("ffn_norm.weight"), float64(c.NormEps))
		}
		gate := matmul(xb, p("ffn_gate.weight"), nil)
		up := matmul(xb, p("ffn_up.weight"), nil)
		for i := range T {
			for e := range gate[i] {
				gv := gate[i][e]
				if c.GELU {
					gate[i][e] = 0.5 * gv * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(gv+0.044715*gv*gv*gv))) * up[i][e]
				} else {
					gate[i][e] = gv / (1 + math.Exp(-gv)) * up[i][e]
				}
			}
		}
		down := matmul(gate, p("ffn_down.weight"), nil)
		if g := p("post_ffw_norm.weight"); g != nil {
			for i := range T {
				down[i] = rmsnorm(down[i], g, float64(c.NormEps))
			}
		}
		for i := range T {
			for e := range D {
				x[i][e] += down[i][e]
			}
		}
	}
	for i := range T {
		xb := rmsnorm(x[i], r.w["output_norm.weight"], float64(c.NormEps))
		logits := matmul([][]float64{xb}, r.w["output.weight"], nil)[0]
		if cp := float64(c.FinalSoftCap); cp > 0 {
			for v := range logits {
				logits[v] = cp * math.Tanh(logits[v]/cp)
			}
		}
		res.logits = append(res.logits, logits)
	}
	return res
}

// rope rotates each head of v at position pos with layer l's rotary embedding,
// computing angles from the config and the file's factors.
func (r *reference) rope(v []float64, pos, heads, l int) {
	c := r.cfg
	base, linear, factors := c.RopeBase, c.RopeLinear, c.RopeFactors
	switch c.Spec[l].Rope {
	case model.RopeNone:
		return
	case model.RopeLocal:
		base, linear, factors = c.RopeBaseLocal, c.RopeLinearLocal, nil
	default:
		if f := r.w["rope_factors_short.weight"]; f != nil {
			factors = f
			if r.context > c.RopeOrigContext {
				factors = r.w["rope_factors_long.weight"]
			}
		}
	}
	half := c.RopeDims / 2
	for h := range heads {
		x := v[h*c.HeadDim : (h+1)*c.HeadDim]
		for i := range half {
			theta := float64(pos) * math.Pow(base, -float64(2*i)/float64(c.RopeDims)) / linear
			if factors != nil {
				theta /= float64(factors[i])
			}
			a, b := 2*i, 2*i+1
			if c.RopeNeoX {
				a, b = i, i+half
			}
			x0, x1 := x[a], x[b]
			f := float64(c.RopeAttnFactor)
			x[a] = (x0*math.Cos(theta) - x1*math.Sin(theta)) * f
			x[b] = (x0*math.Sin(theta) + x1*math.Cos(theta)) * f
		}
	}
}

// headNorm RMS-normalises each head of v in place with the gain g (one head long).
func headNorm(v []float64, g []float32, eps float64) {
	for h := 0; h < len(v); h += len(g) {
		copy(v[h:h+len(g)], rmsnorm(v[h:h+len(g)], g, eps))
	}
}

func widen(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func rmsnorm(x []float64, g []float32, eps float64) []float64 {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	s := 1 / math.Sqrt(ss/float64(len(x))+eps)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v * s * float64(g[i])
	}
	return out
}

// matmul returns x · wᵀ (+ b) for w stored as rows of len(x[0]).
func matmul(x [][]float64, w, b []float32) [][]float64 {
	cols := len(x[0])
	rows := len(w) / cols
	out := make([][]float64, len(x))
	for i, xi := range x {
		out[i] = make([]float64, rows)
		for r := range rows {
			var s float64
			for c, wv := range w[r*cols : (r+1)*cols] {
				s += float64(wv) * xi[c]
			}
			if b != nil {
				s += float64(b[r])
			}
			out[i][r] = s
		}
	}
	return out
}

func softmax64(x []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	out := make([]float64, len(x))
	var sum float64
	for i, v := range x {
		out[i] = math.Exp(v - m)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

func l1(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += math.Abs(v)
	}
	return s
}
