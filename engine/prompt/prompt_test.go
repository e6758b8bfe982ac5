package prompt

import (
	"errors"
	"heed/internal/testmodel"
	"strings"
	"testing"

	"heed/engine/chat"
	"heed/engine/guide"
	"heed/engine/tokenizer"
)

func storiesTokenizer(t *testing.T) *tokenizer.Tokenizer {
	t.Helper()
	return testmodel.Stories(t).Tok
}

// spanTokens returns the pieces of each highlighted token range, joined.
func spanTokens(tok *tokenizer.Tokenizer, p *Prompt) []string {
	var out []string
	for _, s := range p.Spans {
		var b strings.Builder
		for _, id := range p.IDs[s.First:s.Last] {
			b.WriteString(tok.TokenText(id))
		}
		out = append(out, b.String())
	}
	return out
}

func TestBuild(t *testing.T) {
	tok := storiesTokenizer(t)
	tests := []struct {
		name      string
		tagged    string
		opts      Options
		wantText  string
		wantSpans []string // pieces of each span's tokens
		wantDelta []float32
	}{
		{
			name:      "tag level three",
			tagged:    "She had a <!!!->cat<-!!!> and a ball.",
			wantText:  "She had a cat and a ball.",
			wantSpans: []string{"▁cat"},
			wantDelta: []float32{2},
		},
		{
			name:      "delta mid scales levels",
			tagged:    "<!->Once<-!> upon a <!!->time<-!!>",
			opts:      Options{DeltaMid: 3},
			wantText:  "Once upon a time",
			wantSpans: []string{"▁Once", "▁time"},
			wantDelta: []float32{1.5, 3},
		},
		{
			name:      "explicit code point span with negative delta beside a tag",
			tagged:    "Lily saw a <?->dog<-?>.",
			opts:      Options{Spans: []guide.RuneSpan{{Start: 0, End: 4, Delta: -1}}},
			wantText:  "Lily saw a dog.",
			wantSpans: []string{"▁Lily", "▁dog"},
			wantDelta: []float32{-1, 0},
		},
		{
			name:      "chat template shifts the text",
			tagged:    "Tell me about the <!!->sun<-!!>.",
			opts:      Options{Chat: chat.ChatML, System: "Be brief."},
			wantText:  "Tell me about the sun.",
			wantSpans: []string{"▁sun"},
			wantDelta: []float32{1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.DeltaMid == 0 {
				tc.opts.DeltaMid = DefaultDeltaMid
			}
			p, err := Build(tok, tc.tagged, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if p.Text != tc.wantText {
				t.Errorf("text %q, want %q", p.Text, tc.wantText)
			}
			if got := p.Rendered[p.TextOffset:]; !strings.HasPrefix(got, p.Text) {
				t.Errorf("rendered text at offset %d is %q, want it to start with the prompt", p.TextOffset, got)
			}
			if got := spanTokens(tok, p); strings.Join(got, "|") != strings.Join(tc.wantSpans, "|") {
				t.Errorf("span tokens %q, want %q", got, tc.wantSpans)
			}
			bias := p.Bias()
			if len(bias) != len(p.IDs) {
				t.Fatalf("bias length %d for %d tokens", len(bias), len(p.IDs))
			}
			for i, s := range p.Spans {
				if s.Delta != tc.wantDelta[i] {
					t.Errorf("span %d Δ %g, want %g", i, s.Delta, tc.wantDelta[i])
				}
				for k := s.First; k < s.Last; k++ {
					if bias[k] != s.Delta {
						t.Errorf("bias[%d] = %g, want %g", k, bias[k], s.Delta)
					}
				}
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	tok := storiesTokenizer(t)
	tests := []struct {
		name   string
		tagged string
		opts   Options
		want   error
	}{
		{"unbalanced tag", "a <!!->cat", Options{}, guide.ErrUnclosed},
		{"empty tag", "a <!!-><-!!> cat", Options{}, guide.ErrEmptySpan},
		{"span past the end", "a cat", Options{Spans: []guide.RuneSpan{{Start: 2, End: 9, Delta: 1}}}, guide.ErrSpanBounds},
		{"explicit span overlaps a tag", "a <!->cat<-!>", Options{Spans: []guide.RuneSpan{{Start: 0, End: 3, Delta: 1}}}, guide.ErrSpanOverlap},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.DeltaMid = DefaultDeltaMid
			_, err := Build(tok, tc.tagged, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
}

// TestZeroDeltaMidUnbiases pins that Δmid = 0 is honoured, not replaced by the
// default: it is the unbiased side of an A/B comparison.
func TestZeroDeltaMidUnbiases(t *testing.T) {
	tok := storiesTokenizer(t)
	p, err := Build(tok, "a <!!!->cat<-!!!>", Options{DeltaMid: 0})
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range p.Bias() {
		if b != 0 {
			t.Fatalf("bias[%d] = %g with Δmid 0", i, b)
		}
	}
	if len(p.Spans) != 1 || p.Spans[0].Delta != 0 {
		t.Fatalf("spans %+v", p.Spans)
	}
}
