// Package session is the one way heed loads and runs a model, shared by the
// command-line tool and the browser app's engine worker: a GGUF model read
// from any io.ReaderAt onto an executor chosen the same way everywhere
// (Choice: the CPU, a WebGPU adapter, or auto), and the things both do with
// it — build a tagged prompt, generate with and without GUIDE (one side after
// the other, or both in step), measure Influence, sweep and calibrate Δ — so
// the page and the CLI agree. It has no browser code and is tested natively.
package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/tokenizer"
)

var (
	// ErrNotGGUF marks a file that is not a readable GGUF model.
	ErrNotGGUF = errors.New("not a readable GGUF model file")
	// ErrUnsupported marks a GGUF file whose model or tokenizer heed cannot run.
	ErrUnsupported = errors.New("unsupported model")
)

// Session is one loaded model. Its methods serialise on the model: one
// generation or measurement runs at a time (GenerateAB runs its two sides in
// step under that one turn).
type Session struct {
	Card Card

	mu      sync.Mutex
	file    *gguf.File
	closer  io.Closer // the file behind file, when the session opened it
	tok     *tokenizer.Tokenizer
	m       *model.Model
	backend Backend
}

// Card describes a loaded model for people.
type Card struct {
	Name         string
	Architecture string
	Layers       int
	Dim          int
	Heads        int
	KVHeads      int
	Vocab        int
	Context      int
	Parameters   int64
	TensorTypes  string // e.g. "Q4_K ×120, F32 ×61"
	Backend      string // "CPU", or "WebGPU (adapter name)"
}

// Load reads the GGUF header from r (size bytes), builds the tokenizer and
// hands every weight to b's executor, which the session then owns (Close
// releases it). On error b is left to the caller. name is only shown on the
// card; progress, when set, sees the weight bytes loaded.
func Load(r io.ReaderAt, size int64, b Backend, name string, progress func(done, total int64)) (*Session, error) {
	f, err := gguf.Read(r, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrNotGGUF, err)
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (tokenizer): %w", name, ErrUnsupported, err)
	}
	m, err := model.LoadProgress(f, b.Exec, progress)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w: %w", name, ErrUnsupported, err)
	}
	s := &Session{file: f, tok: tok, m: m, backend: b}
	s.Card = Card{Name: name, Architecture: m.Arch, Layers: m.NumLayers, Dim: m.Dim, Heads: m.Heads, KVHeads: m.KVHeads,
		Vocab: m.Vocab, Context: m.Context, Parameters: parameters(f), TensorTypes: tensorTypes(m.Types), Backend: b.Label()}
	return s, nil
}

// LoadFallback is Load onto the executor opener opens for c; when a GPU
// cannot take the model (too large for its limits, an unsupported kernel),
// the model is loaded again onto the CPU and the returned backend's Fallback
// says why. This is how the page loads every model.
func LoadFallback(ctx context.Context, r io.ReaderAt, size int64, o Opener, c Choice, threads int, name string, progress func(done, total int64)) (*Session, error) {
	b, err := o.Open(ctx, c, threads)
	if err != nil {
		return nil, err
	}
	s, err := Load(r, size, b, name, progress)
	if err != nil && b.GPU() && !errors.Is(err, ErrNotGGUF) && !errors.Is(err, context.Canceled) {
		b.Close()
		b = cpuBackend(threads)
		b.Fallback = fmt.Errorf("the GPU could not take this model: %w", err)
		s, err = Load(r, size, b, name, progress)
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	return s, nil
}

// OpenFile loads the GGUF file at path onto b, as `heed` does; the session
// closes the file with the executor.
func OpenFile(path string, b Backend, progress func(done, total int64)) (*Session, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("gguf: %w", err)
	}
	s, err := Load(f, fi.Size(), b, path, progress)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.closer = f
	return s, nil
}

// Close releases the executor's memory (GPU buffers, worker threads) and the
// file the session opened.
func (s *Session) Close() {
	s.backend.Close()
	if s.closer != nil {
		s.closer.Close()
	}
}

// Layers is the model's layer count.
func (s *Session) Layers() int { return s.m.NumLayers }

// TokenText is the vocabulary entry of id, for showing tokens.
func (s *Session) TokenText(id int32) string { return s.tok.TokenText(id) }

// Model, Tokenizer and File are the loaded parts, for commands that drive
// the engine packages directly (evaluations, followed Influence).
func (s *Session) Model() *model.Model             { return s.m }
func (s *Session) Tokenizer() *tokenizer.Tokenizer { return s.tok }
func (s *Session) File() *gguf.File                { return s.file }

// Backend is the executor the model runs on.
func (s *Session) Backend() Backend { return s.backend }

// Label names a backend on the page's model card: "CPU" or "WebGPU (NAME)".
func (b Backend) Label() string {
	if b.Adapter == nil {
		return "CPU"
	}
	if b.Adapter.Name == "" {
		return "WebGPU"
	}
	return "WebGPU (" + strings.TrimSpace(b.Adapter.Name) + ")"
}

// parameters counts the elements of every tensor.
func parameters(f *gguf.File) int64 {
	var n int64
	for _, t := range f.Tensors {
		n += t.Elements()
	}
	return n
}

// tensorTypes lists the tensor types by count, most frequent first.
func tensorTypes(types map[ggml.Type]int) string {
	ts := make([]ggml.Type, 0, len(types))
	for t := range types {
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b ggml.Type) int {
		if types[a] != types[b] {
			return types[b] - types[a]
		}
		return int(a) - int(b)
	})
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = fmt.Sprintf("%s ×%d", t, types[t])
	}
	return strings.Join(parts, ", ")
}
