// Package model is the Llama-family transformer of heed: hyperparameters and
// weights read from a GGUF file, and one Forward pass (with GUIDE's attention
// bias, Influence and Attention Rollout) written over a small Executor
// interface that the CPU and WebGPU executors both implement.
package model

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Supported architectures (GGUF general.architecture).
const (
	ArchLlama = "llama" // Llama 2/3/3.x, TinyLlama, SmolLM/SmolLM2, Mistral
	ArchQwen2 = "qwen2" // Qwen2/2.5: Q/K/V biases, NeoX RoPE
)

// Supported lists the architectures Load accepts, for error messages.
var Supported = []string{ArchLlama, ArchQwen2}

// ErrUnsupported is returned (wrapped) for a model heed cannot run.
var ErrUnsupported = errors.New("unsupported model")

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
	// RopeFactors divide the frequency of each rotated pair (Llama 3 scaling):
	// from the rope_freqs.weight tensor, or computed from rope.scaling.* metadata.
	RopeFactors []float32
	// SlidingWindow, when positive, limits each query to the last SlidingWindow keys (Mistral).
	SlidingWindow int
	// QKVBias: the attention projections have biases (Qwen2).
	QKVBias bool
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
	if arch != ArchLlama && arch != ArchQwen2 {
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
		Arch:          arch,
		NumLayers:     u("block_count", 0),
		Dim:           u("embedding_length", 0),
		FFN:           u("feed_forward_length", 0),
		Heads:         u("attention.head_count", 0),
		Context:       u("context_length", 2048),
		NormEps:       float32(f("attention.layer_norm_rms_epsilon", 1e-5)),
		RopeBase:      f("rope.freq_base", 10000),
		RopeNeoX:      arch == ArchQwen2,
		RopeLinear:    1,
		SlidingWindow: u("attention.sliding_window", 0),
		QKVBias:       arch == ArchQwen2,
	}
	if c.NumLayers <= 0 || c.Dim <= 0 || c.FFN <= 0 || c.Heads <= 0 {
		return Config{}, fmt.Errorf("%w: %s metadata lacks block_count, embedding_length, feed_forward_length or attention.head_count", ErrUnsupported, arch)
	}
	c.KVHeads = u("attention.head_count_kv", uint64(c.Heads))
	c.HeadDim = u("attention.key_length", uint64(c.Dim/c.Heads))
	if v := u("attention.value_length", uint64(c.HeadDim)); v != c.HeadDim {
		return Config{}, fmt.Errorf("%w: key length %d differs from value length %d", ErrUnsupported, c.HeadDim, v)
	}
	c.RopeDims = u("rope.dimension_count", uint64(c.HeadDim))
	if c.KVHeads <= 0 || c.Heads%c.KVHeads != 0 {
		return Config{}, fmt.Errorf("%w: %d heads cannot share %d key/value heads", ErrUnsupported, c.Heads, c.KVHeads)
	}
	if c.RopeDims <= 0 || c.RopeDims > c.HeadDim || c.RopeDims%2 != 0 {
		return Config{}, fmt.Errorf("%w: rope dimension %d for head dimension %d", ErrUnsupported, c.RopeDims, c.HeadDim)
	}
	if c.RopeBase <= 0 || c.NormEps < 0 || math.IsNaN(float64(c.NormEps)) {
		return Config{}, fmt.Errorf("%w: rope freq_base %g, rms epsilon %g", ErrUnsupported, c.RopeBase, c.NormEps)
	}
	scaling, _ := md.String(key("rope.scaling.type"))
	switch scaling {
	case "", "none":
	case "linear":
		factor := f("rope.scaling.factor", 1)
		if factor <= 0 {
			return Config{}, fmt.Errorf("%w: rope.scaling.factor %g", ErrUnsupported, factor)
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
			return Config{}, fmt.Errorf("%w: llama3 rope scaling %+v", ErrUnsupported, s)
		}
		c.RopeFactors = s.factors(c.RopeBase, c.RopeDims)
	default:
		return Config{}, fmt.Errorf("%w: rope scaling %q (supported: none, linear, llama3)", ErrUnsupported, scaling)
	}
	return c, nil
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

// InvFreq returns the RoPE angle per position of each rotated pair:
// base^(-2i/dims) / factor[i] / linear.
func (c *Config) InvFreq() []float32 {
	out := make([]float32, c.RopeDims/2)
	for i := range out {
		f := math.Pow(c.RopeBase, -float64(2*i)/float64(c.RopeDims)) / c.RopeLinear
		if c.RopeFactors != nil {
			f /= float64(c.RopeFactors[i])
		}
		out[i] = float32(f)
	}
	return out
}

// KVDim is the width of one token's keys (or values) across the key/value heads.
func (c *Config) KVDim() int { return c.KVHeads * c.HeadDim }

// QDim is the width of one token's queries across heads.
func (c *Config) QDim() int { return c.Heads * c.HeadDim }
