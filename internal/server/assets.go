package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

const (
	// cacheImmutable is sent for a URL whose ?v= names the content it gets.
	cacheImmutable = "public, max-age=31536000, immutable"
	// cacheRevalidate is sent for everything else: caches keep it but ask
	// (If-None-Match) before each use.
	cacheRevalidate = "no-cache"
	// webPrefix is go-app's URL prefix for static resources.
	webPrefix = "/web/"
	// versionParam is the query parameter that carries a content hash.
	versionParam = "v"
)

// Assets serves the web directory under /web/ and, as go-app's
// ResourceResolver, turns "/web/NAME" into "/web/NAME?v=HASH" so pages, the
// loader and the service worker reference content-addressed URLs that may be
// cached for a year. A request whose ?v= does not match the file's current
// content still gets the current file, revalidated like any other.
type Assets struct {
	root    *os.Root
	version string

	mu      sync.Mutex
	digests map[string]digest // by file name relative to the root
}

// digest is a content hash valid while the file keeps its size and mtime.
type digest struct {
	size    int64
	modTime time.Time
	sum     string // first 16 hex digits of sha256: enough to tell versions apart
}

// OpenAssets hashes every regular file under dir (hidden files and
// precompressed siblings excluded from the version).
func OpenAssets(dir string) (*Assets, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("web directory: %w", err)
	}
	a := &Assets{root: root, digests: make(map[string]digest)}
	var lines []string
	err = fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || isSibling(name) {
			return nil
		}
		dg, err := a.digest(name)
		if err != nil {
			return err
		}
		lines = append(lines, name+" "+dg.sum)
		return nil
	})
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("web directory: %w", err)
	}
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	a.version = hex.EncodeToString(h[:8])
	return a, nil
}

// Close releases the directory handle.
func (a *Assets) Close() error { return a.root.Close() }

// Version is a hash of every file's name and content at OpenAssets: go-app's
// Handler.Version, so the service worker updates exactly when the app changes.
func (a *Assets) Version() string { return a.version }

// Resolve implements go-app's ResourceResolver.
func (a *Assets) Resolve(location string) string {
	if location == "" {
		return "/"
	}
	name, ok := strings.CutPrefix(location, webPrefix)
	if !ok {
		return location
	}
	if d, err := a.digest(name); err == nil {
		return location + "?" + versionParam + "=" + d.sum
	}
	return location
}

// Has reports whether name is a regular file in the web directory.
func (a *Assets) Has(name string) bool {
	fi, err := a.root.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

// digest returns the content hash of name, recomputing it when the file's
// size or mtime changed since the last time.
func (a *Assets) digest(name string) (digest, error) {
	fi, err := a.root.Stat(name)
	if err != nil {
		return digest{}, err
	}
	if !fi.Mode().IsRegular() {
		return digest{}, fs.ErrNotExist
	}
	a.mu.Lock()
	d, ok := a.digests[name]
	a.mu.Unlock()
	if ok && d.size == fi.Size() && d.modTime.Equal(fi.ModTime()) {
		return d, nil
	}
	f, err := a.root.Open(name)
	if err != nil {
		return digest{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return digest{}, err
	}
	d = digest{size: fi.Size(), modTime: fi.ModTime(), sum: hex.EncodeToString(h.Sum(nil)[:8])}
	a.mu.Lock()
	a.digests[name] = d
	a.mu.Unlock()
	return d, nil
}

// serve answers a request for the web file name (already checked by
// fileName). The representation is chosen by Accept-Encoding among the
// precompressed siblings written by Precompress; Range, HEAD and conditional
// requests apply to the chosen representation, whose ETag names its encoding.
func (a *Assets) serve(w http.ResponseWriter, r *http.Request, name string) {
	if isSibling(name) {
		// A precompressed copy is a representation of its original, never a
		// resource of its own.
		notFound(w)
		return
	}
	f, fi, err := openRegular(a.root, name)
	if err != nil {
		notFound(w)
		return
	}
	defer f.Close()
	d, err := a.digest(name)
	if err != nil {
		notFound(w)
		return
	}
	h := w.Header()
	h.Set("Vary", "Accept-Encoding")
	if r.URL.Query().Get(versionParam) == d.sum {
		h.Set("Cache-Control", cacheImmutable)
	} else {
		h.Set("Cache-Control", cacheRevalidate)
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		h.Set("Content-Type", ct)
	}
	content, size, etag, encoding := io.ReadSeeker(f), fi.Size(), `"`+d.sum+`"`, ""
	token, suffix := chooseEncoding(r.Header.Get("Accept-Encoding"), func(token string) bool {
		return a.freshSibling(name, fi, token)
	})
	if token != "" {
		if sf, sfi, err := openRegular(a.root, name+suffix); err == nil {
			defer sf.Close()
			content, size, etag, encoding = sf, sfi.Size(), `"`+d.sum+"-"+token+`"`, token
		}
	}
	h.Set("ETag", etag)
	serveContent(w, r, name, fi.ModTime(), content, size, encoding)
}

// freshSibling reports whether name's precompressed sibling for token exists
// and was written from the current file: Precompress gives it the original's
// mtime, so a rebuilt original with a stale sibling is served uncompressed.
func (a *Assets) freshSibling(name string, orig fs.FileInfo, token string) bool {
	for _, e := range encodings {
		if e.token != token {
			continue
		}
		fi, err := a.root.Stat(name + e.suffix)
		return err == nil && fi.Mode().IsRegular() && fi.ModTime().Equal(orig.ModTime())
	}
	return false
}

// isSibling reports whether name is a precompressed copy of another file.
func isSibling(name string) bool {
	for _, e := range encodings {
		if strings.HasSuffix(name, e.suffix) {
			return true
		}
	}
	return false
}

// openRegular opens name inside root and refuses anything but a regular file
// (directories are never listed). os.Root refuses names and symlinks that
// leave the root.
func openRegular(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, errNotRegular
	}
	return f, fi, nil
}

var errNotRegular = errors.New("not a regular file")
