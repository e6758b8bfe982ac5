package synth

import (
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"

	"heed/engine/ggml"
	"heed/engine/gguf"
)

// Kind says how a tensor's values are drawn.
type Kind int

const (
	// Weight is a matrix: N(0, 1/fan_in) entries keep each output at unit scale.
	Weight Kind = iota
	// Norm is an RMSNorm gain: 1 plus small noise.
	Norm
	// Bias is an additive bias: small noise.
	Bias
	// RopeFreqs is Llama 3's rope_freqs.weight, computed, not random.
	RopeFreqs
	// RopeShort and RopeLong are Phi-3's LongRoPE factors, computed, not random.
	RopeShort
	RopeLong
)

// TensorPlan is one tensor Write emits.
type TensorPlan struct {
	Name      string
	Dims      []int64 // ne[0] first: for a weight, ne[0] is the input (fan-in) length
	Type      ggml.Type
	Requested ggml.Type // the type asked for; differs from Type after a fallback
	Kind      Kind
}

// Fallback reports whether the tensor's rows did not fit the requested type.
func (p TensorPlan) Fallback() bool { return p.Type != p.Requested }

// Plan lists the tensors of a model of shape s with matrices of type t, in file
// order, with llama.cpp's names for s.Arch. Norms, biases and RoPE factors stay F32,
// as llama.cpp's converters write them.
func Plan(s Shape, t ggml.Type) ([]TensorPlan, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if !ggml.Supported(t) {
		return nil, fmt.Errorf("synth: cannot quantise to %s: %w", t, ggml.ErrUnsupportedType)
	}
	dim, kvDim, ffn, vocab := int64(s.Dim), int64(s.KVHeads*s.HeadDim()), int64(s.FFN), int64(s.Vocab)
	qDim, headDim := int64(s.Heads*s.HeadDim()), int64(s.HeadDim())
	gemma := s.Arch == "gemma2" || s.Arch == "gemma3"
	var plan []TensorPlan
	add := func(name string, kind Kind, dims ...int64) {
		p := TensorPlan{Name: name, Dims: dims, Type: ggml.F32, Requested: ggml.F32, Kind: kind}
		if kind == Weight {
			p.Requested, p.Type = t, fitType(t, dims[0])
		}
		plan = append(plan, p)
	}
	add("token_embd.weight", Weight, dim, vocab)
	if s.RopeScaling != nil {
		add("rope_freqs.weight", RopeFreqs, int64(s.RotatedDims()/2))
	}
	if s.LongRoPE != nil {
		add("rope_factors_long.weight", RopeLong, int64(s.RotatedDims()/2))
		add("rope_factors_short.weight", RopeShort, int64(s.RotatedDims()/2))
	}
	for i := range s.Layers {
		blk := func(n string) string { return fmt.Sprintf("blk.%d.%s", i, n) }
		add(blk("attn_norm.weight"), Norm, dim)
		if s.Arch == "phi3" {
			// Phi-3's converter keeps Q, K and V fused, in that order of rows.
			add(blk("attn_qkv.weight"), Weight, dim, qDim+2*kvDim)
		} else {
			add(blk("attn_q.weight"), Weight, dim, qDim)
			add(blk("attn_k.weight"), Weight, dim, kvDim)
			add(blk("attn_v.weight"), Weight, dim, kvDim)
		}
		if s.QKVBias {
			add(blk("attn_q.bias"), Bias, qDim)
			add(blk("attn_k.bias"), Bias, kvDim)
			add(blk("attn_v.bias"), Bias, kvDim)
		}
		if s.Arch == "qwen3" || s.Arch == "gemma3" {
			add(blk("attn_q_norm.weight"), Norm, headDim)
			add(blk("attn_k_norm.weight"), Norm, headDim)
		}
		add(blk("attn_output.weight"), Weight, qDim, dim)
		if gemma {
			add(blk("post_attention_norm.weight"), Norm, dim)
		}
		add(blk("ffn_norm.weight"), Norm, dim)
		if s.Arch == "phi3" {
			// Gate and up stacked in one tensor: llama.cpp's swiglu splits each row in halves.
			add(blk("ffn_up.weight"), Weight, dim, 2*ffn)
		} else {
			add(blk("ffn_gate.weight"), Weight, dim, ffn)
			add(blk("ffn_up.weight"), Weight, dim, ffn)
		}
		add(blk("ffn_down.weight"), Weight, ffn, dim)
		if gemma {
			add(blk("post_ffw_norm.weight"), Norm, dim)
		}
	}
	add("output_norm.weight", Norm, dim)
	if !s.TiedEmbeddings {
		add("output.weight", Weight, dim, vocab)
	}
	return plan, nil
}

// fitType is the type a row of n elements is stored in when t was asked for:
// t itself when n is whole blocks of t, else llama.cpp's fallback
// (tensor_type_fallback in llama-quant.cpp: Q2_K, Q3_K→Q4_0, Q4_K→Q5_0,
// Q5_K→Q5_1, Q6_K→Q8_0, IQ4_XS→IQ4_NL), else F16. Where llama.cpp has no
// smaller block to fall back to (the 32-element types) F16 is used too, as it
// does.
func fitType(t ggml.Type, n int64) ggml.Type {
	fits := func(t ggml.Type) bool { return n%int64(t.BlockSize()) == 0 }
	if fits(t) {
		return t
	}
	switch t {
	case ggml.Q2_K, ggml.Q3_K:
		t = ggml.Q4_0
	case ggml.Q4_K:
		t = ggml.Q5_0
	case ggml.Q5_K:
		t = ggml.Q5_1
	case ggml.Q6_K:
		t = ggml.Q8_0
	case ggml.IQ4_XS:
		t = ggml.IQ4_NL
	}
	if fits(t) {
		return t
	}
	return ggml.F16
}

// fileType is general.file_type (llama_ftype) for a model whose matrices are t.
func fileType(t ggml.Type) (uint32, bool) {
	ft, ok := map[ggml.Type]uint32{
		ggml.F32: 0, ggml.F16: 1, ggml.Q4_0: 2, ggml.Q4_1: 3, ggml.Q8_0: 7, ggml.Q5_0: 8,
		ggml.Q5_1: 9, ggml.Q4_K: 14 /* Q4_K_S */, ggml.Q5_K: 16 /* Q5_K_S */, ggml.Q6_K: 18, ggml.BF16: 32,
		ggml.Q2_K: 10, ggml.Q3_K: 11 /* Q3_K_S */, ggml.IQ4_NL: 25, ggml.IQ4_XS: 30,
	}[t]
	return ft, ok
}

// Write writes a complete GGUF v3 model of shape s with matrices of type t and
// weights drawn from seed. The same arguments always give the same bytes. Tensors
// are generated one at a time while writing, so memory stays at one tensor.
func Write(w io.Writer, s Shape, t ggml.Type, seed int64) error {
	b, err := NewBuilder(s, t, seed)
	if err != nil {
		return err
	}
	if _, err := b.WriteTo(w); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

// NewBuilder returns a gguf.Builder holding the model Write would write, so a
// caller can add or change metadata first. Tensor data is generated in WriteTo.
func NewBuilder(s Shape, t ggml.Type, seed int64) (*gguf.Builder, error) {
	plan, err := Plan(s, t)
	if err != nil {
		return nil, err
	}
	b := gguf.NewBuilder()
	setMetadata(b, s, t)
	setTokenizer(b, s.Vocab, controlTokens[s.Arch]...)
	for _, p := range plan {
		if err := b.AddTensorSource(p.Name, p.Dims, p.Type, tensorSource(s, p, seed)); err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
	}
	return b, nil
}

func setMetadata(b *gguf.Builder, s Shape, t ggml.Type) {
	a := s.Arch + "."
	b.SetString("general.architecture", s.Arch)
	b.SetString("general.name", s.Name)
	b.SetUint32(gguf.KeyAlignment, gguf.DefaultAlignment)
	if ft, ok := fileType(t); ok {
		b.SetUint32("general.file_type", ft)
	}
	b.SetUint32(a+"block_count", uint32(s.Layers))
	b.SetUint32(a+"context_length", uint32(s.Context))
	b.SetUint32(a+"embedding_length", uint32(s.Dim))
	b.SetUint32(a+"feed_forward_length", uint32(s.FFN))
	b.SetUint32(a+"attention.head_count", uint32(s.Heads))
	b.SetUint32(a+"attention.head_count_kv", uint32(s.KVHeads))
	b.SetFloat32(a+"rope.freq_base", s.RopeBase)
	b.SetFloat32(a+"attention.layer_norm_rms_epsilon", s.RMSEps)
	b.SetUint32(a+"rope.dimension_count", uint32(s.RotatedDims()))
	b.SetUint32(a+"vocab_size", uint32(s.Vocab))
	if s.KeyLength > 0 {
		b.SetUint32(a+"attention.key_length", uint32(s.KeyLength))
		b.SetUint32(a+"attention.value_length", uint32(s.KeyLength))
	}
	if s.SlidingWindow > 0 {
		b.SetUint32(a+"attention.sliding_window", uint32(s.SlidingWindow))
	}
	if s.SWAPattern > 0 {
		b.SetUint32(a+"attention.sliding_window_pattern", uint32(s.SWAPattern))
	}
	if s.RopeBaseLocal > 0 {
		b.SetFloat32(a+"rope.freq_base_swa", s.RopeBaseLocal)
	}
	if s.AttnSoftCap > 0 {
		b.SetFloat32(a+"attn_logit_softcapping", s.AttnSoftCap)
	}
	if s.FinalSoftCap > 0 {
		b.SetFloat32(a+"final_logit_softcapping", s.FinalSoftCap)
	}
	if lr := s.LongRoPE; lr != nil {
		b.SetUint32(a+"rope.scaling.original_context_length", uint32(lr.OriginalContext))
		b.SetFloat32(a+"rope.scaling.attn_factor", lr.attnFactor(s.Context))
	}
}

// controlTokens are the control tokens a vocabulary of an architecture must hold:
// llama.cpp sets attributes on Phi-3's <|endoftext|> by name when a model's name
// contains "phi3" and fails to load a vocabulary without it.
var controlTokens = map[string][]string{"phi3": {"<|endoftext|>"}}

// attnFactor is LongRoPE's attention factor √(1 + ln(scale)/ln(original context))
// for a context extended by scale = context/original (convert_hf_to_gguf.py's Phi-3).
func (lr *LongRoPE) attnFactor(context int) float32 {
	scale := float64(context) / float64(lr.OriginalContext)
	if scale <= 1 {
		return 1
	}
	return float32(math.Sqrt(1 + math.Log(scale)/math.Log(float64(lr.OriginalContext))))
}

// longRopeFactors are synthetic LongRoPE factors for n rotated pairs: 1 for the
// highest frequencies rising smoothly to top for the lowest, the shape of the
// published Phi-3.5 factors (short ones stay near 1, long ones reach tens).
func longRopeFactors(n int, top float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		x := float64(i) / float64(max(n-1, 1))
		out[i] = float32(1 + (top-1)*x*x)
	}
	return out
}

// tensorSource returns the generator of one tensor's encoded bytes. Each tensor
// has its own random stream, keyed by (seed, name), so the bytes do not depend
// on generation order.
func tensorSource(s Shape, p TensorPlan, seed int64) func() ([]byte, error) {
	return func() ([]byte, error) {
		n := int64(1)
		for _, d := range p.Dims {
			n *= d
		}
		v := make([]float32, n)
		h := fnv.New64a()
		h.Write([]byte(p.Name))
		rng := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
		switch p.Kind {
		case Weight:
			std := 1 / math.Sqrt(float64(p.Dims[0]))
			for i := range v {
				v[i] = float32(rng.NormFloat64() * std)
			}
		case Norm:
			for i := range v {
				v[i] = float32(1 + 0.05*rng.NormFloat64())
			}
		case Bias:
			for i := range v {
				v[i] = float32(0.02 * rng.NormFloat64())
			}
		case RopeFreqs:
			copy(v, llama3RopeFactors(s))
		case RopeShort:
			copy(v, longRopeFactors(len(v), 1.5))
		case RopeLong:
			copy(v, longRopeFactors(len(v), 40))
		}
		return ggml.Quantize(p.Type, v)
	}
}

// llama3RopeFactors is rope_freqs.weight (head_dim/2 values) for Llama 3 rope
// scaling, as convert_hf_to_gguf.py computes it: 1 for high frequencies, Factor
// for low ones, and a smooth blend between. llama.cpp divides each RoPE
// frequency by its factor.
func llama3RopeFactors(s Shape) []float32 {
	r := s.RopeScaling
	hd := s.HeadDim()
	lowWavelen := float64(r.OriginalContext) / float64(r.LowFreqFactor)
	highWavelen := float64(r.OriginalContext) / float64(r.HighFreqFactor)
	out := make([]float32, hd/2)
	for i := range out {
		freq := 1 / math.Pow(float64(s.RopeBase), float64(2*i)/float64(hd))
		wavelen := 2 * math.Pi / freq
		switch {
		case wavelen < highWavelen:
			out[i] = 1
		case wavelen > lowWavelen:
			out[i] = r.Factor
		default:
			smooth := (float64(r.OriginalContext)/wavelen - float64(r.LowFreqFactor)) /
				float64(r.HighFreqFactor-r.LowFreqFactor)
			out[i] = float32(1 / ((1-smooth)/float64(r.Factor) + smooth))
		}
	}
	return out
}
