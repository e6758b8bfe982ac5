package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"heed/engine/calibrate"
	"heed/engine/prompt"
)

func init() {
	register(command{name: "calibrate", summary: "find the Δ whose Influence matches the highlight written in UPPERCASE (SPEC §3)", run: runCalibrate})
}

// calibrateJSON is heed calibrate's --json output.
type calibrateJSON struct {
	Span       spanJSON `json:"span"`
	Upper      spanJSON `json:"uppercase_span"`
	Delta      float32  `json:"delta"`
	Target     float32  `json:"uppercase_influence"`
	Plain      float32  `json:"plain_influence"`
	Achieved   float32  `json:"calibrated_influence"`
	Iterations int      `json:"iterations"`
	Clamped    bool     `json:"clamped"`
	ScalarRule string   `json:"scalar_rule"`
}

func runCalibrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "calibrate", "[MODEL] PROMPT   (PROMPT holds one highlight, tagged or given with --span)")
	var pf promptFlags
	pf.register(fs)
	var ef engineFlags
	ef.register(fs)
	minDelta := fs.Float64("min", -5, "smallest Δ to consider")
	maxDelta := fs.Float64("max", 5, "largest Δ to consider")
	tol := fs.Float64("tol", 0.01, "stop when Δ is known to within this")
	lagged := fs.Bool("reference-compatible", false, "use the previous layer's ‖x‖₁ as the reference code does (SPEC §2)")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	modelArg, rest, err := splitModelArg(rest, 1)
	if err != nil {
		return err
	}
	g, err := loadEngine(e, modelArg, ef)
	if err != nil {
		return err
	}
	defer g.Close()
	plain, err := pf.build(g.file, g.tok, rest[0])
	if err != nil {
		return err
	}
	if len(plain.Spans) != 1 {
		return usagef("the prompt has %d highlights; calibration needs exactly one", len(plain.Spans))
	}
	upperText, upperSpan := calibrate.Uppercase(plain.Text, plain.Spans[0].Span)
	upf := pf
	upf.spans = spanList{upperSpan}
	upper, err := upf.build(g.file, g.tok, upperText)
	if err != nil {
		return fmt.Errorf("building the UPPERCASE prompt: %w", err)
	}
	r, err := calibrate.Run(ctx, g.m, plain, upper, calibrate.Options{Min: float32(*minDelta), Max: float32(*maxDelta),
		Tol: float32(*tol), GuideLayers: ef.layers, LaggedNorm: *lagged})
	if err != nil {
		return usageOrRun(err)
	}
	out := calibrateJSON{Span: spansJSON(plain)[0], Upper: spansJSON(upper)[0], Delta: r.Delta, Target: r.Target,
		Plain: r.Plain, Achieved: r.Achieved, Iterations: r.Iterations, Clamped: r.Clamped, ScalarRule: scalarRule}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return writeCalibration(e, out, upper)
}

// usageOrRun passes a calibration error on; bad bounds are the command line's fault.
func usageOrRun(err error) error {
	if errors.Is(err, calibrate.ErrOptions) {
		return usageError{err}
	}
	return err
}

func writeCalibration(e *env, c calibrateJSON, upper *prompt.Prompt) error {
	fmt.Fprintf(e.stdout, "span %q: tokens %d-%d; UPPERCASE %q: tokens %d-%d\n",
		c.Span.Text, c.Span.First, c.Span.Last-1, c.Upper.Text, c.Upper.First, c.Upper.Last-1)
	fmt.Fprintf(e.stdout, "Influence of the UPPERCASE span (unbiased): %.5f\n", c.Target)
	fmt.Fprintf(e.stdout, "Influence of the span at Δ 0:               %.5f\n", c.Plain)
	fmt.Fprintf(e.stdout, "calibrated Δ %.3f: Influence %.5f (%d bisection steps)\n", c.Delta, c.Achieved, c.Iterations)
	if c.Clamped {
		fmt.Fprintf(e.stdout, "the target lies beyond the Δ range; Δ is the bound (widen --min/--max)\n")
	}
	fmt.Fprintf(e.stdout, "Influence: last-layer scalar, %s; the UPPERCASE prompt has %d tokens\n", scalarRule, len(upper.IDs))
	return nil
}
