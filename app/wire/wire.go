// Package wire is the message protocol between heed's page and its engine
// worker: the page (UI thread) never runs model math; it posts a Request to a
// dedicated Web Worker running the engine (cmd/worker) and reads Events back.
// Messages are JSON text, one per postMessage; a local model file travels
// beside the text as the browser's File object. Float vectors (Influence over
// thousands of tokens and dozens of layers) are base64 of little-endian
// float32, so a result decodes in a few milliseconds and keeps every bit.
//
// Client is the page's side. The worker's side is heed/app/worker. Both are
// plain Go and talk through two functions, so natively a Client wired to a
// worker.Server in the same process runs the whole protocol in tests.
package wire

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
)

// Op names a request.
type Op string

const (
	OpLoad      Op = "load"      // load a model (LoadArgs), replacing the loaded one
	OpPrompt    Op = "prompt"    // tokenise a tagged prompt (PromptArgs)
	OpGenerate  Op = "generate"  // generate with and without GUIDE (PromptArgs, GenerateArgs)
	OpInfluence Op = "influence" // measure Influence over the prompt (PromptArgs)
	OpSweep     Op = "sweep"     // Influence of one highlight at several Δ (PromptArgs, SweepArgs)
	OpCalibrate Op = "calibrate" // find Δ for one highlight (PromptArgs, Span)
	OpCancel    Op = "cancel"    // stop request Cancel
	OpUnload    Op = "unload"    // release the loaded model
)

// Request is one message from the page to the worker.
type Request struct {
	ID       int64         `json:"id"`
	Op       Op            `json:"op"`
	Load     *LoadArgs     `json:"load,omitempty"`
	Prompt   *PromptArgs   `json:"prompt,omitempty"`
	Generate *GenerateArgs `json:"generate,omitempty"`
	Sweep    *SweepArgs    `json:"sweep,omitempty"`
	Span     int           `json:"span,omitempty"`   // OpCalibrate: which highlight
	Cancel   int64         `json:"cancel,omitempty"` // OpCancel: the request to stop
}

// Source kinds: where a model's bytes come from.
const (
	FromURL  = "url"  // HTTP Range requests to URL (the page's server or another host)
	FromFile = "file" // the File posted with the request, read in slices
	FromKept = "kept" // the browser's private storage (Origin Private File System)
)

// LoadArgs says which model to load and on what.
type LoadArgs struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	URL     string `json:"url,omitempty"`
	Backend string `json:"backend"` // "auto", "cpu" or "gpu" (session.Choice)
}

// PromptArgs is a prompt as the editor holds it.
type PromptArgs struct {
	Tagged   string  `json:"tagged"`
	DeltaMid float32 `json:"deltaMid"`
	Chat     bool    `json:"chat,omitempty"` // wrap in the model's chat template
	System   string  `json:"system,omitempty"`
}

// Sides of an A/B generation, as named in GenerateArgs and Token.
const (
	SideGuide    = "guide"
	SideBaseline = "baseline"
)

// GenerateArgs are the generation settings.
type GenerateArgs struct {
	Sides         []string `json:"sides"` // SideGuide and/or SideBaseline, run in step
	MaxTokens     int      `json:"maxTokens"`
	Temperature   float32  `json:"temperature"`
	TopK          int      `json:"topK,omitempty"`
	TopP          float32  `json:"topP,omitempty"`
	MinP          float32  `json:"minP,omitempty"`
	RepeatPenalty float32  `json:"repeatPenalty,omitempty"`
	Seed          uint64   `json:"seed"`
	// Follow tracks every highlight's Influence through the generated tokens.
	Follow bool `json:"follow,omitempty"`
}

// SweepArgs name the highlight and the Δ values of a sweep.
type SweepArgs struct {
	Span   int       `json:"span"`
	Deltas []float32 `json:"deltas"`
}

// Kinds of Event.
const (
	KindProgress = "progress" // loading: bytes read
	KindToken    = "token"    // generation: one streamed token
	KindPoint    = "point"    // sweep: one measured Δ
	KindResult   = "result"   // the request's result; its last event
	KindError    = "error"    // the request failed; its last event
	KindReady    = "ready"    // ID 0: the worker is listening
)

// Event is one message from the worker to the page. A request's last event
// is its KindResult or KindError.
type Event struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`
	Progress *Progress `json:"progress,omitempty"`
	Token    *Token    `json:"token,omitempty"`
	Point    *Point    `json:"point,omitempty"`
	Err      *Error    `json:"error,omitempty"`

	Loaded     *Loaded     `json:"loaded,omitempty"`
	Prompt     *Prompt     `json:"prompt,omitempty"`
	Generated  *Generated  `json:"generated,omitempty"`
	Influence  *Influence  `json:"influence,omitempty"`
	Sweep      []float32   `json:"sweep,omitempty"`
	Calibrated *Calibrated `json:"calibrated,omitempty"`
}

// Progress is how much of a model has been read.
type Progress struct {
	Fetched   int64   `json:"fetched"`
	Size      int64   `json:"size"`
	ElapsedMS float64 `json:"elapsedMs"`
}

// Token is one streamed token with its side's live figures.
type Token struct {
	Side string `json:"side"`
	ID   int32  `json:"id"` // -1 for text held back until the end
	Text string `json:"text"`
	Live Live   `json:"live"`
}

// Live are a side's figures while it runs: the time on the model only, so
// the two sides of an A/B in step each count their own turns.
type Live struct {
	PromptTokens int     `json:"promptTokens"`
	FirstMS      float64 `json:"firstMs"` // prefill and the first token
	Generated    int     `json:"generated"`
	DecodeMS     float64 `json:"decodeMs"` // since the first token
}

// Point is one measured point of a sweep.
type Point struct {
	Index int     `json:"index"`
	Value float32 `json:"value"`
}

// Error codes, for the page to choose its words.
const (
	CodeCanceled    = "canceled"
	CodeNotGGUF     = "not-gguf"
	CodeUnsupported = "unsupported"
	CodeNoRange     = "no-range"   // the server ignores Range or the file changed
	CodeGPULost     = "gpu-lost"   // the WebGPU device was lost
	CodeGPUMemory   = "gpu-memory" // the GPU ran out of memory
	CodeSyntax      = "syntax"     // a tag error in the prompt
	CodeNotKept     = "not-kept"   // the kept model is gone
	CodeNoStorage   = "no-storage" // no private storage in this browser
	CodeBusy        = "busy"       // another run holds the model
	CodeNoModel     = "no-model"   // nothing is loaded
	CodeInternal    = "internal"   // a panic, caught
	CodeOther       = "other"
)

// Error is why a request failed.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Line and Column place a CodeSyntax error in the tagged text.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// Loaded describes the model now loaded.
type Loaded struct {
	Card       Card     `json:"card"`
	ChatFamily string   `json:"chatFamily"` // "raw" without a template heed knows
	Backend    Backend  `json:"backend"`
	Adapter    *Adapter `json:"adapter,omitempty"`
}

// Card is session.Card.
type Card struct {
	Name         string `json:"name"`
	Architecture string `json:"architecture"`
	Layers       int    `json:"layers"`
	Dim          int    `json:"dim"`
	Heads        int    `json:"heads"`
	KVHeads      int    `json:"kvHeads"`
	Vocab        int    `json:"vocab"`
	Context      int    `json:"context"`
	Parameters   int64  `json:"parameters"`
	TensorTypes  string `json:"tensorTypes"`
}

// Backend is what runs the model and why.
type Backend struct {
	Label  string `json:"label"` // "CPU" or "WebGPU (NAME)"
	Chosen string `json:"chosen"`
	// Detail is the executor as reports name it (session.Backend.Desc): for
	// the CPU, which kernels run, "cpu (wasm SIMD, 1 thread(s))" or
	// "cpu (Go (why))".
	Detail string `json:"detail,omitempty"`
	// Why says why the model runs on the CPU when the choice allowed a GPU.
	Why string `json:"why,omitempty"`
	// Software is set when the reason is a software adapter (picking WebGPU
	// in the settings uses it anyway).
	Software bool `json:"software,omitempty"`
}

// Adapter is the WebGPU adapter's name, features and the limits that decide
// which models fit.
type Adapter struct {
	Name                              string   `json:"name"`
	Backend                           string   `json:"backend"`
	Type                              string   `json:"type"`
	Features                          []string `json:"features"`
	MaxStorageBufferBindingSize       uint64   `json:"maxStorageBufferBindingSize"`
	MaxBufferSize                     uint64   `json:"maxBufferSize"`
	MaxComputeWorkgroupStorageSize    uint32   `json:"maxComputeWorkgroupStorageSize"`
	MaxComputeInvocationsPerWorkgroup uint32   `json:"maxComputeInvocationsPerWorkgroup"`
}

// Prompt is a tokenised prompt.
type Prompt struct {
	Text       string   `json:"text"`     // tag-free
	Rendered   string   `json:"rendered"` // what was tokenised (chat template included)
	TextOffset int      `json:"textOffset"`
	IDs        []int32  `json:"ids"`
	Pieces     []string `json:"pieces"` // vocabulary entry of each token
	Spans      []Span   `json:"spans"`
}

// Span is a highlight mapped to tokens.
type Span struct {
	Start   int     `json:"start"` // byte range of Text
	End     int     `json:"end"`
	First   int     `json:"first"` // tokens [First, Last)
	Last    int     `json:"last"`
	Delta   float32 `json:"delta"`
	Measure bool    `json:"measure,omitempty"`
	Partial bool    `json:"partial,omitempty"`
}

// Generated is a generation's result, one entry per side asked for.
type Generated struct {
	Sides []SideResult `json:"sides"`
}

// SideResult is one side's output.
type SideResult struct {
	Side   string   `json:"side"`
	IDs    []int32  `json:"ids"`
	Pieces []string `json:"pieces"`
	Text   string   `json:"text"`
	Reason string   `json:"reason"` // eog, stop, length, context
	Timings
	// Tracks follow each highlight's Influence over the prompt and the
	// generated tokens (GenerateArgs.Follow).
	Tracks []Track `json:"tracks,omitempty"`
}

// Timings are generate.Timings in milliseconds, the other side's turns left out.
type Timings struct {
	PromptTokens int     `json:"promptTokens"`
	PrefillMS    float64 `json:"prefillMs"`
	FirstMS      float64 `json:"firstTokenMs"`
	Generated    int     `json:"generated"`
	DecodeMS     float64 `json:"decodeMs"`
}

// PrefillPerSecond and DecodePerSecond are the rates, 0 when not measured.
func (t Timings) PrefillPerSecond() float64 { return perSecond(t.PromptTokens, t.PrefillMS) }
func (t Timings) DecodePerSecond() float64  { return perSecond(t.Generated-1, t.DecodeMS) }

// DecodePerSecond is the live decode rate.
func (l Live) DecodePerSecond() float64 { return perSecond(l.Generated-1, l.DecodeMS) }

func perSecond(n int, ms float64) float64 {
	if n <= 0 || ms <= 0 {
		return 0
	}
	return float64(n) / ms * 1000
}

// Influence is a measurement over a prompt (OpInfluence).
type Influence struct {
	Pieces []string `json:"pieces"`
	Tracks []Track  `json:"tracks"`
	// LastFrom and LastTo are the prompt tokens [LastFrom, LastTo) the
	// scalars average (SPEC §2: the last 10, or 5 for short prompts).
	LastFrom int `json:"lastFrom"`
	LastTo   int `json:"lastTo"`
}

// Track is influence.Track: a highlight's Influence and Rollout per layer
// and position, and the last-tokens scalars per layer.
type Track struct {
	Span          Span     `json:"span"`
	Influence     []Floats `json:"influence"`
	Rollout       []Floats `json:"rollout"`
	Scalar        Floats   `json:"scalar"`
	RolloutScalar Floats   `json:"rolloutScalar"`
}

// Calibrated is calibrate.Result.
type Calibrated struct {
	Delta      float32 `json:"delta"`
	Target     float32 `json:"target"`
	Plain      float32 `json:"plain"`
	Achieved   float32 `json:"achieved"`
	Iterations int     `json:"iterations"`
	Clamped    bool    `json:"clamped"`
}

// Floats is a float32 vector encoded in JSON as base64 of its little-endian
// bytes: exact, and quick to decode.
type Floats []float32

// MarshalJSON encodes f as a base64 string.
func (f Floats) MarshalJSON() ([]byte, error) {
	b := make([]byte, 4*len(f))
	for i, v := range f {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return json.Marshal(base64.StdEncoding.EncodeToString(b))
}

// UnmarshalJSON decodes a base64 string of little-endian float32s.
func (f *Floats) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	if len(b)%4 != 0 {
		return fmt.Errorf("wire: %d bytes is not a whole number of float32s", len(b))
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	*f = out
	return nil
}
