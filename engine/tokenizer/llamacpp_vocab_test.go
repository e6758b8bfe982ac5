package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"heed/engine/gguf"
)

// TestLlamaCppVocabFiles checks FromGGUF against llama.cpp's own tokenizer
// tests: the vocabulary-only GGUF files of its models/ directory
// (ggml-vocab-<name>.gguf, converted from the real models, with .inp texts
// and .out ids that llama.cpp's test-tokenizer-0 requires it to produce).
// They are not fetched by fetch.sh: set HEED_LLAMACPP_MODELS to the models/
// directory of a llama.cpp checkout to run it (README.md).
func TestLlamaCppVocabFiles(t *testing.T) {
	dir := os.Getenv("HEED_LLAMACPP_MODELS")
	if dir == "" {
		t.Skip("HEED_LLAMACPP_MODELS is not set (a llama.cpp checkout's models/ directory)")
	}
	for _, name := range []string{"phi-3", "llama-spm", "llama-bpe", "qwen2", "starcoder", "refact", "command-r", "gpt-2", "mpt"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "ggml-vocab-"+name+".gguf")
			f, err := gguf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			tok, err := FromGGUF(f)
			if err != nil {
				t.Fatal(err)
			}
			inp, err := os.ReadFile(path + ".inp")
			if err != nil {
				t.Fatal(err)
			}
			out, err := os.ReadFile(path + ".out")
			if err != nil {
				t.Fatal(err)
			}
			// Every text ends with the separator line.
			texts := strings.Split(strings.TrimSuffix(string(inp), "\n__ggml_vocab_test__\n"), "\n__ggml_vocab_test__\n")
			lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
			if len(texts) != len(lines) {
				t.Fatalf("%d texts, %d id lines", len(texts), len(lines))
			}
			for i, text := range texts {
				var want []int32
				for _, w := range strings.Fields(lines[i]) {
					v, err := strconv.Atoi(w)
					if err != nil {
						t.Fatal(err)
					}
					want = append(want, int32(v))
				}
				// test-tokenizer-0 tokenizes with add_special false, parse_special false.
				enc, err := tok.Encode(text, false, false)
				if err != nil || !slices.Equal(enc.IDs, want) {
					t.Errorf("Encode(%q) = %v, %v\nwant %v", text, enc.IDs, err, want)
				}
			}
		})
	}
}
