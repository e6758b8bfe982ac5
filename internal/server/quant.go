package server

import (
	"heed/engine/ggml"
)

// fileTypeNames maps GGUF general.file_type values to their names: llama.cpp's
// enum llama_ftype (llama.h) without the LLAMA_FTYPE_ALL_/MOSTLY_ prefix.
// Retired values (4-6, 33-35) are absent and fall back to the tensor types.
var fileTypeNames = map[uint64]string{
	0:  "F32",
	1:  "F16",
	2:  "Q4_0",
	3:  "Q4_1",
	7:  "Q8_0",
	8:  "Q5_0",
	9:  "Q5_1",
	10: "Q2_K",
	11: "Q3_K_S",
	12: "Q3_K_M",
	13: "Q3_K_L",
	14: "Q4_K_S",
	15: "Q4_K_M",
	16: "Q5_K_S",
	17: "Q5_K_M",
	18: "Q6_K",
	19: "IQ2_XXS",
	20: "IQ2_XS",
	21: "Q2_K_S",
	22: "IQ3_XS",
	23: "IQ3_XXS",
	24: "IQ1_S",
	25: "IQ4_NL",
	26: "IQ3_S",
	27: "IQ3_M",
	28: "IQ2_S",
	29: "IQ2_M",
	30: "IQ4_XS",
	31: "IQ1_M",
	32: "BF16",
	36: "TQ1_0",
	37: "TQ2_0",
	38: "MXFP4_MOE",
	39: "NVFP4",
	40: "Q1_0",
}

// tensorSize is what quantization needs of a tensor: its type and data size
// (negative when the type or shape is unknown).
type tensorSize struct {
	typ   ggml.Type
	bytes int64
}

// quantization names a model's weight format: the file-type name when the
// header has a known general.file_type, else the tensor type holding the most
// bytes (ties broken by the lower type id, so the answer is deterministic).
// It returns "" when neither says anything.
func quantization(fileType uint64, hasFileType bool, tensors []tensorSize) string {
	if hasFileType {
		if name, ok := fileTypeNames[fileType]; ok {
			return name
		}
	}
	bytes := make(map[ggml.Type]int64)
	for _, t := range tensors {
		if t.bytes >= 0 {
			bytes[t.typ] += t.bytes
		}
	}
	var best ggml.Type
	var bestBytes int64 = -1
	for typ, n := range bytes {
		if n > bestBytes || (n == bestBytes && typ < best) {
			best, bestBytes = typ, n
		}
	}
	if bestBytes < 0 {
		return ""
	}
	return best.String()
}
