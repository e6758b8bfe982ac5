package webgpu

// Go mirrors of each kernel's `struct Params`, field for field, in declaration order
// (TestParamsMirrorWGSL parses the shaders and compares). All members are 4-byte scalars, so
// binary.Append with little-endian order produces the WGSL uniform layout.

type matVecParams struct {
	Rows, Cols, RowBytes, Groups, OutOffset uint32
}

type matMulParams struct {
	Rows, Cols, RowBytes, Groups, Tokens, OutOffset, OutStride uint32
}

type embeddingParams struct {
	Rows, Cols, RowBytes, Groups, Tokens, FirstRow, TotalRows uint32
}

type rmsNormParams struct {
	Rows, Cols uint32
	Eps        float32
}

type ropeParams struct {
	Tokens, Heads, HeadDim, RotDims, Pos0, Neox uint32
	AttnFactor                                  float32
}

type elementwiseParams struct {
	N uint32
}

type attentionParams struct {
	Tokens, Keys, Heads, KVHeads, HeadDim, Pos0, Window, Causal, UseBias, UseInfluence uint32
	Scale                                                                              float32
	InfluenceCols                                                                      uint32
	Softcap                                                                            float32
}

type scaleParams struct {
	N uint32
	S float32
}

type softCapParams struct {
	N   uint32
	Cap float32
}

type headMeanParams struct {
	Tokens, Heads uint32
}

type l1NormParams struct {
	Rows, Cols uint32
}

type influenceUpdateParams struct {
	Tokens, Pos0, Rollout uint32
}

type addBiasParams struct {
	Rows, Cols uint32
}

type argmaxParams struct {
	N, Offset, First uint32
}

type topKParams struct {
	N, K, Offset, First uint32
}

type expSumParams struct {
	N, Offset uint32
}

// kernelParams maps each kernel file to its Go params mirror.
var kernelParams = map[string]any{
	"matvec":    matVecParams{},
	"matmul":    matMulParams{},
	"embedding": embeddingParams{},
	"rmsnorm":   rmsNormParams{},
	"rope":      ropeParams{},
	"silu_gate": elementwiseParams{},
	"gelu_gate": elementwiseParams{},
	"scale":     scaleParams{},
	"softcap":   softCapParams{},
	"add":       elementwiseParams{},
	"attention": attentionParams{},
	"head_mean": headMeanParams{},
	"argmax":    argmaxParams{},
	"topk":      topKParams{},
	"exp_sum":   expSumParams{},
	"l1norm":    l1NormParams{},

	"influence_update": influenceUpdateParams{},
	"add_bias":         addBiasParams{},
}
