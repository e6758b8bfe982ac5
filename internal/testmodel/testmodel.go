// Package testmodel gives tests a model to run: the default model or a
// synthetic one written on the fly, loaded with its tokenizer on an executor,
// with everything released when the test ends.
package testmodel

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"heed/engine/cpu"
	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/synth"
	"heed/engine/tokenizer"
	"heed/internal/defaultmodel"
)

// Loaded is an open model file, its tokenizer and its weights on an executor.
type Loaded struct {
	File  *gguf.File
	Tok   *tokenizer.Tokenizer
	Model *model.Model
}

// WriteSynth writes a synthetic model of spec (a synth shape) with matrices of
// type typ into the test's temporary directory and returns its path.
func WriteSynth(tb testing.TB, spec string, typ ggml.Type, seed int64) string {
	tb.Helper()
	s, err := synth.ParseShape(spec)
	if err != nil {
		tb.Fatal(err)
	}
	name := strings.NewReplacer(",", "_", "=", "-").Replace(spec) + "-" + typ.String() + ".gguf"
	path := filepath.Join(tb.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := synth.Write(f, s, typ, seed); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Load opens the model at path with its tokenizer and loads its weights on
// exec, or on a two-thread CPU executor when exec is nil.
func Load(tb testing.TB, path string, exec model.Executor) Loaded {
	tb.Helper()
	f, err := gguf.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		tb.Fatal(err)
	}
	if exec == nil {
		c := cpu.New(2)
		tb.Cleanup(c.Close)
		exec = c
	}
	m, err := model.Load(f, exec)
	if err != nil {
		tb.Fatal(err)
	}
	return Loaded{File: f, Tok: tok, Model: m}
}

// Stories loads the default model, stories260K, on a two-thread CPU executor.
func Stories(tb testing.TB) Loaded {
	tb.Helper()
	return Load(tb, defaultmodel.ForTest(tb), nil)
}
