package sharelink

import (
	"strings"
	"testing"
)

var base = State{Prompt: "default", DeltaMid: 1, Temperature: 0, Seed: 1, MaxTokens: 20}

func TestRoundTrip(t *testing.T) {
	tests := []State{
		{Prompt: "Once upon a <!!!->cat<-!!!> & a dog = 100% #1?", DeltaMid: 1.5, Temperature: 0.7, Seed: 18446744073709551615, MaxTokens: 4096},
		{Prompt: "", DeltaMid: -5, Temperature: 0, Seed: 0, MaxTokens: 1},
		{Prompt: "ünïcødé\nnew line <?->x<-?>", DeltaMid: 0.1, Temperature: 1e-3, Seed: 7, MaxTokens: 64},
		{Prompt: "a <!=-1.5->b<-!=>", DeltaMid: 1, Temperature: 0.8, Seed: 3, MaxTokens: 30, Chat: true, System: "You are terse & kind.\nAlways.",
			TopK: 40, TopP: 0.9, MinP: 0.05, RepeatPenalty: 1.1},
	}
	for _, st := range tests {
		frag := Encode(st)
		if strings.ContainsAny(frag, " #\n") {
			t.Errorf("fragment %q holds characters a URL fragment must escape", frag)
		}
		got, ok, err := Decode("#"+frag, base)
		if err != nil || !ok || got != st {
			t.Errorf("Decode(Encode(%+v)) = %+v, %v, %v", st, got, ok, err)
		}
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		frag string
		want State
		ok   bool
		err  string
	}{
		{frag: "", want: base},
		{frag: "#", want: base},
		{frag: "#other=1", want: base},
		{frag: "#p=a+%3C%21%21-%3Eb%3C-%21%21%3E&d=2", want: State{Prompt: "a <!!->b<-!!>", DeltaMid: 2, Seed: 1, MaxTokens: 20}, ok: true},
		{frag: "n=5&s=9&t=0.5", want: State{Prompt: "default", DeltaMid: 1, Temperature: 0.5, Seed: 9, MaxTokens: 5}, ok: true},
		{frag: "d=6", want: base, err: "Δmid"},
		{frag: "d=NaN", want: base, err: "Δmid"},
		{frag: "d=x", want: base, err: "Δmid"},
		{frag: "t=-1", want: base, err: "temperature"},
		{frag: "s=-1", want: base, err: "seed"},
		{frag: "n=0", want: base, err: "token count"},
		{frag: "n=5000", want: base, err: "token count"},
		{frag: "p=%zz", want: base, err: "malformed"},
		{frag: "c=1&y=Be+brief.&k=5&tp=0.5&mp=0.1&rp=1.2", want: State{Prompt: "default", DeltaMid: 1, Seed: 1, MaxTokens: 20,
			Chat: true, System: "Be brief.", TopK: 5, TopP: 0.5, MinP: 0.1, RepeatPenalty: 1.2}, ok: true},
		{frag: "c=yes", want: base, err: "chat"},
		{frag: "k=-1", want: base, err: "top-k"},
		{frag: "k=1.5", want: base, err: "top-k"},
		{frag: "tp=1.5", want: base, err: "top-p"},
		{frag: "mp=-0.5", want: base, err: "min-p"},
		{frag: "rp=11", want: base, err: "repetition penalty"},
	}
	for _, tt := range tests {
		got, ok, err := Decode(tt.frag, base)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Decode(%q) = %+v, %v; want %+v, %v", tt.frag, got, ok, tt.want, tt.ok)
		}
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("Decode(%q): %v", tt.frag, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("Decode(%q) error %v, want one about %s", tt.frag, err, tt.err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(base))
	f.Add("p=%zz&d=1e40")
	f.Fuzz(func(t *testing.T, frag string) {
		st, _, err := Decode(frag, base)
		if err != nil {
			return
		}
		again, _, err := Decode(Encode(st), base)
		if err != nil || again != st {
			t.Fatalf("Decode(Encode(%+v)) = %+v, %v", st, again, err)
		}
	})
}
