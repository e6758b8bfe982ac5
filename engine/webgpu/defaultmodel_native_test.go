//go:build !js

package webgpu

import (
	"testing"

	"heed/engine/gguf"
	"heed/internal/defaultmodel"
)

// defaultModelFile opens the default model from the repository's models/ directory,
// fetching it through the Go module proxy when missing.
func defaultModelFile(t testing.TB) *gguf.File {
	t.Helper()
	f, err := gguf.Open(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
