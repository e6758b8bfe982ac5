//go:build !js

package keep

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"heed/internal/defaultmodel"
	"heed/internal/wasmtest"
)

// TestBrowserStorageInChromium builds the js/wasm tests of the packages that
// talk to the browser's storage (this one, app/blobfile, app/jspromise) and
// runs them in headless Chromium, whose private file system and Blob reads
// they exercise for real.
func TestBrowserStorageInChromium(t *testing.T) {
	if _, err := os.Stat(wasmtest.DefaultChromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI (apt-get install -y chromium): %v", wasmtest.DefaultChromium, err)
		}
		t.Skipf("%s not installed (apt-get install -y chromium); set CI=1 to make this a failure", wasmtest.DefaultChromium)
	}
	root, err := defaultmodel.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"./app/keep", "./app/blobfile", "./app/jspromise"} {
		t.Run(filepath.Base(pkg), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			dir := t.TempDir()
			bin := filepath.Join(dir, "test.wasm")
			if err := wasmtest.Build(ctx, root, pkg, bin); err != nil {
				t.Fatal(err)
			}
			res, err := wasmtest.Run(ctx, wasmtest.Options{
				Binary:      bin,
				Args:        []string{"-test.v"},
				UserDataDir: filepath.Join(dir, "chromium"),
			})
			if err != nil {
				t.Fatalf("%v\noutput:\n%s", err, res.Output)
			}
			if res.ExitCode != 0 || !regexp.MustCompile(`(?m)^PASS$`).MatchString(res.Output) {
				t.Fatalf("exit code %d\noutput:\n%s", res.ExitCode, res.Output)
			}
			if regexp.MustCompile(`(?m)--- SKIP`).MatchString(res.Output) {
				t.Errorf("tests skipped in the browser:\n%s", res.Output)
			}
		})
	}
}
