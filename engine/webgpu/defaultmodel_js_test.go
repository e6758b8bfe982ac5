//go:build js

package webgpu

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"syscall/js"
	"testing"

	"heed/engine/gguf"
	"heed/internal/defaultmodel"
)

// defaultModelURLEnv names the variable that tells the test binary where to fetch the default
// model: in the browser there is no file system and no go command. A relative URL is resolved
// against the page (internal/wasmtest's harness serves the file next to the test binary).
const defaultModelURLEnv = "HEED_DEFAULT_MODEL_URL"

// defaultModelFile fetches the default model over HTTP, verifies its sha256 and opens it in
// memory. Like defaultmodel.ForTest it fails, never skips, when the model cannot be had.
func defaultModelFile(t testing.TB) *gguf.File {
	t.Helper()
	b, err := fetchDefaultModel(os.Getenv(defaultModelURLEnv))
	if err != nil {
		t.Fatalf("default model: %v", err)
	}
	f, err := gguf.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("default model: %v", err)
	}
	return f
}

func fetchDefaultModel(ref string) ([]byte, error) {
	if ref == "" {
		return nil, fmt.Errorf("%s is not set: under js the model is fetched over HTTP", defaultModelURLEnv)
	}
	u, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", defaultModelURLEnv, err)
	}
	if loc := js.Global().Get("location"); !u.IsAbs() && loc.Truthy() {
		base, err := url.Parse(loc.Get("href").String())
		if err != nil {
			return nil, fmt.Errorf("page location: %w", err)
		}
		u = base.ResolveReference(u)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != defaultmodel.SHA256 {
		return nil, fmt.Errorf("GET %s: sha256 %s, want %s", u, got, defaultmodel.SHA256)
	}
	return b, nil
}
