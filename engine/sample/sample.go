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
	softmax(c, 1)
	if s.p.TopP > 0 && s.p.TopP < 1 {
		var cum float32
		for i := range c {
			cum += c[i].prob
			if cum >= s.p.TopP {
				c = c[:i+1]
				break
			}
		}
	}
	if s.p.MinP > 0 {
		floor := s.p.MinP * c[0].prob
		keep := 1
		for keep < len(c) && c[keep].prob >= floor {
			keep++
		}
		c = c[:keep]
	}
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
