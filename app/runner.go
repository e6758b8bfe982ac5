package app

import (
	"context"
	"errors"

	"heed/app/wire"
)

// jobKind names a long run on the engine.
type jobKind int

const (
	jobNone jobKind = iota
	jobLoad
	jobGenerate
	jobInfluence
	jobSweep
	jobCalibrate
)

func (k jobKind) String() string {
	return [...]string{"", "load", "generate", "influence", "sweep", "calibrate"}[k]
}

// runner is the page's one job runner: every long run (loading a model,
// generating, measuring Influence, sweeping, calibrating) goes through it,
// so there is one busy state, and every control that starts a run or
// touches the model is disabled while it is set.
type runner struct {
	kind     jobKind
	cancel   context.CancelFunc
	stopping bool
}

// busy reports whether a long run holds the engine.
func (r *runner) busy() bool { return r.kind != jobNone }

// running reports whether the run in progress is of kind k.
func (r *runner) running(k jobKind) bool { return r.kind == k }

// start runs work as the page's one long run and returns true, or returns
// false without running anything while another run holds the engine. work
// runs off the UI goroutine with a context that Stop cancels, and reports
// through s.later; finish then runs on the UI goroutine with work's error
// (context.Canceled after Stop), and the busy state clears with it.
func (s *Studio) start(k jobKind, work func(ctx context.Context) error, finish func(err error)) bool {
	if s.jobs.busy() {
		return false
	}
	parent := s.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	s.jobs = runner{kind: k, cancel: cancel}
	s.touch()
	s.async(func() {
		err := safely(func() error { return work(ctx) })
		cancel()
		s.later(func() {
			s.jobs = runner{}
			finish(err)
			s.runIfAsked()
		})
	})
	return true
}

// stop asks the run in progress to end; its finish sees context.Canceled.
func (s *Studio) stop() {
	if s.jobs.cancel != nil && !s.jobs.stopping {
		s.jobs.stopping = true
		s.jobs.cancel()
		s.touch()
	}
}

// stopped reports whether err is the end of a run the user stopped.
func stopped(err error) bool {
	return errors.Is(err, context.Canceled) || wire.Code(err) == wire.CodeCanceled
}
