package model_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"heed/internal/testmodel"
	"math"
	"os"
	"path/filepath"
	"testing"

	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/synth"
)

// synthShapes are heed synth's presets, cut to a few layers (and narrower widths)
// so the naive reference stays fast; every architecture option they carry
// (GQA, tied output, Q/K/V biases with NeoX RoPE, Llama 3 rope_freqs, sliding
// window, dims that are not whole k-quant blocks; Qwen3's q/k norms and wide heads;
// Gemma's scaled embeddings, post-norms, GeGLU, local and global layers with their own
// RoPE; Gemma 2's soft caps, small enough here to bite; Phi-3's fused tensors, LongRoPE's
// long factors (the 12-token context exceeds the original 8) and attention factor, and
// Phi-4-mini's partial rotation; SmolLM3's RoPE-less fourth layer) is kept.
var synthShapes = []string{
	"stories260k",
	"smollm2-135m,layers=2",
	"qwen2.5-0.5b,layers=2,ffn=1024",
	"llama3.2-1b,layers=2,dim=512,heads=8,kv=2,ffn=1024",
	"mistral-7b,layers=2,dim=512,heads=8,kv=2,ffn=1024,swa=5",
	"qwen3-0.6b,layers=2,dim=256,heads=4,kv=2,ffn=512",
	"gemma3-270m,layers=3,swa=5,swa_pattern=3,ffn=512",
	"gemma2-2b,layers=2,dim=256,heads=4,kv=2,ffn=512,swa=5,attn_cap=2,final_cap=3",
	"phi3-mini,layers=2,dim=256,heads=4,kv=4,ffn=512,longrope=8",
	"phi4-mini,layers=2,dim=256,heads=4,kv=2,ffn=512,rope_dims=48",
	"smollm3-3b,layers=4,dim=256,heads=4,kv=2,ffn=512",
}

func writeSynth(t *testing.T, spec string, typ ggml.Type) string {
	return testmodel.WriteSynth(t, spec, typ, 3)
}

// TestSynthModelsMatchReference runs heed synth's model shapes in F32 and two
// quantised types (with synth's per-tensor fallbacks where a row is not whole
// blocks) through Forward with a GUIDE bias, against the naive
// reference over the same (dequantised) weights.
func TestSynthModelsMatchReference(t *testing.T) {
	ids := []int32{1, 300, 17, 99, 99, 4, 250, 511, 8, 42, 3, 77}
	bias := make([]float32, len(ids))
	bias[2], bias[3] = 2, 2
	for _, spec := range synthShapes {
		for _, typ := range []ggml.Type{ggml.F32, ggml.Q8_0, ggml.Q4_K} {
			t.Run(spec+"/"+typ.String(), func(t *testing.T) {
				f, m := open(t, writeSynth(t, spec, typ), 2)
				want := loadReference(t, f).run(ids, bias, nil, false).logits
				// f32 against float64 over rows of up to 1024 products and two
				// layers: measured differences stay below 1e-5 on logits of ~1.
				compareLogits(t, allLogits(t, m, ids, bias), want, 3e-5, 3e-5)
			})
		}
	}
}

// weightsDigest is the sha256 of every tensor's name, type, shape and bytes in
// file order: it identifies the weights independently of metadata.
func weightsDigest(t *testing.T, f *gguf.File) string {
	t.Helper()
	h := sha256.New()
	for i := range f.Tensors {
		info := &f.Tensors[i]
		b, err := f.ReadTensorBytes(info)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s %s %v\n", info.Name, info.Type, info.Dims)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestSynthLogitsMatchLlamaCpp checks the layouts no real default model
// exercises (Qwen2's NeoX RoPE and Q/K/V biases, Llama 3's rope_freqs) against
// llama.cpp on small synth models; see testdata/README.md.
func TestSynthLogitsMatchLlamaCpp(t *testing.T) {
	raw, err := os.ReadFile("testdata/synth_logprobs.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Columns []int `json:"columns"`
		Models  []struct {
			Shape    string      `json:"shape"`
			Seed     int64       `json:"seed"`
			Digest   string      `json:"weights_sha256"`
			Tokens   []int32     `json:"tokens"`
			Logprobs [][]float64 `json:"logprobs"`
		} `json:"models"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	for _, g := range golden.Models {
		t.Run(g.Shape, func(t *testing.T) {
			s, err := synth.ParseShape(g.Shape)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "m.gguf")
			out, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := synth.Write(out, s, ggml.F32, g.Seed); err != nil {
				t.Fatal(err)
			}
			out.Close()
			f, m := open(t, path, 2)
			if d := weightsDigest(t, f); d != g.Digest {
				t.Fatalf("heed synth now writes other weights for %q (digest %s, golden %s): regenerate testdata/synth_logprobs.json as testdata/README.md describes", g.Shape, d, g.Digest)
			}
			got := allLogits(t, m, g.Tokens, nil)
			// Same 1e-4 bound as the stories260K golden; measured 3e-6.
			for i, row := range got {
				lp := logSoftmax(row)
				for c, col := range golden.Columns {
					if d := math.Abs(lp[col] - g.Logprobs[i][c]); d > 1e-4 {
						t.Fatalf("position %d token %d: log-prob %.6f, llama.cpp %.6f", i, col, lp[col], g.Logprobs[i][c])
					}
				}
			}
		})
	}
}
