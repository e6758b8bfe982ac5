package webgpu

import (
	"bytes"
	"math"
	"testing"

	"heed/engine/cpu"
	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/synth"
)

// One suite, written against model.Executor, runs every case on the CPU reference and on the
// WebGPU executor and compares what model.Forward computed.

// backends are the executors a case runs on; the first is the reference.
var backends = []struct {
	name string
	open func(t testing.TB) model.Executor
}{
	{"cpu", func(t testing.TB) model.Executor {
		e := cpu.New(1)
		t.Cleanup(e.Close)
		return e
	}},
	{"webgpu", func(t testing.TB) model.Executor {
		e, err := NewExecutor(testDevice(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Close)
		return e
	}},
}

// loadOn opens the backends first (so a missing adapter skips before any model is fetched),
// then opens the model file and loads it onto each backend.
func loadOn(t testing.TB, open func(testing.TB) *gguf.File) []*model.Model {
	t.Helper()
	execs := make([]model.Executor, len(backends))
	for i, b := range backends {
		execs[i] = b.open(t)
	}
	f := open(t)
	var ms []*model.Model
	for i, b := range backends {
		m, err := model.Load(f, execs[i])
		if err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		ms = append(ms, m)
	}
	return ms
}

// synthFile writes a heed synth model of spec with matrices of type typ (seed 3) into memory
// and opens it there, so the same tests run where there is no file system (js/wasm).
func synthFile(t testing.TB, spec string, typ ggml.Type) *gguf.File {
	t.Helper()
	s, err := synth.ParseShape(spec)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := synth.Write(&buf, s, typ, 3); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// storyTokens is BOS + "Once upon a time, there was a little girl named Lily." in the
// stories260K vocabulary (as engine/model's tests tokenise it).
var storyTokens = []int32{1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426}

// scenario is what a case computes on one model: a prefill of the first prefill ids in one batch
// (every position's logits), then one decode step per remaining id (the last logits), with the
// GUIDE bias and, when tracks are given, Influence and Rollout.
type scenario struct {
	ids     []int32
	prefill int
	bias    []float32
	tracks  [][]float32
}

// result holds what a run computed: logits per position, then per track and layer the
// Influence and Rollout of every position.
type result struct {
	logits     [][]float32
	infl, roll [][][]float32
}

func (r scenario) on(t testing.TB, m *model.Model) result {
	t.Helper()
	n := len(r.ids)
	s, err := m.NewState(model.StateOptions{Context: n, Batch: r.prefill, AllLogits: true, Tracks: len(r.tracks)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetBias(r.bias, nil); err != nil {
		t.Fatal(err)
	}
	for i, tr := range r.tracks {
		if err := s.SetTrack(i, tr); err != nil {
			t.Fatal(err)
		}
	}
	var res result
	readLogits := func(rows int) {
		for i := range rows {
			row := make([]float32, m.Vocab)
			if err := s.Logits(i, row); err != nil {
				t.Fatal(err)
			}
			res.logits = append(res.logits, row)
		}
	}
	track := len(r.tracks) > 0
	if err := m.Forward(s, r.ids[:r.prefill], model.Step{Guide: true, Track: track, Logits: model.LogitsAll}); err != nil {
		t.Fatal(err)
	}
	readLogits(r.prefill)
	for i := r.prefill; i < n; i++ {
		if err := m.Forward(s, r.ids[i:i+1], model.Step{Guide: true, Track: track, Logits: model.LogitsLast}); err != nil {
			t.Fatal(err)
		}
		readLogits(1)
	}
	for tr := range r.tracks {
		var in, ro [][]float32
		for l := range m.NumLayers {
			a, b := make([]float32, n), make([]float32, n)
			if err := s.Influence(tr, l, 0, n, a); err != nil {
				t.Fatal(err)
			}
			if err := s.Rollout(tr, l, 0, n, b); err != nil {
				t.Fatal(err)
			}
			in, ro = append(in, a), append(ro, b)
		}
		res.infl, res.roll = append(res.infl, in), append(res.roll, ro)
	}
	return res
}

// compare checks |got − want| ≤ abs + rel·|want| element by element, reporting the first ten
// mismatches with their indices, and logs the largest difference. NaN never passes.
func compare(t testing.TB, what string, got, want [][]float32, abs, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	bad, worst := 0, 0.0
	for i := range want {
		for j, w := range want[i] {
			d := math.Abs(float64(got[i][j]) - float64(w))
			if !(d <= abs+rel*math.Abs(float64(w))) {
				if bad < 10 {
					t.Errorf("%s[%d][%d] = %g, CPU %g", what, i, j, got[i][j], w)
				}
				bad++
			}
			if d > worst || math.IsNaN(d) {
				worst = d
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d elements out of tolerance", what, bad)
	}
	t.Logf("%s: largest difference from the CPU %.3g", what, worst)
}

// modelCase is one model and what to run on it.
type modelCase struct {
	name string
	file func(t testing.TB) *gguf.File
}

func synthCase(spec string, typ ggml.Type) modelCase {
	return modelCase{
		name: spec + "/" + typ.String(),
		file: func(t testing.TB) *gguf.File { return synthFile(t, spec, typ) },
	}
}

// logitTol bounds the GPU's logits against the CPU's: about ten times the largest difference
// measured over TestModelsMatchCPU's and TestSplitWeightsMatchCPU's models, 1.1e-5 on
// lavapipe and 1.4e-5 on SwiftShader. Both executors compute in f32 over the same stored
// weights; only the reduction order differs (the GPU sums in workgroup-strided partial sums),
// which moves each dot product by a few ulps. An indexing or dequantisation fault moves
// logits by O(0.1) or more.
const logitTol = 1.4e-4

// influenceTol bounds Influence and Rollout, values in [0, 1] that are ratios of sums of
// the same attention weights and norms: about ten times the 2.4e-7 measured (SwiftShader).
const influenceTol = 2.4e-6

// TestModelsMatchCPU runs a biased prefill and decode steps on both executors. Cases: the
// default model; SmolLM2-135M's shape and a small Llama in every weight type the kernels read; Qwen2's NeoX RoPE
// with Q/K/V biases; Llama 3's rope_freqs; Mistral's sliding window (5 keys, shorter than the
// prompt).
//
// Tolerance: logitTol.
func TestModelsMatchCPU(t *testing.T) {
	cases := []modelCase{
		{name: "stories260K", file: defaultModelFile},
		synthCase("smollm2-135m,layers=2", ggml.Q8_0),
		synthCase("smollm2-135m,layers=2", ggml.Q4_K),
		synthCase("smollm2-135m,layers=2", ggml.Q6_K),
		synthCase("smollm2-135m,layers=2", ggml.Q4_0),
		synthCase("smollm2-135m,layers=2", ggml.F16),
		synthCase("qwen2.5-0.5b,layers=2,ffn=1024", ggml.Q8_0),
		synthCase("llama3.2-1b,layers=2,dim=512,heads=8,kv=2,ffn=1024", ggml.Q4_K),
		synthCase("mistral-7b,layers=2,dim=512,heads=8,kv=2,ffn=1024,swa=5", ggml.Q8_0),
		// The types read since issue 4, on a small Llama whose rows (256, 512) are whole Q5_K
		// super-blocks; SmolLM2's 576 columns are not, so synth writes its Q5_K file as Q5_1.
		synthCase("llama3.2-1b,layers=1,dim=256,heads=4,kv=2,ffn=512", ggml.Q5_K),
		synthCase("llama3.2-1b,layers=1,dim=256,heads=4,kv=2,ffn=512", ggml.Q5_0),
		synthCase("llama3.2-1b,layers=1,dim=256,heads=4,kv=2,ffn=512", ggml.Q4_1),
		synthCase("llama3.2-1b,layers=1,dim=256,heads=4,kv=2,ffn=512", ggml.BF16),
		synthCase("smollm2-135m,layers=1", ggml.Q5_K),
		// The types read since issue 11. SmolLM2's 576-wide rows fall back (Q3_K to Q4_0,
		// IQ4_XS to IQ4_NL), its 1536-wide ffn_down keeps the type; the small Llama is all Q2_K.
		// Largest logit differences measured on lavapipe: 3.1e-6, 2.6e-6, 2.7e-6.
		synthCase("smollm2-135m,layers=1", ggml.Q3_K),
		synthCase("smollm2-135m,layers=1", ggml.IQ4_XS),
		synthCase("llama3.2-1b,layers=1,dim=256,heads=4,kv=2,ffn=512", ggml.Q2_K),
		// Every architecture, small (archSpecs): q/k norms, post-norms, GeGLU, soft caps that
		// bite, local and global layers with windows shorter than the prompt, fused tensors,
		// LongRoPE's long factors and partial rotation, RoPE-less layers.
		synthCase(archSpecs[0], ggml.Q8_0),
		synthCase(archSpecs[1], ggml.Q4_K),
		synthCase(archSpecs[2], ggml.F16),
		synthCase(archSpecs[3], ggml.Q8_0),
		synthCase(archSpecs[4], ggml.IQ4_NL),
		synthCase(archSpecs[5], ggml.Q6_K),
	}
	ids := []int32{1, 300, 17, 99, 99, 4, 250, 511, 8, 42, 3, 77}
	bias := make([]float32, len(ids))
	bias[2], bias[3] = 2, 2
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms := loadOn(t, c.file)
			r := scenario{ids: ids, prefill: 8, bias: bias}
			want := r.on(t, ms[0])
			got := r.on(t, ms[1])
			compare(t, "logits", got.logits, want.logits, logitTol, 0)
		})
	}
}

// archSpecs are every architecture beyond Llama and Qwen2 as small synth shapes whose
// options all act on TestModelsMatchCPU's 12-token prompt (windows of 5, LongRoPE's long
// factors above an original context of 8, soft caps of 2 and 3).
var archSpecs = []string{
	"qwen3-0.6b,layers=2,dim=256,heads=4,kv=2,ffn=512",
	"gemma3-270m,layers=3,dim=256,swa=5,swa_pattern=3,ffn=512",
	"gemma2-2b,layers=2,dim=256,heads=4,kv=2,ffn=512,swa=5,attn_cap=2,final_cap=3",
	"phi3-mini,layers=2,dim=256,heads=4,kv=4,ffn=512,longrope=8",
	"phi4-mini,layers=2,dim=256,heads=4,kv=2,ffn=512,rope_dims=48",
	"smollm3-3b,layers=4,dim=256,heads=4,kv=2,ffn=512",
}

// TestArchitecturesGuideAndInfluenceMatchCPU runs GUIDE and three Influence tracks through
// every architecture of archSpecs on both executors, prefill then decode.
func TestArchitecturesGuideAndInfluenceMatchCPU(t *testing.T) {
	ids := []int32{1, 300, 17, 99, 99, 4, 250, 511, 8, 42, 3, 77}
	n := len(ids)
	span, other, bias := make([]float32, n), make([]float32, n), make([]float32, n)
	for k := 2; k < 5; k++ {
		span[k], bias[k] = 1, 2
	}
	other[8], other[9] = 1, 1
	for _, spec := range archSpecs {
		t.Run(spec, func(t *testing.T) {
			ms := loadOn(t, func(t testing.TB) *gguf.File { return synthFile(t, spec, ggml.F32) })
			r := scenario{ids: ids, prefill: 6, bias: bias, tracks: [][]float32{span, other, span}}
			want, got := r.on(t, ms[0]), r.on(t, ms[1])
			compare(t, "logits", got.logits, want.logits, logitTol, 0)
			for tr := range r.tracks {
				compare(t, "influence", got.infl[tr], want.infl[tr], influenceTol, 0)
				compare(t, "rollout", got.roll[tr], want.roll[tr], influenceTol, 0)
			}
		})
	}
}

// TestSplitWeightsMatchCPU loads models on a device that reports a 64 KiB storage binding
// limit, so every matrix (the embedding table doubling as the output, the FFN in Q8_0 and in
// Q5_K) is held as row ranges, and compares a prefill and decode steps with the
// CPU; the tolerance is TestModelsMatchCPU's.
func TestSplitWeightsMatchCPU(t *testing.T) {
	d := limitedDevice(t, testDevice(t), 64<<10)
	ids := []int32{1, 300, 17, 99, 99, 4, 250, 511, 8, 42, 3, 77}
	for _, typ := range []ggml.Type{ggml.Q8_0, ggml.Q5_K} {
		t.Run(typ.String(), func(t *testing.T) {
			f := synthFile(t, "smollm2-135m,layers=1", typ)
			ref := cpu.New(1)
			defer ref.Close()
			gpu := newTestExecutor(t, d)
			var ms []*model.Model
			for _, e := range []model.Executor{ref, gpu} {
				m, err := model.Load(f, e)
				if err != nil {
					t.Fatal(err)
				}
				ms = append(ms, m)
			}
			if parts := len(ms[1].TokenEmbd.(*weight).parts); parts < 2 {
				t.Fatalf("token_embd.weight in %d part(s): the test does not split", parts)
			}
			r := scenario{ids: ids, prefill: 8}
			compare(t, "logits", r.on(t, ms[1]).logits, r.on(t, ms[0]).logits, logitTol, 0)
		})
	}
}

// TestGreedyContinuationMatchesCPU generates 40 tokens greedily from the story prompt on both
// executors and requires the same tokens.
func TestGreedyContinuationMatchesCPU(t *testing.T) {
	const generate = 40
	ms := loadOn(t, defaultModelFile)
	var seqs [][]int32
	for _, m := range ms {
		s, err := m.NewState(model.StateOptions{Context: len(storyTokens) + generate, Batch: len(storyTokens)})
		if err != nil {
			t.Fatal(err)
		}
		logits := make([]float32, m.Vocab)
		next := storyTokens
		var out []int32
		for len(out) < generate {
			if err := m.Forward(s, next, model.Step{Logits: model.LogitsLast}); err != nil {
				t.Fatal(err)
			}
			if err := s.Logits(0, logits); err != nil {
				t.Fatal(err)
			}
			best := 0
			for i, v := range logits {
				if v > logits[best] {
					best = i
				}
			}
			out = append(out, int32(best))
			next = []int32{int32(best)}
		}
		seqs = append(seqs, out)
	}
	for i := range seqs[0] {
		if seqs[1][i] != seqs[0][i] {
			t.Fatalf("token %d: GPU %d, CPU %d\nGPU %v\nCPU %v", i, seqs[1][i], seqs[0][i], seqs[1], seqs[0])
		}
	}
	t.Logf("%d identical greedy tokens: %v", generate, seqs[0])
}

// TestGuideAndInfluenceMatchCPU runs the story prompt with Δ = 2 on "a little girl" and three
// highlight tracks (six Mix columns: more than one attention run carries), prefill then decode,
// and compares logits and every layer's Influence and Rollout.
func TestGuideAndInfluenceMatchCPU(t *testing.T) {
	ms := loadOn(t, defaultModelFile)
	n := len(storyTokens)
	span, other, name, bias := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for k := 7; k < 10; k++ {
		span[k], bias[k] = 1, 2
	}
	other[2], other[3] = 1, 1
	name[13], name[14] = 1, 1
	for _, tc := range []struct {
		name    string
		bias    []float32
		prefill int
	}{
		{"unbiased", nil, n},
		{"guided", bias, n},
		{"guided, followed through decode", bias, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := scenario{ids: storyTokens, prefill: tc.prefill, bias: tc.bias, tracks: [][]float32{span, other, name}}
			want, got := r.on(t, ms[0]), r.on(t, ms[1])
			compare(t, "logits", got.logits, want.logits, logitTol, 0)
			for tr := range r.tracks {
				compare(t, "influence", got.infl[tr], want.infl[tr], influenceTol, 0)
				compare(t, "rollout", got.roll[tr], want.roll[tr], influenceTol, 0)
			}
		})
	}
}
