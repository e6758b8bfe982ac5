package sample

import (
	"errors"
	"math"
	"testing"
)

func TestGreedyPicksArgmax(t *testing.T) {
	s := New(Params{})
	if got := s.Sample([]float32{0.1, 3, -1, 3}, nil); got != 1 {
		t.Fatalf("got %d, want 1 (the first of two equal maxima)", got)
	}
}

func TestRepeatPenalty(t *testing.T) {
	for _, tc := range []struct {
		name    string
		logits  []float32
		history []int32
		want    int32
	}{
		// Positive logits are divided: 3/2 = 1.5 < 2.
		{"positive divided", []float32{3, 2}, []int32{0}, 1},
		// Negative logits are multiplied: -1·2 = -2 < -1.5.
		{"negative multiplied", []float32{-1, -1.5}, []int32{0}, 1},
		// Outside the window of the last 1 token: unpenalised.
		{"outside window", []float32{3, 2}, []int32{0, 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Params{RepeatPenalty: 2}
			if tc.name == "outside window" {
				p.RepeatLastN = 1
			}
			if got := New(p).Sample(tc.logits, tc.history); got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
		})
	}
}

// frequencies draws n samples and returns how often each token came up.
func frequencies(p Params, logits []float32, n int) []float64 {
	s := New(p)
	f := make([]float64, len(logits))
	buf := make([]float32, len(logits))
	for range n {
		copy(buf, logits)
		f[s.Sample(buf, nil)]++
	}
	for i := range f {
		f[i] /= float64(n)
	}
	return f
}

func TestTruncation(t *testing.T) {
	// Probabilities at temperature 1: 0.5, 0.25, 0.125, 0.0625, 0.0625.
	logits := []float32{float32(math.Log(0.5)), float32(math.Log(0.25)), float32(math.Log(0.125)), float32(math.Log(0.0625)), float32(math.Log(0.0625))}
	for _, tc := range []struct {
		name string
		p    Params
		keep int // tokens 0..keep-1 may appear, the rest never
	}{
		{"top-k 2", Params{Temperature: 1, TopK: 2}, 2},
		{"top-p 0.7", Params{Temperature: 1, TopP: 0.7}, 2},
		{"min-p 0.2", Params{Temperature: 1, MinP: 0.2}, 3},
		{"no truncation", Params{Temperature: 1}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := frequencies(tc.p, logits, 4000)
			for i, v := range f {
				if (i < tc.keep) != (v > 0) {
					t.Fatalf("token %d drawn with frequency %v; want only tokens below %d", i, v, tc.keep)
				}
			}
		})
	}
}

func TestTemperatureSharpens(t *testing.T) {
	logits := []float32{1, 0}
	cold := frequencies(Params{Temperature: 0.25, Seed: 1}, logits, 4000)[0]
	warm := frequencies(Params{Temperature: 2, Seed: 1}, logits, 4000)[0]
	// Expected: 1/(1+e^-4) = 0.982 and 1/(1+e^-0.5) = 0.622; 4000 draws give
	// a standard error under 0.008, so 0.05 is over six standard errors.
	if math.Abs(cold-0.982) > 0.05 || math.Abs(warm-0.622) > 0.05 {
		t.Fatalf("P(token 0) = %.3f at T=0.25 and %.3f at T=2, want 0.982 and 0.622", cold, warm)
	}
}

func TestSeedReproduces(t *testing.T) {
	logits := []float32{0.3, 0.2, 0.1, 0, -0.1}
	draw := func(seed uint64) []int32 {
		s := New(Params{Temperature: 1, Seed: seed})
		var out []int32
		for range 50 {
			out = append(out, s.Sample(append([]float32(nil), logits...), nil))
		}
		return out
	}
	a, b, c := draw(7), draw(7), draw(8)
	same := true
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seed 7 drew %v then %v", a, b)
		}
		same = same && a[i] == c[i]
	}
	if same {
		t.Fatal("seeds 7 and 8 drew the same 50 tokens")
	}
}

func TestValidate(t *testing.T) {
	for _, p := range []Params{
		{Temperature: float32(math.NaN())},
		{TopK: -1},
		{TopP: 1.5},
		{MinP: -0.1},
		{RepeatPenalty: -1},
		{RepeatLastN: -2},
	} {
		if err := p.Validate(); !errors.Is(err, ErrParams) {
			t.Errorf("%+v: got %v, want ErrParams", p, err)
		}
	}
	if err := (Params{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1.1}).Validate(); err != nil {
		t.Fatal(err)
	}
}
