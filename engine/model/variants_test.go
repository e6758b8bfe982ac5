package model_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"heed/engine/cpu"
	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/synth"
)

// variant is a tiny model exercising one architecture option. Sizes keep every
// matrix a whole number of 256-element k-quant blocks per row.
type variant struct {
	name      string
	arch      string
	tied      bool   // no output.weight: the embedding doubles as output
	ropeFreqs bool   // llama3 scaling as a rope_freqs.weight tensor
	scaling   string // rope.scaling.type metadata: "", "linear", "llama3"
	window    int    // attention.sliding_window
}

const (
	vDim, vHeads, vKV, vFFN, vLayers, vVocab = 256, 4, 2, 512, 2, 64
)

var variants = []variant{
	{name: "llama gqa", arch: "llama"},
	{name: "llama tied", arch: "llama", tied: true},
	{name: "llama3 rope_freqs tensor", arch: "llama", ropeFreqs: true},
	{name: "llama3 scaling metadata", arch: "llama", scaling: "llama3"},
	{name: "linear rope scaling", arch: "llama", scaling: "linear"},
	{name: "mistral sliding window", arch: "llama", window: 4},
	{name: "qwen2 biases neox tied", arch: "qwen2", tied: true},
}

// writeVariant writes v with its 2-D weights stored as typ (vectors stay F32,
// as llama.cpp's quantiser keeps them) and returns the path. The same seed
// gives the same underlying weights for every type.
func writeVariant(t *testing.T, v variant, typ ggml.Type) string {
	t.Helper()
	r := rand.New(rand.NewPCG(42, 7))
	b := gguf.NewBuilder()
	a := v.arch
	b.SetString("general.architecture", a)
	b.SetUint32(a+".block_count", vLayers)
	b.SetUint32(a+".embedding_length", vDim)
	b.SetUint32(a+".feed_forward_length", vFFN)
	b.SetUint32(a+".attention.head_count", vHeads)
	b.SetUint32(a+".attention.head_count_kv", vKV)
	b.SetUint32(a+".context_length", 64)
	b.SetFloat32(a+".attention.layer_norm_rms_epsilon", 1e-6)
	b.SetFloat32(a+".rope.freq_base", 10000)
	if v.window > 0 {
		b.SetUint32(a+".attention.sliding_window", uint32(v.window))
	}
	switch v.scaling {
	case "linear":
		b.SetString(a+".rope.scaling.type", "linear")
		b.SetFloat32(a+".rope.scaling.factor", 4)
	case "llama3":
		b.SetString(a+".rope.scaling.type", "llama3")
		b.SetFloat32(a+".rope.scaling.factor", 8)
		b.SetFloat32(a+".rope.scaling.low_freq_factor", 1)
		b.SetFloat32(a+".rope.scaling.high_freq_factor", 4)
		b.SetUint32(a+".rope.scaling.original_context_length", 16)
	}
	// Weights ~ N(0, 1/cols) keep activations of unit scale through the layers.
	mat := func(name string, rows, cols int) {
		w := make([]float32, rows*cols)
		for i := range w {
			w[i] = float32(r.NormFloat64() / math.Sqrt(float64(cols)))
		}
		if err := b.AddTensorF32(name, []int64{int64(cols), int64(rows)}, typ, w); err != nil {
			t.Fatal(err)
		}
	}
	vec := func(name string, n int, center, spread float64) {
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(center + spread*r.NormFloat64())
		}
		if err := b.AddTensorF32(name, []int64{int64(n)}, ggml.F32, w); err != nil {
			t.Fatal(err)
		}
	}
	hd := vDim / vHeads
	// The embedding at unit scale per element, like trained models' (RMSNorm follows).
	emb := make([]float32, vVocab*vDim)
	for i := range emb {
		emb[i] = float32(r.NormFloat64())
	}
	if err := b.AddTensorF32("token_embd.weight", []int64{vDim, vVocab}, typ, emb); err != nil {
		t.Fatal(err)
	}
	vec("output_norm.weight", vDim, 1, 0.1)
	if !v.tied {
		mat("output.weight", vVocab, vDim)
	}
	if v.ropeFreqs {
		f := make([]float32, hd/2)
		for i := range f {
			f[i] = 1 + float32(i)/2
		}
		if err := b.AddTensorF32("rope_freqs.weight", []int64{int64(hd / 2)}, ggml.F32, f); err != nil {
			t.Fatal(err)
		}
	}
	for l := range vLayers {
		p := func(s string) string { return fmt.Sprintf("blk.%d.%s", l, s) }
		vec(p("attn_norm.weight"), vDim, 1, 0.1)
		mat(p("attn_q.weight"), vDim, vDim)
		mat(p("attn_k.weight"), vKV*hd, vDim)
		mat(p("attn_v.weight"), vKV*hd, vDim)
		if a == "qwen2" {
			vec(p("attn_q.bias"), vDim, 0, 0.1)
			vec(p("attn_k.bias"), vKV*hd, 0, 0.1)
			vec(p("attn_v.bias"), vKV*hd, 0, 0.1)
		}
		mat(p("attn_output.weight"), vDim, vDim)
		vec(p("ffn_norm.weight"), vDim, 1, 0.1)
		mat(p("ffn_gate.weight"), vFFN, vDim)
		mat(p("ffn_up.weight"), vFFN, vDim)
		mat(p("ffn_down.weight"), vDim, vFFN)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("%s-%s.gguf", v.arch, typ))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

var variantTokens = []int32{1, 5, 9, 60, 33, 2, 17, 17, 40, 8, 63, 0}

// TestArchitectureOptionsMatchReference runs every architecture option (F32
// weights) through Forward and through the naive reference.
func TestArchitectureOptionsMatchReference(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			f, m := open(t, writeVariant(t, v, ggml.F32), 2)
			ref := loadReference(t, f)
			bias := make([]float32, len(variantTokens))
			bias[3], bias[4] = 1.5, 1.5
			got := allLogits(t, m, variantTokens, bias)
			want := ref.run(variantTokens, bias, nil, false).logits
			// f32 against float64 over 256-wide sums and two layers: logits of
			// magnitude ~3 agree to a few 1e-6.
			compareLogits(t, got, want, 3e-5, 3e-5)
		})
	}
}

// TestQuantizedTypes checks every computable type two ways: against the
// reference over the same dequantised weights (the kernels must compute
// exactly what the file holds), and against the F32 model the weights were
// quantised from, within a tolerance derived from the type's own error.
func TestQuantizedTypes(t *testing.T) {
	v := variants[0]
	_, m32 := open(t, writeVariant(t, v, ggml.F32), 2)
	exact := allLogits(t, m32, variantTokens, nil)
	for _, typ := range []ggml.Type{ggml.F16, ggml.BF16, ggml.Q8_0, ggml.Q6_K, ggml.Q5_K, ggml.Q5_1, ggml.Q5_0, ggml.Q4_K, ggml.Q4_1, ggml.Q4_0} {
		t.Run(typ.String(), func(t *testing.T) {
			f, m := open(t, writeVariant(t, v, typ), 2)
			got := allLogits(t, m, variantTokens, nil)
			want := loadReference(t, f).run(variantTokens, nil, nil, false).logits
			compareLogits(t, got, want, 3e-5, 3e-5)
			// The decode path reads single vectors through ggml's block dot products.
			compareLogits(t, stepLogits(t, m, variantTokens, 1), want, 3e-5, 3e-5)

			// ε is the measured relative RMS error of the quantised weights. The
			// logits pass through ~10 matrices (embedding, per layer V, O, gate/up,
			// down, then the output), whose independent relative errors add in
			// quadrature: about sqrt(10)·ε ≈ 3.2ε. Allow 4ε on the logits' relative RMS error.
			eps := weightError(t, f)
			rel := relRMS(got, exact)
			t.Logf("%s: weight error %.4f, logit error %.4f (%.2f ε)", typ, eps, rel, rel/eps)
			if rel > 4*eps {
				t.Fatalf("%s logits differ from F32 by %.4f relative RMS, more than 4ε = %.4f", typ, rel, 4*eps)
			}
		})
	}
}

// weightError is ‖dequant(w) − w‖ / ‖w‖ over the 2-D tensors of f, where w is
// the F32 original regenerated from the same seed.
func weightError(t *testing.T, f *gguf.File) float64 {
	t.Helper()
	orig, err := gguf.Open(writeVariant(t, variants[0], ggml.F32))
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	var num, den float64
	for _, name := range []string{"token_embd.weight", "output.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight",
		"blk.0.attn_output.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_up.weight", "blk.1.ffn_down.weight"} {
		qi, _ := f.Tensor(name)
		oi, _ := orig.Tensor(name)
		q, err1 := f.ReadTensorF32(qi)
		o, err2 := orig.ReadTensorF32(oi)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		for i := range o {
			d := float64(q[i] - o[i])
			num += d * d
			den += float64(o[i]) * float64(o[i])
		}
	}
	return math.Sqrt(num / den)
}

// relRMS is ‖got − want‖ / ‖want − mean(want)‖ per position, averaged.
func relRMS(got, want [][]float32) float64 {
	var total float64
	for i := range want {
		var mean float64
		for _, w := range want[i] {
			mean += float64(w)
		}
		mean /= float64(len(want[i]))
		var num, den float64
		for j := range want[i] {
			d := float64(got[i][j] - want[i][j])
			num += d * d
			c := float64(want[i][j]) - mean
			den += c * c
		}
		total += math.Sqrt(num / den)
	}
	return total / float64(len(want))
}

// TestUnsupportedModelsAreClearErrors loads files heed must refuse, each with an error
// that names what is wrong.
func TestUnsupportedModelsAreClearErrors(t *testing.T) {
	synthBuilder := func(spec string) *gguf.Builder {
		s, err := synth.ParseShape(spec)
		if err != nil {
			t.Fatal(err)
		}
		b, err := synth.NewBuilder(s, ggml.F32, 1)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	vector := func(b *gguf.Builder, name string, n int) {
		v := make([]float32, n)
		for i := range v {
			v[i] = 1
		}
		if err := b.AddTensorF32(name, []int64{int64(n)}, ggml.F32, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		build func() *gguf.Builder
		want  string
	}{
		{"unknown architecture", func() *gguf.Builder {
			b := gguf.NewBuilder()
			b.SetString("general.architecture", "mamba")
			return b
		}, `architecture "mamba" (supported: llama, qwen2, qwen3, gemma2, gemma3, phi3, smollm3)`},
		{"a tensor the architecture does not have", func() *gguf.Builder {
			b := synthBuilder("arch=llama,layers=1,dim=64,heads=4,ffn=128")
			vector(b, "blk.0.attn_q_norm.weight", 16)
			return b
		}, "tensor blk.0.attn_q_norm.weight is not part of a llama model"},
		{"a Q bias without K and V biases", func() *gguf.Builder {
			b := synthBuilder("arch=llama,layers=1,dim=64,heads=4,ffn=128")
			vector(b, "blk.0.attn_q.bias", 64)
			return b
		}, "layer 0 has some of the Q, K and V biases"},
		{"half a LongRoPE pair", func() *gguf.Builder {
			b := synthBuilder("arch=phi3,layers=1,dim=64,heads=4,ffn=128")
			vector(b, "rope_factors_long.weight", 8)
			return b
		}, "needs both rope_factors_short and rope_factors_long"},
		{"LongRoPE factors of the wrong length", func() *gguf.Builder {
			b := synthBuilder("arch=phi3,layers=1,dim=64,heads=4,ffn=128")
			vector(b, "rope_factors_long.weight", 6)
			vector(b, "rope_factors_short.weight", 6)
			return b
		}, "rope_factors_short.weight has 6 factors, want 8"},
		{"missing q/k norms", func() *gguf.Builder {
			// A Gemma 2 file relabelled Gemma 3: everything but Gemma 3's q and k norms.
			b := synthBuilder("arch=gemma2,layers=1,dim=64,heads=4,ffn=128")
			b.SetString("general.architecture", "gemma3")
			for k, v := range map[string]uint32{"block_count": 1, "embedding_length": 64, "feed_forward_length": 128,
				"attention.head_count": 4} {
				b.SetUint32("gemma3."+k, v)
			}
			return b
		}, "tensor blk.0.attn_q_norm.weight is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.gguf")
			out, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tc.build().WriteTo(out); err != nil {
				t.Fatal(err)
			}
			out.Close()
			f, err := gguf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			e := cpu.New(1)
			defer e.Close()
			_, err = model.Load(f, e)
			if !errors.Is(err, model.ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrUnsupported saying %q", err, tc.want)
			}
		})
	}
}
