package webgpu

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"heed/engine/ggml"
	"heed/engine/model"
	"heed/engine/model/executortest"
)

// TestExecutorConformance runs the executor suite the CPU executor passes too, with the same
// tolerances.
func TestExecutorConformance(t *testing.T) {
	d := testDevice(t)
	executortest.Run(t, func(tb testing.TB) model.Executor { return newTestExecutor(tb, d) })
}

func newTestExecutor(t testing.TB, d *Device) *Executor {
	t.Helper()
	e, err := NewExecutor(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// TestExecutorWriteReadOrder pins that host writes and reads happen in order with recorded
// work: a write after a recorded Add must not overtake it, and reads at an offset see the
// right floats.
func TestExecutorWriteReadOrder(t *testing.T) {
	e := newTestExecutor(t, testDevice(t))
	a, b := e.Buffer(2, 3), e.Buffer(2, 3)
	e.Write(a, 0, []float32{1, 2, 3, 4, 5, 6})
	e.Write(b, 0, []float32{10, 20, 30, 40, 50, 60})
	e.Add(a, b, 6)                             // a = 11 … 66
	e.Write(b, 0, []float32{0, 0, 0, 0, 0, 0}) // after the Add
	e.Add(a, b, 6)
	got := make([]float32, 4)
	if err := e.Read(a, 2, got); err != nil {
		t.Fatal(err)
	}
	if want := []float32{33, 44, 55, 66}; !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}
	if err := e.Read(a, 4, make([]float32, 3)); !errors.Is(err, ErrShape) {
		t.Fatalf("read past the end: got %v, want ErrShape", err)
	}
	// A bad read is the caller's mistake, not the executor's: it keeps working.
	if err := e.Read(a, 0, got[:1]); err != nil || got[0] != 11 {
		t.Fatalf("read after a bad read: %v, %v", got[0], err)
	}
}

// TestExecutorErrorsAreStickyAndNamed pins the error contract: the first error of a recording
// method comes back from the next Read, naming what failed, and from every Read after it.
func TestExecutorErrorsAreStickyAndNamed(t *testing.T) {
	d := testDevice(t)
	t.Run("shape", func(t *testing.T) {
		e := newTestExecutor(t, d)
		w, err := e.Weight(&model.Tensor{Name: "blk.0.ffn_up.weight", Type: ggml.F32, Rows: 4, Cols: 8, Data: make([]byte, 4*4*8)})
		if err != nil {
			t.Fatal(err)
		}
		x, y := e.Buffer(2, 4), e.Buffer(2, 4) // x has 4 columns, the weight wants 8
		e.MatMul(y, w, x, 2)
		e.Add(y, x, 8) // recorded nothing: the executor already failed
		err = e.Read(y, 0, make([]float32, 1))
		if !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), "blk.0.ffn_up.weight") {
			t.Fatalf("got %v, want ErrShape naming the tensor", err)
		}
		if err2 := e.Read(x, 0, make([]float32, 1)); !errors.Is(err2, ErrShape) || e.Err() == nil {
			t.Fatalf("second read: %v, want the same error", err2)
		}
	})
	t.Run("weight over maxStorageBufferBindingSize", func(t *testing.T) {
		e := newTestExecutor(t, limitedDevice(t, d, 1024))
		// Rows of 1 088 bytes cannot be split into ranges that fit 1 024.
		_, err := e.Weight(&model.Tensor{Name: "token_embd.weight", Type: ggml.Q8_0, Rows: 4, Cols: 1024, Data: make([]byte, 4*1088)})
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "token_embd.weight") || !strings.Contains(err.Error(), "maxStorageBufferBindingSize 1024") {
			t.Fatalf("got %v, want ErrTooLarge naming the tensor and the limit", err)
		}
		// A vector is one binding: it cannot be split.
		_, err = e.Weight(&model.Tensor{Name: "output_norm.weight", Type: ggml.F32, Rows: 1, Cols: 512, Data: make([]byte, 4*512)})
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "output_norm.weight") || !strings.Contains(err.Error(), "maxStorageBufferBindingSize 1024") {
			t.Fatalf("got %v, want ErrTooLarge naming the tensor and the limit", err)
		}
	})
	t.Run("foreign buffer", func(t *testing.T) {
		e := newTestExecutor(t, d)
		b := e.Buffer(1, 4)
		e.Add(b, foreignBuffer{}, 4)
		if err := e.Read(b, 0, make([]float32, 4)); !errors.Is(err, ErrShape) {
			t.Fatalf("got %v, want ErrShape", err)
		}
	})
	t.Run("bad tensor", func(t *testing.T) {
		e := newTestExecutor(t, d)
		for _, tt := range []*model.Tensor{
			{Name: "short", Type: ggml.Q8_0, Rows: 2, Cols: 32, Data: make([]byte, 34)},
			{Name: "ragged", Type: ggml.Q8_0, Rows: 2, Cols: 33, Data: make([]byte, 70)},
			{Name: "empty", Type: ggml.F32, Rows: 0, Cols: 4},
		} {
			if _, err := e.Weight(tt); err == nil || !strings.Contains(err.Error(), tt.Name) {
				t.Errorf("%s: got %v, want an error naming it", tt.Name, err)
			}
		}
		if e.Err() != nil {
			t.Fatalf("a rejected tensor must not poison the executor: %v", e.Err())
		}
	})
}

type foreignBuffer struct{}

func (foreignBuffer) Shape() (int, int) { return 1, 4 }

// TestWeightTypes pins how tensors are stored: matrices keep their bytes in every type the CPU
// computes with, vectors become F32 with the values the CPU decodes.
func TestWeightTypes(t *testing.T) {
	e := newTestExecutor(t, testDevice(t))
	vals := make([]float32, 2*256)
	for i := range vals {
		vals[i] = float32(i%37)/37 - 0.5
	}
	for _, tc := range []struct {
		typ  ggml.Type
		rows int
		want ggml.Type
	}{
		{ggml.Q8_0, 2, ggml.Q8_0},
		{ggml.Q4_K, 2, ggml.Q4_K},
		{ggml.Q5_K, 2, ggml.Q5_K},
		{ggml.Q5_0, 2, ggml.Q5_0},
		{ggml.Q4_1, 2, ggml.Q4_1},
		{ggml.BF16, 2, ggml.BF16},
		{ggml.Q2_K, 2, ggml.Q2_K},
		{ggml.Q3_K, 2, ggml.Q3_K},
		{ggml.IQ4_NL, 2, ggml.IQ4_NL},
		{ggml.IQ4_XS, 2, ggml.IQ4_XS},
		{ggml.F16, 1, ggml.F32},
		{ggml.IQ4_XS, 1, ggml.F32},
		{ggml.Q5_K, 1, ggml.F32},
	} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			cols := len(vals) / 2
			raw, err := ggml.Quantize(tc.typ, vals[:tc.rows*cols])
			if err != nil {
				t.Fatal(err)
			}
			w, err := e.Weight(&model.Tensor{Name: "w", Type: tc.typ, Rows: tc.rows, Cols: cols, Data: raw})
			if err != nil {
				t.Fatal(err)
			}
			ww := w.(*weight).parts[0]
			if ww.Type != tc.want {
				t.Fatalf("stored as %s, want %s", ww.Type, tc.want)
			}
			if tc.want != ggml.F32 {
				return
			}
			want := make([]float32, tc.rows*cols)
			if err := ggml.Dequantize(tc.typ, raw, want); err != nil {
				t.Fatal(err)
			}
			got, err := e.d.ReadFloat32(ww.Buf, len(want))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatal("expanded weight differs from ggml.Dequantize")
			}
		})
	}
}

// limitedDevice shares d's device and queue but reports maxStorageBufferBindingSize limit, so
// tests reach the paths of tensors larger than one binding without allocating gigabytes.
func limitedDevice(t testing.TB, d *Device, limit uint64) *Device {
	info := d.Info()
	info.Limits.MaxStorageBufferBindingSize = limit
	// plat is shared too: in the browser every create call pushes error scopes on its GPUDevice.
	small := &Device{dev: d.dev, queue: d.queue, plat: d.plat, info: info, pipelines: map[string]*pipeline{}}
	t.Cleanup(func() {
		small.mu.Lock()
		defer small.mu.Unlock()
		small.binds.clear()
		for _, p := range small.pipelines {
			p.release()
		}
		for _, b := range []*Buffer{small.dummyRead, small.dummyWrite} {
			if b != nil {
				b.buf.Release()
			}
		}
	})
	return small
}
