package server

import (
	"testing"

	"heed/engine/ggml"
)

func TestQuantization(t *testing.T) {
	mixed := []tensorSize{
		{ggml.F32, 1000},   // norms
		{ggml.Q4_K, 90000}, // most weights
		{ggml.Q6_K, 30000}, // output
	}
	tests := []struct {
		name     string
		fileType uint64
		has      bool
		tensors  []tensorSize
		want     string
	}{
		{"file type F32", 0, true, nil, "F32"},
		{"file type F16", 1, true, nil, "F16"},
		{"file type Q4_0", 2, true, nil, "Q4_0"},
		{"file type Q8_0", 7, true, nil, "Q8_0"},
		{"file type Q4_K_M", 15, true, mixed, "Q4_K_M"},
		{"file type Q6_K", 18, true, nil, "Q6_K"},
		{"file type BF16", 32, true, nil, "BF16"},
		{"no file type: most bytes", 0, false, mixed, "Q4_K"},
		{"retired file type falls back", 4, true, mixed, "Q4_K"},
		{"unknown file type falls back", 9999, true, mixed, "Q4_K"},
		{"tie broken by lower type id", 0, false, []tensorSize{{ggml.Q8_0, 10}, {ggml.F16, 10}}, "F16"},
		{"unknown sizes skipped", 0, false, []tensorSize{{ggml.Type(999), -1}, {ggml.F16, 1}}, "F16"},
		{"nothing known", 0, false, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := quantization(tc.fileType, tc.has, tc.tensors); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
