package model_test

import (
	"errors"
	"testing"

	"heed/engine/cpu"
	"heed/engine/model"
	"heed/internal/defaultmodel"
)

func TestArgmaxLogitsMatchesEveryRow(t *testing.T) {
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
		want := 0
		for j, v := range row {
			if v > row[want] {
				want = j
			}
		}
		got, err := s.ArgmaxLogits(i)
		if err != nil {
			t.Fatal(err)
		}
		if int(got) != want {
			t.Errorf("row %d: ArgmaxLogits = %d, argmax of Logits %d", i, got, want)
		}
	}
	if _, err := s.ArgmaxLogits(len(storyTokens)); err == nil {
		t.Errorf("ArgmaxLogits(%d) of %d rows: no error", len(storyTokens), len(storyTokens))
	}
}

// executorOnly hides every optional capability of the executor it wraps.
type executorOnly struct{ model.Executor }

func TestArgmaxLogitsNeedsArgmaxer(t *testing.T) {
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
	if _, err := s.ArgmaxLogits(0); !errors.Is(err, model.ErrNoArgmax) {
		t.Fatalf("got %v, want ErrNoArgmax", err)
	}
}
