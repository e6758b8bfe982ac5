package tagedit

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestHighlights(t *testing.T) {
	tests := []struct {
		name   string
		tagged string
		want   []Highlight
	}{
		{"none", "plain text", []Highlight{}},
		{"levels and custom", "a <!!!->cat<-!!!> b <!=-1.5->dog<-!=> <?->c<-?>", []Highlight{
			{Text: "cat", Level: Double, Delta: 4, Open: 2, Inner: 8, Close: 11, End: 17},
			{Text: "dog", Level: Mid, Custom: true, Delta: -1.5, Open: 20, Inner: 29, Close: 32, End: 37},
			{Text: "c", Level: Measure, Measure: true, Open: 38, Inner: 42, Close: 43, End: 47},
		}},
		{"half", "<!->ä<-!>", []Highlight{{Text: "ä", Level: Half, Delta: 1, Open: 0, Inner: 4, Close: 6, End: 10}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Highlights(tc.tagged, 2)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if _, err := Highlights("a <!->b", 1); err == nil {
		t.Error("unclosed tag: no error")
	}
}

func TestEditHighlight(t *testing.T) {
	const two = "a <!!->cat<-!!> and <?->dog<-?>."
	tests := []struct {
		name    string
		edit    func(string) (string, error)
		tagged  string
		want    string
		wantErr error
	}{
		{"set delta on a level", func(s string) (string, error) { return SetDelta(s, 0, -2) }, two, "a <!=-2->cat<-!=> and <?->dog<-?>.", nil},
		{"set delta on measure", func(s string) (string, error) { return SetDelta(s, 1, 0.75) }, two, "a <!!->cat<-!!> and <!=0.75->dog<-!=>.", nil},
		{"set delta on custom", func(s string) (string, error) { return SetDelta(s, 0, 3) }, "<!=1->x<-!=>", "<!=3->x<-!=>", nil},
		{"delta out of range", func(s string) (string, error) { return SetDelta(s, 0, 11) }, two, "", ErrCustomDelta},
		{"set level", func(s string) (string, error) { return SetLevel(s, 1, Half) }, two, "a <!!->cat<-!!> and <!->dog<-!>.", nil},
		{"remove first", func(s string) (string, error) { return Remove(s, 0) }, two, "a cat and <?->dog<-?>.", nil},
		{"remove custom", func(s string) (string, error) { return Remove(s, 0) }, "x <!=-1->y<-!=> z", "x y z", nil},
		{"index past the end", func(s string) (string, error) { return Remove(s, 2) }, two, "", ErrNoHighlight},
		{"negative index", func(s string) (string, error) { return SetDelta(s, -1, 1) }, two, "", ErrNoHighlight},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.edit(tc.tagged)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := Remove("a <!->b", 0); err == nil || !strings.Contains(err.Error(), "fix the tags first") {
		t.Errorf("broken text: error %v", err)
	}
}

func TestWrapDelta(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		start, end int
		delta      float32
		want       string
		wantErr    error
	}{
		{"negative", "She had a cat.", 10, 13, -1.5, "She had a <!=-1.5->cat<-!=>.", nil},
		{"positive rounds to four decimals", "cat", 0, 3, 0.123456, "<!=0.1235->cat<-!=>", nil},
		{"out of range", "cat", 0, 3, -10.5, "", ErrCustomDelta},
		{"empty selection", "cat", 1, 1, 1, "", ErrEmptySelection},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := WrapDelta(tc.text, tc.start, tc.end, tc.delta)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Text != tc.want || e.Caret != u16(tc.want[:strings.LastIndex(tc.want, "<-!=>")+5]) {
				t.Errorf("got %q caret %d, want %q", e.Text, e.Caret, tc.want)
			}
		})
	}
}

// FuzzHighlights checks that on any text the parser accepts, the highlights
// cut the tagged text exactly at their tags, and removing or re-weighting
// each one leaves text the parser still accepts.
func FuzzHighlights(f *testing.F) {
	for _, s := range []string{"", "a <!!->cat<-!!> b", "<!=-1.5->x<-!=><?->y<-?>", "<!->a<-!", "<!=1e3->z<-!=>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tagged string) {
		hs, err := Highlights(tagged, 1)
		if err != nil {
			return
		}
		end := 0
		for i, h := range hs {
			if h.Open < end || h.Open >= h.Inner || h.Inner >= h.Close || h.Close >= h.End || h.End > len(tagged) || tagged[h.Inner:h.Close] != h.Text {
				t.Fatalf("highlight %d %+v does not fit %q", i, h, tagged)
			}
			end = h.End
			if _, err := Remove(tagged, i); err != nil {
				t.Fatalf("Remove(%q, %d): %v", tagged, i, err)
			}
			if _, err := SetDelta(tagged, i, -2.5); err != nil {
				t.Fatalf("SetDelta(%q, %d): %v", tagged, i, err)
			}
		}
	})
}
