package main

import (
	"fmt"
	"os"
	"path/filepath"

	"heed/engine/gguf"
	"heed/internal/defaultmodel"
)

// defaultModelsDir is where the default model lives: the repository's models/
// directory when run inside the repository, else ./models.
func defaultModelsDir() string {
	if root, err := defaultmodel.RepoRoot(); err == nil {
		if _, err := os.Stat(filepath.Join(root, "cmd", "heed")); err == nil {
			return filepath.Join(root, "models")
		}
	}
	return "models"
}

// modelPath resolves the MODEL argument: the default model when empty.
func modelPath(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	p, err := defaultmodel.Ensure(defaultModelsDir())
	if err != nil {
		return "", fmt.Errorf("default model unavailable (pass a MODEL path): %w", err)
	}
	return p, nil
}

// openModel opens a GGUF file, or the default model when path is empty.
func openModel(path string) (*gguf.File, error) {
	p, err := modelPath(path)
	if err != nil {
		return nil, err
	}
	return gguf.Open(p)
}
