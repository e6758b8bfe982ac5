package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"heed/internal/defaultmodel"
	"heed/internal/server/api"
)

func listModels(t *testing.T, f *fixture) map[string]api.Model {
	t.Helper()
	resp, body := f.get(t, "GET", api.ModelsPath)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var list api.Models
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("listing is not JSON: %v\n%s", err, body)
	}
	byName := make(map[string]api.Model)
	var names []string
	for _, m := range list.Models {
		byName[m.Name] = m
		names = append(names, m.Name)
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("listing not sorted by name: %q", names)
		}
	}
	return byName
}

// waitDigest polls the listing until name's digest is no longer pending.
func waitDigest(t *testing.T, f *fixture, name string) api.Model {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, ok := listModels(t, f)[name]
		if !ok {
			t.Fatalf("%s not listed", name)
		}
		if m.SHA256 != api.SHA256Pending {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s digest still pending after 10 s", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestModelListing(t *testing.T) {
	f := newFixture(t, Config{DefaultModel: "a.gguf"})
	models := listModels(t, f)
	// Listed: *.gguf regular files, symlinks that stay inside. Not listed:
	// other extensions, hidden files, escaping symlinks, subdirectories.
	if len(models) != 2 {
		t.Fatalf("listed %v, want a.gguf and inside.gguf", models)
	}
	a, in := models["a.gguf"], models["inside.gguf"]
	if a.Size != patternSize || in.Size != patternSize || !a.Default || in.Default {
		t.Errorf("a.gguf %+v, inside.gguf %+v", a, in)
	}
	if a.Error != "unreadable GGUF header" || a.Architecture != "" {
		t.Errorf("a.gguf is not a GGUF file, got %+v", a)
	}

	sum := sha256.Sum256(patternBytes(0, patternSize))
	want := hex.EncodeToString(sum[:])
	if got := waitDigest(t, f, "a.gguf").SHA256; got != want {
		t.Errorf("sha256 %s, want %s", got, want)
	}
	// The digest survives a restart through the sidecar file.
	if err := f.stop(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(f.models, SumsFile))
	if err != nil {
		t.Fatalf("no digest cache written: %v", err)
	}
	var cache map[string]sumEntry
	if err := json.Unmarshal(b, &cache); err != nil || cache["a.gguf"].SHA256 != want {
		t.Fatalf("digest cache %s (%v)", b, err)
	}
	f.start(t, Config{WebDir: f.web, ModelsDir: f.models, DefaultModel: "a.gguf"})
	if got := listModels(t, f)["a.gguf"].SHA256; got != want {
		t.Errorf("after restart sha256 %q, want %q from the cache", got, want)
	}
	// A removed file's digest is forgotten.
	waitDigest(t, f, "inside.gguf")
	if err := os.Remove(filepath.Join(f.models, "inside.gguf")); err != nil {
		t.Fatal(err)
	}
	listModels(t, f)
	f.srv.models.sums.mu.Lock()
	_, kept := f.srv.models.sums.entries["inside.gguf"]
	f.srv.models.sums.mu.Unlock()
	if kept {
		t.Error("digest of a removed file kept")
	}
	// A changed file is hashed again.
	p := filepath.Join(f.models, "a.gguf")
	changed := append(patternBytes(0, patternSize), 'x')
	if err := os.WriteFile(p, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	sum = sha256.Sum256(changed)
	if got := waitDigest(t, f, "a.gguf").SHA256; got != hex.EncodeToString(sum[:]) {
		t.Errorf("after change sha256 %s, want %x", got, sum)
	}
}

func TestModelListingReadsGGUFHeader(t *testing.T) {
	f := newFixture(t, Config{DefaultModel: defaultmodel.Name})
	b, err := os.ReadFile(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(f.models, defaultmodel.Name), b)
	m := waitDigest(t, f, defaultmodel.Name)
	// stories260K: Llama architecture, all weights F32 (SPEC.md §5).
	want := api.Model{Name: defaultmodel.Name, Size: int64(len(b)), SHA256: defaultmodel.SHA256,
		Architecture: "llama", Quantization: "F32", Default: true}
	if m != want {
		t.Errorf("got %+v\nwant %+v", m, want)
	}
}

func TestCorruptDigestCacheIgnored(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "m.gguf"), []byte("model"))
	writeFile(t, filepath.Join(dir, SumsFile), []byte(`{"m.gguf": {"size": 5, "mtime_ns": 1, "sha256": "short"}`))
	m, err := OpenModels(dir, "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	list, err := m.List()
	if err != nil || len(list) != 1 || list[0].SHA256 != api.SHA256Pending {
		t.Fatalf("list %+v, %v", list, err)
	}
}

func TestMissingDirectories(t *testing.T) {
	dir := t.TempDir()
	if _, err := New(Config{WebDir: filepath.Join(dir, "nope"), ModelsDir: dir}); err == nil {
		t.Error("missing web directory accepted")
	}
	if _, err := New(Config{WebDir: dir, ModelsDir: dir}); err == nil {
		t.Error("web directory without app.wasm accepted")
	}
}
