package cpu

import "sync"

// pool is a fixed set of workers. run splits [0, count) into one contiguous
// chunk per worker; the caller works as worker 0. Every kernel computes each
// output element in one worker with one fixed order of operations, so results
// do not depend on the split: the same inputs give bit-identical outputs for
// any thread count.
type pool struct {
	size  int
	tasks []chan task // tasks[i] feeds worker i (tasks[0] is unused: the caller)
	wg    sync.WaitGroup
	quit  chan struct{}
}

// job is one operation's work over an index range. Jobs are long-lived
// structs owned by the executor, so dispatching one allocates nothing.
type job interface {
	do(worker, lo, hi int)
}

type task struct {
	j      job
	lo, hi int
}

func newPool(size int) *pool {
	p := &pool{size: size, tasks: make([]chan task, size), quit: make(chan struct{})}
	for i := 1; i < size; i++ {
		p.tasks[i] = make(chan task)
		go p.work(i)
	}
	return p
}

func (p *pool) work(i int) {
	for {
		select {
		case t := <-p.tasks[i]:
			t.j.do(i, t.lo, t.hi)
			p.wg.Done()
		case <-p.quit:
			return
		}
	}
}

// run calls j over [0, count) split across the workers and waits for all.
// Work smaller than minPerWorker items per worker stays on the caller.
func (p *pool) run(count, minPerWorker int, j job) {
	k := p.size
	if minPerWorker > 0 {
		k = min(k, count/minPerWorker)
	}
	if k <= 1 {
		j.do(0, 0, count)
		return
	}
	p.wg.Add(k - 1)
	for i := 1; i < k; i++ {
		p.tasks[i] <- task{j, i * count / k, (i + 1) * count / k}
	}
	j.do(0, 0, count/k)
	p.wg.Wait()
}

func (p *pool) close() { close(p.quit) }
