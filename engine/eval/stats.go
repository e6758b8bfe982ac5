package eval

import (
	"math"
	"sort"
)

// AUC is the area under the ROC curve of score as a predictor of label: the
// probability that a random positive scores above a random negative, ties
// counting one half (the Mann–Whitney U statistic divided by n₊·n₋). It is NaN
// when either class is empty.
func AUC(score []float64, label []bool) float64 {
	type pt struct {
		s   float64
		pos bool
	}
	pts := make([]pt, len(score))
	var npos, nneg float64
	for i := range score {
		pts[i] = pt{score[i], label[i]}
		if label[i] {
			npos++
		} else {
			nneg++
		}
	}
	if npos == 0 || nneg == 0 {
		return math.NaN()
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].s < pts[j].s })
	// Sum of the positives' mid-ranks (1-based), tied groups sharing their mean rank.
	var rankSum float64
	for i := 0; i < len(pts); {
		j := i
		for j < len(pts) && pts[j].s == pts[i].s {
			j++
		}
		mid := float64(i+j+1) / 2
		for k := i; k < j; k++ {
			if pts[k].pos {
				rankSum += mid
			}
		}
		i = j
	}
	return (rankSum - npos*(npos+1)/2) / (npos * nneg)
}

// Pearson is the sample correlation of x and y; NaN when fewer than two
// points or either has no variance.
func Pearson(x, y []float64) float64 {
	n := float64(len(x))
	if len(x) < 2 || len(x) != len(y) {
		return math.NaN()
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}
