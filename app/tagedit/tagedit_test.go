package tagedit

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"heed/engine/guide"
)

// u16 is the UTF-16 length of s, as a browser counts selection offsets.
func u16(s string) int { return len(utf16.Encode([]rune(s))) }

func TestWrap(t *testing.T) {
	const sample = "She had a cat and a big red ball."
	tests := []struct {
		name       string
		text       string
		start, end int
		level      Level
		want       string
		wantErr    string
	}{
		{"word", sample, 10, 13, Mid, "She had a <!!->cat<-!!> and a big red ball.", ""},
		{"reversed selection", sample, 13, 10, Half, "She had a <!->cat<-!> and a big red ball.", ""},
		{"trailing space stays out", sample, 10, 14, Double, "She had a <!!!->cat<-!!!> and a big red ball.", ""},
		{"measure", sample, 24, 32, Measure, "She had a cat and a big <?->red ball<-?>.", ""},
		{"after an emoji", "🐱 cat", u16("🐱 "), u16("🐱 cat"), Mid, "🐱 <!!->cat<-!!>", ""},
		{"accented", "Zoë et Léa", u16("Zoë et "), u16("Zoë et Léa"), Mid, "Zoë et <!!->Léa<-!!>", ""},
		{"beside a highlight", "a <!!->cat<-!!> dog", u16("a <!!->cat<-!!> "), u16("a <!!->cat<-!!> dog"), Half, "a <!!->cat<-!!> <!->dog<-!>", ""},
		{"empty", sample, 5, 5, Mid, "", "select the words"},
		{"only space", sample, 3, 4, Mid, "", "select the words"},
		{"inside a highlight", "a <!!->big cat<-!!>", u16("a <!!->big "), u16("a <!!->big cat"), Mid, "", "inside another highlight"},
		{"across a tag", "a <!!->big cat<-!!> b", 0, u16("a <!!->big"), Mid, "", "inside another highlight"},
		{"broken text", "a <!!->big cat b", 0, 1, Mid, "", "fix the tags first"},
		{"past the end clamps", "cat", 0, 99, Mid, "<!!->cat<-!!>", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Wrap(tc.text, tc.start, tc.end, tc.level)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Text != tc.want {
				t.Errorf("text %q, want %q", e.Text, tc.want)
			}
			_, close := tc.level.Tags()
			if want := u16(tc.want[:strings.LastIndex(tc.want, close)+len(close)]); e.Caret != want {
				t.Errorf("caret %d, want %d", e.Caret, want)
			}
		})
	}
}

func TestWrapEmptySelectionError(t *testing.T) {
	if _, err := Wrap("a b", 1, 2, Mid); !errors.Is(err, ErrEmptySelection) {
		t.Fatalf("error %v, want ErrEmptySelection", err)
	}
}

func TestOffsetsRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "Zoë", "🐱a🐶", "日本語", "a\xffb"} {
		for b := 0; b <= len(s); b++ {
			u := UTF16Offset(s, b)
			back := ByteOffset(s, u)
			if back > b || UTF16Offset(s, back) != u {
				t.Errorf("%q: byte %d → utf16 %d → byte %d", s, b, u, back)
			}
		}
	}
	if got := ByteOffset("🐱a", 1); got != 0 {
		t.Errorf("offset inside a surrogate pair maps to %d, want 0", got)
	}
}

func TestSegments(t *testing.T) {
	got, err := Segments("a <!->b<-!> c <?->d<-?>", 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []Segment{{Text: "a "}, {Text: "b", Highlighted: true, Delta: 1}, {Text: " c "}, {Text: "d", Highlighted: true, Measure: true}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("segment %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	_, err = Segments("x <!!->y", 1)
	var se *guide.SyntaxError
	if !errors.As(err, &se) || se.Column != 3 {
		t.Errorf("error %v, want a SyntaxError at column 3", err)
	}
}

func TestLevelsTagsParse(t *testing.T) {
	for _, l := range Levels {
		open, close := l.Tags()
		_, spans, err := guide.Parse(open+"x"+close, 2)
		if err != nil || len(spans) != 1 {
			t.Fatalf("%s: %v", l.Label(), err)
		}
		want := map[Level]float32{Half: 1, Mid: 2, Double: 4, Measure: 0}[l]
		if spans[0].Delta != want || spans[0].Measure != (l == Measure) {
			t.Errorf("%s: span %+v", l.Label(), spans[0])
		}
	}
}

func FuzzWrap(f *testing.F) {
	f.Add("She had a cat.", 10, 13, 1)
	f.Add("🐱 <!!->cat<-!!>", 0, 2, 3)
	f.Fuzz(func(t *testing.T, text string, start, end, level int) {
		if start < 0 || end < 0 || level < 0 || level > 3 {
			return
		}
		e, err := Wrap(text, start, end, Level(level))
		if err != nil {
			return
		}
		if _, _, err := guide.Parse(e.Text, 1); err != nil {
			t.Fatalf("Wrap produced unparsable %q: %v", e.Text, err)
		}
		if e.Caret > u16(e.Text) {
			t.Fatalf("caret %d past the end of %q", e.Caret, e.Text)
		}
	})
}
