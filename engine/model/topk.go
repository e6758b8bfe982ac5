package model

import (
	"errors"
	"fmt"
)

// MaxCandidates is the largest k every TopKer accepts.
const MaxCandidates = 128

// Candidates are the head of one row of logits and the row's softmax normaliser: what a sampler
// needs to apply top-k, top-p and min-p without copying the row to the host.
type Candidates struct {
	// IDs are the indices of the k largest logits, most likely first, ties by lower index (the
	// order sample.Sampler sorts in); Logits are their values, bit for bit.
	IDs    []int32
	Logits []float32
	// Sum approximates S = Σᵢ float32(exp(float64(xᵢ − Logits[0]))) over every float xᵢ of the
	// row (the difference rounded to float32, the exponential to float32: the terms the
	// sampler's softmax adds), with |Sum − S| ≤ SumErr, S taken as an exact real sum.
	Sum, SumErr float64
}

// TopKer is an optional capability of an Executor: finding the most likely tokens and the
// softmax normaliser where the logits live, so a sampled decode step copies back about a
// kilobyte instead of the vocabulary's floats.
type TopKer interface {
	// TopK returns the candidates of the first n floats of row row of b (b's floats from
	// row·cols), 1 ≤ k ≤ min(n, MaxCandidates), after every operation enqueued so far has
	// completed. The result is unspecified when the floats hold a NaN or +Inf.
	TopK(b Buffer, row, n, k int) (Candidates, error)
}

// ErrNoTopK is returned (wrapped) by TopKLogits when the executor is not a TopKer.
var ErrNoTopK = errors.New("executor has no top-k")

// TopKLogits returns the k most likely tokens of row i of the last step's logits (0 unless
// AllLogits) and the row's normaliser (see Candidates).
func (s *State) TopKLogits(i, k int) (Candidates, error) {
	t, ok := s.m.Exec.(TopKer)
	if !ok {
		return Candidates{}, fmt.Errorf("%w: %T", ErrNoTopK, s.m.Exec)
	}
	if rows, _ := s.logits.Shape(); i < 0 || i >= rows {
		return Candidates{}, fmt.Errorf("logits row %d out of range [0, %d)", i, rows)
	}
	if k < 1 || k > min(s.m.Vocab, MaxCandidates) {
		return Candidates{}, fmt.Errorf("top-k of %d over a vocabulary of %d (at most %d)", k, s.m.Vocab, MaxCandidates)
	}
	return t.TopK(s.logits, i, s.m.Vocab, k)
}
