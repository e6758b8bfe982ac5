package model

import (
	"fmt"

	"heed/engine/ggml"
	"heed/engine/gguf"
)

// Tensor is a model tensor as stored in the GGUF file: raw bytes of its ggml type.
type Tensor struct {
	Name string
	Type ggml.Type
	Rows int // ne[1] (1 for a vector)
	Cols int // ne[0]: the contiguous dimension
	Data []byte
}

// Layer holds one transformer block's weights, named after the GGUF tensors.
type Layer struct {
	AttnNorm                Weight // (1, dim)
	AttnQ, AttnK, AttnV     Weight // (qDim, dim), (kvDim, dim), (kvDim, dim)
	AttnQB, AttnKB, AttnVB  Weight // biases (1, qDim), (1, kvDim), (1, kvDim); nil unless Qwen2
	AttnOutput              Weight // (dim, qDim)
	FFNNorm                 Weight // (1, dim)
	FFNGate, FFNUp, FFNDown Weight // (ffn, dim), (ffn, dim), (dim, ffn)
}

// Model is a loaded model: its configuration and its weights on an executor.
type Model struct {
	Config
	Exec Executor

	TokenEmbd  Weight // (vocab, dim)
	OutputNorm Weight // (1, dim)
	Output     Weight // (vocab, dim); token_embd when the file has no output.weight (tied)
	Layers     []Layer

	// Types counts the tensors of each ggml type, for reports.
	Types map[ggml.Type]int
	// WeightBytes is the size of the weights one decode step reads: every
	// tensor except the embedding table, unless it doubles as the output.
	WeightBytes int64
	rope        Rope
}

// Load reads the configuration and every weight from f and hands them to e.
func Load(f *gguf.File, e Executor) (*Model, error) { return LoadProgress(f, e, nil) }

// LoadProgress is Load reporting the bytes of weights read so far to progress
// (when not nil) after each tensor.
func LoadProgress(f *gguf.File, e Executor, progress func(done, total int64)) (*Model, error) {
	cfg, err := ReadConfig(f)
	if err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, Exec: e, Types: map[ggml.Type]int{}}
	l := loader{f: f, m: m, progress: progress}
	if progress != nil {
		l.total = totalBytes(f, cfg)
	}
	m.TokenEmbd = l.matrix("token_embd.weight", -1, cfg.Dim)
	embdBytes := m.WeightBytes
	if l.err == nil {
		m.Vocab, _ = m.TokenEmbd.Shape()
	}
	m.OutputNorm = l.vector("output_norm.weight", cfg.Dim)
	if _, ok := f.Tensor("output.weight"); ok {
		m.Output = l.matrix("output.weight", m.Vocab, cfg.Dim)
		m.WeightBytes -= embdBytes
	} else {
		m.Output = m.TokenEmbd
	}
	if t, ok := f.Tensor("rope_freqs.weight"); ok {
		factors, err := f.ReadTensorF32(t)
		if err != nil {
			return nil, fmt.Errorf("rope_freqs.weight: %w", err)
		}
		if len(factors) != cfg.RopeDims/2 {
			return nil, fmt.Errorf("%w: rope_freqs.weight has %d factors, want %d", ErrUnsupported, len(factors), cfg.RopeDims/2)
		}
		m.RopeFactors = factors
	}
	qd, kvd := cfg.QDim(), cfg.KVDim()
	m.Layers = make([]Layer, cfg.NumLayers)
	for i := range m.Layers {
		name := func(s string) string { return fmt.Sprintf("blk.%d.%s", i, s) }
		ly := &m.Layers[i]
		ly.AttnNorm = l.vector(name("attn_norm.weight"), cfg.Dim)
		ly.AttnQ = l.matrix(name("attn_q.weight"), qd, cfg.Dim)
		ly.AttnK = l.matrix(name("attn_k.weight"), kvd, cfg.Dim)
		ly.AttnV = l.matrix(name("attn_v.weight"), kvd, cfg.Dim)
		if cfg.QKVBias {
			ly.AttnQB = l.vector(name("attn_q.bias"), qd)
			ly.AttnKB = l.vector(name("attn_k.bias"), kvd)
			ly.AttnVB = l.vector(name("attn_v.bias"), kvd)
		}
		ly.AttnOutput = l.matrix(name("attn_output.weight"), cfg.Dim, qd)
		ly.FFNNorm = l.vector(name("ffn_norm.weight"), cfg.Dim)
		ly.FFNGate = l.matrix(name("ffn_gate.weight"), cfg.FFN, cfg.Dim)
		ly.FFNUp = l.matrix(name("ffn_up.weight"), cfg.FFN, cfg.Dim)
		ly.FFNDown = l.matrix(name("ffn_down.weight"), cfg.Dim, cfg.FFN)
	}
	if l.err != nil {
		return nil, l.err
	}
	m.rope = Rope{HeadDim: m.HeadDim, Dims: m.RopeDims, NeoX: m.RopeNeoX, InvFreq: e.Buffer(1, m.RopeDims/2)}
	e.Write(m.rope.InvFreq, 0, m.InvFreq())
	return m, nil
}

// loader reads tensors by name, checks their shapes, and keeps the first error.
type loader struct {
	f           *gguf.File
	m           *Model
	err         error
	progress    func(done, total int64)
	done, total int64
}

// totalBytes is the size of the tensors Load reads, for progress reports.
func totalBytes(f *gguf.File, c Config) int64 {
	names := []string{"token_embd.weight", "output_norm.weight", "output.weight"}
	for i := range c.NumLayers {
		for _, n := range []string{"attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight",
			"attn_q.bias", "attn_k.bias", "attn_v.bias", "attn_output.weight",
			"ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"} {
			names = append(names, fmt.Sprintf("blk.%d.%s", i, n))
		}
	}
	var total int64
	for _, n := range names {
		if info, ok := f.Tensor(n); ok && len(info.Dims) > 0 {
			elems := int64(1)
			for _, d := range info.Dims {
				elems *= d
			}
			if b, err := info.Type.RowBytes(elems); err == nil {
				total += b
			}
		}
	}
	return total
}

// matrix loads a (rows, cols) tensor; rows < 0 accepts any row count.
func (l *loader) matrix(name string, rows, cols int) Weight {
	if l.err != nil {
		return nil
	}
	info, ok := l.f.Tensor(name)
	if !ok {
		l.err = fmt.Errorf("%w: tensor %s is missing", ErrUnsupported, name)
		return nil
	}
	if len(info.Dims) != 2 || info.Dims[0] != int64(cols) || (rows >= 0 && info.Dims[1] != int64(rows)) {
		l.err = fmt.Errorf("%w: tensor %s has shape %v, want [%d %d]", ErrUnsupported, name, info.Dims, cols, rows)
		return nil
	}
	return l.upload(info, int(info.Dims[1]), cols)
}

// vector loads a tensor of n elements.
func (l *loader) vector(name string, n int) Weight {
	if l.err != nil {
		return nil
	}
	info, ok := l.f.Tensor(name)
	if !ok {
		l.err = fmt.Errorf("%w: tensor %s is missing", ErrUnsupported, name)
		return nil
	}
	if len(info.Dims) != 1 || info.Dims[0] != int64(n) {
		l.err = fmt.Errorf("%w: tensor %s has shape %v, want [%d]", ErrUnsupported, name, info.Dims, n)
		return nil
	}
	return l.upload(info, 1, n)
}

func (l *loader) upload(info *gguf.TensorInfo, rows, cols int) Weight {
	data, err := l.f.ReadTensorBytes(info)
	if err != nil {
		l.err = fmt.Errorf("tensor %s: %w", info.Name, err)
		return nil
	}
	w, err := l.m.Exec.Weight(&Tensor{Name: info.Name, Type: info.Type, Rows: rows, Cols: cols, Data: data})
	if err != nil {
		l.err = fmt.Errorf("tensor %s: %w", info.Name, err)
		return nil
	}
	l.m.Types[info.Type]++
	l.m.WeightBytes += int64(len(data))
	if l.progress != nil {
		l.done += int64(len(data))
		l.progress(min(l.done, l.total), l.total)
	}
	return w
}
