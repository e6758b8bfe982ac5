package tagedit

import "testing"

func TestSourceRangeSkipsTagsOutward(t *testing.T) {
	tagged := "a <!!->cat<-!!> and dog"
	// tag-free: "a cat and dog"; "cat" is [2,5), " and" [5,9).
	for _, tc := range []struct{ start, end, from, to int }{
		{2, 5, 7, 10},  // the highlighted word itself: inside its tags
		{5, 9, 15, 19}, // " and": after the closing tag
		{0, 2, 0, 2},   // "a ": before the opening tag
		{10, 13, 20, 23},
		{20, 30, 23, 23}, // past the end: clamped
	} {
		if from, to := SourceRange(tagged, tc.start, tc.end); from != tc.from || to != tc.to {
			t.Errorf("SourceRange(%d, %d) = %d, %d; want %d, %d", tc.start, tc.end, from, to, tc.from, tc.to)
		}
	}
}

func TestWordRange(t *testing.T) {
	text := "She had a cat and a big red ball."
	for _, tc := range []struct {
		start, end int
		want       string
	}{
		{11, 12, "cat"},      // inside "cat"
		{9, 13, " cat"},      // " ca": space kept (wrap trims it), "t" added
		{10, 13, "cat"},      // exactly
		{24, 30, "red ball"}, // "ed bal"
		{13, 13, ""},         // empty stays empty
	} {
		s, e := WordRange(text, tc.start, tc.end)
		if got := text[s:e]; got != tc.want {
			t.Errorf("WordRange(%d, %d) = %q, want %q", tc.start, tc.end, got, tc.want)
		}
	}
}

func TestWrapPlain(t *testing.T) {
	tagged := "She had a <!!!->cat<-!!!> and a big red ball."
	// tag-free: "She had a cat and a big red ball."; "bal" of "ball" at 28..31.
	e, err := WrapPlain(tagged, 28, 31, Mid)
	if err != nil {
		t.Fatal(err)
	}
	if want := "She had a <!!!->cat<-!!!> and a big red <!!->ball<-!!>."; e.Text != want {
		t.Errorf("got %q, want %q", e.Text, want)
	}
	e, err = WrapPlainDelta(tagged, 14, 17, -1.5) // "and"
	if err != nil || e.Text != "She had a <!!!->cat<-!!!> <!=-1.5->and<-!=> a big red ball." {
		t.Errorf("got %q, %v", e.Text, err)
	}
	if _, err := WrapPlain(tagged, 8, 14, Half); err == nil { // "a cat a": across a highlight
		t.Error("wrapping across a highlight succeeded")
	}
	if _, err := WrapPlain(tagged, 13, 14, Half); err == nil { // a space
		t.Error("wrapping a space succeeded")
	}
}
