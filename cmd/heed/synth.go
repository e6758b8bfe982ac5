package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"heed/engine/ggml"
	"heed/engine/synth"
)

func init() {
	register(command{name: "synth", summary: "write a synthetic model of any Llama-family shape with seeded random weights", run: runSynth})
}

// synthTypes lists the types synth writes, for the help text.
var synthTypes = func() string {
	names := make([]string, 0, len(ggml.SupportedTypes()))
	for _, t := range ggml.SupportedTypes() {
		names = append(names, strings.ToLower(t.String()))
	}
	return strings.Join(names, ", ")
}()

func runSynth(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "synth", "OUT.gguf")
	shape := fs.String("shape", "stories260k", "preset (stories260k, smollm2-135m, qwen2.5-0.5b, …) with ,key=value overrides, or a key=value list")
	typeName := fs.String("type", "q8_0", "type of the 2-D weights: "+synthTypes+"; rows that are not whole blocks fall back as llama-quantize's do (q3_k → q4_0, iq4_xs → iq4_nl, …)")
	seed := fs.Int64("seed", 1, "random seed for the weights")
	asJSON := fs.Bool("json", false, "print what was written as JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("expected one OUT.gguf argument")
	}
	s, err := synth.ParseShape(*shape)
	if err != nil {
		return usageError{err}
	}
	t, err := ggml.ParseType(*typeName)
	if err != nil {
		return usageError{err}
	}
	out := rest[0]
	// Write beside the destination and rename, so a failed run leaves no half file.
	tmp, err := os.CreateTemp(filepath.Dir(out), ".synth-*.gguf")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := synth.Write(tmp, s, t, *seed); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	info, err := os.Stat(out)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(map[string]any{
			"path": out, "bytes": info.Size(), "type": t.String(), "seed": *seed, "shape": s})
	}
	fmt.Fprintf(e.stdout, "wrote %s (%d bytes, %s, seed %d)\n", out, info.Size(), t, *seed)
	return nil
}
