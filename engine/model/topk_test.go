package model_test

import (
	"errors"
	"slices"
	"testing"

	"heed/engine/cpu"
	"heed/engine/model"
	"heed/internal/defaultmodel"
)

// TestTopKLogitsMatchesEveryRow checks each row's candidates against that row's logits: the
// largest k in descending order (ties by lower id) and an exact normaliser.
func TestTopKLogitsMatchesEveryRow(t *testing.T) {
	_, m := open(t, defaultmodel.ForTest(t), 1)
	s, err := m.NewState(model.StateOptions{Context: len(storyTokens), Batch: len(storyTokens), AllLogits: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Forward(s, storyTokens, model.Step{Logits: model.LogitsAll}); err != nil {
		t.Fatal(err)
	}
	row := make([]float32, m.Vocab)
	for i := range storyTokens {
		if err := s.Logits(i, row); err != nil {
			t.Fatal(err)
		}
		ids := make([]int32, m.Vocab)
		for j := range ids {
			ids[j] = int32(j)
		}
		slices.SortStableFunc(ids, func(a, b int32) int {
			switch {
			case row[a] > row[b]:
				return -1
			case row[a] < row[b]:
				return 1
			}
			return 0
		})
		c, err := s.TopKLogits(i, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.IDs, ids[:10]) {
			t.Errorf("row %d: ids %v, want %v", i, c.IDs, ids[:10])
		}
		for j, id := range c.IDs {
			if c.Logits[j] != row[id] {
				t.Errorf("row %d: logit of %d is %g, the row holds %g", i, id, c.Logits[j], row[id])
			}
		}
		if c.Sum < 1 || c.SumErr < 0 || c.SumErr > 1e-9*c.Sum {
			t.Errorf("row %d: normaliser %g ± %g", i, c.Sum, c.SumErr)
		}
	}
	for _, bad := range [][2]int{{len(storyTokens), 5}, {0, 0}, {0, model.MaxCandidates + 1}} {
		if _, err := s.TopKLogits(bad[0], bad[1]); err == nil {
			t.Errorf("TopKLogits(%d, %d): no error", bad[0], bad[1])
		}
	}
}

func TestTopKLogitsNeedsTopKer(t *testing.T) {
	f, _ := open(t, defaultmodel.ForTest(t), 1)
	e := cpu.New(1)
	t.Cleanup(e.Close)
	m, err := model.Load(f, executorOnly{e})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.NewState(model.StateOptions{Context: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.TopKLogits(0, 4); !errors.Is(err, model.ErrNoTopK) {
		t.Fatalf("got %v, want ErrNoTopK", err)
	}
}
