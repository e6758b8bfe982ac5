package gguf_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/synth"
)

// tinyModelSpec is the smallest complete model llama.cpp loads (checked with
// node-llama-cpp 3.21.1): one layer, dim 32, the minimum 259-token vocabulary.
const tinyModelSpec = "arch=llama,name=tiny,layers=1,dim=32,heads=2,kv=1,ffn=32,vocab=259"

// TestTinyModelFuzzSeed keeps a real, loadable model in the FuzzRead seed corpus
// (testdata/fuzz/FuzzRead/seed-tiny-model, written by synth with seed 1; the
// -update flag rewrites it).
func TestTinyModelFuzzSeed(t *testing.T) {
	path := filepath.Join("testdata", "fuzz", "FuzzRead", "seed-tiny-model")
	if u := flag.Lookup("update"); u != nil && u.Value.String() == "true" {
		s, err := synth.ParseShape(tinyModelSpec)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := synth.Write(&buf, s, ggml.Q8_0, 1); err != nil {
			t.Fatal(err)
		}
		corpus := "go test fuzz v1\n[]byte(" + strconv.Quote(buf.String()) + ")\n"
		if err := os.WriteFile(path, []byte(corpus), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./engine/gguf -run TestTinyModelFuzzSeed -update)", err)
	}
	body := bytes.TrimSuffix(bytes.TrimPrefix(raw, []byte("go test fuzz v1\n[]byte(")), []byte(")\n"))
	data, err := strconv.Unquote(string(body))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	f, err := gguf.Read(bytes.NewReader([]byte(data)), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Architecture() != "llama" || len(f.Tensors) != 12 {
		t.Errorf("seed model: architecture %q, %d tensors; want llama, 12", f.Architecture(), len(f.Tensors))
	}
}
