package webgpu

import (
	"testing"

	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/model"
)

// BenchmarkModel reports whole-model prefill and decode tokens/s on each executor (the CPU
// reference with one worker per CPU, and WebGPU) in the same run, with Influence off and on
// (one track). Models: stories260K, and SmolLM2-135M's shape in Q8_0 cut to 6 of its 30 layers
// so that a run on lavapipe stays within a minute (per-layer cost is uniform, so tokens/s of
// the full model is about 6/30 of the figure, less the shared embedding and output).
func BenchmarkModel(b *testing.B) {
	const prompt, decodeContext = 64, 192
	models := []struct {
		name string
		file func(testing.TB) *gguf.File
	}{
		{"stories260K", defaultModelFile},
		{"smollm2-135m-6layers-Q8_0", func(t testing.TB) *gguf.File { return synthFile(t, "smollm2-135m,layers=6", ggml.Q8_0) }},
	}
	ids := make([]int32, decodeContext)
	for i := range ids {
		ids[i] = int32(1 + (i*37)%500)
	}
	for _, mc := range models {
		ms := loadOn(b, mc.file)
		for bi, m := range ms {
			for _, influence := range []bool{false, true} {
				tracks, infl := 0, "off"
				if influence {
					tracks, infl = 1, "on"
				}
				name := mc.name + "/" + backends[bi].name + "/influence-" + infl
				st := model.Step{Track: influence, Logits: model.LogitsLast}
				s, err := m.NewState(model.StateOptions{Context: decodeContext, Batch: prompt, Tracks: tracks})
				if err != nil {
					b.Fatal(err)
				}
				reset := func(b *testing.B) {
					s.Reset()
					if influence {
						if err := s.SetTrack(0, []float32{0, 0, 1, 1, 1}); err != nil {
							b.Fatal(err)
						}
					}
				}
				logits := make([]float32, m.Vocab)
				forward := func(b *testing.B, ids []int32) {
					if err := m.Forward(s, ids, st); err != nil {
						b.Fatal(err)
					}
					// Reading the logits waits for the step to finish.
					if err := s.Logits(0, logits); err != nil {
						b.Fatal(err)
					}
				}
				b.Run(name+"/prefill", func(b *testing.B) {
					for b.Loop() {
						reset(b)
						forward(b, ids[:prompt])
					}
					b.ReportMetric(float64(prompt*b.N)/b.Elapsed().Seconds(), "tokens/s")
				})
				b.Run(name+"/decode", func(b *testing.B) {
					b.StopTimer()
					reset(b)
					forward(b, ids[:prompt])
					b.StartTimer()
					for b.Loop() {
						if s.Pos() == decodeContext {
							b.StopTimer()
							reset(b)
							forward(b, ids[:prompt])
							b.StartTimer()
						}
						forward(b, ids[s.Pos():s.Pos()+1])
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
				})
			}
		}
	}
}
