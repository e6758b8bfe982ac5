// Package sample picks the next token from logits: greedy, or temperature
// sampling after repetition penalty, top-k, top-p and min-p, with a seeded
// generator so a seed reproduces a generation.
//
// The order follows llama.cpp's default sampler chain: penalties, top-k,
// top-p, min-p, temperature, then a draw.
package sample

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Params configure a Sampler. The zero value is greedy decoding.
type Params struct {
	// Temperature divides the logits; 0 (or less) picks the most likely token.
	Temperature float32
	// TopK keeps the K most likely tokens (0: all).
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability reaches P (0 or 1: all).
	TopP float32
	// MinP drops tokens less likely than MinP times the most likely one (0: none).
	MinP float32
	// RepeatPenalty divides positive logits (multiplies negative ones) of the
	// last RepeatLastN tokens (1 or 0: none), as in the CTRL paper and llama.cpp.
	RepeatPenalty float32
	// RepeatLastN is how many recent tokens the penalty looks at (default 64).
	RepeatLastN int
	// Seed seeds the generator.
	Seed uint64
}

// ErrParams is returned (wrapped) for out-of-range parameters.
var ErrParams = errors.New("invalid sampling parameters")

// Validate checks the ranges of p.
func (p Params) Validate() error {
	switch {
	case math.IsNaN(float64(p.Temperature)) || math.IsInf(float64(p.Temperature), 0):
		return fmt.Errorf("%w: temperature %g", ErrParams, p.Temperature)
	case p.TopK < 0:
		return fmt.Errorf("%w: top-k %d < 0", ErrParams, p.TopK)
	case !(p.TopP >= 0 && p.TopP <= 1):
		return fmt.Errorf("%w: top-p %g outside [0, 1]", ErrParams, p.TopP)
	case !(p.MinP >= 0 && p.MinP <= 1):
		return fmt.Errorf("%w: min-p %g outside [0, 1]", ErrParams, p.MinP)
	case !(p.RepeatPenalty >= 0) || math.IsInf(float64(p.RepeatPenalty), 0):
		return fmt.Errorf("%w: repeat penalty %g", ErrParams, p.RepeatPenalty)
	case p.RepeatLastN < 0:
		return fmt.Errorf("%w: repeat window %d < 0", ErrParams, p.RepeatLastN)
	}
	return nil
}

// Sampler draws tokens. It holds its scratch space, so it is not safe for
// concurrent use.
type Sampler struct {
	p    Params
	rng  *rand.Rand
	cand []candidate
	seen map[int32]bool
}

type candidate struct {
	id    int32
	logit float32
	term  float32 // exp(logit − top logit) at temperature 1, rounded to float32
	prob  float32
}

// New returns a sampler; p must be valid (see Validate).
func New(p Params) *Sampler {
	if p.RepeatLastN == 0 {
		p.RepeatLastN = 64
	}
	return &Sampler{p: p, rng: rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15)), seen: map[int32]bool{}}
}

// Sample returns the next token for logits (vocab,), given the tokens so far.
// logits is modified in place by the repetition penalty.
func (s *Sampler) Sample(logits []float32, history []int32) int32 {
	s.penalise(logits, history)
	if s.p.Temperature <= 0 {
		return argmax(logits)
	}
	c := s.cand[:0]
	for i, l := range logits {
		c = append(c, candidate{id: int32(i), logit: l})
	}
	s.cand = c
	// Most likely first; ties by id so the order is deterministic.
	slices.SortFunc(c, func(a, b candidate) int {
		if a.logit != b.logit {
			return cmp.Compare(b.logit, a.logit)
		}
		return cmp.Compare(a.id, b.id)
	})
	if s.p.TopK > 0 && s.p.TopK < len(c) {
		c = c[:s.p.TopK]
	}
	sum := terms(c)
	if keep, ok := s.topP(c, sum); ok {
		c = c[:keep]
	}
	return s.draw(s.minP(c))
}

// Top is the head of one row of logits as an executor finds it (model.Candidates): the most
// likely tokens, most likely first with ties by lower id, their logits bit for bit, and the
// row's normaliser at temperature 1 within ±SumErr.
type Top struct {
	IDs         []int32
	Logits      []float32
	Vocab       int // floats in the row
	Sum, SumErr float64
}

// Head reports how many candidates SampleTop needs from a row of vocab logits, given that an
// executor finds at most most of them. ok is false where only the whole row serves: greedy
// decoding (an argmax), a repetition penalty (it rewrites logits anywhere in the row), or no
// top-k, top-p or min-p to bound the draw.
func (p Params) Head(vocab, most int) (k int, ok bool) {
	if p.Temperature <= 0 || (p.RepeatPenalty != 0 && p.RepeatPenalty != 1) || vocab <= 0 || most <= 0 {
		return 0, false
	}
	switch {
	case p.TopK > 0 && p.TopK <= most:
		return min(p.TopK, vocab), true
	case vocab <= most:
		return vocab, true
	case p.TopK > 0 && p.TopK < vocab:
		return 0, false // the normaliser over the top TopK is not the row's
	case p.TopP > 0 && p.TopP < 1 || p.MinP > 0:
		return most, true
	}
	return 0, false
}

// SampleTop draws the next token from the head of a row. When ok, the token and the
// generator's state are exactly those Sample would give on the whole row; otherwise the
// candidates cannot decide the draw (a top-p or min-p cut beyond them, or a top-p cut that the
// normaliser's error bound leaves in doubt), the generator is untouched and the caller samples
// the whole row. The parameters must pass Head.
func (s *Sampler) SampleTop(t Top) (int32, bool) {
	if _, ok := s.p.Head(t.Vocab, len(t.IDs)); !ok || len(t.Logits) != len(t.IDs) || len(t.IDs) == 0 {
		return 0, false
	}
	c := s.cand[:0]
	for i, id := range t.IDs {
		c = append(c, candidate{id: id, logit: t.Logits[i]})
	}
	s.cand = c
	whole := len(c) >= t.Vocab // every logit of the row is here
	if s.p.TopK > 0 && s.p.TopK <= len(c) {
		c, whole = c[:s.p.TopK], true // Sample's top-k keeps exactly these
	}
	if whole {
		sum := terms(c)
		if keep, ok := s.topP(c, sum); ok {
			c = c[:keep]
		}
		return s.draw(s.minP(c)), true
	}
	terms(c)
	// Sample's normaliser lies in [lo, hi]: the executor's bound, widened by Sample's own
	// float64 rounding over the row (vocab additions of positive terms, 2⁻⁵³ each; 1.01 for the
	// second-order terms). A probability only falls as the normaliser grows and so does every
	// partial sum, so top-p's cut only moves later: equal cuts at both ends are Sample's.
	slack := t.SumErr + 1.01*float64(t.Vocab)*0x1p-53*(t.Sum+t.SumErr)
	lo, hi := t.Sum-slack, t.Sum+slack
	if lo <= 0 {
		return 0, false
	}
	first, found := s.topP(c, hi)
	if !found {
		// Top-p (if on) keeps more than the head whatever the normaliser: min-p decides.
		if c = s.minP(c); len(c) == len(t.IDs) {
			return 0, false // min-p may keep candidates past the head
		}
		return s.draw(c), true
	}
	if last, ok := s.topP(c, lo); !ok || last != first {
		return 0, false
	}
	return s.draw(s.minP(c[:first])), true
}

// terms sets each candidate's term exp(logit − top) at temperature 1 (c sorted, most likely
// first) and returns their float64 sum, the softmax normaliser.
func terms(c []candidate) float64 {
	top := c[0].logit
	var sum float64
	for i := range c {
		c[i].term = float32(math.Exp(float64(c[i].logit - top)))
		sum += float64(c[i].term)
	}
	return sum
}

// topP returns how many candidates top-p keeps with normaliser sum: the shortest head whose
// probability reaches TopP. ok is false when top-p is off or c does not reach TopP.
func (s *Sampler) topP(c []candidate, sum float64) (keep int, ok bool) {
	if !(s.p.TopP > 0 && s.p.TopP < 1) {
		return len(c), false
	}
	var cum float32
	for i := range c {
		cum += float32(float64(c[i].term) / sum)
		if cum >= s.p.TopP {
			return i + 1, true
		}
	}
	return len(c), false
}

// minP drops the candidates less likely than MinP times the most likely one, comparing terms
// (probabilities over the same normaliser, the most likely one's term being 1) so the cut does
// not depend on the normaliser.
func (s *Sampler) minP(c []candidate) []candidate {
	if s.p.MinP <= 0 {
		return c
	}
	keep := 1
	for keep < len(c) && c[keep].term >= s.p.MinP*c[0].term {
		keep++
	}
	return c[:keep]
}

// draw samples one of c (sorted, most likely first) at the sampler's temperature.
func (s *Sampler) draw(c []candidate) int32 {
	softmax(c, s.p.Temperature)
	r := s.rng.Float32()
	var cum float32
	for _, x := range c {
		cum += x.prob
		if r < cum {
			return x.id
		}
	}
	return c[len(c)-1].id
}

// penalise applies the repetition penalty to the tokens of the recent history.
func (s *Sampler) penalise(logits []float32, history []int32) {
	if s.p.RepeatPenalty == 0 || s.p.RepeatPenalty == 1 {
		return
	}
	clear(s.seen)
	for _, id := range history[max(0, len(history)-s.p.RepeatLastN):] {
		if id < 0 || int(id) >= len(logits) || s.seen[id] {
			continue
		}
		s.seen[id] = true
		if logits[id] > 0 {
			logits[id] /= s.p.RepeatPenalty
		} else {
			logits[id] *= s.p.RepeatPenalty
		}
	}
}

// softmax sets prob of c (sorted, most likely first) from logit/temperature.
func softmax(c []candidate, temperature float32) {
	top := c[0].logit / temperature
	var sum float64
	for i := range c {
		p := math.Exp(float64(c[i].logit/temperature - top))
		c[i].prob = float32(p)
		sum += p
	}
	for i := range c {
		c[i].prob = float32(float64(c[i].prob) / sum)
	}
}

// argmax returns the index of the largest logit (the first on ties).
func argmax(logits []float32) int32 {
	best := 0
	for i, l := range logits {
		if l > logits[best] {
			best = i
		}
	}
	return int32(best)
}
