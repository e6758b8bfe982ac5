package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"heed/internal/defaultmodel"
)

const calibrationPrompt = "Once upon a time, there was a girl named Lily. She had a <!!->cat<-!!> and a big red ball. One day, Lily went to the park."

func TestCalibrateJSON(t *testing.T) {
	model := defaultmodel.ForTest(t)
	code, out, errOut := heed(t, "calibrate", model, calibrationPrompt, "--json", "--backend", "cpu", "--tol", "0.0001")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var c calibrateJSON
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if c.Span.Text != "cat" || c.Upper.Text != "CAT" || c.Iterations == 0 || c.Clamped || c.Delta <= -5 || c.Delta >= 5 {
		t.Fatalf("calibration %+v", c)
	}
	// Bisection to a Δ bracket of 1e-4 on a smooth Influence curve: see
	// engine/calibrate's TestRunMatchesUppercaseInfluence for the bound.
	if math.Abs(float64(c.Achieved-c.Target)) > 1e-6 {
		t.Fatalf("achieved %v, target %v", c.Achieved, c.Target)
	}
}

func TestCalibrateText(t *testing.T) {
	code, out, errOut := heed(t, "calibrate", defaultmodel.ForTest(t), calibrationPrompt, "--backend", "cpu")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`span "cat"`, `UPPERCASE "CAT"`, "calibrated Δ", "bisection steps"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCalibrateUsageErrors(t *testing.T) {
	model := defaultmodel.ForTest(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no highlight", []string{"calibrate", model, "Lily had a cat.", "--backend", "cpu"}, "exactly one"},
		{"two highlights", []string{"calibrate", model, "<!->Lily<-!> had a <!->cat<-!>.", "--backend", "cpu"}, "exactly one"},
		{"range without 0", []string{"calibrate", model, calibrationPrompt, "--min", "1", "--backend", "cpu"}, "must contain 0"},
		{"no prompt", []string{"calibrate", model}, "expected 1 argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := heed(t, tc.args...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q, want 2 and %q", code, errOut, tc.want)
			}
		})
	}
}
