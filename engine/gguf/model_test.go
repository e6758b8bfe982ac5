package gguf_test

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"sync/atomic"
	"testing"

	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/internal/defaultmodel"
)

// TestDefaultModel pins what the reader sees in stories260K.gguf (SPEC.md §5).
func TestDefaultModel(t *testing.T) {
	f, err := gguf.Open(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Version != 3 || f.Architecture() != "llama" {
		t.Errorf("version %d architecture %q, want 3 llama", f.Version, f.Architecture())
	}
	for key, want := range map[string]uint64{
		"llama.block_count":               5,
		"llama.embedding_length":          64,
		"llama.attention.head_count":      8,
		"llama.attention.head_count_kv":   4,
		"llama.feed_forward_length":       172,
		"llama.context_length":            2048,
		"llama.rope.dimension_count":      8,
		"tokenizer.ggml.bos_token_id":     1,
		"tokenizer.ggml.eos_token_id":     2,
		"tokenizer.ggml.unknown_token_id": 0,
	} {
		if got, ok := f.Uint(key); !ok || got != want {
			t.Errorf("%s = %d (%v), want %d", key, got, ok, want)
		}
	}
	if eps, ok := f.Float("llama.attention.layer_norm_rms_epsilon"); !ok || float32(eps) != 1e-5 {
		t.Errorf("rms epsilon = %v %v", eps, ok)
	}
	tokens, ok := f.Strings("tokenizer.ggml.tokens")
	if !ok || len(tokens) != 512 || tokens[0] != "<unk>" || tokens[3] != "<0x00>" {
		t.Fatalf("tokens: %d, ok %v", len(tokens), ok)
	}
	types, ok := f.Int32s("tokenizer.ggml.token_type")
	scores, ok2 := f.Float32s("tokenizer.ggml.scores")
	if !ok || !ok2 || len(types) != 512 || len(scores) != 512 || types[0] != 2 || types[1] != 3 || types[3] != 6 {
		t.Errorf("token_type %v (%v), scores %d (%v)", types[:4], ok, len(scores), ok2)
	}

	want := map[string][]int64{
		"token_embd.weight":  {64, 512},
		"output_norm.weight": {64},
		"output.weight":      {64, 512},
	}
	for i := range 5 {
		for name, dims := range map[string][]int64{
			"attn_q.weight": {64, 64}, "attn_k.weight": {64, 32}, "attn_v.weight": {64, 32},
			"attn_output.weight": {64, 64}, "attn_norm.weight": {64}, "ffn_norm.weight": {64},
			"ffn_gate.weight": {64, 172}, "ffn_up.weight": {64, 172}, "ffn_down.weight": {172, 64},
		} {
			want[fmt.Sprintf("blk.%d.%s", i, name)] = dims
		}
	}
	if len(f.Tensors) != len(want) {
		t.Errorf("%d tensors, want %d", len(f.Tensors), len(want))
	}
	for name, dims := range want {
		ti, ok := f.Tensor(name)
		if !ok {
			t.Errorf("missing tensor %s", name)
			continue
		}
		if !reflect.DeepEqual(ti.Dims, dims) || ti.Type != ggml.F32 {
			t.Errorf("%s: %v %s, want %v F32", name, ti.Dims, ti.Type, dims)
		}
	}
	norm, _ := f.Tensor("blk.0.attn_norm.weight")
	v, err := f.ReadTensorF32(norm)
	if err != nil || len(v) != 64 {
		t.Fatalf("ReadTensorF32: %d values, %v", len(v), err)
	}
	for i, x := range v {
		// RMSNorm gains of a trained model: positive and of order one.
		if !(x > 0 && x < 10) {
			t.Errorf("attn_norm[%d] = %v, not a plausible gain", i, x)
		}
	}
}

// countingReaderAt records how many bytes Read asks for.
type countingReaderAt struct {
	r     io.ReaderAt
	bytes atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.bytes.Add(int64(len(p)))
	return c.r.ReadAt(p, off)
}

// TestReadDoesNotLoadTensorData: parsing the 1.1 MB default model reads its
// 14 KB header region in one buffered chunk, not the file.
func TestReadDoesNotLoadTensorData(t *testing.T) {
	osf, err := os.Open(defaultmodel.ForTest(t))
	if err != nil {
		t.Fatal(err)
	}
	defer osf.Close()
	st, err := osf.Stat()
	if err != nil {
		t.Fatal(err)
	}
	c := &countingReaderAt{r: osf}
	f, err := gguf.Read(c, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	// One 64 KiB buffer fill covers the whole header of this file.
	if got := c.bytes.Load(); got > 64<<10 || got < f.DataOffset-32 {
		t.Errorf("Read fetched %d bytes of a %d-byte file whose data starts at %d", got, st.Size(), f.DataOffset)
	}
}
