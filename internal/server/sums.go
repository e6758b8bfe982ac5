package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
)

// SumsFile is the sidecar in the models directory that keeps computed sha256
// digests across restarts. Its leading dot keeps it out of listings and URLs.
const SumsFile = ".heed-sha256.json"

// sumsQueue bounds pending digest jobs; a file that does not fit is queued
// again by the next listing.
const sumsQueue = 256

// sumEntry is one file's digest, valid while size and mtime are unchanged.
type sumEntry struct {
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
	SHA256  string `json:"sha256"`
}

// sums computes sha256 digests of model files once per (name, size, mtime),
// one file at a time in a background goroutine so that listing a directory
// of multi-GB files never waits for them.
type sums struct {
	root *os.Root
	log  *slog.Logger

	mu      sync.Mutex
	entries map[string]sumEntry
	queued  map[string]bool

	jobs   chan string
	cancel context.CancelFunc
	done   chan struct{}
}

func newSums(root *os.Root, log *slog.Logger) *sums {
	ctx, cancel := context.WithCancel(context.Background())
	s := &sums{
		root:    root,
		log:     log,
		entries: make(map[string]sumEntry),
		queued:  make(map[string]bool),
		jobs:    make(chan string, sumsQueue),
		cancel:  cancel,
		done:    make(chan struct{}),
	}
	s.load()
	go s.work(ctx)
	return s
}

// lookup returns the digest of name if known for fi's size and mtime, and
// otherwise queues its computation and returns "".
func (s *sums) lookup(name string, fi fs.FileInfo) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[name]; ok && e.Size == fi.Size() && e.ModTime == fi.ModTime().UnixNano() {
		return e.SHA256
	}
	if !s.queued[name] {
		select {
		case s.jobs <- name:
			s.queued[name] = true
		default:
		}
	}
	return ""
}

// retain forgets digests of files no longer listed, so the sidecar does not
// grow with every model ever removed. The next save persists it.
func (s *sums) retain(names map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.entries {
		if !names[name] {
			delete(s.entries, name)
		}
	}
}

// close stops the worker, abandoning a digest in progress, and waits for it.
func (s *sums) close() {
	s.cancel()
	<-s.done
}

func (s *sums) work(ctx context.Context) {
	defer close(s.done)
	for {
		select {
		case <-ctx.Done():
			return
		case name := <-s.jobs:
			e, err := s.compute(ctx, name)
			s.mu.Lock()
			delete(s.queued, name)
			if err == nil {
				s.entries[name] = e
			}
			s.mu.Unlock()
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("sha256 failed", "model", name, "err", err)
				}
				continue
			}
			if err := s.save(); err != nil {
				s.log.Warn("sha256 cache not saved", "err", err)
			}
		}
	}
}

// compute hashes name and keeps the result only if the file did not change
// while it was read.
func (s *sums) compute(ctx context.Context, name string) (sumEntry, error) {
	f, before, err := openRegular(s.root, name)
	if err != nil {
		return sumEntry{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return sumEntry{}, err
	}
	after, err := s.root.Stat(name)
	if err != nil {
		return sumEntry{}, err
	}
	if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		return sumEntry{}, fmt.Errorf("%s changed while hashing", name)
	}
	return sumEntry{Size: before.Size(), ModTime: before.ModTime().UnixNano(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// load reads the sidecar; a missing or malformed one starts an empty cache.
func (s *sums) load() {
	b, err := s.root.ReadFile(SumsFile)
	if err != nil {
		return
	}
	var entries map[string]sumEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		s.log.Warn("sha256 cache ignored", "err", err)
		return
	}
	for name, e := range entries {
		if len(e.SHA256) == 2*sha256.Size {
			s.entries[name] = e
		}
	}
}

// save writes the sidecar atomically. A read-only models directory only costs
// recomputation after a restart.
func (s *sums) save() error {
	s.mu.Lock()
	b, err := json.MarshalIndent(s.entries, "", "  ")
	s.mu.Unlock()
	if err != nil {
		return err
	}
	tmp := SumsFile + ".tmp"
	if err := s.root.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return s.root.Rename(tmp, SumsFile)
}

// ctxReader stops a long read when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
