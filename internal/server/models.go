package server

import (
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"heed/internal/server/api"
)

// openFile opens the regular file at path (a file AddFile named).
func openFile(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, errNotRegular
	}
	return f, fi, nil
}

// emptyDir is an empty directory every server may read: a models root with
// nothing in it.
var emptyDir = sync.OnceValues(func() (string, error) { return os.MkdirTemp("", "heed-no-models-") })

// ggufExt is the extension of the files /api/models lists.
const ggufExt = ".gguf"

// Models serves a models directory: the files at /models/NAME with Range and
// conditional requests, and their description at /api/models.
type Models struct {
	root        *os.Root
	defaultName string
	log         *slog.Logger
	sums        *sums

	mu      sync.Mutex
	headers map[string]header // by file name

	extra map[string]extraFile // files from elsewhere served under a name (AddFile)
}

// extraFile is a model file outside the directory, with its known digest.
type extraFile struct {
	path, sha256 string
}

// AddFile serves the file at path as name, unless the directory holds a
// file of that name, which wins: the default model from the download cache
// when the models directory has none. sha256 is its verified digest.
func (m *Models) AddFile(name, path, sha256 string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.extra == nil {
		m.extra = make(map[string]extraFile)
	}
	m.extra[name] = extraFile{path: path, sha256: sha256}
}

// extraFor is the file served as name from elsewhere, when the directory
// has no such file.
func (m *Models) extraFor(name string) (extraFile, bool) {
	m.mu.Lock()
	x, ok := m.extra[name]
	m.mu.Unlock()
	if !ok {
		return extraFile{}, false
	}
	if fi, err := m.root.Stat(name); err == nil && fi.Mode().IsRegular() {
		return extraFile{}, false
	}
	return x, true
}

// header is what /api/models reports from a GGUF header, valid while the file
// keeps its size and mtime.
type header struct {
	size         int64
	modTime      time.Time
	architecture string
	quantization string
	err          string
}

// OpenModels serves dir, marking defaultName (a file name, may be empty) as the
// default model. Digests are computed in the background until Close.
func OpenModels(dir, defaultName string, log *slog.Logger) (*Models, error) {
	if dir == "" {
		// No directory: an empty one stands in, so that only AddFile's
		// files are served.
		d, err := emptyDir()
		if err != nil {
			return nil, fmt.Errorf("models directory: %w", err)
		}
		dir = d
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("models directory: %w", err)
	}
	return &Models{
		root:        root,
		defaultName: defaultName,
		log:         log,
		sums:        newSums(root, log),
		headers:     make(map[string]header),
	}, nil
}

// Close stops the digest worker and releases the directory.
func (m *Models) Close() error {
	m.sums.close()
	return m.root.Close()
}

// List describes every non-hidden *.gguf regular file (symlinks followed only
// when they stay inside the directory), sorted by name.
func (m *Models) List() ([]api.Model, error) {
	entries, err := fs.ReadDir(m.root.FS(), ".")
	if err != nil {
		return nil, fmt.Errorf("models directory: %w", err)
	}
	models := make([]api.Model, 0, len(entries))
	listed := make(map[string]bool, len(entries))
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !strings.EqualFold(path.Ext(name), ggufExt) {
			continue
		}
		fi, err := m.root.Stat(name)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		listed[name] = true
		sum := m.sums.lookup(name, fi)
		if sum == "" {
			sum = api.SHA256Pending
		}
		h := m.header(name, fi)
		models = append(models, api.Model{
			Name:         name,
			Size:         fi.Size(),
			SHA256:       sum,
			Architecture: h.architecture,
			Quantization: h.quantization,
			Default:      name == m.defaultName,
			Error:        h.err,
		})
	}
	m.sums.retain(listed)
	m.mu.Lock()
	names := make([]string, 0, len(m.extra))
	for name := range m.extra {
		names = append(names, name)
	}
	m.mu.Unlock()
	for _, name := range names {
		x, ok := m.extraFor(name)
		if !ok || listed[name] {
			continue
		}
		f, err := os.Open(x.path)
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			f.Close()
			continue
		}
		md := api.Model{Name: name, Size: fi.Size(), SHA256: x.sha256, Default: name == m.defaultName}
		if arch, quant, err := readHeaderFrom(f, fi.Size()); err != nil {
			md.Error = "unreadable GGUF header"
		} else {
			md.Architecture, md.Quantization = arch, quant
		}
		f.Close()
		models = append(models, md)
	}
	sort.Slice(models, func(i, j int) bool { return models[i].Name < models[j].Name })
	return models, nil
}

// header reads name's GGUF header once per size and mtime. A file that does
// not parse is still listed, with a generic error; the detail goes to the log.
func (m *Models) header(name string, fi fs.FileInfo) header {
	m.mu.Lock()
	h, ok := m.headers[name]
	m.mu.Unlock()
	if ok && h.size == fi.Size() && h.modTime.Equal(fi.ModTime()) {
		return h
	}
	h = header{size: fi.Size(), modTime: fi.ModTime()}
	arch, quant, err := readHeader(m.root, name)
	if err != nil {
		m.log.Warn("gguf header unreadable", "model", name, "err", err)
		h.err = "unreadable GGUF header"
	} else {
		h.architecture, h.quantization = arch, quant
	}
	m.mu.Lock()
	m.headers[name] = h
	m.mu.Unlock()
	return h
}

// serve answers a request for the model file name (already checked by
// fileName). The strong ETag comes from size and mtime, as a content hash of a
// multi-GB file is not available in time; it changes whenever the file does,
// which is what If-Range needs to resume a download safely.
func (m *Models) serve(w http.ResponseWriter, r *http.Request, name string) {
	f, fi, err := openRegular(m.root, name)
	if x, ok := m.extraFor(name); ok {
		f, fi, err = openFile(x.path)
	}
	if err != nil {
		notFound(w)
		return
	}
	defer f.Close()
	h := w.Header()
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", cacheRevalidate)
	h.Set("ETag", `"`+strconv.FormatInt(fi.Size(), 16)+"-"+strconv.FormatInt(fi.ModTime().UnixNano(), 16)+`"`)
	serveContent(w, r, name, fi.ModTime(), f, fi.Size(), "")
}
