// Package synth writes synthetic GGUF models of every architecture heed runs: the
// architecture and shape of a real model (llama.cpp's tensor names and metadata keys,
// so llama.cpp loads them), a small SentencePiece tokenizer, and seeded random weights. They exist for tests,
// benchmarks and `heed synth`, where the shape matters and the weights do not.
package synth

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Llama3RopeScaling is Llama 3.1/3.2's frequency-dependent RoPE scaling. llama.cpp
// applies it through the rope_freqs.weight tensor, which Write computes as
// convert_hf_to_gguf.py does.
type Llama3RopeScaling struct {
	Factor          float32 // low-frequency wavelengths are stretched by this (32 for Llama 3.2)
	LowFreqFactor   float32 // 1 for Llama 3.x
	HighFreqFactor  float32 // 4 for Llama 3.x
	OriginalContext int     // context the base model was trained at (8192)
}

// Shape is the architecture of a synthetic model. Every option llama.cpp's
// llama, qwen2, qwen3, gemma2, gemma3, phi3 and smollm3 architectures read can be
// expressed.
type Shape struct {
	Arch           string // an engine/model architecture; llama.cpp's rope layout and blocks follow it
	Name           string // general.name
	Layers         int
	Dim            int // embedding length
	Heads          int // query heads
	KVHeads        int // key/value heads; < Heads is grouped-query attention
	KeyLength      int // per-head dimension (ARCH.attention.key_length); 0 means Dim/Heads
	FFN            int // feed-forward hidden length
	Vocab          int
	Context        int // ARCH.context_length
	RopeBase       float32
	RopeDims       int // rotated dimensions per head (ARCH.rope.dimension_count); 0 means all
	RMSEps         float32
	TiedEmbeddings bool // no output.weight: llama.cpp reuses token_embd.weight
	QKVBias        bool // attn_q/k/v.bias (required by llama.cpp's qwen2)
	SlidingWindow  int  // ARCH.attention.sliding_window when > 0
	RopeScaling    *Llama3RopeScaling

	// Gemma: every SWAPattern-th layer is global, the others slide their window
	// (ARCH.attention.sliding_window_pattern; 0 writes no key: llama.cpp's default 6 or 2).
	SWAPattern int
	// RopeBaseLocal is the RoPE base of Gemma's sliding-window layers
	// (ARCH.rope.freq_base_swa; 0 writes no key).
	RopeBaseLocal float32
	// AttnSoftCap and FinalSoftCap are Gemma 2's logit soft caps (0 writes no key).
	AttnSoftCap, FinalSoftCap float32
	// LongRoPE, when set, gives a Phi-3 model rope_factors_short/long tensors and its
	// attention factor.
	LongRoPE *LongRoPE
}

// LongRoPE is Phi-3.5/Phi-4-mini's long-context RoPE: per-pair frequency factors
// for contexts up to OriginalContext and longer ones, and an attention factor
// computed from the context extension as convert_hf_to_gguf.py does.
type LongRoPE struct {
	OriginalContext int // rope.scaling.original_context_length
}

// HeadDim is the per-head dimension: KeyLength, or Dim / Heads.
func (s Shape) HeadDim() int {
	if s.KeyLength > 0 {
		return s.KeyLength
	}
	if s.Heads == 0 {
		return 0
	}
	return s.Dim / s.Heads
}

// RotatedDims is the number of dimensions RoPE rotates in each head.
func (s Shape) RotatedDims() int {
	if s.RopeDims > 0 {
		return s.RopeDims
	}
	return s.HeadDim()
}

// Architectures are the values Shape.Arch takes.
var Architectures = []string{"llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "smollm3"}

// minVocab is the three control tokens plus the 256 byte tokens of the tokenizer Write emits.
const minVocab = 3 + 256

// maxVocab bounds the generated word pieces (all strings up to five letters are far more).
const maxVocab = 1 << 20

// maxSize bounds layers and widths: far above any real model, low enough that
// every product of two sizes fits in an int64 and every size in a uint32.
const maxSize = 1 << 24

// DefaultVocab is every preset's vocabulary size: small, so synthetic models stay
// dominated by their transformer blocks rather than by embedding tables.
const DefaultVocab = 512

var presets = map[string]Shape{
	// The default model, stories260K.gguf (SPEC.md §5).
	"stories260k": {Arch: "llama", Layers: 5, Dim: 64, Heads: 8, KVHeads: 4, FFN: 172,
		Context: 2048, RopeBase: 10000, RMSEps: 1e-5},
	// HuggingFaceTB/SmolLM2-135M(-Instruct) config.json.
	"smollm2-135m": {Arch: "llama", Layers: 30, Dim: 576, Heads: 9, KVHeads: 3, FFN: 1536,
		Context: 8192, RopeBase: 100000, RMSEps: 1e-5, TiedEmbeddings: true},
	// Qwen/Qwen2.5-0.5B(-Instruct) config.json.
	"qwen2.5-0.5b": {Arch: "qwen2", Layers: 24, Dim: 896, Heads: 14, KVHeads: 2, FFN: 4864,
		Context: 32768, RopeBase: 1000000, RMSEps: 1e-6, TiedEmbeddings: true, QKVBias: true},
	// meta-llama/Llama-3.2-1B(-Instruct) config.json.
	"llama3.2-1b": {Arch: "llama", Layers: 16, Dim: 2048, Heads: 32, KVHeads: 8, FFN: 8192,
		Context: 131072, RopeBase: 500000, RMSEps: 1e-5, TiedEmbeddings: true,
		RopeScaling: &Llama3RopeScaling{Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OriginalContext: 8192}},
	// mistralai/Mistral-7B-v0.1 config.json (sliding-window attention).
	"mistral-7b": {Arch: "llama", Layers: 32, Dim: 4096, Heads: 32, KVHeads: 8, FFN: 14336,
		Context: 32768, RopeBase: 10000, RMSEps: 1e-5, SlidingWindow: 4096},
	// Qwen/Qwen3-0.6B config.json: head_dim 128 with 16 heads of a 1024 model.
	"qwen3-0.6b": {Arch: "qwen3", Layers: 28, Dim: 1024, Heads: 16, KVHeads: 8, KeyLength: 128, FFN: 3072,
		Context: 40960, RopeBase: 1000000, RMSEps: 1e-6, TiedEmbeddings: true},
	// google/gemma-3-270m config.json: five sliding-window layers (512) to one global.
	"gemma3-270m": {Arch: "gemma3", Layers: 18, Dim: 640, Heads: 4, KVHeads: 1, KeyLength: 256, FFN: 2048,
		Context: 32768, RopeBase: 1000000, RMSEps: 1e-6, TiedEmbeddings: true, SlidingWindow: 512},
	// google/gemma-3-1b-it config.json.
	"gemma3-1b": {Arch: "gemma3", Layers: 26, Dim: 1152, Heads: 4, KVHeads: 1, KeyLength: 256, FFN: 6912,
		Context: 32768, RopeBase: 1000000, RMSEps: 1e-6, TiedEmbeddings: true, SlidingWindow: 512},
	// google/gemma-2-2b-it config.json: alternating 4096-key windows, soft-capped logits.
	"gemma2-2b": {Arch: "gemma2", Layers: 26, Dim: 2304, Heads: 8, KVHeads: 4, KeyLength: 256, FFN: 9216,
		Context: 8192, RopeBase: 10000, RMSEps: 1e-6, TiedEmbeddings: true, SlidingWindow: 4096,
		AttnSoftCap: 50, FinalSoftCap: 30},
	// microsoft/Phi-3.5-mini-instruct config.json: LongRoPE from 4096 to 131072 positions.
	"phi3-mini": {Arch: "phi3", Layers: 32, Dim: 3072, Heads: 32, KVHeads: 32, FFN: 8192,
		Context: 131072, RopeBase: 10000, RMSEps: 1e-5, SlidingWindow: 262144,
		LongRoPE: &LongRoPE{OriginalContext: 4096}},
	// microsoft/Phi-4-mini-instruct config.json: grouped-query attention, RoPE on 96 of 128 dims.
	"phi4-mini": {Arch: "phi3", Layers: 32, Dim: 3072, Heads: 24, KVHeads: 8, FFN: 8192, RopeDims: 96,
		Context: 131072, RopeBase: 10000, RMSEps: 1e-5, TiedEmbeddings: true, SlidingWindow: 262144,
		LongRoPE: &LongRoPE{OriginalContext: 4096}},
	// HuggingFaceTB/SmolLM3-3B config.json: RoPE skipped on every fourth layer.
	"smollm3-3b": {Arch: "smollm3", Layers: 36, Dim: 2048, Heads: 16, KVHeads: 4, FFN: 11008,
		Context: 65536, RopeBase: 5000000, RMSEps: 1e-6, TiedEmbeddings: true},
}

// Presets returns the preset names, sorted.
func Presets() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Preset returns a named preset with vocabulary DefaultVocab.
func Preset(name string) (Shape, bool) {
	s, ok := presets[name]
	if !ok {
		return Shape{}, false
	}
	s.Name = name
	s.Vocab = DefaultVocab
	if s.RopeScaling != nil {
		rs := *s.RopeScaling
		s.RopeScaling = &rs
	}
	if s.LongRoPE != nil {
		lr := *s.LongRoPE
		s.LongRoPE = &lr
	}
	return s, true
}

// ParseShape parses a preset name optionally followed by overrides
// ("smollm2-135m", "smollm2-135m,layers=2"), or a key=value list
// ("arch=llama,layers=2,dim=64,heads=4,kv=2,ffn=128,vocab=512").
//
// Keys: arch, name, layers, dim, heads, kv, head_dim, ffn, vocab, ctx, rope_base,
// rope_dims, eps, tied, bias, swa, swa_pattern, rope_base_local, attn_cap, final_cap,
// longrope (original context; 0 turns it off), rope_scaling (factor; 0 turns it off),
// rope_low, rope_high, rope_orig. Without a preset, kv defaults to heads, vocab to 512,
// ctx to 2048, rope_base to 10000, eps to 1e-5 (1e-6 for qwen2), qwen2 gets Q/K/V
// biases, and gemma2 its soft caps 50 and 30 and tied embeddings (llama.cpp reads no
// output.weight for gemma2).
func ParseShape(spec string) (Shape, error) {
	items := strings.Split(strings.TrimSpace(spec), ",")
	var s Shape
	fromPreset := false
	if first := strings.TrimSpace(items[0]); first != "" && !strings.Contains(first, "=") {
		p, ok := Preset(first)
		if !ok {
			return Shape{}, fmt.Errorf("synth: unknown preset %q (presets: %s)", first, strings.Join(Presets(), ", "))
		}
		s, fromPreset, items = p, true, items[1:]
	}
	biasSet := false
	for _, item := range items {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, val, ok := strings.Cut(item, "=")
		if !ok {
			return Shape{}, fmt.Errorf("synth: %q in shape %q is not key=value", item, spec)
		}
		if err := s.set(strings.TrimSpace(key), strings.TrimSpace(val)); err != nil {
			return Shape{}, fmt.Errorf("synth: shape %q: %w", spec, err)
		}
		biasSet = biasSet || key == "bias"
	}
	if !fromPreset {
		s.fillDefaults(biasSet)
	}
	if err := s.Validate(); err != nil {
		return Shape{}, err
	}
	return s, nil
}

func (s *Shape) fillDefaults(biasSet bool) {
	if s.Arch == "" {
		s.Arch = "llama"
	}
	if s.Name == "" {
		s.Name = "synthetic-" + s.Arch
	}
	if s.KVHeads == 0 {
		s.KVHeads = s.Heads
	}
	if s.Vocab == 0 {
		s.Vocab = DefaultVocab
	}
	if s.Context == 0 {
		s.Context = 2048
	}
	if s.RopeBase == 0 {
		s.RopeBase = 10000
	}
	if s.RMSEps == 0 {
		s.RMSEps = 1e-5
		if s.Arch == "qwen2" {
			s.RMSEps = 1e-6
		}
	}
	if s.Arch == "qwen2" && !biasSet {
		s.QKVBias = true
	}
	if s.Arch == "gemma2" {
		s.TiedEmbeddings = true
		if s.AttnSoftCap == 0 {
			s.AttnSoftCap = 50
		}
		if s.FinalSoftCap == 0 {
			s.FinalSoftCap = 30
		}
	}
}

func (s *Shape) set(key, val string) error {
	atoi := func(dst *int) error {
		n, err := strconv.Atoi(val)
		if err != nil {
			return fmt.Errorf("%s=%q: want an integer", key, val)
		}
		*dst = n
		return nil
	}
	atof := func(dst *float32) error {
		f, err := strconv.ParseFloat(val, 32)
		if err != nil {
			return fmt.Errorf("%s=%q: want a number", key, val)
		}
		*dst = float32(f)
		return nil
	}
	atob := func(dst *bool) error {
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("%s=%q: want true or false", key, val)
		}
		*dst = b
		return nil
	}
	scaling := func() *Llama3RopeScaling {
		if s.RopeScaling == nil {
			s.RopeScaling = &Llama3RopeScaling{LowFreqFactor: 1, HighFreqFactor: 4, OriginalContext: 8192}
		}
		return s.RopeScaling
	}
	switch key {
	case "arch":
		s.Arch = val
	case "name":
		s.Name = val
	case "layers":
		return atoi(&s.Layers)
	case "dim":
		return atoi(&s.Dim)
	case "heads":
		return atoi(&s.Heads)
	case "kv":
		return atoi(&s.KVHeads)
	case "head_dim":
		return atoi(&s.KeyLength)
	case "rope_dims":
		return atoi(&s.RopeDims)
	case "swa_pattern":
		return atoi(&s.SWAPattern)
	case "rope_base_local":
		return atof(&s.RopeBaseLocal)
	case "attn_cap":
		return atof(&s.AttnSoftCap)
	case "final_cap":
		return atof(&s.FinalSoftCap)
	case "longrope":
		var orig int
		if err := atoi(&orig); err != nil {
			return err
		}
		s.LongRoPE = nil
		if orig != 0 {
			s.LongRoPE = &LongRoPE{OriginalContext: orig}
		}
	case "ffn":
		return atoi(&s.FFN)
	case "vocab":
		return atoi(&s.Vocab)
	case "ctx":
		return atoi(&s.Context)
	case "rope_base":
		return atof(&s.RopeBase)
	case "eps":
		return atof(&s.RMSEps)
	case "tied":
		return atob(&s.TiedEmbeddings)
	case "bias":
		return atob(&s.QKVBias)
	case "swa":
		return atoi(&s.SlidingWindow)
	case "rope_scaling":
		var f float32
		if err := atof(&f); err != nil {
			return err
		}
		if f == 0 {
			s.RopeScaling = nil
			return nil
		}
		scaling().Factor = f
	case "rope_low":
		return atof(&scaling().LowFreqFactor)
	case "rope_high":
		return atof(&scaling().HighFreqFactor)
	case "rope_orig":
		return atoi(&scaling().OriginalContext)
	default:
		return fmt.Errorf("unknown key %q (keys: arch name layers dim heads kv head_dim ffn vocab ctx rope_base rope_dims eps tied bias swa swa_pattern rope_base_local attn_cap final_cap longrope rope_scaling rope_low rope_high rope_orig)", key)
	}
	return nil
}

// Validate reports the first inconsistency that would make the shape unloadable.
func (s Shape) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("synth: invalid shape: "+format, args...)
	}
	switch {
	case !slices.Contains(Architectures, s.Arch):
		return bad("arch %q, want one of %s", s.Arch, strings.Join(Architectures, ", "))
	case s.Layers < 1 || s.Dim < 1 || s.Heads < 1 || s.KVHeads < 1 || s.FFN < 1 || s.Context < 1:
		return bad("layers %d, dim %d, heads %d, kv %d, ffn %d, ctx %d must all be >= 1",
			s.Layers, s.Dim, s.Heads, s.KVHeads, s.FFN, s.Context)
	case s.KeyLength < 0 || s.RopeDims < 0 || s.SWAPattern < 0:
		return bad("head_dim %d, rope_dims %d, swa_pattern %d must be >= 0", s.KeyLength, s.RopeDims, s.SWAPattern)
	case max(s.Layers, s.Dim, s.Heads, s.KVHeads, s.FFN, s.SlidingWindow, s.KeyLength, s.SWAPattern) > maxSize ||
		s.Context > math.MaxInt32 || s.Heads*s.HeadDim() > maxSize:
		return bad("a size exceeds %d (or ctx %d exceeds 2^31-1)", maxSize, s.Context)
	case s.KeyLength == 0 && s.Dim%s.Heads != 0:
		return bad("dim %d is not a multiple of heads %d", s.Dim, s.Heads)
	case s.Heads%s.KVHeads != 0:
		return bad("heads %d is not a multiple of kv heads %d", s.Heads, s.KVHeads)
	case s.HeadDim()%2 != 0:
		return bad("head dim %d (dim %d / heads %d) is odd; RoPE rotates pairs", s.HeadDim(), s.Dim, s.Heads)
	case s.RotatedDims()%2 != 0 || s.RotatedDims() > s.HeadDim():
		return bad("rope_dims %d, want an even number up to the head dim %d", s.RotatedDims(), s.HeadDim())
	case s.Arch == "gemma2" && !s.TiedEmbeddings:
		return bad("gemma2 ties its output to token_embd (llama.cpp reads no output.weight for gemma2)")
	case !(s.AttnSoftCap >= 0) || !(s.FinalSoftCap >= 0) || !(s.RopeBaseLocal >= 0):
		return bad("attn_cap %v, final_cap %v, rope_base_local %v must be >= 0", s.AttnSoftCap, s.FinalSoftCap, s.RopeBaseLocal)
	case s.AttnSoftCap > 0 && s.Arch != "gemma2":
		return bad("attn_cap is a gemma2 option (llama.cpp soft-caps attention only there)")
	case (s.FinalSoftCap > 0 || s.SWAPattern > 0 || s.RopeBaseLocal > 0) && s.Arch != "gemma2" && s.Arch != "gemma3":
		return bad("final_cap, swa_pattern and rope_base_local are gemma2/gemma3 options")
	case s.LongRoPE != nil && s.Arch != "phi3":
		return bad("longrope is a phi3 option")
	case s.LongRoPE != nil && (s.LongRoPE.OriginalContext < 1 || s.LongRoPE.OriginalContext > s.Context):
		return bad("longrope original context %d, want 1 to ctx %d", s.LongRoPE.OriginalContext, s.Context)
	case s.QKVBias && s.Arch == "phi3":
		return bad("phi3 has no Q/K/V biases")
	case s.Vocab < minVocab || s.Vocab > maxVocab:
		return bad("vocab %d, want %d (3 control + 256 byte tokens) to %d", s.Vocab, minVocab, maxVocab)
	case !(s.RopeBase > 0) || math.IsInf(float64(s.RopeBase), 0):
		return bad("rope_base %v, want > 0", s.RopeBase)
	case !(s.RMSEps > 0) || s.RMSEps >= 1:
		return bad("eps %v, want in (0, 1)", s.RMSEps)
	case s.SlidingWindow < 0:
		return bad("sliding window %d, want >= 0", s.SlidingWindow)
	case s.Arch == "qwen2" && !s.QKVBias:
		return bad("qwen2 needs Q/K/V biases (llama.cpp requires attn_q/k/v.bias for qwen2)")
	}
	if r := s.RopeScaling; r != nil {
		switch {
		case s.Arch != "llama":
			return bad("llama3 rope scaling is a llama-architecture option (llama.cpp reads rope_freqs.weight only there)")
		case !(r.Factor >= 1):
			return bad("rope_scaling factor %v, want >= 1", r.Factor)
		case !(r.LowFreqFactor > 0) || !(r.HighFreqFactor > r.LowFreqFactor):
			return bad("rope_low %v and rope_high %v, want 0 < low < high", r.LowFreqFactor, r.HighFreqFactor)
		case r.OriginalContext < 1:
			return bad("rope_orig %d, want >= 1", r.OriginalContext)
		}
	}
	return nil
}

// String returns a key=value spec that ParseShape turns back into s.
func (s Shape) String() string {
	parts := []string{
		"arch=" + s.Arch, "name=" + s.Name,
		fmt.Sprintf("layers=%d", s.Layers), fmt.Sprintf("dim=%d", s.Dim),
		fmt.Sprintf("heads=%d", s.Heads), fmt.Sprintf("kv=%d", s.KVHeads),
		fmt.Sprintf("ffn=%d", s.FFN), fmt.Sprintf("vocab=%d", s.Vocab),
		fmt.Sprintf("ctx=%d", s.Context), "rope_base=" + fmtFloat(s.RopeBase),
		"eps=" + fmtFloat(s.RMSEps), fmt.Sprintf("tied=%t", s.TiedEmbeddings),
		fmt.Sprintf("bias=%t", s.QKVBias), fmt.Sprintf("swa=%d", s.SlidingWindow),
		fmt.Sprintf("head_dim=%d", s.KeyLength), fmt.Sprintf("rope_dims=%d", s.RopeDims),
		fmt.Sprintf("swa_pattern=%d", s.SWAPattern), "rope_base_local=" + fmtFloat(s.RopeBaseLocal),
		"attn_cap=" + fmtFloat(s.AttnSoftCap), "final_cap=" + fmtFloat(s.FinalSoftCap),
	}
	if lr := s.LongRoPE; lr != nil {
		parts = append(parts, fmt.Sprintf("longrope=%d", lr.OriginalContext))
	}
	if r := s.RopeScaling; r != nil {
		parts = append(parts, "rope_scaling="+fmtFloat(r.Factor), "rope_low="+fmtFloat(r.LowFreqFactor),
			"rope_high="+fmtFloat(r.HighFreqFactor), fmt.Sprintf("rope_orig=%d", r.OriginalContext))
	}
	return strings.Join(parts, ",")
}

func fmtFloat(f float32) string { return strconv.FormatFloat(float64(f), 'g', -1, 32) }
