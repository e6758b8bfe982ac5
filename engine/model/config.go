// Package model is the decoder-only transformer of heed (the Llama, Qwen, Gemma,
// Phi-3 and SmolLM families): hyperparameters and weights read from a GGUF file,
// and one Forward pass (with GUIDE's attention bias, Influence and Attention
// Rollout) written over a small Executor interface that the CPU and WebGPU
// executors both implement.
package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Supported architectures (GGUF general.architecture). Each reads its tensors,
// metadata keys and order of operations from llama.cpp's model code (src/models/ARCH.cpp),
// which is the oracle the tests compare with.
const (
	ArchLlama   = "llama"   // Llama 2/3/3.x, TinyLlama, SmolLM/SmolLM2, Mistral
	ArchQwen2   = "qwen2"   // Qwen2/2.5: Q/K/V biases, NeoX RoPE
	ArchQwen3   = "qwen3"   // Qwen3: per-head RMSNorm of q and k before RoPE, NeoX RoPE
	ArchGemma2  = "gemma2"  // Gemma 2: post-norms, GELU FFN, scaled embeddings, soft-capped logits, alternating sliding window
	ArchGemma3  = "gemma3"  // Gemma 3: Gemma 2 without soft caps, plus q/k norms and a local RoPE base on sliding-window layers
	ArchPhi3    = "phi3"    // Phi-3/3.5/4-mini: fused QKV and gate/up, LongRoPE factors
	ArchSmolLM3 = "smollm3" // SmolLM3: Llama with RoPE skipped on every fourth layer
)

// Supported lists the architectures Load accepts, for error messages.
var Supported = []string{ArchLlama, ArchQwen2, ArchQwen3, ArchGemma2, ArchGemma3, ArchPhi3, ArchSmolLM3}

// ErrUnsupported is returned (wrapped) for a model heed cannot run.
var ErrUnsupported = errors.New("unsupported model")

// RopeKind selects which rotary embedding a layer applies.
type RopeKind int

const (
	RopeGlobal RopeKind = iota // the model's RoPE: RopeBase, RopeLinear, RopeFactors (or the LongRoPE pair)
	RopeLocal                  // sliding-window layers' own base and scale (Gemma): RopeBaseLocal, RopeLinearLocal
	RopeNone                   // no rotary embedding (SmolLM3's every fourth layer)
)

// LayerSpec is what differs between the layers of one model.
type LayerSpec struct {
	// Window, when positive, hides keys k with q−k ≥ Window (sliding-window attention).
	Window int
	Rope   RopeKind
}

// Config is everything Forward needs to know about a model's shape.
type Config struct {
	Arch      string
	NumLayers int // block_count
	Dim       int // embedding_length
	FFN       int // feed_forward_length
	Heads     int // attention.head_count
	KVHeads   int // attention.head_count_kv (grouped-query attention when < Heads)
	HeadDim   int // attention.key_length, default Dim/Heads
	Vocab     int // rows of token_embd
	Context   int // context_length the model was trained for

	NormEps float32 // attention.layer_norm_rms_epsilon
	// RoPE: base frequency, rotated dimensions per head, layout, scaling.
	RopeBase float64
	RopeDims int
	RopeNeoX bool
	// RopeLinear divides positions (rope.scaling.type "linear"); 1 means none.
	RopeLinear float64
	// RopeFactors divide the frequency of each rotated pair (Llama 3 scaling, Phi-3's short
	// LongRoPE factors): from rope_freqs.weight or rope_factors_short.weight, or computed
	// from rope.scaling.* metadata.
	RopeFactors []float32
	// RopeFactorsLong (Phi-3 LongRoPE, rope_factors_long.weight) replace RopeFactors in a
	// state whose context exceeds RopeOrigContext, as llama.cpp chooses by its context size.
	RopeFactorsLong []float32
	RopeOrigContext int // rope.scaling.original_context_length, default Context
	// RopeAttnFactor multiplies the cosines and sines of the rotation (rope.scaling.attn_factor,
	// written for Phi-3 LongRoPE models); 1 means none.
	RopeAttnFactor float32
	// RopeBaseLocal and RopeLinearLocal are the RoPE of sliding-window layers (RopeLocal).
	RopeBaseLocal, RopeLinearLocal float64

	// SlidingWindow, when positive, is the window of every layer whose spec has one (Mistral, Gemma, Phi-3).
	SlidingWindow int
	// Spec is per layer (NumLayers entries): sliding window and RoPE.
	Spec []LayerSpec

	// QKVBias: the attention projections have biases (Qwen2; any model whose file has them).
	// Set by Load from the tensors.
	QKVBias bool
	// QKNorm: q and k get an RMSNorm per head before RoPE (attn_q_norm, attn_k_norm).
	QKNorm bool
	// PostNorms: each block's output gets an RMSNorm before the residual add
	// (post_attention_norm, post_ffw_norm).
	PostNorms bool
	// GELU: the FFN gate is GELU (tanh approximation) instead of SiLU.
	GELU bool
	// EmbedScale multiplies the token embeddings (√Dim for Gemma); 1 means none.
	EmbedScale float32
	// AttnScale multiplies Q·K before the softmax: 1/√HeadDim unless the architecture says otherwise.
	AttnScale float32
	// AttnSoftCap and FinalSoftCap, when positive, soft-cap the attention logits and the
	// output logits: cap·tanh(x/cap) (Gemma 2).
	AttnSoftCap, FinalSoftCap float32
}

// Metadata is the part of a GGUF file the configuration is read from;
// *gguf.File implements it.
type Metadata interface {
	Architecture() string
	String(key string) (string, bool)
	Uint(key string) (uint64, bool)
	Float(key string) (float64, bool)
}

// llama3Scaling is the rope.scaling.* metadata of Llama 3.1+ (used only when
// the file carries no rope_freqs.weight tensor).
type llama3Scaling struct {
	factor, lowFreq, highFreq, origContext float64
}

// ReadConfig reads the hyperparameters, with their defaults, from GGUF metadata.
// Vocab and tensor-derived fields are filled by Load.
func ReadConfig(md Metadata) (Config, error) {
	arch := md.Architecture()
	if !slices.Contains(Supported, arch) {
		return Config{}, fmt.Errorf("%w: architecture %q (supported: %s)", ErrUnsupported, arch, strings.Join(Supported, ", "))
	}
	key := func(k string) string { return arch + "." + k }
	u := func(k string, def uint64) int {
		if v, ok := md.Uint(key(k)); ok {
			return int(v)
		}
		return int(def)
	}
	f := func(k string, def float64) float64 {
		if v, ok := md.Float(key(k)); ok {
			return v
		}
		return def
	}
	c := Config{
		Arch:           arch,
		NumLayers:      u("block_count", 0),
		Dim:            u("embedding_length", 0),
		FFN:            u("feed_forward_length", 0),
		Heads:          u("attention.head_count", 0),
		Context:        u("context_length", 2048),
		NormEps:        float32(f("attention.layer_norm_rms_epsilon", 1e-5)),
		RopeBase:       f("rope.freq_base", 10000),
		RopeNeoX:       arch != ArchLlama && arch != ArchSmolLM3, // llama.cpp's LLAMA_ROPE_TYPE_NEOX
		RopeLinear:     1,
		RopeAttnFactor: float32(f("rope.scaling.attn_factor", 1)),
		SlidingWindow:  u("attention.sliding_window", 0),
		EmbedScale:     1,
	}
	if c.NumLayers <= 0 || c.Dim <= 0 || c.FFN <= 0 || c.Heads <= 0 {
		return Config{}, fmt.Errorf("%w: %s metadata lacks block_count, embedding_length, feed_forward_length or attention.head_count", ErrUnsupported, arch)
	}
	if c.NumLayers > maxLayers {
		return Config{}, fmt.Errorf("%w: %d layers (at most %d)", ErrUnsupported, c.NumLayers, maxLayers)
	}
	c.RopeOrigContext = u("rope.scaling.original_context_length", uint64(c.Context))
	c.KVHeads = u("attention.head_count_kv", uint64(c.Heads))
	c.HeadDim = u("attention.key_length", uint64(c.Dim/c.Heads))
	if v := u("attention.value_length", uint64(c.HeadDim)); v != c.HeadDim {
		return Config{}, fmt.Errorf("%w: key length %d differs from value length %d", ErrUnsupported, c.HeadDim, v)
	}
	c.RopeDims = u("rope.dimension_count", uint64(c.HeadDim))
	if c.KVHeads <= 0 || c.Heads%c.KVHeads != 0 {
		return Config{}, fmt.Errorf("%w: %d heads cannot share %d key/value heads", ErrUnsupported, c.Heads, c.KVHeads)
	}
	if c.HeadDim <= 0 {
		return Config{}, fmt.Errorf("%w: head dimension %d", ErrUnsupported, c.HeadDim)
	}
	if c.RopeDims <= 0 || c.RopeDims > c.HeadDim || c.RopeDims%2 != 0 {
		return Config{}, fmt.Errorf("%w: rope dimension %d for head dimension %d", ErrUnsupported, c.RopeDims, c.HeadDim)
	}
	if c.RopeBase <= 0 || c.NormEps < 0 || math.IsNaN(float64(c.NormEps)) {
		return Config{}, fmt.Errorf("%w: rope freq_base %g, rms epsilon %g", ErrUnsupported, c.RopeBase, c.NormEps)
	}
	if !(c.RopeAttnFactor > 0) || math.IsInf(float64(c.RopeAttnFactor), 0) {
		return Config{}, fmt.Errorf("%w: rope.scaling.attn_factor %g", ErrUnsupported, c.RopeAttnFactor)
	}
	if err := c.readRopeScaling(md, key, f); err != nil {
		return Config{}, err
	}
	c.AttnScale = float32(1 / math.Sqrt(float64(c.HeadDim)))
	c.RopeBaseLocal, c.RopeLinearLocal = c.RopeBase, c.RopeLinear
	c.Spec = make([]LayerSpec, c.NumLayers)
	for l := range c.Spec {
		c.Spec[l].Window = c.SlidingWindow
	}
	if err := c.readArch(u, f); err != nil {
		return Config{}, err
	}
	return c, nil
}

// maxLayers bounds block_count: far above any real model, low enough that per-layer
// slices sized from a hostile file stay small.
const maxLayers = 1 << 12

// readRopeScaling reads rope.scaling.type and its parameters.
func (c *Config) readRopeScaling(md Metadata, key func(string) string, f func(string, float64) float64) error {
	scaling, _ := md.String(key("rope.scaling.type"))
	switch scaling {
	case "", "none":
	case "linear":
		factor := f("rope.scaling.factor", 1)
		if factor <= 0 {
			return fmt.Errorf("%w: rope.scaling.factor %g", ErrUnsupported, factor)
		}
		c.RopeLinear = factor
	case "llama3":
		s := llama3Scaling{
			factor:      f("rope.scaling.factor", 8),
			lowFreq:     f("rope.scaling.low_freq_factor", 1),
			highFreq:    f("rope.scaling.high_freq_factor", 4),
			origContext: f("rope.scaling.original_context_length", 8192),
		}
		if s.factor <= 0 || s.highFreq <= s.lowFreq || s.origContext <= 0 {
			return fmt.Errorf("%w: llama3 rope scaling %+v", ErrUnsupported, s)
		}
		c.RopeFactors = s.factors(c.RopeBase, c.RopeDims)
	default:
		return fmt.Errorf("%w: rope scaling %q (supported: none, linear, llama3)", ErrUnsupported, scaling)
	}
	return nil
}

// readArch sets what is particular to one architecture, following llama.cpp's
// load_arch_hparams and graph of that architecture.
func (c *Config) readArch(u func(string, uint64) int, f func(string, float64) float64) error {
	switch c.Arch {
	case ArchQwen3:
		c.QKNorm = true
	case ArchSmolLM3:
		// llama.cpp fixes the interval at 4 (n_no_rope_layer_step): layers 3, 7, 11, … skip RoPE.
		for l := range c.Spec {
			if (l+1)%4 == 0 {
				c.Spec[l].Rope = RopeNone
			}
		}
	case ArchGemma2, ArchGemma3:
		c.PostNorms, c.GELU = true, true
		c.QKNorm = c.Arch == ArchGemma3
		c.EmbedScale = float32(math.Sqrt(float64(c.Dim)))
		// Gemma's query_pre_attn_scalar is the head dimension in every size but 27B, where it
		// is Dim/Heads; llama.cpp derives it from the layer count (46 layers for Gemma 2 27B,
		// 62 for Gemma 3 27B) rather than from metadata, and so does heed.
		if (c.Arch == ArchGemma2 && c.NumLayers == 46) || (c.Arch == ArchGemma3 && c.NumLayers == 62) {
			c.AttnScale = float32(1 / math.Sqrt(float64(c.Dim/c.Heads)))
		}
		c.FinalSoftCap = float32(f("final_logit_softcapping", 0))
		period := u("attention.sliding_window_pattern", 6)
		if c.Arch == ArchGemma2 {
			c.AttnSoftCap = float32(f("attn_logit_softcapping", 50))
			c.FinalSoftCap = float32(f("final_logit_softcapping", 30))
			period = u("attention.sliding_window_pattern", 2)
			c.SlidingWindow = u("attention.sliding_window", 4096)
			c.RopeBaseLocal = f("rope.freq_base_swa", c.RopeBase)
		} else {
			// Gemma 3's local layers keep their own base (10000 unless the file says) and no scaling.
			c.RopeBaseLocal, c.RopeLinearLocal = f("rope.freq_base_swa", 10000), 1
		}
		if c.AttnSoftCap < 0 || c.FinalSoftCap < 0 || c.RopeBaseLocal <= 0 {
			return fmt.Errorf("%w: %s soft caps %g, %g, local rope base %g", ErrUnsupported, c.Arch, c.AttnSoftCap, c.FinalSoftCap, c.RopeBaseLocal)
		}
		// Layer l slides its window unless it is the last of each period (llama.cpp's
		// set_swa_pattern); without a window every layer is global and uses the global RoPE.
		for l := range c.Spec {
			local := c.SlidingWindow > 0 && (period == 0 || l%period < period-1)
			c.Spec[l] = LayerSpec{}
			if local {
				c.Spec[l] = LayerSpec{Window: c.SlidingWindow, Rope: RopeLocal}
			}
		}
	}
	return nil
}

// factors computes Llama 3's per-pair frequency divisors, as Meta's
// apply_scaling and llama.cpp's converter (which stores them as rope_freqs.weight) do:
// long wavelengths are slowed by factor, short ones kept, the band between blended.
func (s llama3Scaling) factors(base float64, dims int) []float32 {
	lowWavelen := s.origContext / s.lowFreq
	highWavelen := s.origContext / s.highFreq
	out := make([]float32, dims/2)
	for i := range out {
		freq := math.Pow(base, -float64(2*i)/float64(dims))
		wavelen := 2 * math.Pi / freq
		switch {
		case wavelen < highWavelen:
			out[i] = 1
		case wavelen > lowWavelen:
			out[i] = float32(s.factor)
		default:
			smooth := (s.origContext/wavelen - s.lowFreq) / (s.highFreq - s.lowFreq)
			out[i] = float32(1 / ((1-smooth)/s.factor + smooth))
		}
	}
	return out
}

// InvFreq returns the RoPE angle per position of each rotated pair of the global RoPE:
// base^(-2i/dims) / factor[i] / linear.
func (c *Config) InvFreq() []float32 {
	return invFreq(c.RopeBase, c.RopeLinear, c.RopeFactors, c.RopeDims)
}

// invFreqLong is InvFreq with Phi-3's long LongRoPE factors.
func (c *Config) invFreqLong() []float32 {
	return invFreq(c.RopeBase, c.RopeLinear, c.RopeFactorsLong, c.RopeDims)
}

// invFreqLocal is the RoPE of sliding-window layers (RopeLocal): its own base and
// linear scale, no per-pair factors.
func (c *Config) invFreqLocal() []float32 {
	return invFreq(c.RopeBaseLocal, c.RopeLinearLocal, nil, c.RopeDims)
}

func invFreq(base, linear float64, factors []float32, dims int) []float32 {
	out := make([]float32, dims/2)
	for i := range out {
		f := math.Pow(base, -float64(2*i)/float64(dims)) / linear
		if factors != nil {
			f /= float64(factors[i])
		}
		out[i] = float32(f)
	}
	return out
}

// KVDim is the width of one token's keys (or values) across the key/value heads.
func (c *Config) KVDim() int { return c.KVHeads * c.HeadDim }

// QDim is the width of one token's queries across heads.
func (c *Config) QDim() int { return c.Heads * c.HeadDim }

// Features describes, in a few words each, what the architecture does beyond a Llama
// block: for reports such as `heed info` and the app's model details.
func (c *Config) Features() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if c.QKVBias {
		add("Q/K/V biases")
	}
	if c.QKNorm {
		add("q/k norms per head")
	}
	if c.PostNorms {
		add("post-norms")
	}
	if c.GELU {
		add("GeGLU feed-forward")
	}
	if c.EmbedScale != 1 {
		add("embeddings ×%.4g", c.EmbedScale)
	}
	if want := float32(1 / math.Sqrt(float64(c.HeadDim))); c.AttnScale != want {
		add("attention scale %.4g", c.AttnScale)
	}
	if c.AttnSoftCap > 0 {
		add("attention soft cap %g", c.AttnSoftCap)
	}
	if c.FinalSoftCap > 0 {
		add("output soft cap %g", c.FinalSoftCap)
	}
	windowed, local, none := 0, 0, 0
	for _, s := range c.Spec {
		if s.Window > 0 {
			windowed++
		}
		switch s.Rope {
		case RopeLocal:
			local++
		case RopeNone:
			none++
		}
	}
	if windowed > 0 {
		add("sliding window %d on %d of %d layers", c.SlidingWindow, windowed, c.NumLayers)
	}
	if local > 0 {
		add("local RoPE base %g", c.RopeBaseLocal)
	}
	if none > 0 {
		add("no RoPE on %d of %d layers", none, c.NumLayers)
	}
	if c.RopeDims < c.HeadDim {
		add("RoPE on %d of %d dims", c.RopeDims, c.HeadDim)
	}
	if c.RopeFactorsLong != nil {
		add("LongRoPE beyond %d positions", c.RopeOrigContext)
	}
	if c.RopeAttnFactor != 1 {
		add("RoPE attention factor %.4g", c.RopeAttnFactor)
	}
	return out
}
