// Package worker is the engine side of the page: it runs in a dedicated Web
// Worker (cmd/worker), holds the loaded model (engine/session, the layer
// cmd/heed uses too) and answers the page's wire.Requests with wire.Events.
// The page's UI thread never runs model math; it only renders what arrives.
//
// The worker runs one job (load, generate, Influence, sweep, calibrate) at a
// time; prompts are tokenised alongside. Long jobs give the worker's event
// loop a turn every few milliseconds, so a cancel message is read while they
// run. Everything but the message glue and the model sources is plain Go and
// is tested natively with a wire.Client in the same process.
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"heed/app/httprange"
	"heed/app/keep"
	"heed/app/wire"
	"heed/engine/chat"
	"heed/engine/generate"
	"heed/engine/guide"
	"heed/engine/influence"
	"heed/engine/prompt"
	"heed/engine/sample"
	"heed/engine/session"
	"heed/engine/webgpu"
)

// OpenFunc opens a model's bytes: the worker's sources (HTTP Range, a File,
// kept storage) in the browser; progress sees bytes read so far.
type OpenFunc func(ctx context.Context, args wire.LoadArgs, file any, progress func(fetched, size int64)) (io.ReaderAt, int64, error)

// Server answers requests. Post sends one event to the page; Open reads
// models; Backends opens executors (session.DefaultOpener); Yield, when set,
// gives the event loop a turn (the browser's worker), so messages are read
// while a job runs.
type Server struct {
	Post     func(data []byte)
	Open     OpenFunc
	Backends session.Opener
	Threads  int
	Yield    func()

	mu      sync.Mutex
	sess    *session.Session
	busy    int64 // the job running, 0 when idle
	cancels map[int64]context.CancelFunc
	turned  time.Time // last Yield
}

// yieldEvery bounds how long a job runs without giving the event loop a
// turn: a Stop click reaches the worker within about this long.
const yieldEvery = 15 * time.Millisecond

// progressEvery bounds the rate of progress events while a model loads.
const progressEvery = 50 * time.Millisecond

// Ready tells the page the worker listens.
func (s *Server) Ready() { s.post(wire.Event{Kind: wire.KindReady}) }

func (s *Server) post(ev wire.Event) {
	b, err := json.Marshal(ev)
	if err != nil {
		b, _ = json.Marshal(wire.Event{ID: ev.ID, Kind: wire.KindError, Err: &wire.Error{Code: wire.CodeInternal, Message: "encoding the answer: " + err.Error()}})
	}
	s.Post(b)
}

// Handle takes one message from the page; file is the File posted with a
// local model. It returns at once: the work runs in a goroutine.
func (s *Server) Handle(data []byte, file any) {
	var req wire.Request
	if err := json.Unmarshal(data, &req); err != nil {
		return // not ours
	}
	switch req.Op {
	case wire.OpCancel:
		s.mu.Lock()
		if c := s.cancels[req.Cancel]; c != nil {
			c()
		}
		s.mu.Unlock()
	case wire.OpPrompt:
		go s.answer(req.ID, func(context.Context) (wire.Event, error) { return s.prompt(req) })
	case wire.OpUnload:
		go s.answer(req.ID, func(context.Context) (wire.Event, error) { return wire.Event{}, s.unload() })
	case wire.OpLoad:
		go s.job(req.ID, func(ctx context.Context) (wire.Event, error) { return s.load(ctx, req, file) })
	case wire.OpGenerate:
		go s.job(req.ID, func(ctx context.Context) (wire.Event, error) { return s.generate(ctx, req) })
	case wire.OpInfluence:
		go s.job(req.ID, func(ctx context.Context) (wire.Event, error) { return s.influence(ctx, req) })
	case wire.OpSweep:
		go s.job(req.ID, func(ctx context.Context) (wire.Event, error) { return s.sweep(ctx, req) })
	case wire.OpCalibrate:
		go s.job(req.ID, func(ctx context.Context) (wire.Event, error) { return s.calibrate(ctx, req) })
	default:
		s.post(wire.Event{ID: req.ID, Kind: wire.KindError, Err: &wire.Error{Code: wire.CodeOther, Message: fmt.Sprintf("unknown request %q", req.Op)}})
	}
}

// job runs work as the worker's one job, cancellable by an OpCancel naming
// id. The engine is free again before the answer goes out, so the page may
// start the next run as soon as it reads it.
func (s *Server) job(id int64, work func(context.Context) (wire.Event, error)) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.mu.Lock()
	if s.busy != 0 {
		s.mu.Unlock()
		s.post(wire.Event{ID: id, Kind: wire.KindError, Err: &wire.Error{Code: wire.CodeBusy, Message: "the engine is busy with another run"}})
		return
	}
	if s.cancels == nil {
		s.cancels = make(map[int64]context.CancelFunc)
	}
	s.busy, s.cancels[id] = id, cancel
	s.mu.Unlock()
	ev := s.result(id, func(context.Context) (wire.Event, error) { return work(turns{ctx, s}) })
	s.mu.Lock()
	s.busy = 0
	delete(s.cancels, id)
	s.mu.Unlock()
	s.post(ev)
}

// answer runs work and posts its result or its error.
func (s *Server) answer(id int64, work func(context.Context) (wire.Event, error)) {
	s.post(s.result(id, work))
}

// result runs work and makes its final event: the result, or the error; a
// panic becomes an internal error instead of a dead worker.
func (s *Server) result(id int64, work func(context.Context) (wire.Event, error)) wire.Event {
	ev, err := func() (ev wire.Event, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = &wire.Error{Code: wire.CodeInternal, Message: fmt.Sprintf("internal error: %v", r)}
			}
		}()
		return work(context.Background())
	}()
	ev.ID = id
	if err != nil {
		return wire.Event{ID: id, Kind: wire.KindError, Err: describe(err)}
	}
	ev.Kind = wire.KindResult
	return ev
}

// turn gives the event loop a turn when the last one is yieldEvery old.
func (s *Server) turn() {
	if s.Yield == nil || time.Since(s.turned) < yieldEvery {
		return
	}
	s.Yield()
	s.turned = time.Now()
}

// turns is a context whose Err first gives the event loop a turn: the
// engine checks Err between prefill chunks and calibration steps.
type turns struct {
	context.Context
	s *Server
}

func (c turns) Err() error {
	c.s.turn()
	return c.Context.Err()
}

// session is the loaded model, or an error saying there is none.
func (s *Server) session() (*session.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return nil, &wire.Error{Code: wire.CodeNoModel, Message: "no model is loaded"}
	}
	return s.sess, nil
}

func (s *Server) unload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy != 0 {
		return &wire.Error{Code: wire.CodeBusy, Message: "the engine is busy with another run"}
	}
	if s.sess != nil {
		s.sess.Close()
		s.sess = nil
	}
	return nil
}

func (s *Server) load(ctx context.Context, req wire.Request, file any) (wire.Event, error) {
	args := req.Load
	if args == nil {
		return wire.Event{}, errors.New("load: no model named")
	}
	choice, err := session.ParseChoice(args.Backend)
	if err != nil {
		return wire.Event{}, err
	}
	// The old model goes first: both may not fit in memory at once.
	s.mu.Lock()
	if s.sess != nil {
		s.sess.Close()
		s.sess = nil
	}
	s.mu.Unlock()
	start, last := time.Now(), time.Time{}
	progress := func(fetched, size int64) {
		if time.Since(last) < progressEvery && fetched < size {
			return
		}
		last = time.Now()
		s.post(wire.Event{ID: req.ID, Kind: wire.KindProgress,
			Progress: &wire.Progress{Fetched: fetched, Size: size, ElapsedMS: ms(time.Since(start))}})
	}
	r, size, err := s.Open(ctx, *args, file, progress)
	if err != nil {
		return wire.Event{}, err
	}
	sess, err := session.LoadFallback(ctx, r, size, s.Backends, choice, s.Threads, args.Name, nil)
	if err != nil {
		return wire.Event{}, err
	}
	s.mu.Lock()
	s.sess = sess
	s.mu.Unlock()
	return wire.Event{Loaded: loaded(sess, choice)}, nil
}

// loaded describes sess for the page.
func loaded(sess *session.Session, choice session.Choice) *wire.Loaded {
	c, b := sess.Card, sess.Backend()
	out := &wire.Loaded{
		Card: wire.Card{Name: c.Name, Architecture: c.Architecture, Layers: c.Layers, Dim: c.Dim, Heads: c.Heads, KVHeads: c.KVHeads,
			Vocab: c.Vocab, Context: c.Context, Parameters: c.Parameters, TensorTypes: c.TensorTypes},
		ChatFamily: sess.ChatFamily().String(),
		Backend:    wire.Backend{Label: b.Label(), Chosen: string(choice), Detail: b.Desc},
	}
	if b.Fallback != nil {
		out.Backend.Why = b.Fallback.Error()
		out.Backend.Software = errors.Is(b.Fallback, session.ErrSoftwareAdapter)
	}
	if a := b.Adapter; a != nil {
		ad := &wire.Adapter{Name: a.Name, Backend: a.Backend, Type: a.Type, Features: []string{},
			MaxStorageBufferBindingSize: a.Limits.MaxStorageBufferBindingSize, MaxBufferSize: a.Limits.MaxBufferSize,
			MaxComputeWorkgroupStorageSize:    a.Limits.MaxComputeWorkgroupStorageSize,
			MaxComputeInvocationsPerWorkgroup: a.Limits.MaxComputeInvocationsPerWorkgroup}
		if a.Features.ShaderF16 {
			ad.Features = append(ad.Features, "shader-f16")
		}
		if a.Features.Subgroups {
			ad.Features = append(ad.Features, "subgroups")
		}
		out.Adapter = ad
	}
	return out
}

// build tokenises the request's prompt with the loaded model.
func (s *Server) build(req wire.Request) (*session.Session, *prompt.Prompt, error) {
	sess, err := s.session()
	if err != nil {
		return nil, nil, err
	}
	if req.Prompt == nil {
		return nil, nil, errors.New("no prompt")
	}
	pa := req.Prompt
	opts := prompt.Options{DeltaMid: pa.DeltaMid}
	if fam := sess.ChatFamily(); pa.Chat && fam != chat.Raw {
		opts.Chat, opts.System = fam, pa.System
	}
	p, err := sess.BuildPrompt(pa.Tagged, opts)
	if err != nil {
		return nil, nil, err
	}
	return sess, p, nil
}

func (s *Server) prompt(req wire.Request) (wire.Event, error) {
	sess, p, err := s.build(req)
	if err != nil {
		return wire.Event{}, err
	}
	out := &wire.Prompt{Text: p.Text, Rendered: p.Rendered, TextOffset: p.TextOffset, IDs: p.IDs, Pieces: pieces(sess, p.IDs)}
	for _, sp := range p.Spans {
		out.Spans = append(out.Spans, span(sp))
	}
	return wire.Event{Prompt: out}, nil
}

func span(sp guide.TokenSpan) wire.Span {
	return wire.Span{Start: sp.Start, End: sp.End, First: sp.First, Last: sp.Last, Delta: sp.Delta, Measure: sp.Measure, Partial: sp.Partial}
}

func pieces(sess *session.Session, ids []int32) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = sess.TokenText(id)
	}
	return out
}

// sideNames map the wire's side names to the session's.
var sideNames = map[string]session.Side{wire.SideGuide: session.Guided, wire.SideBaseline: session.Baseline}

func (s *Server) generate(ctx context.Context, req wire.Request) (wire.Event, error) {
	g := req.Generate
	if g == nil {
		return wire.Event{}, errors.New("generate: no settings")
	}
	sess, p, err := s.build(req)
	if err != nil {
		return wire.Event{}, err
	}
	var sides []session.Side
	for _, name := range g.Sides {
		side, ok := sideNames[name]
		if !ok {
			return wire.Event{}, fmt.Errorf("generate: unknown side %q", name)
		}
		sides = append(sides, side)
	}
	opt := session.GenOptions{MaxTokens: g.MaxTokens, Follow: g.Follow, Sample: sample.Params{
		Temperature: g.Temperature, TopK: g.TopK, TopP: g.TopP, MinP: g.MinP, RepeatPenalty: g.RepeatPenalty, Seed: g.Seed}}
	outs, err := sess.GenerateSides(ctx, p, sides, opt, func(side session.Side, t generate.Token, live session.Live) error {
		s.post(wire.Event{ID: req.ID, Kind: wire.KindToken, Token: &wire.Token{Side: g.Sides[indexOf(sides, side)], ID: t.ID, Text: t.Text,
			Live: wire.Live{PromptTokens: live.PromptTokens, FirstMS: ms(live.First), Generated: live.Generated, DecodeMS: ms(live.Decode)}}})
		s.turn()
		return nil
	})
	if err != nil {
		return wire.Event{}, err
	}
	out := &wire.Generated{}
	for i, o := range outs {
		r := o.Result
		t := r.Timings
		sr := wire.SideResult{Side: g.Sides[i], IDs: r.IDs, Pieces: pieces(sess, r.IDs), Text: r.Text, Reason: r.Reason,
			Timings: wire.Timings{PromptTokens: t.PromptTokens, PrefillMS: ms(t.Prefill), FirstMS: ms(t.FirstToken),
				Generated: t.Generated, DecodeMS: ms(t.Decode)}}
		if sr.IDs == nil {
			sr.IDs = []int32{}
		}
		for _, tr := range o.Tracks {
			sr.Tracks = append(sr.Tracks, track(tr))
		}
		out.Sides = append(out.Sides, sr)
	}
	return wire.Event{Generated: out}, nil
}

func indexOf(sides []session.Side, side session.Side) int {
	for i, s := range sides {
		if s == side {
			return i
		}
	}
	return 0
}

func track(tr influence.Track) wire.Track {
	out := wire.Track{Span: span(tr.Span), Scalar: tr.Scalar, RolloutScalar: tr.RolloutScalar}
	for l := range tr.Influence {
		out.Influence = append(out.Influence, tr.Influence[l])
		out.Rollout = append(out.Rollout, tr.Rollout[l])
	}
	return out
}

func (s *Server) influence(ctx context.Context, req wire.Request) (wire.Event, error) {
	sess, p, err := s.build(req)
	if err != nil {
		return wire.Event{}, err
	}
	tracks, err := sess.Influence(ctx, p)
	if err == nil {
		err = ctx.Err() // Stop came after the last check: the user asked for no result
	}
	if err != nil {
		return wire.Event{}, err
	}
	out := &wire.Influence{Pieces: pieces(sess, p.IDs)}
	out.LastFrom, out.LastTo = influence.LastTokens(len(p.IDs))
	for _, tr := range tracks {
		out.Tracks = append(out.Tracks, track(tr))
	}
	return wire.Event{Influence: out}, nil
}

func (s *Server) sweep(ctx context.Context, req wire.Request) (wire.Event, error) {
	if req.Sweep == nil {
		return wire.Event{}, errors.New("sweep: no Δ values")
	}
	sess, p, err := s.build(req)
	if err != nil {
		return wire.Event{}, err
	}
	vs, err := sess.Sweep(ctx, p, req.Sweep.Span, req.Sweep.Deltas, func(i int, v float32) {
		s.post(wire.Event{ID: req.ID, Kind: wire.KindPoint, Point: &wire.Point{Index: i, Value: v}})
		s.turn()
	})
	if err != nil {
		return wire.Event{}, err
	}
	return wire.Event{Sweep: vs}, nil
}

func (s *Server) calibrate(ctx context.Context, req wire.Request) (wire.Event, error) {
	sess, p, err := s.build(req)
	if err != nil {
		return wire.Event{}, err
	}
	opts := prompt.Options{}
	if fam := sess.ChatFamily(); req.Prompt.Chat && fam != chat.Raw {
		opts.Chat, opts.System = fam, req.Prompt.System
	}
	r, err := sess.Calibrate(ctx, p, req.Span, opts)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return wire.Event{}, err
	}
	return wire.Event{Calibrated: &wire.Calibrated{Delta: r.Delta, Target: r.Target, Plain: r.Plain, Achieved: r.Achieved,
		Iterations: r.Iterations, Clamped: r.Clamped}}, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// describe turns an engine error into the wire's code and words.
func describe(err error) *wire.Error {
	var we *wire.Error
	if errors.As(err, &we) {
		return we
	}
	var se *guide.SyntaxError
	switch {
	case errors.Is(err, context.Canceled):
		return &wire.Error{Code: wire.CodeCanceled, Message: "Stopped."}
	case errors.As(err, &se):
		msg := fmt.Sprintf("Line %d, column %d: %q: %v", se.Line, se.Column, se.Tag, se.Err)
		if se.Detail != "" {
			msg += " (" + se.Detail + ")"
		}
		return &wire.Error{Code: wire.CodeSyntax, Message: msg, Line: se.Line, Column: se.Column}
	case errors.Is(err, session.ErrNotGGUF):
		return &wire.Error{Code: wire.CodeNotGGUF, Message: err.Error()}
	case errors.Is(err, session.ErrUnsupported):
		return &wire.Error{Code: wire.CodeUnsupported, Message: err.Error()}
	case errors.Is(err, httprange.ErrNoRange), errors.Is(err, httprange.ErrChanged):
		return &wire.Error{Code: wire.CodeNoRange, Message: err.Error()}
	case errors.Is(err, webgpu.ErrDeviceLost):
		return &wire.Error{Code: wire.CodeGPULost, Message: err.Error()}
	case errors.Is(err, webgpu.ErrOutOfMemory):
		return &wire.Error{Code: wire.CodeGPUMemory, Message: err.Error()}
	case errors.Is(err, keep.ErrNotKept):
		return &wire.Error{Code: wire.CodeNotKept, Message: err.Error()}
	case errors.Is(err, keep.ErrUnavailable):
		return &wire.Error{Code: wire.CodeNoStorage, Message: err.Error()}
	}
	return &wire.Error{Code: wire.CodeOther, Message: err.Error()}
}
