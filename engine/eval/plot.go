package eval

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Plot file names inside a run's output directory.
const (
	SuccessPlot   = "success.svg"
	ValuePlot     = "value.svg"
	InfluencePlot = "influence.svg"
	DepthPlot     = "depth.svg"
)

// WritePlots draws the summary as SVG files in dir and returns their names:
// success (and the graded value when the task has one) against Δ, one line per
// bin, with the baselines as dashed levels; mean Influence and Rollout against
// Δ; and, for the needle task, success against depth per condition.
func WritePlots(dir string, s Summary) ([]string, error) {
	var written []string
	save := func(p *plot.Plot, name string) error {
		wt, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, "svg")
		if err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if _, err := wt.WriteTo(f); err != nil {
			f.Close()
			return err
		}
		written = append(written, name)
		return f.Close()
	}
	rate := func(g Group) float64 { return g.SuccessRate }
	if err := save(deltaPlot(s, "success rate", rate), SuccessPlot); err != nil {
		return nil, fmt.Errorf("eval: plotting: %w", err)
	}
	if s.Value != "" {
		if err := save(deltaPlot(s, s.Value, func(g Group) float64 { return g.MeanValue }), ValuePlot); err != nil {
			return nil, fmt.Errorf("eval: plotting: %w", err)
		}
	}
	if err := save(influencePlot(s), InfluencePlot); err != nil {
		return nil, fmt.Errorf("eval: plotting: %w", err)
	}
	if hasDepths(s) {
		if err := save(depthPlot(s), DepthPlot); err != nil {
			return nil, fmt.Errorf("eval: plotting: %w", err)
		}
	}
	return written, nil
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return p
}

// frame starts the y axis at 0 (the functions drawing baselines do not widen
// it) and leaves headroom above maxY for the legend, which sits top left.
func frame(p *plot.Plot, maxY float64) {
	if !(maxY > 0) {
		maxY = 1
	}
	p.Y.Min, p.Y.Max = 0, maxY*1.45
}

// addLine adds a line with points in the i-th of plotutil's colours and shapes.
func addLine(p *plot.Plot, name string, i int, xys plotter.XYs) {
	if len(xys) == 0 {
		return
	}
	l, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return // only non-finite points fail, and the summary has none
	}
	l.Color, pts.Color, pts.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
	p.Add(l, pts)
	p.Legend.Add(name, l, pts)
}

// addLevel adds a dashed horizontal line across the Δ range.
func addLevel(p *plot.Plot, name string, i int, y, xmin, xmax float64) {
	f := plotter.NewFunction(func(float64) float64 { return y })
	f.XMin, f.XMax = xmin, xmax
	f.Color = plotutil.Color(i)
	f.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	f.Width = vg.Points(1.5)
	p.Add(f)
	p.Legend.Add(name, f)
}

func deltaRange(s Summary) (float64, float64) {
	lo, hi := 0.0, 1.0
	for i, g := range s.Conditions {
		if g.Baseline {
			continue
		}
		if d := float64(g.Delta); i == 0 || d < lo {
			lo = d
		}
		if d := float64(g.Delta); d > hi {
			hi = d
		}
	}
	return lo, hi
}

// deltaPlot draws metric against Δ: one line over all rows, one per bin when
// binned, and the baselines (over all rows) as dashed levels.
func deltaPlot(s Summary, label string, metric func(Group) float64) *plot.Plot {
	p := newPlot(fmt.Sprintf("%s: %s against Δ", s.Task, label), "Δ on the highlighted span", label)
	lo, hi := deltaRange(s)
	var all plotter.XYs
	colour := 0
	for _, g := range s.Conditions {
		if !g.Baseline {
			all = append(all, plotter.XY{X: float64(g.Delta), Y: metric(g)})
		}
	}
	addLine(p, "all examples", colour, all)
	colour++
	for _, bin := range bins(s) {
		var xys plotter.XYs
		for _, g := range mergeDepths(s.Cells, bin) {
			if !g.Baseline {
				xys = append(xys, plotter.XY{X: float64(g.Delta), Y: metric(g)})
			}
		}
		addLine(p, strconv.Itoa(bin)+" tokens", colour, xys)
		colour++
	}
	top := 0.0
	for _, g := range append(slices.Clone(s.Conditions), s.Cells...) {
		top = max(top, metric(g))
	}
	for _, g := range s.Conditions {
		if g.Baseline {
			addLevel(p, baselineLabel(g.Condition), colour, metric(g), lo, hi)
			colour++
		}
	}
	frame(p, top)
	return p
}

func baselineLabel(cond string) string {
	switch cond {
	case "uppercase":
		return "UPPERCASE span, Δ 0"
	case "important":
		return `"IMPORTANT:" prefix, Δ 0`
	}
	return cond
}

// influencePlot draws the mean last-layer Influence and Rollout against Δ,
// with the baselines' Influence as dashed levels.
func influencePlot(s Summary) *plot.Plot {
	p := newPlot(s.Task+": last-layer Influence of the span", "Δ on the highlighted span", "mean scalar (last prompt tokens)")
	lo, hi := deltaRange(s)
	var inf, roll plotter.XYs
	for _, g := range s.Conditions {
		if !g.Baseline {
			inf = append(inf, plotter.XY{X: float64(g.Delta), Y: g.MeanInfluence})
			roll = append(roll, plotter.XY{X: float64(g.Delta), Y: g.MeanRollout})
		}
	}
	addLine(p, "Influence", 0, inf)
	addLine(p, "Attention Rollout", 1, roll)
	colour := 2
	top := 0.0
	for _, g := range s.Conditions {
		top = max(top, g.MeanInfluence, g.MeanRollout)
		if g.Baseline {
			addLevel(p, "Influence, "+baselineLabel(g.Condition), colour, g.MeanInfluence, lo, hi)
			colour++
		}
	}
	frame(p, top)
	return p
}

// depthPlot draws success against the needle's depth, one line per condition
// (over all bins).
func depthPlot(s Summary) *plot.Plot {
	p := newPlot(s.Task+": success rate against depth", "needle depth (0: start, 1: end)", "success rate")
	for i, c := range s.Conditions {
		type acc struct{ sum, n float64 }
		byDepth := map[float64]*acc{}
		for _, g := range s.Cells {
			if g.Condition != c.Condition || g.Depth == nil {
				continue
			}
			a := byDepth[*g.Depth]
			if a == nil {
				a = &acc{}
				byDepth[*g.Depth] = a
			}
			a.sum += g.SuccessRate * float64(g.N)
			a.n += float64(g.N)
		}
		var xys plotter.XYs
		for d, a := range byDepth {
			xys = append(xys, plotter.XY{X: d, Y: a.sum / a.n})
		}
		slices.SortFunc(xys, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })
		name := c.Condition
		if c.Baseline {
			name = baselineLabel(c.Condition)
		}
		addLine(p, name, i, xys)
	}
	frame(p, 1/1.45)
	return p
}

func hasDepths(s Summary) bool {
	for _, g := range s.Cells {
		if g.Depth != nil {
			return true
		}
	}
	return false
}

// bins lists the bins of the summary's cells in order.
func bins(s Summary) []int {
	var out []int
	for _, g := range s.Cells {
		if !slices.Contains(out, g.Bin) {
			out = append(out, g.Bin)
		}
	}
	slices.Sort(out)
	return out
}

// mergeDepths returns, for one bin, one group per condition with the depths
// pooled (weighted by their row counts), in the cells' condition order.
func mergeDepths(cells []Group, bin int) []Group {
	var out []Group
	for _, g := range cells {
		if g.Bin != bin {
			continue
		}
		i := slices.IndexFunc(out, func(o Group) bool { return o.Condition == g.Condition })
		if i < 0 {
			g.Depth = nil
			out = append(out, g)
			continue
		}
		o := &out[i]
		n := float64(o.N + g.N)
		w0, w1 := float64(o.N)/n, float64(g.N)/n
		o.SuccessRate = w0*o.SuccessRate + w1*g.SuccessRate
		o.MeanValue = w0*o.MeanValue + w1*g.MeanValue
		o.MeanInfluence = w0*o.MeanInfluence + w1*g.MeanInfluence
		o.MeanRollout = w0*o.MeanRollout + w1*g.MeanRollout
		o.N += g.N
	}
	return out
}
