package sample

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// head builds the Top an exact executor would return for logits: the k most likely, and the
// normaliser summed in index order (not Sample's sorted order) shifted by shift·err, where err
// bounds that reordering.
func head(logits []float32, k int, shift float64) Top {
	ids := make([]int32, len(logits))
	for i := range ids {
		ids[i] = int32(i)
	}
	slices.SortFunc(ids, func(a, b int32) int {
		if logits[a] != logits[b] {
			return cmp.Compare(logits[b], logits[a])
		}
		return cmp.Compare(a, b)
	})
	t := Top{IDs: ids[:k], Vocab: len(logits)}
	for _, id := range t.IDs {
		t.Logits = append(t.Logits, logits[id])
	}
	for _, v := range logits {
		t.Sum += float64(float32(math.Exp(float64(v - t.Logits[0]))))
	}
	t.SumErr = 1.01 * float64(len(logits)) * 0x1p-53 * t.Sum
	t.Sum += shift * t.SumErr
	return t
}

// TestSampleTopMatchesSample draws 200 tokens per case from fresh rows with the same seed both
// ways, through SampleTop where it decides and Sample otherwise, and requires the same tokens;
// it also requires SampleTop to decide the share of draws given (top-p cuts land inside 64
// candidates for these peaked rows; a cut the bound leaves in doubt is rare).
func TestSampleTopMatchesSample(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       Params
		vocab   int
		spread  float32 // logits are spread·N(0,1)
		shift   float64 // where the normaliser lies within its bound
		decides float64 // least share of draws SampleTop must decide
	}{
		{"top-k inside the head", Params{Temperature: 0.8, TopK: 40, TopP: 0.9, MinP: 0.05}, 5000, 3, 0, 1},
		{"top-k equal to the head", Params{Temperature: 1, TopK: 64}, 5000, 1, 0, 1},
		{"top-p", Params{Temperature: 0.7, TopP: 0.9}, 5000, 6, 0, 0.9},
		{"top-p, normaliser at the low end", Params{Temperature: 0.7, TopP: 0.9}, 5000, 6, -1, 0.9},
		{"top-p, normaliser at the high end", Params{Temperature: 1.2, TopP: 0.5}, 5000, 4, 1, 0.9},
		{"top-p and min-p", Params{Temperature: 1, TopP: 0.95, MinP: 0.1}, 3000, 3, 0.5, 0.9},
		{"min-p only", Params{Temperature: 1, MinP: 0.05}, 3000, 3, 0, 0.9},
		{"top-p beyond the head", Params{Temperature: 1, TopP: 0.99}, 5000, 0.1, 0, 0},
		{"row smaller than the head", Params{Temperature: 1}, 40, 2, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.p.Seed = 7
			full, fast := New(tc.p), New(tc.p)
			k, ok := tc.p.Head(tc.vocab, 64)
			if !ok {
				t.Fatalf("Head(%d, 64) refuses %+v", tc.vocab, tc.p)
			}
			r := rand.New(rand.NewPCG(1, 2))
			decided := 0
			const draws = 200
			for i := range draws {
				logits := make([]float32, tc.vocab)
				for j := range logits {
					logits[j] = tc.spread * float32(r.NormFloat64())
				}
				logits[r.IntN(tc.vocab)] = logits[r.IntN(tc.vocab)] // a tie somewhere
				want := full.Sample(slices.Clone(logits), nil)
				got, ok := fast.SampleTop(head(logits, k, tc.shift))
				if ok {
					decided++
				} else {
					got = fast.Sample(logits, nil)
				}
				if got != want {
					t.Fatalf("draw %d: %d (decided by the head: %v), Sample %d", i, got, ok, want)
				}
			}
			if share := float64(decided) / draws; share < tc.decides {
				t.Errorf("SampleTop decided %d of %d draws, want a share ≥ %g", decided, draws, tc.decides)
			}
			t.Logf("SampleTop decided %d of %d draws", decided, draws)
		})
	}
}

func TestHeadNeedsTheWholeRow(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Params
	}{
		{"greedy", Params{TopK: 10}},
		{"repetition penalty", Params{Temperature: 1, TopK: 10, RepeatPenalty: 1.1}},
		{"no truncation", Params{Temperature: 1}},
		{"top-k past the head", Params{Temperature: 1, TopK: 500, TopP: 0.9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if k, ok := tc.p.Head(1000, 128); ok {
				t.Fatalf("Head = %d, true; want the whole row", k)
			}
		})
	}
}
