package webgpu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"

	"heed/engine/cpu"
	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/synth"
)

// ErrSelfTest marks a device whose results disagree with the CPU reference.
var ErrSelfTest = errors.New("webgpu: self-test failed: the GPU disagrees with the CPU reference")

// selfTestShapes are two-layer models small enough to run in well under a second on a
// software rasteriser, with Q8_0 matrices (their 64- and 128-wide rows are whole blocks) and
// F32 vectors: a Llama with grouped-query attention, and a Gemma 2 whose sliding window
// (3 keys) and soft caps (5) act on the 8-token prompt, so that every kernel a supported
// architecture uses runs (GeGLU, scaling, soft caps, post-norms, NeoX RoPE).
var selfTestShapes = []string{
	"arch=llama,layers=2,dim=64,heads=4,kv=2,ffn=128,vocab=260,ctx=32",
	"arch=gemma2,layers=2,dim=64,heads=4,kv=2,ffn=128,vocab=260,ctx=32,swa=3,attn_cap=5,final_cap=5",
}

// selfTestTokens is the prompt; the highlight covers positions 2..4.
var selfTestTokens = []int32{1, 17, 140, 141, 142, 9, 259, 5}

// SelfTest runs a tiny synthetic model on d and on the CPU executor: a batched prefill with a
// GUIDE bias and Influence, then decode steps (every kernel the executor uses, the mat-vec and
// the tiled matmul alike). It returns an error wrapping ErrSelfTest when their logits or
// Influence disagree, so a caller can refuse a device that computes garbage.
func SelfTest(ctx context.Context, d *Device) error {
	e, err := NewExecutor(d)
	if err != nil {
		return err
	}
	defer e.Close()
	return checkExecutor(ctx, e)
}

// checkExecutor compares exec with the CPU executor on the self-test models.
func checkExecutor(ctx context.Context, exec model.Executor) error {
	for _, spec := range selfTestShapes {
		if err := checkShape(ctx, exec, spec); err != nil {
			return err
		}
	}
	return nil
}

// checkShape compares exec with the CPU executor on one self-test model.
func checkShape(ctx context.Context, exec model.Executor, spec string) error {
	shape, err := synth.ParseShape(spec)
	if err != nil {
		return fmt.Errorf("self-test model: %w", err)
	}
	var file bytes.Buffer
	if err := synth.Write(&file, shape, ggml.Q8_0, 1); err != nil {
		return fmt.Errorf("self-test model: %w", err)
	}
	f, err := gguf.Read(bytes.NewReader(file.Bytes()), int64(file.Len()))
	if err != nil {
		return fmt.Errorf("self-test model: %w", err)
	}
	ref := cpu.New(1)
	defer ref.Close()
	want, err := selfTestRun(ctx, f, ref)
	if err != nil {
		return fmt.Errorf("self-test on the CPU: %w", err)
	}
	got, err := selfTestRun(ctx, f, exec)
	if err != nil {
		return fmt.Errorf("self-test on the GPU: %w", err)
	}
	for i := range want {
		if err := agree(got[i], want[i]); err != nil {
			return fmt.Errorf("%w: %s (%s) %v", ErrSelfTest, want[i].what, shape.Arch, err)
		}
	}
	return nil
}

// selfTestOutput is one vector the self-test compares.
type selfTestOutput struct {
	what string
	v    []float32
	// tol bounds the absolute difference; see agree.
	tol float32
}

// selfTestRun loads f on e and returns the logits after the prefill and each decode step, and
// the last layer's Influence.
func selfTestRun(ctx context.Context, f *gguf.File, e model.Executor) ([]selfTestOutput, error) {
	m, err := model.Load(f, e)
	if err != nil {
		return nil, err
	}
	const prefill = 6
	n := len(selfTestTokens)
	s, err := m.NewState(model.StateOptions{Context: n, Batch: prefill, Tracks: 1})
	if err != nil {
		return nil, err
	}
	bias, track := make([]float32, n), make([]float32, n)
	for k := 2; k <= 4; k++ {
		bias[k], track[k] = 1.5, 1
	}
	if err := errors.Join(s.SetBias(bias, nil), s.SetTrack(0, track)); err != nil {
		return nil, err
	}
	var out []selfTestOutput
	st := model.Step{Guide: true, Track: true, Logits: model.LogitsLast}
	for pos := 0; pos < n; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		step := 1
		if pos == 0 {
			step = prefill
		}
		if err := m.Forward(s, selfTestTokens[pos:pos+step], st); err != nil {
			return nil, err
		}
		pos += step
		logits := make([]float32, m.Vocab)
		if err := s.Logits(0, logits); err != nil {
			return nil, err
		}
		// Logits of this model are O(1); f32 sums over ≤ 128 products in another order differ by
		// ~1e-6, so 1e-3 is far above rounding and far below any wrong result.
		out = append(out, selfTestOutput{fmt.Sprintf("logits after %d tokens", pos), logits, 1e-3})
	}
	infl := make([]float32, n)
	if err := s.Influence(0, m.NumLayers-1, 0, n, infl); err != nil {
		return nil, err
	}
	// Influence lies in [0, 1] and is a ratio of the same sums.
	out = append(out, selfTestOutput{"last-layer Influence", infl, 1e-4})
	return out, nil
}

// agree reports the first element where got differs from want by more than want.tol·max(1, |want|).
func agree(got, want selfTestOutput) error {
	for i, w := range want.v {
		g := got.v[i]
		if math.IsNaN(float64(g)) || math.Abs(float64(g-w)) > float64(want.tol)*max(1, math.Abs(float64(w))) {
			return fmt.Errorf("element %d: GPU %v, CPU %v", i, g, w)
		}
	}
	return nil
}
