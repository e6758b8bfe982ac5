package influence

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"heed/engine/cpu"
	"heed/engine/ggml"
	"heed/engine/guide"
	"heed/engine/model"
	"heed/internal/testmodel"
)

// longModel is a synthetic Llama of the given layers whose context holds n
// tokens: heads of 64 dimensions as in real models (Influence's extra work
// per attention weight is a fixed cost next to a head's dot products), and
// narrow enough that attention over n positions stays quick on a CPU.
func longModel(tb testing.TB, layers, n int) *model.Model {
	tb.Helper()
	spec := fmt.Sprintf("arch=llama,layers=%d,dim=128,heads=2,kv=1,ffn=256,vocab=512,ctx=%d", layers, n)
	e := cpu.New(2)
	tb.Cleanup(e.Close)
	return testmodel.Load(tb, testmodel.WriteSynth(tb, spec, ggml.F32, 5), e).Model
}

func randomIDs(n int) []int32 {
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(1 + r.IntN(500))
	}
	return ids
}

// TestLongPromptAllocatesNoTxT measures Influence over 4,096 tokens and
// checks that everything it allocated, summed over the whole run (freed or
// not), stays far below one T×T float32 matrix (64 MiB): the recursion keeps
// O(T) state per layer and track (SPEC §2), so what it allocates is the KV
// cache, per-chunk activations and the result vectors.
func TestLongPromptAllocatesNoTxT(t *testing.T) {
	const n = 4096
	m := longModel(t, 1, n)
	ids := randomIDs(n)
	spans := []guide.TokenSpan{{Span: guide.Span{Delta: 1}, First: 100, Last: 104}}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	tracks, err := Measure(context.Background(), m, ids, spans, Options{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	txt := uint64(n) * n * 4
	t.Logf("Influence over %d tokens allocated %.1f MiB in all (one T×T float32 matrix: %d MiB)", n, float64(allocated)/(1<<20), txt>>20)
	if allocated > txt/4 {
		t.Errorf("allocated %d bytes, more than a quarter of a T×T matrix (%d bytes)", allocated, txt)
	}
	if got := tracks[0].Influence[0]; got[n-1] <= 0 || got[99] != 0 {
		t.Errorf("Influence at the last token %v (want > 0), before the span %v (want 0)", got[n-1], got[99])
	}
}

// BenchmarkLongPrompt is a prefill of T tokens with and without Influence on
// a 2-layer synthetic model: the ratio of the two is Influence's cost at
// long context. go test -run '^$' -bench LongPrompt -benchtime 1x ./engine/influence
func BenchmarkLongPrompt(b *testing.B) {
	for _, n := range []int{8192, 32768} {
		m := longModel(b, 2, n)
		ids := randomIDs(n)
		spans := []guide.TokenSpan{{Span: guide.Span{Delta: 1}, First: 100, Last: 104}}
		b.Run(fmt.Sprintf("T=%d/prefill", n), func(b *testing.B) {
			for b.Loop() {
				s, err := m.NewState(model.StateOptions{Context: n})
				if err != nil {
					b.Fatal(err)
				}
				if err := m.Prefill(context.Background(), s, ids, model.Step{Logits: model.LogitsNone}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("T=%d/prefill+influence", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Measure(context.Background(), m, ids, spans, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
