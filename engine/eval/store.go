package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
)

// File names inside a run's output directory.
const (
	RowsFile     = "results.jsonl"
	SettingsFile = "run.json"
)

// ErrOtherRun means an output directory holds rows produced under other
// settings, which must not be mixed with this run's.
var ErrOtherRun = errors.New("the output directory holds another run")

// RunSettings are what rows depend on besides their example, condition and
// sample. A resumed run must match them; the condition grid, the sample count
// and the example count may grow between runs.
type RunSettings struct {
	Task  string `json:"task"`
	Model string `json:"model"` // file name and size: enough to catch a different model
	// Backend is informational: executors agree within rounding, so it may differ.
	Backend     string  `json:"backend,omitempty"`
	MaxTokens   int     `json:"max_tokens"`
	Temperature float32 `json:"temperature"`
	TopK        int     `json:"top_k"`
	TopP        float32 `json:"top_p"`
	Seed        uint64  `json:"seed"`
	Mode        string  `json:"mode"`
	Layers      []int   `json:"layers,omitempty"`
	Chat        string  `json:"chat"`
	Text        string  `json:"text,omitempty"` // the user's corpus file, if any
}

// Store holds a run's rows: in memory, and appended to dir/results.jsonl
// when it has a directory.
type Store struct {
	f    *os.File
	rows []Row
	keys map[string]bool
}

// NewMemoryStore returns a store that keeps rows in memory only.
func NewMemoryStore() *Store { return &Store{keys: map[string]bool{}} }

// OpenStore opens (or creates) the output directory dir for a run with the
// given settings, reading the rows a previous run left. A final line cut short
// by an interrupted write is dropped from the file.
func OpenStore(dir string, s RunSettings) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	if err := checkSettings(filepath.Join(dir, SettingsFile), s); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, RowsFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	st := &Store{f: f, keys: map[string]bool{}}
	good, err := st.read(f)
	if err == nil {
		err = f.Truncate(good)
	}
	if err == nil {
		_, err = f.Seek(good, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("eval: reading %s: %w", path, err)
	}
	return st, nil
}

// checkSettings writes s to path, or checks it against what a previous run wrote.
func checkSettings(path string, s RunSettings) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		out, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		return os.WriteFile(path, append(out, '\n'), 0o644)
	}
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	var prev RunSettings
	if err := json.Unmarshal(b, &prev); err != nil {
		return fmt.Errorf("eval: %s: %w", path, err)
	}
	prev.Backend, s.Backend = "", ""
	if !reflect.DeepEqual(prev, s) {
		return fmt.Errorf("eval: %s: %w (was %+v, now %+v); choose another --out", filepath.Dir(path), ErrOtherRun, prev, s)
	}
	return nil
}

// read loads complete rows and returns the length of the file's valid prefix.
func (st *Store) read(r io.Reader) (int64, error) {
	br := bufio.NewReader(r)
	var good int64
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var row Row
			if jerr := json.Unmarshal(bytes.TrimSpace(line), &row); jerr != nil {
				return 0, fmt.Errorf("line at byte %d: %w", good, jerr)
			}
			st.add(row)
			good += int64(len(line))
		}
		if errors.Is(err, io.EOF) {
			return good, nil // a last line without its newline was cut short
		}
		if err != nil {
			return 0, err
		}
	}
}

func (st *Store) add(r Row) {
	if !st.keys[r.Key()] {
		st.keys[r.Key()] = true
		st.rows = append(st.rows, r)
	}
}

// Has reports whether the row with key is done.
func (st *Store) Has(key string) bool { return st.keys[key] }

// Append records a row, writing it as one line so a crash leaves at most one
// partial line.
func (st *Store) Append(r Row) error {
	if st.f != nil {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		if _, err := st.f.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("eval: writing a row: %w", err)
		}
	}
	st.add(r)
	return nil
}

// Rows returns the rows in the order they were done.
func (st *Store) Rows() []Row { return st.rows }

// Close closes the rows file.
func (st *Store) Close() error {
	if st.f == nil {
		return nil
	}
	return st.f.Close()
}
