package model

import (
	"errors"
	"fmt"
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
		{"attention factor of zero", func(m meta) { m["llama.rope.scaling.attn_factor"] = 0.0 }},
		{"too many layers", func(m meta) { m["llama.block_count"] = 1 << 20 }},
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

// TestArchitectureConfigs pins what each architecture reads beyond the common keys, as
// llama.cpp's load_arch_hparams for it does.
func TestArchitectureConfigs(t *testing.T) {
	spec := func(c Config) string {
		s := ""
		for _, l := range c.Spec {
			s += map[RopeKind]string{RopeGlobal: "G", RopeLocal: "L", RopeNone: "-"}[l.Rope]
			if l.Window > 0 {
				s += fmt.Sprint(l.Window)
			}
			s += " "
		}
		return s
	}
	for _, tc := range []struct {
		arch  string
		edit  func(meta)
		check func(t *testing.T, c Config)
	}{
		{"qwen3", nil, func(t *testing.T, c Config) {
			if !c.QKNorm || !c.RopeNeoX || c.PostNorms || c.GELU || c.EmbedScale != 1 {
				t.Errorf("%+v", c)
			}
		}},
		{"smollm3", func(m meta) { m["smollm3.block_count"] = 8 }, func(t *testing.T, c Config) {
			if got := spec(c); got != "G G G - G G G - " || c.RopeNeoX {
				t.Errorf("layers %q, neox %v", got, c.RopeNeoX)
			}
		}},
		{"gemma2", func(m meta) { m["gemma2.block_count"] = 4 }, func(t *testing.T, c Config) {
			// Defaults: window 4096 on even layers, caps 50 and 30, the global RoPE everywhere.
			if got := spec(c); got != "L4096 G L4096 G " || c.AttnSoftCap != 50 || c.FinalSoftCap != 30 ||
				c.RopeBaseLocal != c.RopeBase || c.QKNorm || !c.PostNorms || !c.GELU || c.EmbedScale != 8 {
				t.Errorf("layers %q, %+v", got, c)
			}
		}},
		{"gemma3", func(m meta) {
			m["gemma3.block_count"] = 7
			m["gemma3.attention.sliding_window"] = 512
		}, func(t *testing.T, c Config) {
			// Five local layers to one global, local RoPE base 10000, no soft caps.
			if got := spec(c); got != "L512 L512 L512 L512 L512 G L512 " || c.RopeBaseLocal != 10000 ||
				c.RopeLinearLocal != 1 || c.AttnSoftCap != 0 || c.FinalSoftCap != 0 || !c.QKNorm || c.AttnScale != float32(1/math.Sqrt(8)) {
				t.Errorf("layers %q, %+v", got, c)
			}
		}},
		{"gemma3", func(m meta) {
			m["gemma3.block_count"] = 3
			m["gemma3.attention.sliding_window"] = 8
			m["gemma3.attention.sliding_window_pattern"] = 3
			m["gemma3.rope.freq_base_swa"] = 20000.0
			m["gemma3.rope.scaling.type"] = "linear"
			m["gemma3.rope.scaling.factor"] = 8.0
		}, func(t *testing.T, c Config) {
			if got := spec(c); got != "L8 L8 G " || c.RopeBaseLocal != 20000 || c.RopeLinear != 8 || c.RopeLinearLocal != 1 {
				t.Errorf("layers %q, %+v", got, c)
			}
		}},
		{"gemma3", nil, func(t *testing.T, c Config) {
			// No window in the file: every layer global.
			if got := spec(c); got != "G G " {
				t.Errorf("layers %q", got)
			}
		}},
		{"phi3", func(m meta) {
			m["phi3.rope.scaling.attn_factor"] = 1.19
			m["phi3.rope.scaling.original_context_length"] = 4096
			m["phi3.attention.sliding_window"] = 2047
		}, func(t *testing.T, c Config) {
			if got := spec(c); got != "G2047 G2047 " || float32(c.RopeAttnFactor) != 1.19 || c.RopeOrigContext != 4096 || !c.RopeNeoX {
				t.Errorf("layers %q, %+v", got, c)
			}
		}},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			m := baseMeta(tc.arch)
			if tc.edit != nil {
				tc.edit(m)
			}
			c, err := ReadConfig(m)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}
