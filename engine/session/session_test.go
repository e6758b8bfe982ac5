package session

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"heed/engine/generate"
	"heed/engine/influence"
	"heed/engine/prompt"
	"heed/engine/sample"
	"heed/internal/defaultmodel"
)

// samplePrompt is the app's preloaded prompt.
const samplePrompt = "Once upon a time, there was a girl named Lily. She had a <!!!->cat<-!!!> and a big red ball. One day,"

// loadBytes loads content onto the CPU executor, as the page's worker
// loads a file it reads in slices.
func loadBytes(t *testing.T, content []byte, name string) (*Session, error) {
	t.Helper()
	b := cpuBackend(1)
	s, err := Load(bytes.NewReader(content), int64(len(content)), b, name, nil)
	if err != nil {
		b.Close()
		return nil, err
	}
	t.Cleanup(s.Close)
	return s, nil
}

func defaultModel(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadDefaultModelCard(t *testing.T) {
	s, err := loadBytes(t, defaultModel(t), defaultmodel.Name)
	if err != nil {
		t.Fatal(err)
	}
	// SPEC §5: 5 layers, dim 64, 8 heads, 4 KV heads, vocab 512, F32.
	want := Card{Name: defaultmodel.Name, Architecture: "llama", Layers: 5, Dim: 64, Heads: 8, KVHeads: 4, Vocab: 512,
		Context: s.Card.Context, Parameters: s.Card.Parameters, TensorTypes: "F32 ×48", Backend: "CPU"}
	if s.Card != want {
		t.Errorf("card %+v\nwant %+v", s.Card, want)
	}
	if s.Card.Parameters < 250_000 || s.Card.Parameters > 300_000 {
		t.Errorf("Parameters = %d, want about 260K", s.Card.Parameters)
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	good := defaultModel(t)
	tests := []struct {
		name    string
		content []byte
		want    error
	}{
		{"not gguf", []byte(strings.Repeat("hello world ", 100)), ErrNotGGUF},
		{"truncated header", good[:200], ErrNotGGUF},
		{"no tokenizer", stripTokenizer(t, good), ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadBytes(t, tc.content, "x.gguf")
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "x.gguf: ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// stripTokenizer rewrites the model with its tokenizer.ggml.model key renamed.
func stripTokenizer(t *testing.T, good []byte) []byte {
	t.Helper()
	i := bytes.Index(good, []byte("tokenizer.ggml.model"))
	if i < 0 {
		t.Fatal("default model has no tokenizer.ggml.model key")
	}
	b := bytes.Clone(good)
	copy(b[i:], "tokenizer.ggml.mode_")
	return b
}

// TestABDiffersAndBaselineIsUnbiased checks the two sides of the page's A/B
// on the sample prompt: the baseline equals a generation without any bias,
// and GUIDE changes the story.
func TestABDiffersAndBaselineIsUnbiased(t *testing.T) {
	s, err := loadBytes(t, defaultModel(t), defaultmodel.Name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Prompt(samplePrompt, prompt.DefaultDeltaMid)
	if err != nil {
		t.Fatal(err)
	}
	opt := GenOptions{MaxTokens: 20}
	var streamed []int32
	guided, err := s.Generate(context.Background(), p, Guided, opt, func(tk generate.Token) error {
		streamed = append(streamed, tk.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	base, err := s.Generate(context.Background(), p, Baseline, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(streamed, guided.IDs) {
		t.Errorf("streamed %v, result %v", streamed, guided.IDs)
	}
	if slices.Equal(guided.IDs, base.IDs) {
		t.Errorf("GUIDE did not change the continuation: %q", guided.Text)
	}
	unbiased, err := generate.Run(context.Background(), s.m, s.tok, p.IDs, generate.Options{MaxTokens: 20})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(unbiased.IDs, base.IDs) {
		t.Errorf("baseline %q differs from the unbiased run %q", base.Text, unbiased.Text)
	}
	t.Logf("GUIDE: %q\nbaseline: %q", guided.Text, base.Text)
}

func TestGenerateRejectsBadOptions(t *testing.T) {
	s, err := loadBytes(t, defaultModel(t), defaultmodel.Name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Prompt(samplePrompt, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []GenOptions{{MaxTokens: 0}, {MaxTokens: 5, Sample: sampleWithTopP(2)}} {
		if _, err := s.Generate(context.Background(), p, Guided, opt, nil); err == nil {
			t.Errorf("Generate(%+v) succeeded", opt)
		}
	}
}

// TestInfluenceMatchesCLIPath compares the session's Influence with
// influence.Measure run the way `heed influence` runs it: same file, own
// executor, same prompt. Both are the same CPU code on the same machine, so
// the values are bit-identical.
func TestInfluenceMatchesCLIPath(t *testing.T) {
	s, err := loadBytes(t, defaultModel(t), defaultmodel.Name)
	if err != nil {
		t.Fatal(err)
	}
	tagged := "Lily had a <!!->cat<-!!> and a <?->ball<-?>. One day,"
	p, err := s.Prompt(tagged, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Influence(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}

	m, tok := nativeModel(t)
	wp, err := prompt.Build(tok, tagged, prompt.Options{DeltaMid: 1})
	if err != nil {
		t.Fatal(err)
	}
	want, err := influence.Measure(context.Background(), m, wp.IDs, wp.Spans, influence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got) != len(want) {
		t.Fatalf("%d tracks, want %d", len(got), len(want))
	}
	for i := range want {
		for l := range want[i].Influence {
			if !slices.Equal(got[i].Influence[l], want[i].Influence[l]) || got[i].Scalar[l] != want[i].Scalar[l] {
				t.Errorf("span %d layer %d differs", i, l)
			}
		}
	}
	if _, err := s.Influence(context.Background(), mustPrompt(t, s, "no highlight")); err == nil {
		t.Error("Influence of a prompt without highlight succeeded")
	}
}

func TestPromptErrors(t *testing.T) {
	s, err := loadBytes(t, defaultModel(t), defaultmodel.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, tagged := range []string{"a <!!->cat", "a <-!!> cat"} {
		if _, err := s.Prompt(tagged, 1); err == nil {
			t.Errorf("Prompt(%q) succeeded", tagged)
		}
	}
}

func mustPrompt(t *testing.T, s *Session, tagged string) *prompt.Prompt {
	t.Helper()
	p, err := s.Prompt(tagged, 1)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sampleWithTopP(p float32) (sp sample.Params) {
	sp.TopP = p
	return sp
}
