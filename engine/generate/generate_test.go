package generate_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"heed/engine/cpu"
	"heed/engine/generate"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/sample"
	"heed/engine/tokenizer"
	"heed/internal/defaultmodel"
)

func stories(t testing.TB) (*model.Model, *tokenizer.Tokenizer) {
	t.Helper()
	f, err := gguf.Open(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	e := cpu.New(2)
	t.Cleanup(func() { e.Close(); f.Close() })
	m, err := model.Load(f, e)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	return m, tok
}

// llama2cStories260K is the expected output of llama2.c's run.c for stories260K
// at temperature 0 from BOS for 200 steps: expected_stdout in test_all.py of
// github.com/karpathy/llama2.c (commit 350e04fe35433e6d2941dce5a1f53308f87058eb),
// the test the README's stories260K section points to. run.c prints each
// sampled token, drops the leading space after BOS, and stops only on BOS.
const llama2cStories260K = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said, \"Lily, let's go to the park.\" Lily was sad and didn't know what to do. She said, \"I want to play with your ball, but I can't find it.\"\nLily was sad and didn't know what to do. She said, \"I'm sorry, Lily. I didn't know what to do.\"\nLily didn't want to help her mom, so she"

func TestGreedyMatchesLlama2c(t *testing.T) {
	m, tok := stories(t)
	res, err := generate.Run(context.Background(), m, tok, []int32{tok.BOS()}, generate.Options{MaxTokens: 200})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != llama2cStories260K {
		t.Fatalf("greedy continuation from BOS:\n%q\nllama2.c:\n%q", res.Text, llama2cStories260K)
	}
	if res.Reason != generate.StopLength || len(res.IDs) != 200 {
		t.Fatalf("stopped by %q after %d tokens, want length after 200", res.Reason, len(res.IDs))
	}
}

func encode(t *testing.T, tok *tokenizer.Tokenizer, text string) []int32 {
	t.Helper()
	enc, err := tok.Encode(text, true, false)
	if err != nil {
		t.Fatal(err)
	}
	return enc.IDs
}

func TestStreamingAndStopStrings(t *testing.T) {
	m, tok := stories(t)
	ids := encode(t, tok, "Once upon a time")
	var streamed strings.Builder
	var calls int
	res, err := generate.Run(context.Background(), m, tok, ids, generate.Options{MaxTokens: 100, Stop: []string{"Lily"},
		OnToken: func(tk generate.Token) error { calls++; streamed.WriteString(tk.Text); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	// The greedy story reads " there was a little girl named Lily."
	if res.Reason != generate.StopString || res.Text != ", there was a little girl named " {
		t.Fatalf("stop %q, text %q", res.Reason, res.Text)
	}
	if streamed.String() != res.Text || calls < len(res.IDs) {
		t.Fatalf("streamed %q in %d calls, result %q from %d tokens", streamed.String(), calls, res.Text, len(res.IDs))
	}
}

func TestCancellationReturnsPartialResult(t *testing.T) {
	m, tok := stories(t)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	res, err := generate.Run(ctx, m, tok, []int32{tok.BOS()}, generate.Options{MaxTokens: 100,
		OnToken: func(generate.Token) error {
			if n++; n == 3 {
				cancel()
			}
			return nil
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if res == nil || len(res.IDs) != 3 {
		t.Fatalf("partial result %+v, want 3 tokens", res)
	}
}

func TestSeedReproducesSampling(t *testing.T) {
	m, tok := stories(t)
	run := func(seed uint64) string {
		res, err := generate.Run(context.Background(), m, tok, []int32{tok.BOS()}, generate.Options{MaxTokens: 40,
			Sample: sample.Params{Temperature: 1, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1.1, Seed: seed}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Text
	}
	a, b, c := run(1), run(1), run(2)
	if a != b {
		t.Fatalf("seed 1 gave %q then %q", a, b)
	}
	if a == c {
		t.Fatalf("seeds 1 and 2 both gave %q", a)
	}
}

func TestTimingsAndFollowedInfluence(t *testing.T) {
	m, tok := stories(t)
	ids := encode(t, tok, "Once upon a time, there was a girl named Lily.")
	ind := make([]float32, len(ids))
	ind[len(ids)-3] = 1
	res, err := generate.Run(context.Background(), m, tok, ids, generate.Options{MaxTokens: 10, Tracks: [][]float32{ind}, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	tm := res.Timings
	if tm.PromptTokens != len(ids) || tm.Generated != 10 || tm.Prefill <= 0 || tm.FirstToken < tm.Prefill || tm.DecodePerSecond() <= 0 {
		t.Fatalf("timings %+v", tm)
	}
	// Followed: every position that went through the model, i.e. the prompt and
	// all generated tokens but the last, which was never fed back.
	if got, want := len(res.Influence[0][m.NumLayers-1]), len(ids)+9; got != want {
		t.Fatalf("followed Influence over %d positions, want %d", got, want)
	}
	for k, v := range res.Influence[0][m.NumLayers-1] {
		if v < 0 || v > 1 || (k > len(ids) && v == 0) {
			t.Fatalf("Influence at %d = %v", k, v)
		}
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]generate.Mode{"always": generate.Always, "prefill-only": generate.PrefillOnly, "": generate.Always} {
		if got, err := generate.ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := generate.ParseMode("sometimes"); err == nil {
		t.Error("ParseMode accepted \"sometimes\"")
	}
}
