package guide

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The offset tables below are written by hand in the layouts real tokenizers
// report: SentencePiece pieces "▁cat" cover the space before the word, GPT-2
// style byte-level pieces "Ġcat" likewise, BOS has an empty range, and
// byte-fallback pieces of one character either each cover one byte or all
// share the character's range.

const sentence = "The cat sat on the mat." // bytes: The[0,3) cat[4,7) sat[8,11) on[12,14) the[15,18) mat[19,22) .[22,23)

// sentencePiece: <s> ▁The ▁cat ▁sat ▁on ▁the ▁mat .
var sentencePiece = [][2]int{{0, 0}, {0, 3}, {3, 7}, {7, 11}, {11, 14}, {14, 18}, {18, 22}, {22, 23}}

// byteLevel splits "Hello world!" as Hello Ġwor ld !
var byteLevel = [][2]int{{0, 5}, {5, 9}, {9, 11}, {11, 12}}

func TestMapToTokens(t *testing.T) {
	const chatPrefix = "<|im_start|>user\n" // 17 bytes
	tests := []struct {
		name       string
		text       string
		offsets    [][2]int
		textOffset int
		spans      []Span
		want       []TokenSpan
	}{
		{
			name: "SentencePiece whole word takes its ▁ token, not the one before", text: sentence, offsets: sentencePiece,
			spans: []Span{{Start: 4, End: 7, Delta: 1}},
			want:  []TokenSpan{{Span: Span{Start: 4, End: 7, Delta: 1}, First: 2, Last: 3}},
		},
		{
			name: "SentencePiece first word after BOS", text: sentence, offsets: sentencePiece,
			spans: []Span{{Start: 0, End: 3, Delta: 2}},
			want:  []TokenSpan{{Span: Span{Start: 0, End: 3, Delta: 2}, First: 1, Last: 2}},
		},
		{
			name: "several words and punctuation", text: sentence, offsets: sentencePiece,
			spans: []Span{{Start: 8, End: 14, Delta: 1}, {Start: 19, End: 23, Measure: true}},
			want: []TokenSpan{
				{Span: Span{Start: 8, End: 14, Delta: 1}, First: 3, Last: 5},
				{Span: Span{Start: 19, End: 23, Measure: true}, First: 6, Last: 8},
			},
		},
		{
			name: "highlight including the leading space", text: sentence, offsets: sentencePiece,
			spans: []Span{{Start: 3, End: 7, Delta: 1}},
			want:  []TokenSpan{{Span: Span{Start: 3, End: 7, Delta: 1}, First: 2, Last: 3}},
		},
		{
			name: "trailing space reaches into the next word: partial", text: sentence, offsets: sentencePiece,
			spans: []Span{{Start: 4, End: 8, Delta: 1}},
			want:  []TokenSpan{{Span: Span{Start: 4, End: 8, Delta: 1}, First: 2, Last: 4, Partial: true}},
		},
		{
			name: "highlight starting mid-token: partial", text: sentence, offsets: sentencePiece,
			spans: []Span{{Start: 5, End: 7, Delta: 1}},
			want:  []TokenSpan{{Span: Span{Start: 5, End: 7, Delta: 1}, First: 2, Last: 3, Partial: true}},
		},
		{
			name: "highlight ending mid-token: partial", text: sentence, offsets: sentencePiece,
			spans: []Span{{Start: 4, End: 9, Delta: 1}},
			want:  []TokenSpan{{Span: Span{Start: 4, End: 9, Delta: 1}, First: 2, Last: 4, Partial: true}},
		},
		{
			name: "byte-level word split in two pieces", text: "Hello world!", offsets: byteLevel,
			spans: []Span{{Start: 6, End: 11, Delta: -1}},
			want:  []TokenSpan{{Span: Span{Start: 6, End: 11, Delta: -1}, First: 1, Last: 3}},
		},
		{
			name: "byte-level highlight equal to one piece", text: "Hello world!", offsets: byteLevel,
			spans: []Span{{Start: 9, End: 11, Delta: 1}},
			want:  []TokenSpan{{Span: Span{Start: 9, End: 11, Delta: 1}, First: 2, Last: 3}},
		},
		{
			name: "byte-fallback pieces of one byte each", text: "a 🧀 b", offsets: [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 8}},
			spans: []Span{{Start: 2, End: 6, Delta: 1}},
			want:  []TokenSpan{{Span: Span{Start: 2, End: 6, Delta: 1}, First: 2, Last: 6}},
		},
		{
			name: "byte-fallback pieces sharing the character's range", text: "a 🧀 b", offsets: [][2]int{{0, 1}, {1, 6}, {1, 6}, {1, 6}, {1, 6}, {6, 8}},
			spans: []Span{{Start: 2, End: 6, Delta: 1}},
			want:  []TokenSpan{{Span: Span{Start: 2, End: 6, Delta: 1}, First: 1, Last: 5}},
		},
		{
			name: "chat template prefix shifts every offset", text: "The cat", textOffset: len(chatPrefix),
			// <|im_start|> user \n The Ġcat <|im_end|>
			offsets: [][2]int{{0, 12}, {12, 16}, {16, 17}, {17, 20}, {20, 24}, {24, 34}},
			spans:   []Span{{Start: 0, End: 3, Delta: 1}, {Start: 4, End: 7, Delta: 2}},
			want: []TokenSpan{
				{Span: Span{Start: 0, End: 3, Delta: 1}, First: 3, Last: 4},
				{Span: Span{Start: 4, End: 7, Delta: 2}, First: 4, Last: 5},
			},
		},
		{
			name: "a token straddling template and text: partial", text: "The cat", textOffset: len(chatPrefix),
			// <|im_start|> user \nThe Ġcat
			offsets: [][2]int{{0, 12}, {12, 16}, {16, 20}, {20, 24}},
			spans:   []Span{{Start: 0, End: 3, Delta: 1}},
			want:    []TokenSpan{{Span: Span{Start: 0, End: 3, Delta: 1}, First: 2, Last: 3, Partial: true}},
		},
		{
			name: "adjacent spans on token boundaries", text: sentence, offsets: sentencePiece,
			spans: []Span{{Start: 0, End: 3, Delta: 1}, {Start: 3, End: 7, Delta: 2}},
			want: []TokenSpan{
				{Span: Span{Start: 0, End: 3, Delta: 1}, First: 1, Last: 2},
				{Span: Span{Start: 3, End: 7, Delta: 2}, First: 2, Last: 3},
			},
		},
		{
			name: "text whose leading white space a template trimmed", text: "   cat", textOffset: -1,
			// "ab" then "cat": the three spaces were dropped, so text byte j is at j-1
			offsets: [][2]int{{0, 2}, {2, 5}},
			spans:   []Span{{Start: 3, End: 6, Delta: 1}},
			want:    []TokenSpan{{Span: Span{Start: 3, End: 6, Delta: 1}, First: 1, Last: 2}},
		},
		{name: "no spans", text: sentence, offsets: sentencePiece, want: []TokenSpan{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MapToTokens(tc.spans, tc.offsets, tc.textOffset, tc.text)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// "ld" above is exactly one byte-level piece; "or" lies inside Ġwor.
func TestMapToTokensPartialInsideByteLevelPiece(t *testing.T) {
	got, err := MapToTokens([]Span{{Start: 7, End: 9, Delta: 1}}, byteLevel, 0, "Hello world!")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].First != 1 || got[0].Last != 2 || !got[0].Partial {
		t.Errorf("got %+v, want tokens [1,2) partial", got)
	}
}

// A toy SentencePiece-style tokenizer (one piece per word, carrying the space
// before it) stands in for the reference's separate tokenisation: there the
// span's tokens are exactly the highlighted words' pieces. Every whole-word
// highlight must map to those pieces and nothing else, and never be partial.
func TestMapToTokensWholeWordsMatchSeparateTokenisation(t *testing.T) {
	const text = "Summarize in French: the quick brown fox jumps over the lazy dog"
	var words [][2]int // byte range of each word
	var offsets [][2]int
	offsets = append(offsets, [2]int{0, 0}) // BOS
	start := 0
	for i := 0; i <= len(text); i++ {
		if i == len(text) || text[i] == ' ' {
			words = append(words, [2]int{start, i})
			pieceStart := start
			if start > 0 {
				pieceStart = start - 1 // ▁ covers the space before the word
			}
			offsets = append(offsets, [2]int{pieceStart, i})
			start = i + 1
		}
	}
	for first := range words {
		for last := first; last < len(words); last++ {
			sp := Span{Start: words[first][0], End: words[last][1], Delta: 1}
			got, err := MapToTokens([]Span{sp}, offsets, 0, text)
			if err != nil {
				t.Fatalf("%q: %v", text[sp.Start:sp.End], err)
			}
			// word w is piece w+1 (after BOS)
			if g := got[0]; g.First != first+1 || g.Last != last+2 || g.Partial {
				t.Errorf("%q: tokens [%d,%d) partial %v, want [%d,%d) whole", text[sp.Start:sp.End], g.First, g.Last, g.Partial, first+1, last+2)
			}
		}
	}
}

func TestMapToTokensErrors(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		offsets    [][2]int
		textOffset int
		spans      []Span
		want       error
		mention    string // what the message must name
	}{
		{"span over uncovered bytes", "a  b", [][2]int{{0, 1}, {3, 4}}, 0, []Span{{Start: 1, End: 3, Delta: 1}}, ErrNoTokens, `"  " at 1:2`},
		{"only empty-range tokens (BOS)", "ab", [][2]int{{0, 0}, {2, 2}}, 0, []Span{{Start: 0, End: 2, Delta: 1}}, ErrNoTokens, `"ab" at 1:1`},
		{"empty span", "ab", [][2]int{{0, 2}}, 0, []Span{{Start: 1, End: 1, Delta: 1}}, ErrSpanBounds, "[1,1)"},
		{"span beyond the tokens", "ab\ncd", [][2]int{{0, 2}}, 0, []Span{{Start: 3, End: 5, Delta: 1}}, ErrNoTokens, `"cd" at 2:1`},
		{"text offset past the tokens", "cat", [][2]int{{0, 3}}, 3, []Span{{Start: 0, End: 3, Delta: 1}}, ErrNoTokens, `"cat"`},
		{"spans sharing a token", "abcd", [][2]int{{0, 4}}, 0, []Span{{Start: 0, End: 2, Delta: 1}, {Start: 2, End: 4, Delta: 2}}, ErrSharedToken, `"cd"`},
		{"overlapping spans", "abcd", [][2]int{{0, 2}, {2, 4}}, 0, []Span{{Start: 0, End: 3, Delta: 1}, {Start: 2, End: 4, Delta: 2}}, ErrSpanOverlap, `"abc"`},
		{"span past the text", "abc", [][2]int{{0, 3}}, 0, []Span{{Start: 1, End: 4, Delta: 1}}, ErrSpanBounds, "3 bytes"},
		{"reversed token range", "abc", [][2]int{{2, 1}}, 0, []Span{{Start: 0, End: 1, Delta: 1}}, ErrOffsets, "token 0"},
		{"negative token offset", "abc", [][2]int{{-1, 1}}, 0, []Span{{Start: 0, End: 1, Delta: 1}}, ErrOffsets, "token 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MapToTokens(tc.spans, tc.offsets, tc.textOffset, tc.text)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("message %q does not mention %q", err, tc.mention)
			}
		})
	}
}

func TestBiasVectorAndPositions(t *testing.T) {
	spans := []TokenSpan{
		{Span: Span{Delta: 1}, First: 1, Last: 3},
		{Span: Span{Measure: true}, First: 3, Last: 4},
		{Span: Span{Delta: -2}, First: 5, Last: 6},
		{Span: Span{Delta: 4}, First: 7, Last: 9}, // runs past n: clipped
	}
	bias := BiasVector(8, spans)
	if want := []float32{0, 1, 1, 0, 0, -2, 0, 4}; !reflect.DeepEqual(bias, want) {
		t.Errorf("BiasVector = %v, want %v", bias, want)
	}
	if got, want := Positions(spans), []int{1, 2, 3, 5, 7, 8}; !reflect.DeepEqual(got, want) {
		t.Errorf("Positions = %v, want %v", got, want)
	}
	if got := Positions(nil); len(got) != 0 {
		t.Errorf("Positions(nil) = %v, want empty", got)
	}
	if got := BiasVector(3, nil); !reflect.DeepEqual(got, []float32{0, 0, 0}) {
		t.Errorf("BiasVector(3, nil) = %v", got)
	}
}

// End to end: tags to bias vector over the SentencePiece table.
func TestParseThenMap(t *testing.T) {
	text, spans, err := Parse("The <!!!->cat<-!!!> sat on <?->the mat<-?>.", 1)
	if err != nil {
		t.Fatal(err)
	}
	if text != sentence {
		t.Fatalf("text = %q", text)
	}
	ts, err := MapToTokens(spans, sentencePiece, 0, text)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := BiasVector(len(sentencePiece), ts), []float32{0, 0, 2, 0, 0, 0, 0, 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("bias = %v, want %v", got, want)
	}
	if got, want := Positions(ts), []int{2, 5, 6}; !reflect.DeepEqual(got, want) {
		t.Errorf("U = %v, want %v", got, want)
	}
}

func ExampleMapToTokens() {
	text, spans, _ := Parse("The <!!->cat<-!!> sat.", 1)
	// <s> ▁The ▁cat ▁sat .
	offsets := [][2]int{{0, 0}, {0, 3}, {3, 7}, {7, 11}, {11, 12}}
	ts, _ := MapToTokens(spans, offsets, 0, text)
	fmt.Println(ts[0].First, ts[0].Last, BiasVector(len(offsets), ts))
	_, err := MapToTokens([]Span{{Start: 8, End: 12, Delta: 1}}, offsets[:3], 0, text)
	fmt.Println(err)
	// Output:
	// 2 3 [0 0 1 0 0]
	// highlight covers no token: "sat." at 1:9 (bytes [8,12) of the text)
}
