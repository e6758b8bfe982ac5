// Package webdeps fetches the third-party browser files the page ships (the
// chart library) from the npm registry at pinned versions, checks each
// tarball against its pinned npm integrity hash, and extracts only the files
// the page serves. The files are build outputs, not sources: they live in
// web/ but are not committed.
package webdeps

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Package is one pinned npm tarball and the files taken from it.
type Package struct {
	Name, Version string
	// Tarball is the registry URL of the package's .tgz.
	Tarball string
	// Integrity is npm's "integrity" value for the tarball: "sha512-" and the
	// base64 of the digest (`npm view NAME@VERSION dist.integrity`).
	Integrity string
	// Files maps a path inside the tarball to the name it gets in the
	// destination directory.
	Files map[string]string
}

// ECharts is Apache ECharts, the page's chart library (Apache-2.0; its
// LICENSE and NOTICE travel with it).
var ECharts = Package{
	Name:      "echarts",
	Version:   "5.6.0",
	Tarball:   "https://registry.npmjs.org/echarts/-/echarts-5.6.0.tgz",
	Integrity: "sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA==",
	Files: map[string]string{
		"package/dist/echarts.min.js": "echarts.min.js",
		"package/LICENSE":             "echarts.LICENSE.txt",
		"package/NOTICE":              "echarts.NOTICE.txt",
	},
}

// Limits on what a tarball may hold: ECharts 5.6.0's is 10.4 MB and its
// largest file about 5 MB, so these leave room without trusting the network.
const (
	maxTarball = 64 << 20
	maxFile    = 32 << 20
)

// ErrIntegrity means a download does not match its pinned hash.
var ErrIntegrity = errors.New("integrity check failed")

// Verify checks data against an npm integrity value ("sha512-<base64>").
func Verify(data []byte, integrity string) error {
	b64, ok := strings.CutPrefix(integrity, "sha512-")
	if !ok {
		return fmt.Errorf("integrity %q: only sha512 is accepted", integrity)
	}
	want, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(want) != sha512.Size {
		return fmt.Errorf("integrity %q is not a base64 SHA-512 digest", integrity)
	}
	got := sha512.Sum512(data)
	if !bytes.Equal(got[:], want) {
		return fmt.Errorf("%w: sha512 is %s, pinned %s", ErrIntegrity, base64.StdEncoding.EncodeToString(got[:]), b64)
	}
	return nil
}

// Extract reads a gzipped tarball and returns the contents of the wanted
// paths (keys of want). Every wanted path must be present as a regular file.
func Extract(tgz []byte, want map[string]string) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, fmt.Errorf("tarball: %w", err)
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("tarball: %w", err)
		}
		if _, ok := want[h.Name]; !ok || h.Typeflag != tar.TypeReg {
			continue
		}
		if h.Size < 0 || h.Size > maxFile {
			return nil, fmt.Errorf("tarball: %s is %d bytes, over the %d-byte limit", h.Name, h.Size, maxFile)
		}
		data, err := io.ReadAll(io.LimitReader(tr, h.Size))
		if err != nil {
			return nil, fmt.Errorf("tarball: reading %s: %w", h.Name, err)
		}
		out[h.Name] = data
	}
	// Reading the gzip stream to its end checks its CRC and length, which a
	// tar reader stopping at the end-of-archive blocks would skip.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, fmt.Errorf("tarball: %w", err)
	}
	for p := range want {
		if _, ok := out[p]; !ok {
			return nil, fmt.Errorf("tarball lacks %s", p)
		}
	}
	return out, nil
}

// Install writes pkg's files into dir from a tarball already read into
// memory, after checking its integrity. Files are written to a temporary
// name and renamed, so an interrupted run leaves no half file behind.
func Install(pkg Package, tgz []byte, dir string) error {
	if err := Verify(tgz, pkg.Integrity); err != nil {
		return fmt.Errorf("%s@%s: %w", pkg.Name, pkg.Version, err)
	}
	files, err := Extract(tgz, pkg.Files)
	if err != nil {
		return fmt.Errorf("%s@%s: %w", pkg.Name, pkg.Version, err)
	}
	for src, name := range pkg.Files {
		dst := filepath.Join(dir, name)
		tmp := dst + ".part"
		if err := os.WriteFile(tmp, files[src], 0o644); err != nil {
			return fmt.Errorf("%s@%s: %w", pkg.Name, pkg.Version, err)
		}
		if err := os.Rename(tmp, dst); err != nil {
			return fmt.Errorf("%s@%s: %w", pkg.Name, pkg.Version, err)
		}
	}
	return nil
}

// Download fetches pkg's tarball.
func Download(ctx context.Context, client *http.Client, pkg Package) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pkg.Tarball, nil)
	if err != nil {
		return nil, fmt.Errorf("%s@%s: %w", pkg.Name, pkg.Version, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s@%s: %w", pkg.Name, pkg.Version, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s@%s: %s answered %s", pkg.Name, pkg.Version, pkg.Tarball, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxTarball+1))
	if err != nil {
		return nil, fmt.Errorf("%s@%s: %w", pkg.Name, pkg.Version, err)
	}
	if len(data) > maxTarball {
		return nil, fmt.Errorf("%s@%s: tarball over the %d-byte limit", pkg.Name, pkg.Version, maxTarball)
	}
	return data, nil
}
