package guide

import (
	"errors"
	"reflect"
	"testing"
)

func TestSpansFromRunes(t *testing.T) {
	const text = "über Käse 🧀 ok" // ü, ä: 2 bytes; 🧀: 4 bytes
	tests := []struct {
		name   string
		ranges []RuneSpan
		want   []Span
	}{
		{"none", nil, []Span{}},
		{"ascii after a two-byte rune", []RuneSpan{{Start: 1, End: 4, Delta: 1}}, []Span{{Start: 2, End: 5, Delta: 1}}},
		{"word with a two-byte rune", []RuneSpan{{Start: 5, End: 9, Delta: 2}}, []Span{{Start: 6, End: 11, Delta: 2}}},
		{"four-byte rune", []RuneSpan{{Start: 10, End: 11, Delta: -1}}, []Span{{Start: 12, End: 16, Delta: -1}}},
		{"up to the end", []RuneSpan{{Start: 12, End: 14, Delta: 7}}, []Span{{Start: 17, End: 19, Delta: 7}}},
		{"sorted by start, touching is fine", []RuneSpan{{Start: 5, End: 9, Delta: 1}, {Start: 0, End: 5, Delta: -3}},
			[]Span{{Start: 0, End: 6, Delta: -3}, {Start: 6, End: 11, Delta: 1}}},
		{"measure drops Δ", []RuneSpan{{Start: 0, End: 4, Delta: 9, Measure: true}}, []Span{{Start: 0, End: 5, Measure: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SpansFromRunes(text, tc.ranges)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSpansFromRunesErrors(t *testing.T) {
	const text = "über Käse" // 9 code points
	tests := []struct {
		name   string
		ranges []RuneSpan
		want   error
	}{
		{"negative start", []RuneSpan{{Start: -1, End: 2, Delta: 1}}, ErrSpanBounds},
		{"past the end", []RuneSpan{{Start: 5, End: 10, Delta: 1}}, ErrSpanBounds},
		{"empty", []RuneSpan{{Start: 3, End: 3, Delta: 1}}, ErrSpanBounds},
		{"reversed", []RuneSpan{{Start: 4, End: 2, Delta: 1}}, ErrSpanBounds},
		{"NaN Δ", []RuneSpan{{Start: 0, End: 2, Delta: float32(nan())}}, ErrDeltaNotFinite},
		{"infinite Δ", []RuneSpan{{Start: 0, End: 2, Delta: float32(inf())}}, ErrDeltaNotFinite},
		{"overlap", []RuneSpan{{Start: 0, End: 4, Delta: 1}, {Start: 3, End: 6, Delta: 2}}, ErrSpanOverlap},
		{"contained", []RuneSpan{{Start: 2, End: 3, Delta: 1}, {Start: 0, End: 9, Delta: 2}}, ErrSpanOverlap},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := SpansFromRunes(text, tc.ranges); !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCheckDelta(t *testing.T) {
	for _, d := range []float32{0, -5, 5, 100, -1e30} {
		if err := CheckDelta(d); err != nil {
			t.Errorf("CheckDelta(%v) = %v, want nil", d, err)
		}
	}
	for _, d := range []float32{float32(nan()), float32(inf()), -float32(inf())} {
		if err := CheckDelta(d); !errors.Is(err, ErrDeltaNotFinite) {
			t.Errorf("CheckDelta(%v) = %v, want ErrDeltaNotFinite", d, err)
		}
	}
}

func TestParseSpanFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    RuneSpan
		wantErr error
	}{
		{in: "0:4:1", want: RuneSpan{Start: 0, End: 4, Delta: 1}},
		{in: "3:17:2.5", want: RuneSpan{Start: 3, End: 17, Delta: 2.5}},
		{in: "3:17:-1.5", want: RuneSpan{Start: 3, End: 17, Delta: -1.5}},
		{in: "3:17:12", want: RuneSpan{Start: 3, End: 17, Delta: 12}},
		{in: "3:17:?", want: RuneSpan{Start: 3, End: 17, Measure: true}},
		{in: "3:17", wantErr: ErrSpanFlag},
		{in: "3:17:1:2", wantErr: ErrSpanFlag},
		{in: "a:17:1", wantErr: ErrSpanFlag},
		{in: "3:b:1", wantErr: ErrSpanFlag},
		{in: "3:17:x", wantErr: ErrSpanFlag},
		{in: "3:17:", wantErr: ErrSpanFlag},
		{in: "3:17:1e50", wantErr: ErrSpanFlag}, // overflows float32
		{in: "3:17:NaN", wantErr: ErrDeltaNotFinite},
		{in: "3:17:Inf", wantErr: ErrDeltaNotFinite},
		{in: "-1:4:1", wantErr: ErrSpanBounds},
		{in: "4:4:1", wantErr: ErrSpanBounds},
		{in: "5:4:1", wantErr: ErrSpanBounds},
	}
	for _, tc := range tests {
		got, err := ParseSpanFlag(tc.in)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("ParseSpanFlag(%q) error = %v, want %v", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSpanFlag(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseSpanFlag(f *testing.F) {
	for _, s := range []string{"0:4:1", "3:17:-1.5", "3:17:?", "::", "1:2:NaN", "9999999999999999999:1:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseSpanFlag(s)
		if err != nil {
			return
		}
		if r.Start < 0 || r.Start >= r.End || CheckDelta(r.Delta) != nil {
			t.Fatalf("ParseSpanFlag(%q) accepted %+v", s, r)
		}
	})
}
