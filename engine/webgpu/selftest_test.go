package webgpu

import (
	"context"
	"errors"
	"testing"
	"time"

	"heed/engine/model"
)

// faulty wraps an executor and damages one kind of operation's output, the way a broken
// driver or browser would.
type faulty struct {
	model.Executor
	matmul  func(n int) bool // corrupt this MatMul's output when it returns true
	blend   bool             // corrupt every Blend's output
	gelu    bool             // compute SiLU where GELU is asked for
	softcap bool             // leave soft caps out
}

func (f *faulty) GELUMul(gate, up model.Buffer, count int) {
	if f.gelu {
		f.Executor.SiLUMul(gate, up, count)
		return
	}
	f.Executor.GELUMul(gate, up, count)
}

func (f *faulty) SoftCap(x model.Buffer, count int, cap float32) {
	if !f.softcap {
		f.Executor.SoftCap(x, count, cap)
	}
}

func (f *faulty) MatMul(dst model.Buffer, w model.Weight, x model.Buffer, n int) {
	f.Executor.MatMul(dst, w, x, n)
	if f.matmul != nil && f.matmul(n) {
		// Write is ordered after the recorded MatMul, so this overwrites its first output.
		f.Executor.Write(dst, 0, []float32{0.25})
	}
}

func (f *faulty) Blend(dst, prev, mixed, wPrev, wMixed model.Buffer, pos, n int) {
	f.Executor.Blend(dst, prev, mixed, wPrev, wMixed, pos, n)
	if f.blend {
		f.Executor.Write(dst, pos, []float32{0.5})
	}
}

func TestSelfTestPassesOnTheDevice(t *testing.T) {
	d := testDevice(t)
	start := time.Now()
	if err := SelfTest(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	t.Logf("self-test took %v", time.Since(start))
}

func TestSelfTestRefusesWrongResults(t *testing.T) {
	d := testDevice(t)
	nth := func(k int) func(int) bool {
		calls := 0
		return func(int) bool { calls++; return calls == k }
	}
	for _, tc := range []struct {
		name  string
		fault faulty
	}{
		// The second MatMul is layer 0's attn_k: every later token reads token 0's key. (The
		// first, attn_q, is invisible at element 0: token 0 attends only to itself.)
		{"layer 0 key projection", faulty{matmul: nth(2)}},
		{"a late prefill matmul", faulty{matmul: nth(9)}},
		{"single-row matmuls (decode, last logits)", faulty{matmul: func(n int) bool { return n == 1 }}},
		{"influence blend", faulty{blend: true}},
		{"GELU computed as SiLU (Gemma 2 model)", faulty{gelu: true}},
		{"output soft cap left out (Gemma 2 model)", faulty{softcap: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := NewExecutor(d)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			f := tc.fault
			f.Executor = e
			err = checkExecutor(context.Background(), &f)
			if !errors.Is(err, ErrSelfTest) {
				t.Fatalf("got %v, want ErrSelfTest", err)
			}
			t.Log(err)
		})
	}
}

func TestSelfTestStopsWhenCancelled(t *testing.T) {
	d := testDevice(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := SelfTest(ctx, d); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
