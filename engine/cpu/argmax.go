package cpu

import (
	"fmt"

	"heed/engine/model"
)

// Argmax returns the index of the largest of the first n floats of row row of b, the lowest on
// ties (the comparison the sampler's greedy path makes), so model.State.ArgmaxLogits behaves the
// same on every executor.
func (e *Executor) Argmax(b model.Buffer, row, n int) (int32, error) {
	bb, ok := b.(*buffer)
	if !ok || bb == nil {
		return 0, fmt.Errorf("argmax: %T is not a buffer of this executor", b)
	}
	if row < 0 || row >= bb.rows || n <= 0 || n > bb.cols {
		return 0, fmt.Errorf("argmax: %d floats of row %d of a %d×%d buffer", n, row, bb.rows, bb.cols)
	}
	x := bb.data[row*bb.cols : row*bb.cols+n]
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return int32(best), nil
}

var _ model.Argmaxer = (*Executor)(nil)
