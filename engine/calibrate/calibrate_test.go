package calibrate

import (
	"context"
	"errors"
	"heed/internal/testmodel"
	"math"
	"testing"

	"heed/engine/guide"
	"heed/engine/influence"
	"heed/engine/model"
	"heed/engine/prompt"
)

func TestBisectConverges(t *testing.T) {
	tests := []struct {
		name           string
		f              func(float32) float32
		target, lo, hi float32
		want           float32
	}{
		{"linear", func(x float32) float32 { return 2*x + 1 }, 4, 0, 5, 1.5},
		{"cubic", func(x float32) float32 { return x * x * x }, 8, 0, 5, 2},
		{"saturating", func(x float32) float32 { return 1 - float32(math.Exp(-float64(x))) }, 0.5, 0, 5, float32(math.Ln2)},
		{"negative side", func(x float32) float32 { return x }, -3.3, -5, 0, -3.3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const tol = 1e-3
			x, fx, steps, err := Bisect(func(x float32) (float32, error) { return tc.f(x), nil }, tc.target, tc.lo, tc.hi, tol, 60)
			if err != nil {
				t.Fatal(err)
			}
			// The bracket halves each step from width 5 to below tol: ⌈log2(5/1e-3)⌉ = 13 steps.
			if steps > 13 {
				t.Errorf("%d steps", steps)
			}
			// The answer lies within the final bracket, at most tol from the root.
			if math.Abs(float64(x-tc.want)) > tol {
				t.Errorf("x = %v, want %v ± %v", x, tc.want, tol)
			}
			if fx != tc.f(x) {
				t.Errorf("f(x) reported %v, is %v", fx, tc.f(x))
			}
		})
	}
}

func TestBisectStopsAtMaxIterAndOnError(t *testing.T) {
	calls := 0
	_, _, steps, err := Bisect(func(x float32) (float32, error) { calls++; return x, nil }, 1, 0, 5, 1e-9, 4)
	if err != nil || steps != 4 || calls != 4 {
		t.Fatalf("steps %d, calls %d, err %v", steps, calls, err)
	}
	boom := errors.New("boom")
	if _, _, _, err := Bisect(func(float32) (float32, error) { return 0, boom }, 1, 0, 5, 0.01, 10); !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
}

func TestUppercase(t *testing.T) {
	text := "Lily had a cat. ſtar!"
	tests := []struct {
		span      guide.Span
		text, hit string
	}{
		{guide.Span{Start: 11, End: 14}, "Lily had a CAT. ſtar!", "CAT"},
		// ſ (two bytes) upper-cases to S (one): byte offsets shift, code points do not.
		{guide.Span{Start: 16, End: 21}, "Lily had a cat. STAR!", "STAR"},
	}
	for _, tc := range tests {
		got, sp := Uppercase(text, tc.span)
		if got != tc.text || string([]rune(got)[sp.Start:sp.End]) != tc.hit || !sp.Measure {
			t.Errorf("Uppercase = %q %+v", got, sp)
		}
	}
}

type fixture struct {
	m            *model.Model
	plain, upper *prompt.Prompt
}

func newFixture(t *testing.T, text string, span guide.RuneSpan) fixture {
	t.Helper()
	l := testmodel.Stories(t)
	m, tok := l.Model, l.Tok
	plain, err := prompt.Build(tok, text, prompt.Options{DeltaMid: 1, Spans: []guide.RuneSpan{span}})
	if err != nil {
		t.Fatal(err)
	}
	upText, upSpan := Uppercase(plain.Text, plain.Spans[0].Span)
	upper, err := prompt.Build(tok, upText, prompt.Options{DeltaMid: 1, Spans: []guide.RuneSpan{upSpan}})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{m, plain, upper}
}

const story = "Once upon a time, there was a girl named Lily. She had a cat and a big red ball. One day, Lily went to the park with her mom."

// TestInfluenceRisesWithDelta pins the monotonicity bisection relies on, on
// the default model, over the range it searches.
func TestInfluenceRisesWithDelta(t *testing.T) {
	fx := newFixture(t, story, guide.RuneSpan{Start: 57, End: 60})
	prev := float32(-1)
	for _, d := range []float32{-5, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 5} {
		spans := []guide.TokenSpan{fx.plain.Spans[0]}
		spans[0].Delta = d
		tr, err := influence.Measure(context.Background(), fx.m, fx.plain.IDs, spans, influence.Options{})
		if err != nil {
			t.Fatal(err)
		}
		v := tr[0].Scalar[len(tr[0].Scalar)-1]
		if v <= prev {
			t.Fatalf("Influence at Δ %g is %v, not above %v", d, v, prev)
		}
		prev = v
	}
}

func TestRunMatchesUppercaseInfluence(t *testing.T) {
	fx := newFixture(t, story, guide.RuneSpan{Start: 57, End: 60})
	if fx.plain.Text[57:60] != "cat" {
		t.Fatalf("span %q", fx.plain.Text[57:60])
	}
	r, err := Run(context.Background(), fx.m, fx.plain, fx.upper, Options{Tol: 1e-4})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("target %.5f, plain %.5f, Δ %.4f → %.5f (off by %.3g) in %d steps", r.Target, r.Plain, r.Delta, r.Achieved, r.Achieved-r.Target, r.Iterations)
	if r.Clamped || r.Delta <= -5 || r.Delta >= 5 || r.Iterations == 0 {
		t.Fatalf("result %+v", r)
	}
	// The Influence is smooth in Δ: it rises by 2.4e-3 from Δ 0 to the answer near 0.26,
	// about 9.3e-3 per unit Δ, so a bracket of 1e-4 in Δ leaves at most 9.3e-7 between
	// the achieved Influence and the target (measured 1.6e-7).
	if math.Abs(float64(r.Achieved-r.Target)) > 1e-6 {
		t.Fatalf("achieved %v, target %v", r.Achieved, r.Target)
	}
	if (r.Target > r.Plain) != (r.Delta > 0) {
		t.Fatalf("Δ %v has the wrong sign for target %v vs plain %v", r.Delta, r.Target, r.Plain)
	}
}

func TestRunClampsAtTheBound(t *testing.T) {
	fx := newFixture(t, story, guide.RuneSpan{Start: 57, End: 60})
	free, err := Run(context.Background(), fx.m, fx.plain, fx.upper, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bound := free.Delta / 4 // reaches less far than the answer
	opt := Options{Min: min(bound, 0), Max: max(bound, 0)}
	r, err := Run(context.Background(), fx.m, fx.plain, fx.upper, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Clamped || r.Delta != bound || r.Iterations != 0 {
		t.Fatalf("result %+v, want clamped at %v", r, bound)
	}
}

func TestRunRejects(t *testing.T) {
	fx := newFixture(t, story, guide.RuneSpan{Start: 57, End: 60})
	two := *fx.plain
	two.Spans = append(two.Spans, two.Spans[0])
	tests := []struct {
		name         string
		plain, upper *prompt.Prompt
		opt          Options
		want         error
	}{
		{"two spans", &two, fx.upper, Options{}, ErrOneSpan},
		{"range without 0", fx.plain, fx.upper, Options{Min: 1, Max: 3}, ErrOptions},
		{"non-finite bound", fx.plain, fx.upper, Options{Min: -1, Max: float32(math.Inf(1))}, ErrOptions},
		{"negative tolerance", fx.plain, fx.upper, Options{Tol: -1}, ErrOptions},
		{"negative iterations", fx.plain, fx.upper, Options{MaxIter: -1}, ErrOptions},
	}
	for _, tc := range tests {
		if _, err := Run(context.Background(), fx.m, tc.plain, tc.upper, tc.opt); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
}
