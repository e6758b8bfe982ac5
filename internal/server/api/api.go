// Package api holds the JSON shapes the server sends and the browser app reads,
// so that both sides decode the same fields.
package api

// ModelsPath is the URL path of the model listing.
const ModelsPath = "/api/models"

// ModelsPrefix is the URL path under which model files are served.
const ModelsPrefix = "/models/"

// SHA256Pending is the SHA256 value of a model whose digest is still being computed.
const SHA256Pending = "pending"

// Model describes one GGUF file of the models directory.
type Model struct {
	// Name is the file name; the file is served at ModelsPrefix + Name.
	Name string `json:"name"`
	// Size is the file size in bytes.
	Size int64 `json:"size"`
	// SHA256 is the lower-case hex digest of the file, or SHA256Pending.
	SHA256 string `json:"sha256"`
	// Architecture is the GGUF general.architecture value (e.g. "llama").
	Architecture string `json:"architecture,omitempty"`
	// Quantization names the file's weight type: llama.cpp's file-type name
	// (e.g. "Q4_K_M") from general.file_type, else the tensor type holding the
	// most bytes.
	Quantization string `json:"quantization,omitempty"`
	// Default marks the model the app opens when the user has chosen none.
	Default bool `json:"default,omitempty"`
	// Error says why the header could not be read; the file is still listed
	// and served.
	Error string `json:"error,omitempty"`
}

// Models is the body of a ModelsPath response, sorted by name.
type Models struct {
	Models []Model `json:"models"`
}
