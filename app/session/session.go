// Package session is the engine side of the browser app: a model loaded from
// any io.ReaderAt onto an executor, and the three things the page does with
// it — build a tagged prompt, generate with and without GUIDE, and measure
// Influence — exactly as cmd/heed does them, so the page and the CLI agree.
// It has no browser code and is tested natively.
package session

import (
	"context"
	"errors"
	"fmt"
	"io"
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
// generation or measurement runs at a time.
type Session struct {
	Card Card

	mu   sync.Mutex
	file *gguf.File
	tok  *tokenizer.Tokenizer
	m    *model.Model
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
	Backend      string
}

// Load reads the GGUF header from r (size bytes), builds the tokenizer and
// hands every weight to exec, which the session then owns. name and backend
// are only shown on the card.
func Load(r io.ReaderAt, size int64, exec model.Executor, name, backend string, progress func(done, total int64)) (*Session, error) {
	f, err := gguf.Read(r, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrNotGGUF, err)
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (tokenizer): %w", name, ErrUnsupported, err)
	}
	m, err := model.LoadProgress(f, exec, progress)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w: %w", name, ErrUnsupported, err)
	}
	s := &Session{file: f, tok: tok, m: m}
	s.Card = Card{Name: name, Architecture: m.Arch, Layers: m.NumLayers, Dim: m.Dim, Heads: m.Heads, KVHeads: m.KVHeads,
		Vocab: m.Vocab, Context: m.Context, Parameters: parameters(f), TensorTypes: tensorTypes(m.Types), Backend: backend}
	return s, nil
}

// Close releases the executor's memory (GPU buffers, worker threads).
func (s *Session) Close() {
	if c, ok := s.m.Exec.(interface{ Close() }); ok {
		c.Close()
	}
}

// Layers is the model's layer count.
func (s *Session) Layers() int { return s.m.NumLayers }

// TokenText is the vocabulary entry of id, for showing tokens.
func (s *Session) TokenText(id int32) string { return s.tok.TokenText(id) }

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
