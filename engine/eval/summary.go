package eval

import (
	"cmp"
	"encoding/csv"
	"io"
	"math"
	"slices"
	"strconv"
)

// Summary is a run's results table and its Influence analysis.
type Summary struct {
	Task    string `json:"task"`
	Success string `json:"success"`
	Value   string `json:"value,omitempty"`
	Rows    int    `json:"rows"`
	// Conditions has one group per condition over every bin and depth; Cells
	// one per condition, bin and depth when the task has bins.
	Conditions []Group     `json:"conditions"`
	Cells      []Group     `json:"cells,omitempty"`
	Influence  Predictions `json:"influence_analysis"`
}

// Group aggregates the rows of one condition (and bin and depth).
type Group struct {
	Condition string   `json:"condition"`
	Delta     float32  `json:"delta"`
	Baseline  bool     `json:"baseline"`
	Bin       int      `json:"bin,omitempty"`
	Depth     *float64 `json:"depth,omitempty"`
	N         int      `json:"n"`
	// SuccessRate with its binomial standard error sqrt(p(1-p)/n).
	SuccessRate   float64 `json:"success_rate"`
	SuccessSE     float64 `json:"success_se"`
	MeanValue     float64 `json:"mean_value"`
	MeanInfluence float64 `json:"mean_influence"`
	MeanRollout   float64 `json:"mean_rollout"`
	// InfluenceAUC and RolloutAUC predict success within the group, where Δ
	// is fixed and only the examples vary (null when undefined).
	InfluenceAUC *float64 `json:"influence_auc"`
	RolloutAUC   *float64 `json:"rollout_auc"`
}

// Predictions say how well the span's last-layer Influence and Rollout
// predict success over every row, pooled across conditions (SPEC §4: the paper found AUC ≈ 0.75 for
// Influence and ≈ 0.24 for Rollout). Undefined statistics (one class empty,
// no variance) are null.
type Predictions struct {
	N         int `json:"n"`
	Successes int `json:"successes"`
	// AUC of the scalar against success; Pearson against success (0/1) and
	// against the graded value.
	InfluenceAUC          *float64 `json:"influence_auc"`
	InfluencePearson      *float64 `json:"influence_pearson"`
	InfluencePearsonValue *float64 `json:"influence_pearson_value"`
	RolloutAUC            *float64 `json:"rollout_auc"`
	RolloutPearson        *float64 `json:"rollout_pearson"`
	RolloutPearsonValue   *float64 `json:"rollout_pearson_value"`
}

// Select keeps the rows a run with these examples, conditions and samples
// plans, so a directory that also holds rows of a larger earlier run
// summarises this one.
func Select(rows []Row, examples []Example, conds []Condition, samples int) []Row {
	want := map[string]bool{}
	for _, ex := range examples {
		for _, c := range conds {
			for s := range samples {
				want[rowKey(ex.ID, c.Name, s)] = true
			}
		}
	}
	var out []Row
	for _, r := range rows {
		if want[r.Key()] {
			out = append(out, r)
		}
	}
	return out
}

// Summarize aggregates rows per condition (in the order of conds) and, for
// binned tasks, per condition, bin and depth. Rows of other conditions are
// left out.
func Summarize(info Info, conds []Condition, rows []Row) Summary {
	s := Summary{Task: info.Name, Success: info.Success, Value: info.Value}
	type cellKey struct {
		cond  string
		bin   int
		depth float64
	}
	order := map[string]int{}
	for i, c := range conds {
		order[c.Name] = i
	}
	byCond := map[string][]Row{}
	byCell := map[cellKey][]Row{}
	for _, r := range rows {
		if _, ok := order[r.Condition]; !ok {
			continue // a condition this summary does not cover
		}
		byCond[r.Condition] = append(byCond[r.Condition], r)
		k := cellKey{r.Condition, r.Bin, -1}
		if r.Depth != nil {
			k.depth = *r.Depth
		}
		byCell[k] = append(byCell[k], r)
	}
	for _, c := range conds {
		if rs := byCond[c.Name]; len(rs) > 0 {
			s.Conditions = append(s.Conditions, group(c, rs, 0, nil))
		}
	}
	if info.Binned {
		for k, rs := range byCell {
			var d *float64
			if k.depth >= 0 {
				d = &k.depth
			}
			s.Cells = append(s.Cells, group(conds[order[k.cond]], rs, k.bin, d))
		}
		slices.SortFunc(s.Cells, func(a, b Group) int {
			return cmp.Or(cmp.Compare(order[a.Condition], order[b.Condition]), cmp.Compare(a.Bin, b.Bin),
				cmp.Compare(depthOf(a), depthOf(b)))
		})
	}
	var kept []Row
	for _, c := range conds {
		kept = append(kept, byCond[c.Name]...)
	}
	s.Rows = len(kept)
	s.Influence = predictions(kept)
	return s
}

func depthOf(g Group) float64 {
	if g.Depth == nil {
		return -1
	}
	return *g.Depth
}

func group(c Condition, rows []Row, bin int, depth *float64) Group {
	g := Group{Condition: c.Name, Delta: c.Delta, Baseline: c.Emphasis != Plain, Bin: bin, Depth: depth, N: len(rows)}
	for _, r := range rows {
		g.SuccessRate += boolValue(r.Success)
		g.MeanValue += r.Value
		g.MeanInfluence += r.Influence
		g.MeanRollout += r.Rollout
	}
	n := float64(len(rows))
	g.SuccessRate /= n
	g.MeanValue /= n
	g.MeanInfluence /= n
	g.MeanRollout /= n
	g.SuccessSE = math.Sqrt(g.SuccessRate * (1 - g.SuccessRate) / n)
	p := predictions(rows)
	g.InfluenceAUC, g.RolloutAUC = p.InfluenceAUC, p.RolloutAUC
	return g
}

func predictions(rows []Row) Predictions {
	p := Predictions{N: len(rows)}
	inf, roll, succ, val := make([]float64, len(rows)), make([]float64, len(rows)), make([]float64, len(rows)), make([]float64, len(rows))
	label := make([]bool, len(rows))
	for i, r := range rows {
		inf[i], roll[i], succ[i], val[i], label[i] = r.Influence, r.Rollout, boolValue(r.Success), r.Value, r.Success
		if r.Success {
			p.Successes++
		}
	}
	p.InfluenceAUC = finite(AUC(inf, label))
	p.InfluencePearson = finite(Pearson(inf, succ))
	p.InfluencePearsonValue = finite(Pearson(inf, val))
	p.RolloutAUC = finite(AUC(roll, label))
	p.RolloutPearson = finite(Pearson(roll, succ))
	p.RolloutPearsonValue = finite(Pearson(roll, val))
	return p
}

// finite returns nil for NaN (JSON has no NaN), else a pointer to v.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// WriteCSV writes the results table: the per-condition groups (bin "all"),
// then the per-bin cells.
func WriteCSV(w io.Writer, s Summary) error {
	c := csv.NewWriter(w)
	c.Write([]string{"condition", "delta", "baseline", "bin", "depth", "n", "success_rate", "success_se",
		"mean_value", "mean_influence", "mean_rollout", "influence_auc", "rollout_auc"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return f(*v)
	}
	write := func(g Group, bin string) {
		depth := ""
		if g.Depth != nil {
			depth = f(*g.Depth)
		}
		c.Write([]string{g.Condition, f(float64(g.Delta)), strconv.FormatBool(g.Baseline), bin, depth, strconv.Itoa(g.N),
			f(g.SuccessRate), f(g.SuccessSE), f(g.MeanValue), f(g.MeanInfluence), f(g.MeanRollout), opt(g.InfluenceAUC), opt(g.RolloutAUC)})
	}
	for _, g := range s.Conditions {
		write(g, "all")
	}
	for _, g := range s.Cells {
		write(g, strconv.Itoa(g.Bin))
	}
	c.Flush()
	return c.Error()
}
