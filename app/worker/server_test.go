package worker

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"heed/app/wire"
	"heed/engine/session"
	"heed/internal/defaultmodel"
)

// pair is a wire.Client talking to a Server in this process, through the
// same JSON messages the page and the worker exchange.
func pair(t *testing.T) *wire.Client {
	t.Helper()
	var c *wire.Client
	s := &Server{Open: OpenSource, Backends: session.DefaultOpener, Threads: 1}
	s.Post = func(b []byte) { c.Receive(b) }
	c = wire.NewClient(func(b []byte, file any) error {
		go s.Handle(b, file)
		return nil
	})
	s.Ready()
	return c
}

const samplePrompt = "Once upon a time, there was a girl named Lily. She had a <!!!->cat<-!!!> and a big red ball. One day,"

func withModel(t *testing.T) *wire.Client {
	t.Helper()
	b, err := os.ReadFile(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	c := pair(t)
	l, err := c.Load(context.Background(), wire.LoadArgs{Kind: wire.FromFile, Name: defaultmodel.Name, Backend: "cpu"}, bytes.NewReader(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.Card.Name != defaultmodel.Name || l.Card.Layers != 5 || l.Backend.Label != "CPU" || l.ChatFamily != "raw" {
		t.Fatalf("loaded %+v", l)
	}
	return c
}

func TestLoadPromptAndErrors(t *testing.T) {
	c := withModel(t)
	p, err := c.Prompt(context.Background(), wire.PromptArgs{Tagged: samplePrompt, DeltaMid: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.IDs) != len(p.Pieces) || len(p.Spans) != 1 || p.Text[p.Spans[0].Start:p.Spans[0].End] != "cat" || p.Spans[0].Delta != 2 {
		t.Fatalf("prompt %+v", p)
	}
	_, err = c.Prompt(context.Background(), wire.PromptArgs{Tagged: "a <!!->cat", DeltaMid: 1})
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeSyntax || we.Line != 1 || !strings.HasPrefix(we.Message, "Line 1, column") {
		t.Errorf("unclosed tag: %v", err)
	}
	_, err = c.Load(context.Background(), wire.LoadArgs{Kind: wire.FromFile, Name: "notes.gguf", Backend: "cpu"},
		bytes.NewReader([]byte("these are notes, not a model")), nil)
	if wire.Code(err) != wire.CodeNotGGUF || !strings.Contains(err.Error(), "notes.gguf") {
		t.Errorf("not a model: %v", err)
	}
	// The failed load released the model.
	if _, err := c.Prompt(context.Background(), wire.PromptArgs{Tagged: "x", DeltaMid: 1}); wire.Code(err) != wire.CodeNoModel {
		t.Errorf("prompt after a failed load: %v", err)
	}
}

// TestGenerateStreamsBothSidesInStep runs an A/B with followed Influence
// through the protocol: tokens of both sides arrive interleaved with live
// figures, and the result holds each side's ids, text, timings and tracks
// over the prompt and the GUIDE side's tokens.
func TestGenerateStreamsBothSidesInStep(t *testing.T) {
	c := withModel(t)
	var mu sync.Mutex
	var sides []string
	var last wire.Live
	g, err := c.Generate(context.Background(), wire.PromptArgs{Tagged: samplePrompt, DeltaMid: 1},
		wire.GenerateArgs{Sides: []string{wire.SideGuide, wire.SideBaseline}, MaxTokens: 10, Seed: 1, Follow: true},
		func(tk wire.Token) {
			mu.Lock()
			defer mu.Unlock()
			sides = append(sides, tk.Side)
			if tk.Side == wire.SideGuide && tk.ID >= 0 {
				last = tk.Live
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(sides) < 4 || sides[0] != wire.SideGuide || sides[1] != wire.SideBaseline || sides[2] != wire.SideGuide {
		t.Errorf("token order %v: want the sides alternating", sides)
	}
	if last.Generated != 10 || last.PromptTokens == 0 || !(last.FirstMS > 0) {
		t.Errorf("live figures %+v", last)
	}
	if len(g.Sides) != 2 {
		t.Fatalf("%d sides", len(g.Sides))
	}
	gs, bs := g.Sides[0], g.Sides[1]
	if gs.Side != wire.SideGuide || len(gs.IDs) != 10 || len(gs.Pieces) != 10 || gs.Reason != "length" || gs.Generated != 10 ||
		!(gs.DecodeMS > 0) || slices.Equal(gs.IDs, bs.IDs) {
		t.Errorf("sides %+v / %+v", gs, bs)
	}
	if len(gs.Tracks) != 1 || len(gs.Tracks[0].Influence) != 5 || len(gs.Tracks[0].Influence[4]) < gs.PromptTokens+9 {
		t.Errorf("followed tracks: %d tracks, want 1 over prompt and generated tokens", len(gs.Tracks))
	}
}

func TestInfluenceSweepCalibrate(t *testing.T) {
	c := withModel(t)
	pa := wire.PromptArgs{Tagged: "Lily had a <!!->cat<-!!> and a <?->ball<-?>. One day,", DeltaMid: 1}
	in, err := c.Influence(context.Background(), pa)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Tracks) != 2 || len(in.Tracks[0].Influence[0]) != len(in.Pieces) || len(in.Tracks[0].Scalar) != 5 {
		t.Fatalf("influence %d tracks", len(in.Tracks))
	}
	var points []wire.Point
	vs, err := c.Sweep(context.Background(), pa, wire.SweepArgs{Span: 0, Deltas: []float32{0, 1, 2}}, func(p wire.Point) { points = append(points, p) })
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || len(points) != 3 || vs[1] != in.Tracks[0].Scalar[4] {
		t.Errorf("sweep %v (points %v); Influence at Δ 1 %v", vs, points, in.Tracks[0].Scalar[4])
	}
	cal, err := c.Calibrate(context.Background(), pa, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !(cal.Target > 0) || cal.Iterations == 0 {
		t.Errorf("calibration %+v", cal)
	}
}

// TestCancelStopsTheRunAndOneJobAtATime pins Stop (cancelling the call's
// context) and the worker's single job: a second run while one goes is
// refused as busy.
func TestCancelStopsTheRunAndOneJobAtATime(t *testing.T) {
	c := withModel(t)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		_, err := c.Generate(ctx, wire.PromptArgs{Tagged: samplePrompt, DeltaMid: 1},
			wire.GenerateArgs{Sides: []string{wire.SideGuide, wire.SideBaseline}, MaxTokens: 400, Seed: 1},
			func(wire.Token) { once.Do(func() { close(started) }) })
		done <- err
	}()
	<-started
	_, err := c.Influence(context.Background(), wire.PromptArgs{Tagged: samplePrompt, DeltaMid: 1})
	if wire.Code(err) != wire.CodeBusy {
		t.Errorf("a second run: %v, want busy", err)
	}
	cancel()
	select {
	case err := <-done:
		if wire.Code(err) != wire.CodeCanceled || err.Error() != "Stopped." {
			t.Errorf("stopped run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not stop")
	}
	if _, err := c.Influence(context.Background(), wire.PromptArgs{Tagged: samplePrompt, DeltaMid: 1}); err != nil {
		t.Errorf("after Stop: %v", err)
	}
}
