package model

// Executor runs the operations of one forward pass. Buffers and weights are
// opaque handles owned by the executor (host slices on the CPU, storage buffers
// on a GPU); Forward only enqueues operations on them, and the only way data
// comes back to the host is Read. A GPU executor may record every operation of
// a step into one command encoder and submit it on Read.
//
// Activation buffers are row-major f32 matrices; an operation on "n rows" of a
// buffer touches its first n rows, so a buffer allocated for a whole batch also
// serves a single decode token. Shapes are stated per method as (rows, cols).
type Executor interface {
	// Weight makes a model tensor available to MatMul, RMSNorm, Embed and
	// AddBias. The raw bytes keep their GGUF type: matrices are never expanded to f32.
	Weight(t *Tensor) (Weight, error)
	// Buffer allocates a zeroed f32 buffer of rows×cols.
	Buffer(rows, cols int) Buffer
	// Write copies src into b starting at float offset off.
	Write(b Buffer, off int, src []float32)
	// Read copies len(dst) floats of b starting at float offset off into dst,
	// after every operation enqueued so far has completed.
	Read(b Buffer, off int, dst []float32) error
	// Copy copies count floats from src[srcOff:] to dst[dstOff:].
	Copy(dst Buffer, dstOff int, src Buffer, srcOff, count int)

	// Embed sets row i of dst (n, dim) to row ids[i] of the embedding table (vocab, dim).
	Embed(dst Buffer, table Weight, ids []int32)
	// RMSNorm sets dst[i] = x[i] / sqrt(mean(x[i]²) + eps) * gain for n rows of gain's
	// length d, the buffers read as (n, d): a buffer (tokens, heads·d) normalises each
	// head when n = tokens·heads (Qwen3's and Gemma 3's q and k norms). dst and x differ.
	RMSNorm(dst, x Buffer, gain Weight, n int, eps float32)
	// MatMul sets dst (n, rows) = x (n, cols) · wᵀ for w (rows, cols).
	MatMul(dst Buffer, w Weight, x Buffer, n int)
	// AddBias adds the vector b (cols,) to each of n rows of dst (n, cols).
	AddBias(dst Buffer, b Weight, n int)
	// RoPE rotates n rows of x (n, heads·headDim) in place, row i at position pos+i.
	RoPE(x Buffer, n, heads int, pos int, r *Rope)
	// Attention computes causal multi-head attention; see the Attention type.
	Attention(a *Attention)
	// SiLUMul sets gate = silu(gate) · up elementwise over count floats.
	SiLUMul(gate, up Buffer, count int)
	// GELUMul sets gate = gelu(gate) · up elementwise over count floats, with GELU's tanh
	// approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (Gemma).
	GELUMul(gate, up Buffer, count int)
	// Scale sets x *= s elementwise over count floats (Gemma's embedding scale).
	Scale(x Buffer, count int, s float32)
	// SoftCap sets x = cap·tanh(x/cap) elementwise over count floats (Gemma 2's output logits).
	SoftCap(x Buffer, count int, cap float32)
	// Add sets dst += x elementwise over count floats.
	Add(dst, x Buffer, count int)
	// L1Norm sets dst[i] = Σ_j |x[i,j]| for n rows of x (n, cols).
	L1Norm(dst, x Buffer, n int)
	// Blend sets, for i < n and p = pos+i,
	//   dst[p] = (wPrev[i]·prev[p] + wMixed[i]·mixed[p]) / (wPrev[i] + wMixed[i]),
	// the Influence recursion of one layer; nil weights mean ½ and ½ (Attention Rollout).
	// When both weights are zero the token keeps prev[p].
	Blend(dst, prev, mixed, wPrev, wMixed Buffer, pos, n int)
}

// Weight is an executor-owned model tensor.
type Weight interface {
	// Shape is (rows, cols): GGUF's ne[1], ne[0]. A vector has rows 1.
	Shape() (rows, cols int)
}

// Buffer is an executor-owned f32 activation buffer.
type Buffer interface {
	// Shape is the (rows, cols) the buffer was allocated with.
	Shape() (rows, cols int)
}

// Rope describes the rotary position embedding of one model.
type Rope struct {
	HeadDim int
	// Dims is how many leading dimensions of each head rotate (GGUF rope.dimension_count).
	Dims int
	// NeoX pairs dimension i with i+Dims/2 (GGML rope mode 2, Qwen2); otherwise
	// adjacent dimensions 2i, 2i+1 rotate together (mode 0, Llama GGUFs, whose Q/K
	// rows the converter permuted into this order).
	NeoX bool
	// InvFreq (1, Dims/2) holds the angle per position of pair i:
	// base^(-2i/Dims) / freqFactor[i] · linearScale.
	InvFreq Buffer
	// AttnFactor multiplies the cosine and sine of every rotation (Phi-3 LongRoPE's
	// rope.scaling.attn_factor); 0 means 1. Dimensions past Dims are not scaled.
	AttnFactor float32
}

// Attention is one causal attention step for queries at positions Pos..Pos+N-1
// over keys 0..Pos+N-1 read from the layer's caches:
//
//	s[h,t,k]     = Q[t,h]·K[k,g(h)] · Scale
//	logit[h,t,k] = cap(s[h,t,k]) + Bias[k]       (k visible from t)
//	Out[t,h]     = Σ_k softmax_k(logit[h,t,·]) V[k,g(h)]
//
// where g(h) = h / (Heads/KVHeads) is the key/value head shared by query head h and
// cap(s) = SoftCap·tanh(s/SoftCap) when SoftCap > 0, else s.
//
// GUIDE's Δ (Bias) is added to the logit directly before the softmax, after the scale and
// after any soft cap, and only for the keys the layer attends to (inside its window): so in
// every architecture Δ multiplies a visible key's unnormalised attention weight by e^Δ
// (SPEC §1).
type Attention struct {
	Out    Buffer // (N, Heads·HeadDim)
	Q      Buffer // (N, Heads·HeadDim), RoPE applied
	K, V   Buffer // (context, KVHeads·HeadDim) caches with rows 0..Pos+N-1 filled
	Pos, N int

	Heads, KVHeads, HeadDim int
	// Window, when positive, hides keys k with q-k >= Window (sliding-window attention).
	Window int
	// Scale multiplies Q·K (Config.AttnScale); 0 means 1/sqrt(HeadDim).
	Scale float32
	// SoftCap, when positive, caps the scaled logits: SoftCap·tanh(s/SoftCap) (Gemma 2).
	SoftCap float32
	// Bias (1, context) is added to the logits of every head, or nil (GUIDE).
	Bias Buffer
	// Mix accumulates head-averaged attention-weighted sums of extra per-key values:
	// for each pair, Out[Pos+t] = (1/Heads) Σ_h Σ_k A[h,t,k] · In[k]. Both (1, context).
	// This is Ā·I of the Influence recursion, without ever forming Ā.
	Mix []Mix
}

// Mix is one extra value column of Attention.
type Mix struct{ In, Out Buffer }

// Argmaxer is an optional capability of an Executor: picking the greedy token where the logits
// live, so a decode step copies one index back to the host instead of the vocabulary's floats.
type Argmaxer interface {
	// Argmax returns the index in [0, n) of the largest of the first n floats of row row of b
	// (b's floats from row·cols), after every operation enqueued so far has completed. Ties
	// resolve to the lowest index, as the sampler's greedy path (sample.Params{}) does; the
	// index is unspecified when the floats hold a NaN.
	Argmax(b Buffer, row, n int) (int32, error)
}
