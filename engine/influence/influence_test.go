package influence

import (
	"context"
	"testing"

	"heed/engine/cpu"
	"heed/engine/gguf"
	"heed/engine/guide"
	"heed/engine/model"
	"heed/internal/defaultmodel"
)

func TestLastTokens(t *testing.T) {
	for _, tc := range []struct{ n, from int }{
		{0, 0}, {3, 0}, {5, 0}, {6, 1}, {19, 14}, {20, 10}, {100, 90},
	} {
		if from, to := LastTokens(tc.n); from != tc.from || to != tc.n {
			t.Errorf("LastTokens(%d) = [%d, %d), want [%d, %d)", tc.n, from, to, tc.from, tc.n)
		}
	}
	if got := Scalar([]float32{9, 9, 1, 2, 3, 4, 5}); got != 3 {
		t.Errorf("Scalar over the last 5 of 7 = %v, want 3", got)
	}
}

func TestMeasure(t *testing.T) {
	f, err := gguf.Open(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := cpu.New(2)
	defer e.Close()
	m, err := model.Load(f, e)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int32{1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426}
	if _, err := Measure(context.Background(), m, ids, nil, Options{}); err == nil {
		t.Fatal("Measure without spans succeeded")
	}
	spans := []guide.TokenSpan{
		{Span: guide.Span{Measure: true}, First: 2, Last: 4},
		{Span: guide.Span{Delta: 2}, First: 9, Last: 10},
	}
	// A batch smaller than the prompt: chunked prefill must give the same result.
	whole, err := Measure(context.Background(), m, ids, spans, Options{})
	if err != nil {
		t.Fatal(err)
	}
	chunked, err := Measure(context.Background(), m, ids, spans, Options{Batch: 5})
	if err != nil {
		t.Fatal(err)
	}
	for s := range spans {
		tr := whole[s]
		if len(tr.Influence) != m.NumLayers || len(tr.Influence[0]) != len(ids) || len(tr.Scalar) != m.NumLayers {
			t.Fatalf("span %d: shapes %d×%d", s, len(tr.Influence), len(tr.Influence[0]))
		}
		for l := range tr.Influence {
			if tr.Scalar[l] != Scalar(tr.Influence[l]) || tr.RolloutScalar[l] != Scalar(tr.Rollout[l]) {
				t.Fatalf("span %d layer %d: scalar does not match its vector", s, l)
			}
			for k := range ids {
				if tr.Influence[l][k] != chunked[s].Influence[l][k] || tr.Rollout[l][k] != chunked[s].Rollout[l][k] {
					t.Fatalf("span %d layer %d token %d: chunked prefill changed Influence", s, l, k)
				}
				// Causality: tokens before the span are untouched by it.
				if k < spans[s].First && tr.Influence[l][k] != 0 {
					t.Fatalf("span %d layer %d: token %d before the span has Influence %v", s, l, k, tr.Influence[l][k])
				}
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Measure(ctx, m, ids, spans, Options{}); err == nil {
		t.Fatal("Measure ignored a cancelled context")
	}
}
