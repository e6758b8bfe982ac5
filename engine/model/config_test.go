package model

import (
	"errors"
	"math"
	"testing"
)

// meta is GGUF metadata held in a map, for configuration tests.
type meta map[string]any

func (m meta) Architecture() string { s, _ := m["general.architecture"].(string); return s }
func (m meta) String(k string) (string, bool) {
	v, ok := m[k].(string)
	return v, ok
}
func (m meta) Uint(k string) (uint64, bool) {
	v, ok := m[k].(int)
	return uint64(v), ok
}
func (m meta) Float(k string) (float64, bool) {
	v, ok := m[k].(float64)
	return v, ok
}

func baseMeta(arch string) meta {
	return meta{
		"general.architecture":                     arch,
		arch + ".block_count":                      2,
		arch + ".embedding_length":                 64,
		arch + ".feed_forward_length":              128,
		arch + ".attention.head_count":             8,
		arch + ".attention.head_count_kv":          2,
		arch + ".context_length":                   512,
		arch + ".rope.freq_base":                   500000.0,
		arch + ".attention.layer_norm_rms_epsilon": 1e-6,
	}
}

func TestReadConfig(t *testing.T) {
	c, err := ReadConfig(baseMeta("llama"))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Arch: "llama", NumLayers: 2, Dim: 64, FFN: 128, Heads: 8, KVHeads: 2, HeadDim: 8, Context: 512,
		NormEps: 1e-6, RopeBase: 500000, RopeDims: 8, RopeLinear: 1}
	if c.Arch != want.Arch || c.NumLayers != want.NumLayers || c.Heads != want.Heads || c.KVHeads != want.KVHeads ||
		c.HeadDim != want.HeadDim || c.RopeDims != want.RopeDims || c.RopeBase != want.RopeBase || c.NormEps != want.NormEps ||
		c.RopeNeoX || c.QKVBias || c.SlidingWindow != 0 {
		t.Fatalf("got %+v, want %+v", c, want)
	}
	q, err := ReadConfig(baseMeta("qwen2"))
	if err != nil {
		t.Fatal(err)
	}
	if !q.RopeNeoX {
		t.Fatalf("qwen2: NeoX %v, want true", q.RopeNeoX)
	}
	m := baseMeta("llama")
	m["llama.attention.sliding_window"] = 16
	m["llama.rope.scaling.type"] = "linear"
	m["llama.rope.scaling.factor"] = 4.0
	s, err := ReadConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	if s.SlidingWindow != 16 || s.RopeLinear != 4 || s.InvFreq()[0] != 0.25 {
		t.Fatalf("window %d, linear %v, inv freq %v", s.SlidingWindow, s.RopeLinear, s.InvFreq())
	}
}

func TestReadConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(meta)
	}{
		{"unsupported architecture", func(m meta) { m["general.architecture"] = "mamba" }},
		{"missing block count", func(m meta) { delete(m, "llama.block_count") }},
		{"heads not divisible", func(m meta) { m["llama.attention.head_count_kv"] = 3 }},
		{"odd rope dims", func(m meta) { m["llama.rope.dimension_count"] = 7 }},
		{"yarn scaling", func(m meta) { m["llama.rope.scaling.type"] = "yarn" }},
		{"key length differs from value length", func(m meta) { m["llama.attention.value_length"] = 16 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := baseMeta("llama")
			tc.edit(m)
			if _, err := ReadConfig(m); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("got %v, want ErrUnsupported", err)
			}
		})
	}
}

// TestLlama3Factors pins the Llama 3.1 frequency factors: with Llama 3.2 1B's
// metadata (factor 32, low 1, high 4, original context 8192, base 500000,
// 64 rotated dims) the highest frequencies keep factor 1, the lowest get 32,
// and the band between blends smoothly and monotonically.
func TestLlama3Factors(t *testing.T) {
	m := baseMeta("llama")
	m["llama.embedding_length"] = 512
	m["llama.rope.scaling.type"] = "llama3"
	m["llama.rope.scaling.factor"] = 32.0
	m["llama.rope.scaling.low_freq_factor"] = 1.0
	m["llama.rope.scaling.high_freq_factor"] = 4.0
	m["llama.rope.scaling.original_context_length"] = 8192
	c, err := ReadConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	f := c.RopeFactors
	if len(f) != 32 || f[0] != 1 || f[31] != 32 {
		t.Fatalf("factors %v", f)
	}
	for i := 1; i < len(f); i++ {
		if f[i] < f[i-1] {
			t.Fatalf("factors not monotone at %d: %v", i, f)
		}
	}
	inv := c.InvFreq()
	for i := range inv {
		want := math.Pow(500000, -float64(2*i)/64) / float64(f[i])
		if math.Abs(float64(inv[i])-want) > 1e-7*want {
			t.Fatalf("inv freq %d = %v, want %v", i, inv[i], want)
		}
	}
}
