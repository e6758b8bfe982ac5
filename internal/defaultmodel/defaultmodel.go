// Package defaultmodel fetches and verifies heed's default model, stories260K.gguf
// (TinyStories, Llama architecture, 5 layers, dim 64, MIT-licensed weights).
//
// The file ships inside the Go module github.com/mutablelogic/go-llama@v0.0.11 under
// testdata/, so the Go module proxy, which every Go developer and CI machine
// already reaches, is the download channel. The sha256 pins the exact bytes.
package defaultmodel

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const (
	// Name is the file name of the default model in the models directory.
	Name = "stories260K.gguf"
	// SHA256 is the hex sha256 of the exact file.
	SHA256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d"
	// Module is the Go module (exact version) that ships the file.
	Module = "github.com/mutablelogic/go-llama@v0.0.11"
	// pathInModule is where the file sits inside that module.
	pathInModule = "testdata/stories260K.gguf"
)

// Ensure returns the path of the default model inside dir, fetching it through
// the Go module proxy when it is missing and verifying its sha256 either way.
// A file present with the wrong hash is replaced.
func Ensure(dir string) (string, error) {
	dst := filepath.Join(dir, Name)
	if err := verify(dst); err == nil {
		return dst, nil
	}
	src, err := download()
	if err != nil {
		return "", err
	}
	if err := verify(src); err != nil {
		return "", fmt.Errorf("default model from %s: %w", Module, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := copyFile(dst, src); err != nil {
		return "", fmt.Errorf("default model: %w", err)
	}
	return dst, verify(dst)
}

// CacheEnv names the directory Cached keeps the default model in, when set.
const CacheEnv = "HEED_CACHE_DIR"

// CacheDir is where the default model is kept for a server whose models
// directory lacks it: $HEED_CACHE_DIR, else heed/models in the user's cache
// directory (~/.cache on Linux).
func CacheDir() (string, error) {
	if d := os.Getenv(CacheEnv); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("default model cache: %w (set %s)", err, CacheEnv)
	}
	return filepath.Join(d, "heed", "models"), nil
}

// Cached returns the path of the default model in CacheDir, fetching and
// verifying it as Ensure does: a server uses it without writing into the
// models directory it was given.
func Cached() (string, error) {
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	return Ensure(dir)
}

// Verify checks the file at path is the default model (its sha256).
func Verify(path string) error { return verify(path) }

// ForTest returns the path of the default model in the repository's models/
// directory, fetching it if needed. A test that needs the model fails (never
// skips) when it cannot be had, so CI cannot pass without exercising it.
func ForTest(tb testing.TB) string {
	tb.Helper()
	root, err := RepoRoot()
	if err != nil {
		tb.Fatalf("default model: %v", err)
	}
	p, err := Ensure(filepath.Join(root, "models"))
	if err != nil {
		tb.Fatalf("default model: %v", err)
	}
	return p
}

// RepoRoot walks up from the working directory to the directory holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// download asks the go command for the module and returns the path of the file
// in the module cache.
func download() (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", Module)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Outside a module the go command still downloads; GOFLAGS=-mod=mod keeps a
	// vendor directory or read-only go.sum from interfering.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	runErr := cmd.Run()
	var info struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil || info.Error != "" || runErr != nil {
		msg := info.Error
		if msg == "" {
			msg = stderr.String()
		}
		return "", fmt.Errorf("go mod download %s failed: %v %s", Module, runErr, msg)
	}
	return filepath.Join(info.Dir, pathInModule), nil
}

func verify(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != SHA256 {
		return fmt.Errorf("%s: sha256 %s, want %s", path, got, SHA256)
	}
	return nil
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".download-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// The module cache is read-only; the copy must be writable and readable.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
