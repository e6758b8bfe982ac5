package guide

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		tagged   string
		deltaMid float32
		text     string
		spans    []Span
	}{
		{"no tags", "Once upon a time", 1, "Once upon a time", nil},
		{"empty input", "", 1, "", nil},
		{"low level", "a <!->cat<-!> sat", 1, "a cat sat", []Span{{Start: 2, End: 5, Delta: 0.5}}},
		{"mid level", "a <!!->cat<-!!> sat", 1, "a cat sat", []Span{{Start: 2, End: 5, Delta: 1}}},
		{"high level", "a <!!!->cat<-!!!> sat", 1, "a cat sat", []Span{{Start: 2, End: 5, Delta: 2}}},
		{"measure", "a <?->cat<-?> sat", 1, "a cat sat", []Span{{Start: 2, End: 5, Measure: true}}},
		{"delta_mid scales every level", "<!->a<-!> <!!->b<-!!> <!!!->c<-!!!> <?->d<-?>", 3, "a b c d", []Span{
			{Start: 0, End: 1, Delta: 1.5}, {Start: 2, End: 3, Delta: 3}, {Start: 4, End: 5, Delta: 6}, {Start: 6, End: 7, Measure: true},
		}},
		{"negative delta_mid", "<!!!->x<-!!!><?->y<-?>", -1, "xy", []Span{{Start: 0, End: 1, Delta: -2}, {Start: 1, End: 2, Measure: true}}},
		{"adjacent spans", "<!->ab<-!><!!->cd<-!!>", 1, "abcd", []Span{{Start: 0, End: 2, Delta: 0.5}, {Start: 2, End: 4, Delta: 1}}},
		{"whole input", "<!!->Summarize in French:<-!!>", 2, "Summarize in French:", []Span{{Start: 0, End: 20, Delta: 2}}},
		{"unicode offsets are bytes", "über <!!->Käse<-!!> 🧀", 1, "über Käse 🧀", []Span{{Start: 6, End: 11, Delta: 1}}},
		{"multi-line", "line one\n<!!!->line\ntwo<-!!!>\n", 1, "line one\nline\ntwo\n", []Span{{Start: 9, End: 17, Delta: 2}}},
		{"HTML comment is text", "<!-- note --> <!->x<-!>", 1, "<!-- note --> x", []Span{{Start: 14, End: 15, Delta: 0.5}}},
		{"look-alikes are text", "a <- b, <!>, <-->, <!!!!->, <?>, <-", 1, "a <- b, <!>, <-->, <!!!!->, <?>, <-", nil},
		{"tag-like text inside a span", "<!!->x <- y<-!!>", 1, "x <- y", []Span{{Start: 0, End: 6, Delta: 1}}},
		{"explicit negative delta", "a <!=-1.5->cat<-!=> sat", 1, "a cat sat", []Span{{Start: 2, End: 5, Delta: -1.5}}},
		{"explicit delta ignores delta_mid", "<!=3->x<-!=><!!->y<-!!>", 2, "xy", []Span{{Start: 0, End: 1, Delta: 3}, {Start: 1, End: 2, Delta: 2}}},
		{"explicit delta forms", "<!=+0.25->a<-!=> <!=.5->b<-!=> <!=2.->c<-!=> <!=0->d<-!=>", 1, "a b c d", []Span{
			{Start: 0, End: 1, Delta: 0.25}, {Start: 2, End: 3, Delta: 0.5}, {Start: 4, End: 5, Delta: 2}, {Start: 6, End: 7, Delta: 0},
		}},
		{"malformed explicit tags are text", "<!=x-> <!=1e3-> <!=--1-> <!=-> <!=1.2.3-> <!=1234567890123->", 1,
			"<!=x-> <!=1e3-> <!=--1-> <!=-> <!=1.2.3-> <!=1234567890123->", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, spans, err := Parse(tc.tagged, tc.deltaMid)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.tagged, err)
			}
			if text != tc.text {
				t.Errorf("text = %q, want %q", text, tc.text)
			}
			if !reflect.DeepEqual(spans, tc.spans) {
				t.Errorf("spans = %+v, want %+v", spans, tc.spans)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name         string
		tagged       string
		kind         error
		offset       int
		line, column int
		tag          string
	}{
		{"open without close", "a <!->cat", ErrUnclosed, 2, 1, 3, "<!->"},
		{"close without open", "a cat<-!!>", ErrUnopened, 5, 1, 6, "<-!!>"},
		{"close after a closed span", "<!->a<-!><-!>", ErrUnopened, 9, 1, 10, "<-!>"},
		{"mismatched levels", "<!->cat<-!!>", ErrMismatched, 7, 1, 8, "<-!!>"},
		{"measure closed as bias", "<?->cat<-!>", ErrMismatched, 7, 1, 8, "<-!>"},
		{"nested same level", "<!->a <!->b<-!><-!>", ErrNested, 6, 1, 7, "<!->"},
		{"nested other level", "<!!!->a <?->b<-?><-!!!>", ErrNested, 8, 1, 9, "<?->"},
		{"empty span", "x<!!-><-!!>y", ErrEmptySpan, 1, 1, 2, "<!!->"},
		{"position on a later line counts code points", "één\nzwei <!->drei", ErrUnclosed, 11, 2, 6, "<!->"},
		{"tag formed by removal", "<!-<?->><-?>", ErrFormedTag, 0, 1, 1, "<!->"},
		{"tag formed after a removed tag", "ab<!!->c<-!!><-<?->!><-?>", ErrFormedTag, 13, 1, 14, "<-!>"},
		{"explicit open without close", "a <!=-2->cat", ErrUnclosed, 2, 1, 3, "<!=-2->"},
		{"explicit close without open", "cat<-!=>", ErrUnopened, 3, 1, 4, "<-!=>"},
		{"explicit closed as a level", "<!=1->cat<-!>", ErrMismatched, 9, 1, 10, "<-!>"},
		{"level closed as explicit", "<!->cat<-!=>", ErrMismatched, 7, 1, 8, "<-!=>"},
		{"explicit empty span", "<!=1-><-!=>", ErrEmptySpan, 0, 1, 1, "<!=1->"},
		{"nested in explicit", "<!=1->a<!->b<-!><-!=>", ErrNested, 7, 1, 8, "<!->"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse(tc.tagged, 1)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("Parse(%q) error = %v, want %v", tc.tagged, err, tc.kind)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Offset != tc.offset || se.Line != tc.line || se.Column != tc.column || se.Tag != tc.tag {
				t.Errorf("got byte %d, %d:%d, tag %q; want byte %d, %d:%d, tag %q",
					se.Offset, se.Line, se.Column, se.Tag, tc.offset, tc.line, tc.column, tc.tag)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.tag) {
				t.Errorf("message %q does not quote the tag", msg)
			}
		})
	}
}

func TestParseRejectsNonFiniteDeltaMid(t *testing.T) {
	for _, d := range []float32{float32(inf()), -float32(inf()), float32(nan())} {
		if _, _, err := Parse("<!->x<-!>", d); !errors.Is(err, ErrDeltaNotFinite) {
			t.Errorf("Parse with delta_mid %v: error = %v, want ErrDeltaNotFinite", d, err)
		}
	}
}

func TestLineColumn(t *testing.T) {
	tests := []struct {
		s            string
		at           int
		line, column int
	}{
		{"", 0, 1, 1},
		{"abc", 2, 1, 3},
		{"ab\ncd", 3, 2, 1},
		{"ab\ncd", 4, 2, 2},
		{"ä\nöü", 5, 2, 2}, // ä and ö are two bytes each
		{"abc", 99, 1, 4},  // clamped to the end
	}
	for _, tc := range tests {
		if l, c := LineColumn(tc.s, tc.at); l != tc.line || c != tc.column {
			t.Errorf("LineColumn(%q, %d) = %d:%d, want %d:%d", tc.s, tc.at, l, c, tc.line, tc.column)
		}
	}
}

// FuzzParse checks Parse's contract on arbitrary input: no panic, and on
// success a tag-free text with in-bounds, ordered, non-empty, disjoint spans
// whose Δ is the level's multiple of delta_mid.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "plain", "<!->a<-!>", "<!!->a<-!!>", "<!!!->a<-!!!>", "<?->a<-?>",
		"<!-- c -->", "a <- b", "<!-<?->><-?>", "<!->a<!!->b<-!!><-!>", "<-!>", "<!->",
		"über <!!->Käse<-!!> 🧀", "<!->\xff<-!>", "<!=-1.5->a<-!=>", "<!=<!=1->->x<-!=>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tagged string) {
		text, spans, err := Parse(tagged, 1)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Offset < 0 || se.Offset > len(tagged) || !strings.HasPrefix(tagged[se.Offset:], se.Tag) && !errors.Is(err, ErrFormedTag) {
				t.Fatalf("error position %d / tag %q does not point into the input", se.Offset, se.Tag)
			}
			return
		}
		if at, n := findTag(text); n > 0 {
			t.Fatalf("text %q still holds tag %q at %d", text, text[at:at+n], at)
		}
		if len(text) > len(tagged) {
			t.Fatalf("text %q is longer than the input", text)
		}
		end := 0
		for _, sp := range spans {
			if sp.Start < end || sp.Start >= sp.End || sp.End > len(text) {
				t.Fatalf("span %+v out of order or bounds in %q (%d bytes)", sp, text, len(text))
			}
			end = sp.End
			explicit := strings.Contains(tagged, ExplicitOpenPrefix)
			if want := map[bool][]float32{true: {0}, false: {0.5, 1, 2}}[sp.Measure]; !explicit && !containsDelta(want, sp.Delta) {
				t.Fatalf("span %+v has Δ outside %v", sp, want)
			}
		}
	})
}

func TestExplicitOpenRoundTrips(t *testing.T) {
	for _, d := range []float32{-5, -1.5, -0.1, 0, 0.3, 1, 2.75, 5, 0.0001, 123456, -999999.9375} {
		tagged := ExplicitOpen(d) + "x" + ExplicitClose
		_, spans, err := Parse(tagged, 1)
		if err != nil {
			t.Errorf("Parse(%q): %v", tagged, err)
			continue
		}
		if len(spans) != 1 || spans[0].Delta != d { // exact: every d here has at most four decimals
			t.Errorf("Parse(%q) spans = %+v, want one span with Δ %v", tagged, spans, d)
		}
	}
}

func TestTagAt(t *testing.T) {
	for _, tc := range []struct {
		s      string
		n      int
		isOpen bool
	}{
		{"<!->x", 4, true}, {"<-!!!>", 6, false}, {"<?->", 4, true}, {"<!=-1.5->x", 9, true}, {"<-!=>", 5, false},
		{"<!--", 0, false}, {"<!=x->", 0, false}, {"", 0, false}, {"abc", 0, false},
	} {
		if n, isOpen := TagAt(tc.s); n != tc.n || isOpen != tc.isOpen {
			t.Errorf("TagAt(%q) = %d, %v; want %d, %v", tc.s, n, isOpen, tc.n, tc.isOpen)
		}
	}
}

func TestExplicitOpenRounds(t *testing.T) {
	for _, tc := range []struct {
		d    float32
		want string
	}{{1e-7, "<!=0->"}, {-1e-7, "<!=0->"}, {1.23456, "<!=1.2346->"}, {-0.5, "<!=-0.5->"}} {
		if got := ExplicitOpen(tc.d); got != tc.want {
			t.Errorf("ExplicitOpen(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func containsDelta(ds []float32, d float32) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

func ExampleParse() {
	text, spans, _ := Parse("Summarize in <!!!->French<-!!!>: <?->the text<-?>", 1)
	fmt.Printf("%q %+v\n", text, spans)
	_, _, err := Parse("Keep <!->this\nand <!!->that<-!!>", 1)
	fmt.Println(err)
	_, _, err = Parse("a <!->b<-!!>", 1)
	fmt.Println(err)
	// Output:
	// "Summarize in French: the text" [{Start:13 End:19 Delta:2 Measure:false} {Start:21 End:29 Delta:0 Measure:true}]
	// 2:5 (byte 18): tags cannot be nested: "<!!->" (inside "<!->" at 1:6)
	// 1:8 (byte 7): closing tag of another level than the open span: "<-!!>" (the open span is "<!->" at 1:3)
}
