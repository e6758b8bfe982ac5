package session

import "sync"

// lockstep lets n goroutines take turns on one model: a single baton passes
// from one to the next (in order, skipping finished ones), and only its
// holder runs. GenerateSides uses it to interleave the tokens of its sides
// without ever running two of them on the executor at once.
type lockstep struct {
	mu    sync.Mutex
	turn  []chan struct{} // turn[i] receives the baton for goroutine i
	alive []bool
}

func newLockstep(n int) *lockstep {
	l := &lockstep{turn: make([]chan struct{}, n), alive: make([]bool, n)}
	for i := range l.turn {
		l.turn[i] = make(chan struct{}, 1)
		l.alive[i] = true
	}
	l.turn[0] <- struct{}{}
	return l
}

// wait blocks goroutine i until it holds the baton.
func (l *lockstep) wait(i int) { <-l.turn[i] }

// yield hands the baton to the next goroutine still running and waits for it
// to come back; alone, goroutine i keeps it.
func (l *lockstep) yield(i int) {
	if j, ok := l.next(i); ok {
		l.turn[j] <- struct{}{}
		<-l.turn[i]
	}
}

// finish marks goroutine i done and hands the baton on.
func (l *lockstep) finish(i int) {
	l.mu.Lock()
	l.alive[i] = false
	l.mu.Unlock()
	if j, ok := l.next(i); ok {
		l.turn[j] <- struct{}{}
	}
}

// next is the first goroutine after i (cyclically) still running.
func (l *lockstep) next(i int) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.alive)
	for d := 1; d < n; d++ {
		if j := (i + d) % n; l.alive[j] {
			return j, true
		}
	}
	return 0, false
}
