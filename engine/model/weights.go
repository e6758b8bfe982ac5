package model

import (
	"fmt"
	"math"
	"slices"

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
	AttnQ, AttnK, AttnV     Weight // (qDim, dim), (kvDim, dim), (kvDim, dim); row ranges of attn_qkv when fused (Phi-3)
	AttnQB, AttnKB, AttnVB  Weight // biases (1, qDim), (1, kvDim), (1, kvDim), or nil
	AttnQNorm, AttnKNorm    Weight // (1, headDim) per-head norms of q and k, or nil (Config.QKNorm)
	AttnOutput              Weight // (dim, qDim)
	AttnPostNorm            Weight // (1, dim) post_attention_norm, or nil (Config.PostNorms)
	FFNNorm                 Weight // (1, dim)
	FFNGate, FFNUp, FFNDown Weight // (ffn, dim), (ffn, dim), (dim, ffn); gate and up are the halves of a fused ffn_up (Phi-3)
	FFNPostNorm             Weight // (1, dim) post_ffw_norm, or nil
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
	// ropes holds the rotary embeddings the layers use: global, local, and
	// Phi-3's long-context variant of the global one (nil where unused).
	ropes [3]*Rope
}

// rope indices of Model.ropes.
const (
	ropeGlobal = iota
	ropeLocal
	ropeLong
)

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
	l := loader{f: f, m: m, progress: progress, used: map[string]bool{}}
	if progress != nil {
		l.total = totalBytes(f)
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
	if err := m.readRopeFactors(f, l.used); err != nil {
		return nil, err
	}
	qd, kvd := cfg.QDim(), cfg.KVDim()
	m.Layers = make([]Layer, cfg.NumLayers)
	for i := range m.Layers {
		name := func(s string) string { return fmt.Sprintf("blk.%d.%s", i, s) }
		ly := &m.Layers[i]
		ly.AttnNorm = l.vector(name("attn_norm.weight"), cfg.Dim)
		// Q, K and V: separate tensors, or the row ranges [0, qd), [qd, qd+kvd), [qd+kvd, qd+2kvd)
		// of a fused attn_qkv (llama.cpp's create_tensor_qkv accepts either in every architecture).
		if _, fused := f.Tensor(name("attn_qkv.weight")); fused {
			qkv := l.matrixParts(name("attn_qkv.weight"), cfg.Dim, qd, kvd, kvd)
			ly.AttnQ, ly.AttnK, ly.AttnV = qkv[0], qkv[1], qkv[2]
			if _, ok := f.Tensor(name("attn_qkv.bias")); ok {
				b := l.vectorParts(name("attn_qkv.bias"), qd, kvd, kvd)
				ly.AttnQB, ly.AttnKB, ly.AttnVB = b[0], b[1], b[2]
			}
		} else {
			ly.AttnQ = l.matrix(name("attn_q.weight"), qd, cfg.Dim)
			ly.AttnK = l.matrix(name("attn_k.weight"), kvd, cfg.Dim)
			ly.AttnV = l.matrix(name("attn_v.weight"), kvd, cfg.Dim)
			// Biases are optional in llama.cpp for every architecture; Qwen2 files always have them.
			ly.AttnQB = l.optionalVector(name("attn_q.bias"), qd)
			ly.AttnKB = l.optionalVector(name("attn_k.bias"), kvd)
			ly.AttnVB = l.optionalVector(name("attn_v.bias"), kvd)
		}
		if cfg.QKNorm {
			ly.AttnQNorm = l.vector(name("attn_q_norm.weight"), cfg.HeadDim)
			ly.AttnKNorm = l.vector(name("attn_k_norm.weight"), cfg.HeadDim)
		}
		ly.AttnOutput = l.matrix(name("attn_output.weight"), cfg.Dim, qd)
		ly.FFNNorm = l.vector(name("ffn_norm.weight"), cfg.Dim)
		if _, hasGate := f.Tensor(name("ffn_gate.weight")); hasGate || cfg.Arch != ArchPhi3 {
			ly.FFNGate = l.matrix(name("ffn_gate.weight"), cfg.FFN, cfg.Dim)
			ly.FFNUp = l.matrix(name("ffn_up.weight"), cfg.FFN, cfg.Dim)
		} else {
			// Phi-3's ffn_up holds gate and up stacked (2·ffn rows): llama.cpp's swiglu applies
			// SiLU to the first half of each output row and multiplies by the second.
			gu := l.matrixParts(name("ffn_up.weight"), cfg.Dim, cfg.FFN, cfg.FFN)
			ly.FFNGate, ly.FFNUp = gu[0], gu[1]
		}
		ly.FFNDown = l.matrix(name("ffn_down.weight"), cfg.Dim, cfg.FFN)
		if cfg.PostNorms {
			ly.AttnPostNorm = l.vector(name("post_attention_norm.weight"), cfg.Dim)
			ly.FFNPostNorm = l.vector(name("post_ffw_norm.weight"), cfg.Dim)
		}
		// Forward adds all three biases or none, the same in every layer.
		hasBias := ly.AttnQB != nil
		if i == 0 {
			m.QKVBias = hasBias
		}
		if l.err == nil && (hasBias != m.QKVBias || (ly.AttnKB != nil) != hasBias || (ly.AttnVB != nil) != hasBias) {
			l.err = fmt.Errorf("%w: layer %d has some of the Q, K and V biases, or others than layer 0", ErrUnsupported, i)
		}
	}
	if l.err != nil {
		return nil, l.err
	}
	// A tensor the architecture does not read means the file is not what its metadata says
	// (llama.cpp refuses such a file too): computing without it would be silently wrong.
	for i := range f.Tensors {
		if name := f.Tensors[i].Name; !l.used[name] {
			return nil, fmt.Errorf("%w: tensor %s is not part of a %s model", ErrUnsupported, name, cfg.Arch)
		}
	}
	if progress != nil {
		progress(l.total, l.total)
	}
	m.buildRopes()
	return m, nil
}

// readRopeFactors reads the per-pair frequency factors a file may carry: Llama 3's
// rope_freqs.weight, or Phi-3's rope_factors_short.weight and rope_factors_long.weight.
func (m *Model) readRopeFactors(f *gguf.File, used map[string]bool) error {
	read := func(name string) ([]float32, error) {
		t, ok := f.Tensor(name)
		if !ok {
			return nil, nil
		}
		used[name] = true
		factors, err := f.ReadTensorF32(t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(factors) != m.RopeDims/2 {
			return nil, fmt.Errorf("%w: %s has %d factors, want %d", ErrUnsupported, name, len(factors), m.RopeDims/2)
		}
		for _, v := range factors {
			if !(v > 0) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%w: %s holds the factor %g", ErrUnsupported, name, v)
			}
		}
		return factors, nil
	}
	freqs, err := read("rope_freqs.weight")
	if err != nil {
		return err
	}
	short, err := read("rope_factors_short.weight")
	if err != nil {
		return err
	}
	long, err := read("rope_factors_long.weight")
	if err != nil {
		return err
	}
	switch {
	case freqs != nil:
		m.RopeFactors = freqs // llama.cpp prefers rope_freqs over the LongRoPE pair
	case short != nil || long != nil:
		if short == nil || long == nil {
			return fmt.Errorf("%w: a LongRoPE model needs both rope_factors_short and rope_factors_long", ErrUnsupported)
		}
		m.RopeFactors, m.RopeFactorsLong = short, long
	}
	return nil
}

// buildRopes uploads the inverse frequencies of every RoPE the layers use.
func (m *Model) buildRopes() {
	mk := func(inv []float32) *Rope {
		r := &Rope{HeadDim: m.HeadDim, Dims: m.RopeDims, NeoX: m.RopeNeoX, AttnFactor: m.RopeAttnFactor,
			InvFreq: m.Exec.Buffer(1, m.RopeDims/2)}
		m.Exec.Write(r.InvFreq, 0, inv)
		return r
	}
	m.ropes[ropeGlobal] = mk(m.InvFreq())
	if slices.ContainsFunc(m.Spec, func(s LayerSpec) bool { return s.Rope == RopeLocal }) {
		m.ropes[ropeLocal] = mk(m.invFreqLocal())
	}
	if m.RopeFactorsLong != nil {
		m.ropes[ropeLong] = mk(m.invFreqLong())
	}
}

// layerRopes returns each layer's RoPE (nil: none) in a state of the given context:
// Phi-3's long factors replace the short ones when the context exceeds the original
// training context, the choice llama.cpp makes from its context size.
func (m *Model) layerRopes(context int) []*Rope {
	global := m.ropes[ropeGlobal]
	if m.ropes[ropeLong] != nil && context > m.RopeOrigContext {
		global = m.ropes[ropeLong]
	}
	out := make([]*Rope, m.NumLayers)
	for l, s := range m.Spec {
		switch s.Rope {
		case RopeGlobal:
			out[l] = global
		case RopeLocal:
			out[l] = m.ropes[ropeLocal]
		}
	}
	return out
}

// totalBytes is the size of every tensor of the file, for progress reports.
func totalBytes(f *gguf.File) int64 {
	var total int64
	for i := range f.Tensors {
		if b := f.Tensors[i].Bytes(); b > 0 {
			total += b
		}
	}
	return total
}

// loader reads tensors by name, checks their shapes, and keeps the first error.
type loader struct {
	f           *gguf.File
	m           *Model
	err         error
	progress    func(done, total int64)
	done, total int64
	used        map[string]bool // tensors read
}

// matrix loads a (rows, cols) tensor; rows < 0 accepts any row count.
func (l *loader) matrix(name string, rows, cols int) Weight {
	info := l.tensor(name, 2)
	if info == nil {
		return nil
	}
	if info.Dims[0] != int64(cols) || (rows >= 0 && info.Dims[1] != int64(rows)) {
		l.err = fmt.Errorf("%w: tensor %s has shape %v, want [%d %d]", ErrUnsupported, name, info.Dims, cols, rows)
		return nil
	}
	return l.upload(info, int(info.Dims[1]), cols)
}

// matrixParts loads a (Σ rows, cols) tensor as one weight per row range, in order
// (fused projections). The parts share the file's bytes: rows are contiguous.
func (l *loader) matrixParts(name string, cols int, rows ...int) []Weight {
	info := l.tensor(name, 2)
	if info == nil {
		return make([]Weight, len(rows))
	}
	total := 0
	for _, r := range rows {
		total += r
	}
	if info.Dims[0] != int64(cols) || info.Dims[1] != int64(total) {
		l.err = fmt.Errorf("%w: tensor %s has shape %v, want [%d %d]", ErrUnsupported, name, info.Dims, cols, total)
		return make([]Weight, len(rows))
	}
	return l.uploadParts(info, cols, rows)
}

// vector loads a tensor of n elements.
func (l *loader) vector(name string, n int) Weight {
	info := l.tensor(name, 1)
	if info == nil {
		return nil
	}
	if info.Dims[0] != int64(n) {
		l.err = fmt.Errorf("%w: tensor %s has shape %v, want [%d]", ErrUnsupported, name, info.Dims, n)
		return nil
	}
	return l.upload(info, 1, n)
}

// optionalVector is vector for a tensor the file may lack (nil then).
func (l *loader) optionalVector(name string, n int) Weight {
	if _, ok := l.f.Tensor(name); !ok {
		return nil
	}
	return l.vector(name, n)
}

// vectorParts loads a vector of Σ sizes elements as one weight per range (a fused bias).
func (l *loader) vectorParts(name string, sizes ...int) []Weight {
	info := l.tensor(name, 1)
	if info == nil {
		return make([]Weight, len(sizes))
	}
	total := 0
	for _, n := range sizes {
		total += n
	}
	if info.Dims[0] != int64(total) {
		l.err = fmt.Errorf("%w: tensor %s has shape %v, want [%d]", ErrUnsupported, name, info.Dims, total)
		return make([]Weight, len(sizes))
	}
	return l.uploadParts(info, 1, sizes)
}

// tensor looks name up and checks its rank, keeping the first error.
func (l *loader) tensor(name string, rank int) *gguf.TensorInfo {
	if l.err != nil {
		return nil
	}
	info, ok := l.f.Tensor(name)
	if !ok {
		l.err = fmt.Errorf("%w: tensor %s is missing", ErrUnsupported, name)
		return nil
	}
	l.used[name] = true
	if len(info.Dims) != rank {
		l.err = fmt.Errorf("%w: tensor %s has %d dimensions, want %d", ErrUnsupported, name, len(info.Dims), rank)
		return nil
	}
	return info
}

func (l *loader) upload(info *gguf.TensorInfo, rows, cols int) Weight {
	data, err := l.f.ReadTensorBytes(info)
	if err != nil {
		l.err = fmt.Errorf("tensor %s: %w", info.Name, err)
		return nil
	}
	w := l.weight(&Tensor{Name: info.Name, Type: info.Type, Rows: rows, Cols: cols, Data: data})
	l.count(info.Type, len(data))
	return w
}

// uploadParts splits a tensor of Σ rows rows of cols elements into one weight per row
// range. For a vector (cols 1 here) the ranges are element ranges, each uploaded as a vector.
func (l *loader) uploadParts(info *gguf.TensorInfo, cols int, rows []int) []Weight {
	out := make([]Weight, len(rows))
	data, err := l.f.ReadTensorBytes(info)
	if err != nil {
		l.err = fmt.Errorf("tensor %s: %w", info.Name, err)
		return out
	}
	vector := len(info.Dims) == 1
	off := 0
	for i, r := range rows {
		t := &Tensor{Name: fmt.Sprintf("%s[%d]", info.Name, i), Type: info.Type, Rows: r, Cols: cols}
		if vector {
			t.Rows, t.Cols = 1, r
		}
		n, err := info.Type.RowBytes(int64(t.Rows * t.Cols))
		if err != nil || t.Cols%info.Type.BlockSize() != 0 {
			l.err = fmt.Errorf("%w: tensor %s cannot be split at %v: %v", ErrUnsupported, info.Name, rows, err)
			return out
		}
		t.Data = data[off : off+int(n)]
		off += int(n)
		if out[i] = l.weight(t); out[i] == nil {
			return out
		}
	}
	l.count(info.Type, len(data))
	return out
}

// weight hands one tensor to the executor.
func (l *loader) weight(t *Tensor) Weight {
	if l.err != nil {
		return nil
	}
	w, err := l.m.Exec.Weight(t)
	if err != nil {
		l.err = fmt.Errorf("tensor %s: %w", t.Name, err)
		return nil
	}
	return w
}

// count adds one tensor of n bytes to the model's type census and progress.
func (l *loader) count(t ggml.Type, n int) {
	if l.err != nil {
		return
	}
	l.m.Types[t]++
	l.m.WeightBytes += int64(n)
	if l.progress != nil {
		l.done += int64(n)
		l.progress(min(l.done, l.total), l.total)
	}
}
