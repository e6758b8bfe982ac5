package eval

import (
	"math"
	"testing"
)

func TestAUC(t *testing.T) {
	tests := []struct {
		name  string
		score []float64
		label []bool
		want  float64
	}{
		// Pairs (positive, negative): (0.35,0.1) win, (0.35,0.4) loss,
		// (0.8,0.1) win, (0.8,0.4) win: 3 of 4.
		{"three of four pairs ordered", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75},
		{"perfect", []float64{1, 2, 3, 4}, []bool{false, false, true, true}, 1},
		{"reversed", []float64{4, 3, 2, 1}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{1, 1, 1}, []bool{true, false, false}, 0.5},
		// Positive 2 against negatives 1, 2, 3: win, tie, loss = 1.5 of 3.
		{"one tie", []float64{1, 2, 2, 3}, []bool{false, true, false, false}, 0.5},
		// Positives 2, 3 against negatives 1, 2: 1 + 0.5 + 1 + 1 = 3.5 of 4.
		{"ties across classes", []float64{1, 2, 2, 3}, []bool{false, false, true, true}, 0.875},
		{"no negatives", []float64{1, 2}, []bool{true, true}, math.NaN()},
		{"no positives", []float64{1, 2}, []bool{false, false}, math.NaN()},
		{"empty", nil, nil, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AUC(tc.score, tc.label)
			if !sameFloat(got, tc.want) {
				t.Fatalf("AUC = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPearson(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want float64
	}{
		{"proportional", []float64{1, 2, 3}, []float64{2, 4, 6}, 1},
		{"anti", []float64{1, 2, 3}, []float64{6, 4, 2}, -1},
		// Deviations (-1.5,-.5,.5,1.5) and (-1.5,.5,-.5,1.5): Σdxdy = 4, Σdx² = Σdy² = 5.
		{"by hand", []float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}, 0.8},
		// Point-biserial: x (1,2,3,4) against success (0,0,1,1): Σdxdy = 2, Σdx² = 5, Σdy² = 1.
		{"binary", []float64{1, 2, 3, 4}, []float64{0, 0, 1, 1}, 2 / math.Sqrt(5)},
		{"constant x", []float64{1, 1, 1}, []float64{1, 2, 3}, math.NaN()},
		{"one point", []float64{1}, []float64{1}, math.NaN()},
		{"length mismatch", []float64{1, 2}, []float64{1, 2, 3}, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Pearson(tc.x, tc.y)
			// 1e-12: a few float64 roundings of values of order 1.
			if !sameFloat(got, tc.want) && math.Abs(got-tc.want) > 1e-12 {
				t.Fatalf("Pearson = %v, want %v", got, tc.want)
			}
		})
	}
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func TestSummarizePredictionsAndGroups(t *testing.T) {
	d := 0.5
	rows := []Row{
		{Example: "a", Condition: "delta=0", Success: false, Value: 0, Influence: 0.1, Rollout: 0.4, Bin: 64, Depth: &d},
		{Example: "b", Condition: "delta=0", Success: true, Value: 2, Influence: 0.35, Rollout: 0.3, Bin: 64, Depth: &d},
		{Example: "a", Condition: "delta=1", Success: false, Value: 0, Influence: 0.4, Rollout: 0.2, Bin: 128, Depth: &d},
		{Example: "b", Condition: "delta=1", Success: true, Value: 1, Influence: 0.8, Rollout: 0.1, Bin: 128, Depth: &d},
		{Example: "b", Condition: "delta=9", Success: true, Value: 1, Influence: 0, Rollout: 0}, // not summarised
	}
	conds := []Condition{DeltaCondition(0), DeltaCondition(1)}
	s := Summarize(Info{Name: "t", Binned: true}, conds, rows)
	if s.Rows != 4 || len(s.Conditions) != 2 || s.Conditions[0].N != 2 || s.Conditions[0].SuccessRate != 0.5 || s.Conditions[1].MeanValue != 0.5 {
		t.Fatalf("conditions %+v", s.Conditions)
	}
	// Binomial standard error of 1 success in 2: sqrt(0.5·0.5/2).
	if got := s.Conditions[0].SuccessSE; math.Abs(got-math.Sqrt(0.125)) > 1e-15 {
		t.Fatalf("standard error %v", got)
	}
	if len(s.Cells) != 2 || s.Cells[0].Bin != 64 || s.Cells[1].Bin != 128 || *s.Cells[0].Depth != 0.5 {
		t.Fatalf("cells %+v", s.Cells)
	}
	p := s.Influence
	// Influence ranks as in TestAUC's first case; Rollout orders every pair wrongly
	// except (0.3 vs 0.2): positives 0.3, 0.1 against negatives 0.4, 0.2 → 1 of 4.
	if p.N != 4 || p.Successes != 2 || *p.InfluenceAUC != 0.75 || *p.RolloutAUC != 0.25 {
		t.Fatalf("predictions %+v", p)
	}
	if p.InfluencePearson == nil || p.RolloutPearsonValue == nil {
		t.Fatalf("correlations missing: %+v", p)
	}
}

func TestPlotsOfAnEmptySummary(t *testing.T) {
	s := Summarize(Info{Name: "t", Value: "v", Binned: true}, Conditions([]float32{0, 1}), nil)
	files, err := WritePlots(t.TempDir(), s)
	if err != nil || len(files) != 3 {
		t.Fatalf("plots %v: %v", files, err)
	}
	if s.Influence.InfluenceAUC != nil || s.Influence.RolloutPearson != nil {
		t.Fatalf("statistics of no rows: %+v", s.Influence)
	}
}
