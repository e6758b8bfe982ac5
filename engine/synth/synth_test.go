package synth

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"heed/engine/ggml"
	"heed/engine/gguf"
)

func TestParseShape(t *testing.T) {
	smol, _ := Preset("smollm2-135m")
	smol2 := smol
	smol2.Layers = 2
	for _, tc := range []struct {
		spec string
		want Shape
	}{
		{"smollm2-135m", smol},
		{" smollm2-135m, layers=2 ", smol2},
		{"arch=llama,layers=2,dim=64,heads=4,kv=2,ffn=128,vocab=512", Shape{
			Arch: "llama", Name: "synthetic-llama", Layers: 2, Dim: 64, Heads: 4, KVHeads: 2, FFN: 128,
			Vocab: 512, Context: 2048, RopeBase: 10000, RMSEps: 1e-5}},
		{"arch=qwen2,layers=1,dim=64,heads=4,ffn=128,tied=true", Shape{
			Arch: "qwen2", Name: "synthetic-qwen2", Layers: 1, Dim: 64, Heads: 4, KVHeads: 4, FFN: 128,
			Vocab: 512, Context: 2048, RopeBase: 10000, RMSEps: 1e-6, TiedEmbeddings: true, QKVBias: true}},
		{"layers=1,dim=64,heads=4,ffn=128,rope_scaling=8,swa=256", Shape{
			Arch: "llama", Name: "synthetic-llama", Layers: 1, Dim: 64, Heads: 4, KVHeads: 4, FFN: 128,
			Vocab: 512, Context: 2048, RopeBase: 10000, RMSEps: 1e-5, SlidingWindow: 256,
			RopeScaling: &Llama3RopeScaling{Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalContext: 8192}}},
	} {
		got, err := ParseShape(tc.spec)
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tc.spec, got, tc.want)
		}
	}
}

func TestParseShapeErrors(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"gpt-5", "unknown preset"},
		{"smollm2-135m,layers", "not key=value"},
		{"smollm2-135m,depth=3", `unknown key "depth"`},
		{"smollm2-135m,layers=two", "want an integer"},
		{"smollm2-135m,tied=maybe", "want true or false"},
		{"smollm2-135m,dim=100", "not a multiple of heads"},
		{"smollm2-135m,kv=2", "not a multiple of kv heads"},
		{"layers=1,dim=60,heads=4,ffn=8", "odd"},
		{"layers=1,dim=64,heads=4,ffn=8,vocab=100", "vocab 100"},
		{"layers=0,dim=64,heads=4,ffn=8", ">= 1"},
		{"arch=gpt2,layers=1,dim=64,heads=4,ffn=8", `arch "gpt2"`},
		{"arch=qwen2,layers=1,dim=64,heads=4,ffn=8,bias=false", "qwen2 needs Q/K/V biases"},
		{"qwen2.5-0.5b,rope_scaling=8", "llama-architecture option"},
		{"llama3.2-1b,rope_high=0.5", "low < high"},
		{"smollm2-135m,eps=0", "eps"},
		{"smollm2-135m,rope_base=-1", "rope_base"},
		{"smollm2-135m,layers=99999999", "exceeds"},
	} {
		_, err := ParseShape(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.spec, err, tc.want)
		}
	}
}

func TestShapeStringRoundTrips(t *testing.T) {
	for _, name := range Presets() {
		s, _ := Preset(name)
		got, err := ParseShape(s.String())
		if err != nil || !reflect.DeepEqual(got, s) {
			t.Errorf("%s: ParseShape(%q) = %+v, %v", name, s.String(), got, err)
		}
	}
}

// expectedTensors lists the tensors llama.cpp's loader for s.Arch looks for
// (load_arch_tensors in src/models/ARCH.cpp), with their dims, for shape s.
func expectedTensors(s Shape) map[string][]int64 {
	dim, kv, ffn, v := int64(s.Dim), int64(s.KVHeads*s.HeadDim()), int64(s.FFN), int64(s.Vocab)
	q, hd := int64(s.Heads*s.HeadDim()), int64(s.HeadDim())
	m := map[string][]int64{"token_embd.weight": {dim, v}, "output_norm.weight": {dim}}
	if !s.TiedEmbeddings {
		m["output.weight"] = []int64{dim, v}
	}
	if s.RopeScaling != nil {
		m["rope_freqs.weight"] = []int64{int64(s.RotatedDims() / 2)}
	}
	if s.LongRoPE != nil {
		m["rope_factors_long.weight"] = []int64{int64(s.RotatedDims() / 2)}
		m["rope_factors_short.weight"] = []int64{int64(s.RotatedDims() / 2)}
	}
	for i := range s.Layers {
		p := fmt.Sprintf("blk.%d.", i)
		layer := map[string][]int64{
			"attn_norm.weight": {dim}, "attn_output.weight": {q, dim}, "ffn_norm.weight": {dim},
			"ffn_down.weight": {ffn, dim},
		}
		if s.Arch == "phi3" {
			layer["attn_qkv.weight"] = []int64{dim, q + 2*kv}
			layer["ffn_up.weight"] = []int64{dim, 2 * ffn}
		} else {
			layer["attn_q.weight"], layer["attn_k.weight"], layer["attn_v.weight"] = []int64{dim, q}, []int64{dim, kv}, []int64{dim, kv}
			layer["ffn_gate.weight"], layer["ffn_up.weight"] = []int64{dim, ffn}, []int64{dim, ffn}
		}
		if s.Arch == "qwen3" || s.Arch == "gemma3" {
			layer["attn_q_norm.weight"], layer["attn_k_norm.weight"] = []int64{hd}, []int64{hd}
		}
		if s.Arch == "gemma2" || s.Arch == "gemma3" {
			layer["post_attention_norm.weight"], layer["post_ffw_norm.weight"] = []int64{dim}, []int64{dim}
		}
		if s.QKVBias {
			layer["attn_q.bias"], layer["attn_k.bias"], layer["attn_v.bias"] = []int64{q}, []int64{kv}, []int64{kv}
		}
		for n, d := range layer {
			m[p+n] = d
		}
	}
	return m
}

var testTypes = []ggml.Type{ggml.F32, ggml.Q8_0, ggml.Q4_0, ggml.Q4_K, ggml.Q6_K}

// TestPlanFullSize checks every preset at full size, in every type, without
// generating weights.
func TestPlanFullSize(t *testing.T) {
	for _, name := range Presets() {
		s, _ := Preset(name)
		for _, typ := range ggml.SupportedTypes() {
			plan, err := Plan(s, typ)
			if err != nil {
				t.Fatalf("%s %s: %v", name, typ, err)
			}
			want := expectedTensors(s)
			if len(plan) != len(want) {
				t.Errorf("%s %s: %d tensors, want %d", name, typ, len(plan), len(want))
			}
			for _, p := range plan {
				if !reflect.DeepEqual(p.Dims, want[p.Name]) {
					t.Errorf("%s %s: %s dims %v, want %v", name, typ, p.Name, p.Dims, want[p.Name])
				}
				if p.Kind != Weight && p.Type != ggml.F32 {
					t.Errorf("%s %s: %s is %s, want F32", name, typ, p.Name, p.Type)
				}
				if p.Kind == Weight && p.Dims[0]%int64(p.Type.BlockSize()) != 0 {
					t.Errorf("%s %s: %s rows of %d are not whole %s blocks", name, typ, p.Name, p.Dims[0], p.Type)
				}
			}
		}
	}
}

// TestFallbackTypes pins llama.cpp's fallback for rows that are not whole blocks.
func TestFallbackTypes(t *testing.T) {
	for _, tc := range []struct {
		req  ggml.Type
		n    int64
		want ggml.Type
	}{
		{ggml.Q4_K, 512, ggml.Q4_K},
		{ggml.Q4_K, 64, ggml.Q5_0},  // stories260k's dim
		{ggml.Q5_K, 576, ggml.Q5_1}, // smollm2's dim: 576 = 2.25 × 256
		{ggml.Q6_K, 896, ggml.Q8_0}, // qwen2.5-0.5b's dim
		{ggml.Q6_K, 172, ggml.F16},  // stories260k's FFN: 172 is not a multiple of 32
		{ggml.Q8_0, 172, ggml.F16},
		{ggml.Q8_0, 64, ggml.Q8_0},
		{ggml.Q2_K, 576, ggml.Q4_0},
		{ggml.Q3_K, 896, ggml.Q4_0},
		{ggml.Q3_K, 1536, ggml.Q3_K},
		{ggml.Q3_K, 172, ggml.F16},
		{ggml.IQ4_XS, 576, ggml.IQ4_NL},
		{ggml.IQ4_XS, 172, ggml.F16},
		{ggml.IQ4_NL, 576, ggml.IQ4_NL},
		{ggml.IQ4_NL, 172, ggml.F16},
		{ggml.F32, 7, ggml.F32},
	} {
		if got := fitType(tc.req, tc.n); got != tc.want {
			t.Errorf("fitType(%s, %d) = %s, want %s", tc.req, tc.n, got, tc.want)
		}
	}
}

// TestWriteFallsBackLikeLlamaQuantize writes SmolLM2's shape, whose 576-wide
// rows are not whole 256-element super-blocks, in each of the 2–4-bit types:
// ffn_down (1536-wide rows) keeps the type, the other matrices take llama.cpp's
// fallback, and general.file_type names the requested type.
func TestWriteFallsBackLikeLlamaQuantize(t *testing.T) {
	s, err := ParseShape("smollm2-135m,layers=1,vocab=512")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		typ, fallback ggml.Type
		fileType      uint64
	}{
		{ggml.Q2_K, ggml.Q4_0, 10},
		{ggml.Q3_K, ggml.Q4_0, 11},
		{ggml.IQ4_XS, ggml.IQ4_NL, 30},
		{ggml.IQ4_NL, ggml.IQ4_NL, 25},
	} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, s, tc.typ, 1); err != nil {
				t.Fatal(err)
			}
			f, err := gguf.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			if ft, ok := f.Uint("general.file_type"); !ok || ft != tc.fileType {
				t.Errorf("general.file_type = %d (%v), want %d", ft, ok, tc.fileType)
			}
			for _, ti := range f.Tensors {
				want := ggml.F32
				switch {
				case len(ti.Dims) == 1:
				case ti.Dims[0] == 1536:
					want = tc.typ
				default:
					want = tc.fallback
				}
				if ti.Type != want {
					t.Errorf("%s %v is %s, want %s", ti.Name, ti.Dims, ti.Type, want)
				}
			}
			checkWeightScale(t, f, "blk.0.ffn_down.weight", s.FFN)
		})
	}
}

// smallVersion keeps a preset's architecture options but one layer, and shrinks
// the widths of the larger ones (keeping their head dim where it is set apart from
// dim/heads, and the GQA ratio) so the test stays fast.
func smallVersion(t *testing.T, name string) Shape {
	spec := name + ",layers=1"
	switch name {
	case "llama3.2-1b", "mistral-7b", "smollm3-3b":
		spec += ",dim=512,heads=8,kv=2,ffn=1024"
	case "qwen2.5-0.5b", "qwen3-0.6b", "gemma3-1b":
		spec += ",ffn=1024"
	case "gemma2-2b":
		spec += ",dim=512,heads=4,kv=2,ffn=1024"
	case "phi3-mini":
		spec += ",dim=512,heads=8,kv=8,ffn=1024"
	case "phi4-mini":
		spec += ",dim=512,heads=8,kv=4,ffn=1024,rope_dims=48"
	}
	s, err := ParseShape(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWriteReadsBack(t *testing.T) {
	for _, name := range Presets() {
		s := smallVersion(t, name)
		for _, typ := range testTypes {
			t.Run(name+"/"+typ.String(), func(t *testing.T) {
				var buf bytes.Buffer
				if err := Write(&buf, s, typ, 1); err != nil {
					t.Fatal(err)
				}
				f, err := gguf.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
				if err != nil {
					t.Fatal(err)
				}
				checkMetadata(t, f, s)
				plan, _ := Plan(s, typ)
				if len(f.Tensors) != len(plan) {
					t.Fatalf("%d tensors, want %d", len(f.Tensors), len(plan))
				}
				for i, p := range plan {
					got := f.Tensors[i]
					if got.Name != p.Name || !reflect.DeepEqual(got.Dims, p.Dims) || got.Type != p.Type {
						t.Errorf("tensor %d: %s %v %s, want %s %v %s", i, got.Name, got.Dims, got.Type, p.Name, p.Dims, p.Type)
					}
				}
				if s.Arch == "phi3" {
					checkWeightScale(t, f, "blk.0.attn_qkv.weight", s.Dim)
				} else {
					checkWeightScale(t, f, "blk.0.attn_q.weight", s.Dim)
				}
				checkWeightScale(t, f, "blk.0.ffn_down.weight", s.FFN)
				checkNorm(t, f, "blk.0.attn_norm.weight")
			})
		}
	}
}

func checkMetadata(t *testing.T, f *gguf.File, s Shape) {
	t.Helper()
	if f.Architecture() != s.Arch {
		t.Errorf("architecture %q, want %q", f.Architecture(), s.Arch)
	}
	a := s.Arch + "."
	for key, want := range map[string]uint64{
		a + "block_count": uint64(s.Layers), a + "embedding_length": uint64(s.Dim),
		a + "feed_forward_length": uint64(s.FFN), a + "attention.head_count": uint64(s.Heads),
		a + "attention.head_count_kv": uint64(s.KVHeads), a + "context_length": uint64(s.Context),
		a + "rope.dimension_count": uint64(s.RotatedDims()), "general.alignment": 32,
		"tokenizer.ggml.bos_token_id": BOSID, "tokenizer.ggml.eos_token_id": EOSID,
	} {
		if got, ok := f.Uint(key); !ok || got != want {
			t.Errorf("%s = %d (%v), want %d", key, got, ok, want)
		}
	}
	if got, ok := f.Float(a + "rope.freq_base"); !ok || float32(got) != s.RopeBase {
		t.Errorf("rope.freq_base = %v, want %v", got, s.RopeBase)
	}
	if got, ok := f.Float(a + "attention.layer_norm_rms_epsilon"); !ok || float32(got) != s.RMSEps {
		t.Errorf("rms eps = %v, want %v", got, s.RMSEps)
	}
	if got, ok := f.Uint(a + "attention.sliding_window"); ok != (s.SlidingWindow > 0) || got != uint64(s.SlidingWindow) {
		t.Errorf("sliding_window = %d (%v), want %d", got, ok, s.SlidingWindow)
	}
	tokens, _ := f.Strings("tokenizer.ggml.tokens")
	types, _ := f.Int32s("tokenizer.ggml.token_type")
	scores, _ := f.Float32s("tokenizer.ggml.scores")
	if len(tokens) != s.Vocab || len(types) != s.Vocab || len(scores) != s.Vocab {
		t.Fatalf("tokenizer arrays %d/%d/%d, want %d", len(tokens), len(types), len(scores), s.Vocab)
	}
	if m, _ := f.String("tokenizer.ggml.model"); m != "llama" {
		t.Errorf("tokenizer model %q", m)
	}
	seen := map[string]bool{}
	for i, tok := range tokens {
		if seen[tok] {
			t.Fatalf("token %d %q repeated", i, tok)
		}
		seen[tok] = true
	}
	if tokens[3] != "<0x00>" || types[3] != tokenByte || tokens[258] != "<0xFF>" || tokens[259] != spaceMark || types[259] != tokenNormal {
		t.Errorf("tokens 3, 258, 259 = %q %q %q", tokens[3], tokens[258], tokens[259])
	}
}

// checkWeightScale: entries are N(0, 1/fanIn), so the sample std is 1/sqrt(fanIn).
func checkWeightScale(t *testing.T, f *gguf.File, name string, fanIn int) {
	t.Helper()
	ti, _ := f.Tensor(name)
	v, err := f.ReadTensorF32(ti)
	if err != nil {
		t.Fatal(err)
	}
	var sum, sq float64
	for _, x := range v {
		sum += float64(x)
		sq += float64(x) * float64(x)
	}
	n := float64(len(v))
	std := math.Sqrt(sq/n - (sum/n)*(sum/n))
	want := 1 / math.Sqrt(float64(fanIn))
	// At least 4096 samples: sampling error of the std is under 2%; 4-bit
	// quantisation noise adds under 10% of the variance, so 15% is loose but sharp
	// enough to catch a wrong fan-in (a factor of 2 or more for these shapes).
	if math.Abs(std-want) > 0.15*want {
		t.Errorf("%s (%s): std %.4g, want %.4g", name, ti.Type, std, want)
	}
}

func checkNorm(t *testing.T, f *gguf.File, name string) {
	t.Helper()
	ti, _ := f.Tensor(name)
	v, err := f.ReadTensorF32(ti)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range v {
		// Gains are 1 + 0.05·N(0,1): 6 sigma is 0.3.
		if math.Abs(float64(x)-1) > 0.3 {
			t.Errorf("%s[%d] = %v, want near 1", name, i, x)
		}
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	s := smallVersion(t, "qwen2.5-0.5b")
	s.FFN, s.Dim, s.Heads, s.KVHeads = 256, 128, 2, 1
	write := func(seed int64) []byte {
		var buf bytes.Buffer
		if err := Write(&buf, s, ggml.Q4_K, seed); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b, c := write(7), write(7), write(8)
	if !bytes.Equal(a, b) {
		t.Error("same seed gave different bytes")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds gave identical bytes")
	}
}

// TestLlama3RopeFactors compares with convert_hf_to_gguf.py's formula evaluated
// in Python (float64) for Llama 3.2 1B: head dim 64, base 500000, factor 32,
// low 1, high 4, original context 8192.
func TestLlama3RopeFactors(t *testing.T) {
	s, _ := Preset("llama3.2-1b")
	got := llama3RopeFactors(s)
	want := make([]float32, 32)
	for i := range want {
		switch {
		case i < 15:
			want[i] = 1
		case i > 17:
			want[i] = 32
		}
	}
	want[15], want[16], want[17] = 1.6513292457638984, 3.2922621029408843, 9.666728978753293
	for i := range want {
		// float64 → float32 rounding only: relative 2^-23.
		if math.Abs(float64(got[i]-want[i])) > 1e-6*float64(want[i]) {
			t.Errorf("factor %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestVocabPieces(t *testing.T) {
	for _, n := range []int{0, 1, 100, 253, 5000, 40000} {
		p := vocabPieces(n)
		if len(p) != n {
			t.Fatalf("vocabPieces(%d) gave %d", n, len(p))
		}
		in := map[string]bool{}
		for _, s := range p {
			if in[s] {
				t.Fatalf("vocabPieces(%d): %q repeated", n, s)
			}
			in[s] = true
		}
		// Every multi-letter piece splits into two pieces of the vocabulary.
		for _, s := range p {
			r := []rune(s)
			if len(r) < 2 {
				continue
			}
			if !in[string(r[:len(r)-1])] || !in[string(r[len(r)-1:])] {
				t.Errorf("vocabPieces(%d): %q is not reachable by a merge", n, s)
			}
		}
	}
}
