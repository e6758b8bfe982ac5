package eval

import (
	"bufio"
	_ "embed"
	"fmt"
	"slices"
	"strings"
)

// Shipped corpora: written for this project and dedicated to the public
// domain (see each file's header).
var (
	//go:embed testdata/mention.txt
	mentionCorpus string
	//go:embed testdata/prose.txt
	proseCorpus string
	//go:embed testdata/json.txt
	jsonCorpus string
)

// Counter measures a text's length in tokens, as the model's tokenizer does.
type Counter func(text string) (int, error)

// Task is one evaluation: its examples, how outputs are scored, and the
// generation settings the paper used for it.
type Task interface {
	Info() Info
	// Examples builds the task's examples; count sizes the context-length bins.
	Examples(count Counter) ([]Example, error)
}

// Info describes a task.
type Info struct {
	Name string
	// Success says what a successful output is; Value what the graded metric
	// is, or "" when it equals Success.
	Success, Value string
	// MaxTokens and Temperature are the task's default generation settings.
	MaxTokens   int
	Temperature float32
	// Binned is set when examples fall into context-length bins.
	Binned bool
}

// Settings are the user's choices that shape a task's examples. Zero values
// take the task's defaults.
type Settings struct {
	// Examples bounds the examples: in total (mention, json) or per bin and
	// depth (french, needle).
	Examples int
	// Bins are context lengths in tokens (french, needle).
	Bins []int
	// Depths are the needle's relative positions in [0, 1].
	Depths []float64
	// Text replaces the shipped prose (french texts, needle haystack).
	Text string
}

// Names lists the tasks.
func Names() []string { return []string{"mention", "french", "needle", "json"} }

// New returns the task called name.
func New(name string, s Settings) (Task, error) {
	switch name {
	case "mention":
		return mentionTask{limit: s.Examples}, nil
	case "json":
		return jsonTask{limit: s.Examples}, nil
	case "french":
		return newFrench(s)
	case "needle":
		return newNeedle(s)
	}
	return nil, fmt.Errorf("eval: unknown task %q (tasks: %s)", name, strings.Join(Names(), ", "))
}

// lines returns the non-empty lines of s that are not # comments.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// limit keeps the first n items (n ≤ 0: all).
func limit[T any](items []T, n int) []T {
	if n > 0 && n < len(items) {
		return items[:n]
	}
	return items
}

// checkBins validates context-length bins and sorts them.
func checkBins(bins []int) ([]int, error) {
	bins = slices.Clone(bins)
	slices.Sort(bins)
	for i, b := range bins {
		if b < 16 {
			return nil, fmt.Errorf("eval: bin %d tokens: bins must be at least 16 tokens", b)
		}
		if i > 0 && b == bins[i-1] {
			return nil, fmt.Errorf("eval: bin %d appears twice", b)
		}
	}
	return bins, nil
}
