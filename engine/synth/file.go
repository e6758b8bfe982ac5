package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"heed/engine/ggml"
)

// WriteFileOnce returns the path of the model of shape spec (ParseShape's
// syntax) with matrices of type t and seed 1 in dir, writing it first when it
// is not there: benchmarks keep their files between runs. The name says what
// it holds ("smollm2-135m,layers=6" in Q8_0 is smollm2-135m-layers-6-Q8_0.gguf),
// and the file appears whole or not at all (written aside, then renamed).
func WriteFileOnce(dir, spec string, t ggml.Type) (string, error) {
	stem := strings.NewReplacer(",", "-", "=", "-").Replace(spec)
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.gguf", stem, t))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	s, err := ParseShape(spec)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".synth-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if err := Write(f, s, t, 1); err != nil {
		f.Close()
		return "", fmt.Errorf("synth %s %s: %w", spec, t, err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(f.Name(), path)
}
