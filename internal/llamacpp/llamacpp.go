// Package llamacpp runs llama.cpp on a GGUF file for heed's tests: its tokenisation of a
// prompt, its next-token log-probabilities at every prompt position and its greedy
// continuation. llama.cpp is the independent implementation every architecture and weight
// type heed runs is checked against. It comes from npm (node-llama-cpp, pinned, prebuilt
// CPU binaries), fetched by fetch.sh into testdata/cache/llamacpp; oracle.mjs drives it.
package llamacpp

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"heed/internal/defaultmodel"
)

// Version is the node-llama-cpp release fetch.sh installs (llama.cpp release v0.4.0 of its builds).
const Version = "3.21.1"

//go:embed oracle.mjs
var oracleScript []byte

// Request is what to run: a model file, a prompt (text to tokenise, or ids), the number
// of greedy tokens and the context size. llama.cpp picks some settings by context size
// (Phi-3's long or short LongRoPE factors), so a comparison uses the same on both sides.
type Request struct {
	Model   string  `json:"model"`
	Text    string  `json:"text,omitempty"`
	IDs     []int32 `json:"ids,omitempty"`
	Steps   int     `json:"steps"`
	Context int     `json:"context"`
	Threads int     `json:"threads"`
}

// Result is what llama.cpp computed.
type Result struct {
	// IDs are the prompt's token ids (BOS first where the model adds one).
	IDs []int32 `json:"ids"`
	// LogProbs[i][v] is ln P(v | seq[:i+1]) for every vocabulary entry v, where seq is IDs
	// followed by Greedy; −Inf where llama.cpp reported no probability (one that
	// underflowed to 0). Positions run to the one that predicts the last greedy token.
	LogProbs [][]float64 `json:"-"`
	// Greedy are the Steps tokens chosen greedily after the prompt.
	Greedy []int32 `json:"greedy"`
}

// Available reports where node-llama-cpp's entry module is, or why it cannot be used.
func Available() (string, error) {
	root, err := defaultmodel.RepoRoot()
	if err != nil {
		return "", err
	}
	entry := filepath.Join(root, "testdata", "cache", "llamacpp", "node_modules", "node-llama-cpp", "dist", "index.js")
	if _, err := os.Stat(entry); err != nil {
		return "", fmt.Errorf("node-llama-cpp %s is not installed: run internal/llamacpp/fetch.sh (make test-deps)", Version)
	}
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("node: %w", err)
	}
	// node-llama-cpp 3.x needs Node.js 20 or later (its package.json's engines).
	var major int
	if _, err := fmt.Sscanf(string(out), "v%d.", &major); err != nil || major < 20 {
		return "", fmt.Errorf("node %s is too old: node-llama-cpp %s needs Node.js 20 or later", strings.TrimSpace(string(out)), Version)
	}
	return entry, nil
}

// Need returns node-llama-cpp's entry module, or skips the test where llama.cpp cannot
// run; under CI (CI set) a missing llama.cpp fails the test instead.
func Need(tb testing.TB) string {
	tb.Helper()
	entry, err := Available()
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatal(err)
		}
		tb.Skip(err)
	}
	return entry
}

// Run runs req through llama.cpp (one thread unless req says otherwise) and returns its
// result, failing the test on any error. It skips where llama.cpp is not installed (Need).
func Run(tb testing.TB, req Request) Result {
	tb.Helper()
	entry := Need(tb)
	if req.Threads == 0 {
		req.Threads = 1
	}
	script := filepath.Join(tb.TempDir(), "oracle.mjs")
	if err := os.WriteFile(script, oracleScript, 0o644); err != nil {
		tb.Fatal(err)
	}
	in, err := json.Marshal(req)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command("node", script)
	// node-llama-cpp refuses to start when CI holds anything but a boolean ("CI=" does
	// not); it needs nothing from CI, so the variable is left out.
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "CI=") }),
		"NODE_LLAMA_CPP="+entry)
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("llama.cpp on %s: %v\n%s", filepath.Base(req.Model), err, stderr.Bytes())
	}
	var res struct {
		Result
		LogProbs [][]*float64 `json:"logprobs"` // null: no probability
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		tb.Fatalf("llama.cpp on %s: %v in %q", filepath.Base(req.Model), err, stdout.Bytes())
	}
	for _, row := range res.LogProbs {
		out := make([]float64, len(row))
		for v, lp := range row {
			out[v] = math.Inf(-1)
			if lp != nil {
				out[v] = *lp
			}
		}
		res.Result.LogProbs = append(res.Result.LogProbs, out)
	}
	return res.Result
}
