package cpu

import (
	"sync/atomic"
	"testing"
	"time"
)

// countJob counts how often each index ran, and on which worker.
type countJob struct {
	hits    []atomic.Int32
	workers []atomic.Int32
}

func (c *countJob) do(worker, lo, hi int) {
	for i := lo; i < hi; i++ {
		c.hits[i].Add(1)
		c.workers[i].Store(int32(worker))
	}
}

// TestPoolRunsEveryIndexOnce dispatches thousands of jobs back to back and
// after pauses, with every split: each index must run exactly once per job.
func TestPoolRunsEveryIndexOnce(t *testing.T) {
	for _, size := range []int{1, 2, 3, 5} {
		p := newPool(size)
		for round := range 3000 {
			count := round % 37
			c := &countJob{hits: make([]atomic.Int32, count), workers: make([]atomic.Int32, count)}
			p.run(count, round%4, c)
			for i := range c.hits {
				if n := c.hits[i].Load(); n != 1 {
					t.Fatalf("size %d round %d: index %d of %d ran %d times", size, round, i, count, n)
				}
			}
			if round%1000 == 999 {
				time.Sleep(time.Millisecond)
			}
		}
		p.close()
	}
}
