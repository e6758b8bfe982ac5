package wire

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
)

// Client is the page's end of the protocol: it numbers requests, posts them
// and routes the worker's events to the caller waiting for each.
type Client struct {
	post func(data []byte, file any) error

	mu     sync.Mutex
	next   int64
	calls  map[int64]*call
	ready  bool
	queued []func() // posts held until the worker is ready
	dead   error    // set by Fail: the worker is gone
}

// call is one request in flight.
type call struct {
	on   func(Event) // non-final events
	done chan Event  // the final event
}

// NewClient returns a client posting through post (postMessage in the
// browser). Requests wait until Receive sees the worker's ready event.
func NewClient(post func(data []byte, file any) error) *Client {
	return &Client{post: post, calls: make(map[int64]*call)}
}

// Receive takes one message from the worker. It never blocks: non-final
// events go to the caller's handler, which must not block either.
func (c *Client) Receive(data []byte) {
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return // not ours
	}
	c.mu.Lock()
	if ev.Kind == KindReady {
		c.ready = true
		q := c.queued
		c.queued = nil
		c.mu.Unlock()
		for _, f := range q {
			f()
		}
		return
	}
	cl := c.calls[ev.ID]
	final := ev.Kind == KindResult || ev.Kind == KindError
	if final {
		delete(c.calls, ev.ID)
	}
	c.mu.Unlock()
	switch {
	case cl == nil:
	case final:
		cl.done <- ev
	case cl.on != nil:
		cl.on(ev)
	}
}

// Fail ends every request in flight and every later one with err: the
// worker stopped (it crashed, or the browser refused to start it).
func (c *Client) Fail(err error) {
	c.mu.Lock()
	c.dead = err
	calls := c.calls
	c.calls = make(map[int64]*call)
	c.queued = nil
	c.mu.Unlock()
	for id, cl := range calls {
		cl.done <- Event{ID: id, Kind: KindError, Err: &Error{Code: CodeInternal, Message: err.Error()}}
	}
}

// send posts data now, or once the worker is ready.
func (c *Client) send(data []byte, file any) error {
	c.mu.Lock()
	if c.dead != nil {
		err := c.dead
		c.mu.Unlock()
		return err
	}
	if !c.ready {
		c.queued = append(c.queued, func() { c.post(data, file) })
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	return c.post(data, file)
}

// Do sends req (with file, for a local model) and waits for its final
// event, passing the others to on. Cancelling ctx asks the worker to stop
// and still waits for its answer: the worker holds the model until then. A
// KindError event comes back as its *Error.
func (c *Client) Do(ctx context.Context, req Request, file any, on func(Event)) (Event, error) {
	cl := &call{on: on, done: make(chan Event, 1)}
	c.mu.Lock()
	if c.dead != nil {
		err := c.dead
		c.mu.Unlock()
		return Event{}, err
	}
	c.next++
	req.ID = c.next
	c.calls[req.ID] = cl
	c.mu.Unlock()
	data, err := json.Marshal(req)
	if err == nil {
		err = c.send(data, file)
	}
	if err != nil {
		c.mu.Lock()
		delete(c.calls, req.ID)
		c.mu.Unlock()
		return Event{}, err
	}
	var ev Event
	select {
	case ev = <-cl.done:
	case <-ctx.Done():
		if stop, err := json.Marshal(Request{Op: OpCancel, Cancel: req.ID}); err == nil {
			c.send(stop, nil)
		}
		ev = <-cl.done
	}
	if ev.Kind == KindError {
		if ev.Err == nil {
			ev.Err = &Error{Code: CodeOther, Message: "the engine failed without saying why"}
		}
		return ev, ev.Err
	}
	return ev, nil
}

// Load loads a model; progress sees the bytes read. file is the browser's
// File object for a FromFile source.
func (c *Client) Load(ctx context.Context, args LoadArgs, file any, progress func(Progress)) (*Loaded, error) {
	ev, err := c.Do(ctx, Request{Op: OpLoad, Load: &args}, file, func(ev Event) {
		if ev.Progress != nil && progress != nil {
			progress(*ev.Progress)
		}
	})
	if err != nil {
		return nil, err
	}
	return result(ev.Loaded)
}

// Prompt tokenises p with the loaded model.
func (c *Client) Prompt(ctx context.Context, p PromptArgs) (*Prompt, error) {
	ev, err := c.Do(ctx, Request{Op: OpPrompt, Prompt: &p}, nil, nil)
	if err != nil {
		return nil, err
	}
	return result(ev.Prompt)
}

// Generate runs the sides of g on p, passing every streamed token to onToken.
func (c *Client) Generate(ctx context.Context, p PromptArgs, g GenerateArgs, onToken func(Token)) (*Generated, error) {
	ev, err := c.Do(ctx, Request{Op: OpGenerate, Prompt: &p, Generate: &g}, nil, func(ev Event) {
		if ev.Token != nil && onToken != nil {
			onToken(*ev.Token)
		}
	})
	if err != nil {
		return nil, err
	}
	return result(ev.Generated)
}

// Influence measures every highlight of p over the prompt.
func (c *Client) Influence(ctx context.Context, p PromptArgs) (*Influence, error) {
	ev, err := c.Do(ctx, Request{Op: OpInfluence, Prompt: &p}, nil, nil)
	if err != nil {
		return nil, err
	}
	return result(ev.Influence)
}

// Sweep measures one highlight of p at each Δ, passing each point to onPoint.
func (c *Client) Sweep(ctx context.Context, p PromptArgs, s SweepArgs, onPoint func(Point)) ([]float32, error) {
	ev, err := c.Do(ctx, Request{Op: OpSweep, Prompt: &p, Sweep: &s}, nil, func(ev Event) {
		if ev.Point != nil && onPoint != nil {
			onPoint(*ev.Point)
		}
	})
	if err != nil {
		return nil, err
	}
	return ev.Sweep, nil
}

// Calibrate finds Δ for highlight span of p.
func (c *Client) Calibrate(ctx context.Context, p PromptArgs, span int) (*Calibrated, error) {
	ev, err := c.Do(ctx, Request{Op: OpCalibrate, Prompt: &p, Span: span}, nil, nil)
	if err != nil {
		return nil, err
	}
	return result(ev.Calibrated)
}

// Unload releases the loaded model.
func (c *Client) Unload(ctx context.Context) error {
	_, err := c.Do(ctx, Request{Op: OpUnload}, nil, nil)
	return err
}

// errNoResult is a result event without its payload: a protocol bug.
var errNoResult = errors.New("the engine answered without a result")

func result[T any](v *T) (*T, error) {
	if v == nil {
		return nil, &Error{Code: CodeInternal, Message: errNoResult.Error()}
	}
	return v, nil
}

// Code is the error code of err, "" when err is not a worker error.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
