package cpu

import (
	"fmt"
	"math"
	"slices"

	"heed/engine/model"
)

// TopK returns the k largest of the first n floats of row row of b, most likely first with ties
// by lower index (the sampler's order), and the softmax normaliser of the row, so
// model.State.TopKLogits behaves the same on every executor.
func (e *Executor) TopK(b model.Buffer, row, n, k int) (model.Candidates, error) {
	bb, ok := b.(*buffer)
	if !ok || bb == nil {
		return model.Candidates{}, fmt.Errorf("top-k: %T is not a buffer of this executor", b)
	}
	if row < 0 || row >= bb.rows || n <= 0 || n > bb.cols {
		return model.Candidates{}, fmt.Errorf("top-k: %d floats of row %d of a %d×%d buffer", n, row, bb.rows, bb.cols)
	}
	if k < 1 || k > min(n, model.MaxCandidates) {
		return model.Candidates{}, fmt.Errorf("top-k: k = %d outside [1, %d]", k, min(n, model.MaxCandidates))
	}
	x := bb.data[row*bb.cols : row*bb.cols+n]
	// ids is kept sorted best first; a value enters when it beats the current k-th.
	ids := make([]int32, 0, k+1)
	for i, v := range x {
		if len(ids) == k && !(v > x[ids[k-1]]) {
			continue // equal values keep the lower index already held
		}
		at, _ := slices.BinarySearchFunc(ids, v, func(id int32, v float32) int {
			if x[id] >= v {
				return -1 // held ids with equal values come first: they are lower
			}
			return 1
		})
		ids = slices.Insert(ids, at, int32(i))
		if len(ids) > k {
			ids = ids[:k]
		}
	}
	c := model.Candidates{IDs: ids, Logits: make([]float32, k)}
	for j, id := range ids {
		c.Logits[j] = x[id]
	}
	top := c.Logits[0]
	for _, v := range x {
		c.Sum += float64(float32(math.Exp(float64(v - top))))
	}
	// n float64 additions of positive terms, each rounding by at most 2⁻⁵³ of the partial sum;
	// 1.01 covers the second-order terms of (1+2⁻⁵³)ⁿ for any n below 2⁴⁰.
	c.SumErr = 1.01 * float64(n) * 0x1p-53 * c.Sum
	return c, nil
}

var _ model.TopKer = (*Executor)(nil)
