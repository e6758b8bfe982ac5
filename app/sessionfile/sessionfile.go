// Package sessionfile is heed's saved-session format: the JSON file the app
// exports and imports (heed-session.json). It holds what reproduces a run
// (model, tagged prompt, Δmid, chat template and system prompt, sampling
// settings) and what the run showed
// (the A/B outputs and the Influence results), and validates every field on
// the way in, so a file edited by hand fails in words rather than in the UI.
package sessionfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
)

// Version is the format version Encode writes. Decode also reads version 1
// files (no chat settings, temperature-only sampling) and migrates them.
const Version = 2

// versionNoChat is the first format: it lacks Chat, System and the sampling
// settings beyond temperature, whose zero values mean "off".
const versionNoChat = 1

// Limits on what a file may hold; the app never produces more.
const (
	MaxPromptBytes   = 1 << 20
	MaxTokens        = 4096    // the app's largest "Tokens" setting
	MaxDeltaMid      = 5       // SPEC §1: Δ in [-5, 5]
	MaxTemperature   = 100     // far beyond any useful sampling temperature
	MaxTopK          = 1 << 20 // above any vocabulary heed loads
	MaxRepeatPenalty = 10      // llama.cpp's useful range is about 1 to 1.5
	MaxFileBytes     = 64 << 20
	maxLayers        = 1024
)

// ErrVersion is returned for a file of a version this build cannot read.
var ErrVersion = errors.New("sessionfile: unsupported version")

// Side names of the two outputs, as the app's columns are named.
const (
	SideGuided   = "GUIDE"
	SideBaseline = "baseline"
)

// Session is one saved session.
type Session struct {
	Version   int        `json:"version"`
	Model     Model      `json:"model"`
	Prompt    string     `json:"prompt"` // with its GUIDE tags
	DeltaMid  float32    `json:"delta_mid"`
	Chat      bool       `json:"chat,omitempty"`   // the prompt was wrapped in the model's chat template
	System    string     `json:"system,omitempty"` // system prompt, with Chat
	Settings  Settings   `json:"settings"`
	Outputs   []Output   `json:"outputs,omitempty"`   // at most one per side
	Influence *Influence `json:"influence,omitempty"` // nil when none was measured
}

// Model identifies the model the session ran on, as the server's /api/models lists it.
type Model struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"` // lower-case hex; empty when unknown
}

// Settings are the generation settings.
type Settings struct {
	MaxTokens   int     `json:"max_tokens"`
	Temperature float32 `json:"temperature"` // 0: greedy
	Seed        uint64  `json:"seed"`
	// Filters applied before sampling (engine/sample); zero means off, and
	// so does 1 for TopP and RepeatPenalty. They act only when Temperature > 0,
	// except RepeatPenalty, which also changes the greedy choice.
	TopK          int     `json:"top_k,omitempty"`
	TopP          float32 `json:"top_p,omitempty"`
	MinP          float32 `json:"min_p,omitempty"`
	RepeatPenalty float32 `json:"repeat_penalty,omitempty"`
}

// Validate reports the first setting that is out of range, in words.
func (st Settings) Validate() error {
	switch {
	case st.MaxTokens < 1 || st.MaxTokens > MaxTokens:
		return fmt.Errorf("max_tokens %d is outside [1, %d]", st.MaxTokens, MaxTokens)
	case !finite(st.Temperature) || st.Temperature < 0 || st.Temperature > MaxTemperature:
		return fmt.Errorf("temperature %v is outside [0, %d]", st.Temperature, MaxTemperature)
	case st.TopK < 0 || st.TopK > MaxTopK:
		return fmt.Errorf("top_k %d is outside [0, %d]", st.TopK, MaxTopK)
	case !(st.TopP >= 0 && st.TopP <= 1):
		return fmt.Errorf("top_p %v is outside [0, 1]", st.TopP)
	case !(st.MinP >= 0 && st.MinP <= 1):
		return fmt.Errorf("min_p %v is outside [0, 1]", st.MinP)
	case !(st.RepeatPenalty >= 0 && st.RepeatPenalty <= MaxRepeatPenalty):
		return fmt.Errorf("repeat_penalty %v is outside [0, %d]", st.RepeatPenalty, MaxRepeatPenalty)
	}
	return nil
}

// Output is one side's generated text and its token ids.
type Output struct {
	Side string  `json:"side"` // SideGuided or SideBaseline
	Text string  `json:"text"`
	IDs  []int32 `json:"ids"`
}

// Influence is the Influence view as it was shown.
type Influence struct {
	Layer  int             `json:"layer"`  // the layer whose per-token values are saved
	Tokens []string        `json:"tokens"` // the prompt's token texts
	Spans  []SpanInfluence `json:"spans"`
}

// SpanInfluence is one highlight's results.
type SpanInfluence struct {
	First   int       `json:"first"` // token range [First, Last)
	Last    int       `json:"last"`
	Delta   float32   `json:"delta"`
	Measure bool      `json:"measure,omitempty"` // measure-only highlight (<?->)
	Scalars []float32 `json:"scalars"`           // per layer: the last-tokens mean
	Values  []float32 `json:"values"`            // per prompt token, at Influence.Layer
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Validate reports the first field that is out of range.
func (s *Session) Validate() error {
	if s.Version != Version {
		return fmt.Errorf("%w %d (this build writes version %d)", ErrVersion, s.Version, Version)
	}
	if s.Model.SHA256 != "" && !sha256Hex.MatchString(s.Model.SHA256) {
		return fmt.Errorf("sessionfile: model sha256 %q is not 64 lower-case hex digits", s.Model.SHA256)
	}
	if len(s.Prompt) > MaxPromptBytes {
		return fmt.Errorf("sessionfile: prompt of %d bytes is over the %d-byte limit", len(s.Prompt), MaxPromptBytes)
	}
	if !finite(s.DeltaMid) || math.Abs(float64(s.DeltaMid)) > MaxDeltaMid {
		return fmt.Errorf("sessionfile: delta_mid %v is outside [-%d, %d]", s.DeltaMid, MaxDeltaMid, MaxDeltaMid)
	}
	if len(s.System) > MaxPromptBytes {
		return fmt.Errorf("sessionfile: system prompt of %d bytes is over the %d-byte limit", len(s.System), MaxPromptBytes)
	}
	if s.System != "" && !s.Chat {
		return fmt.Errorf("sessionfile: a system prompt needs \"chat\": true")
	}
	if err := s.Settings.Validate(); err != nil {
		return fmt.Errorf("sessionfile: %w", err)
	}
	if err := validateOutputs(s.Outputs); err != nil {
		return err
	}
	if s.Influence != nil {
		return s.Influence.validate()
	}
	return nil
}

func validateOutputs(outs []Output) error {
	seen := map[string]bool{}
	for i, o := range outs {
		if o.Side != SideGuided && o.Side != SideBaseline {
			return fmt.Errorf("sessionfile: output %d: side %q is neither %q nor %q", i, o.Side, SideGuided, SideBaseline)
		}
		if seen[o.Side] {
			return fmt.Errorf("sessionfile: output %d: a second %q output", i, o.Side)
		}
		seen[o.Side] = true
		if len(o.IDs) > MaxTokens {
			return fmt.Errorf("sessionfile: output %q: %d tokens, over %d", o.Side, len(o.IDs), MaxTokens)
		}
		for j, id := range o.IDs {
			if id < 0 {
				return fmt.Errorf("sessionfile: output %q: token %d has a negative id %d", o.Side, j, id)
			}
		}
	}
	return nil
}

func (in *Influence) validate() error {
	if len(in.Spans) == 0 {
		return fmt.Errorf("sessionfile: influence without spans")
	}
	layers := len(in.Spans[0].Scalars)
	if layers < 1 || layers > maxLayers {
		return fmt.Errorf("sessionfile: influence of %d layers (want 1 to %d)", layers, maxLayers)
	}
	if in.Layer < 0 || in.Layer >= layers {
		return fmt.Errorf("sessionfile: influence layer %d is outside [0, %d)", in.Layer, layers)
	}
	n := len(in.Tokens)
	for i, sp := range in.Spans {
		if sp.First < 0 || sp.First >= sp.Last || sp.Last > n {
			return fmt.Errorf("sessionfile: influence span %d: tokens [%d, %d) do not fit %d prompt tokens", i, sp.First, sp.Last, n)
		}
		if !finite(sp.Delta) || math.Abs(float64(sp.Delta)) > 2*MaxDeltaMid {
			return fmt.Errorf("sessionfile: influence span %d: Δ %v is outside [-%d, %d]", i, sp.Delta, 2*MaxDeltaMid, 2*MaxDeltaMid)
		}
		if len(sp.Scalars) != layers {
			return fmt.Errorf("sessionfile: influence span %d: %d scalars, want one per layer (%d)", i, len(sp.Scalars), layers)
		}
		if len(sp.Values) != n {
			return fmt.Errorf("sessionfile: influence span %d: %d values, want one per prompt token (%d)", i, len(sp.Values), n)
		}
		if err := unitRange(sp.Scalars); err != nil {
			return fmt.Errorf("sessionfile: influence span %d scalars: %w", i, err)
		}
		if err := unitRange(sp.Values); err != nil {
			return fmt.Errorf("sessionfile: influence span %d values: %w", i, err)
		}
	}
	return nil
}

// unitRange checks Influence values, which SPEC §2 keeps in [0, 1].
func unitRange(vs []float32) error {
	for i, v := range vs {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("value %d is %v, outside [0, 1]", i, v)
		}
	}
	return nil
}

func finite(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// Encode validates s and writes it as indented JSON.
func Encode(s *Session) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sessionfile: %w", err)
	}
	return append(b, '\n'), nil
}

// Decode parses and validates a session file. Unknown fields are an error, so
// a misspelt field is not silently dropped.
func Decode(data []byte) (*Session, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("sessionfile: file of %d bytes is over the %d-byte limit", len(data), MaxFileBytes)
	}
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("sessionfile: not a session file: %w", err)
	}
	if probe.Version == nil {
		return nil, fmt.Errorf("sessionfile: no version field: not a heed session file")
	}
	var s Session
	switch *probe.Version {
	case Version:
		if err := decodeStrict(data, &s); err != nil {
			return nil, err
		}
	case versionNoChat:
		var old sessionV1
		if err := decodeStrict(data, &old); err != nil {
			return nil, err
		}
		s = old.migrate()
	default:
		return nil, fmt.Errorf("%w %d (this build reads versions %d and %d)", ErrVersion, *probe.Version, versionNoChat, Version)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if len(s.Outputs) == 0 {
		s.Outputs = nil // "outputs": [] and no outputs are the same session
	}
	return &s, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("sessionfile: malformed session: %w", err)
	}
	return nil
}

// sessionV1 is a version 1 file, read strictly: the fields added in version
// 2 are unknown there.
type sessionV1 struct {
	Version   int        `json:"version"`
	Model     Model      `json:"model"`
	Prompt    string     `json:"prompt"`
	DeltaMid  float32    `json:"delta_mid"`
	Settings  settingsV1 `json:"settings"`
	Outputs   []Output   `json:"outputs,omitempty"`
	Influence *Influence `json:"influence,omitempty"`
}

type settingsV1 struct {
	MaxTokens   int     `json:"max_tokens"`
	Temperature float32 `json:"temperature"`
	Seed        uint64  `json:"seed"`
}

// migrate turns a version 1 session into the current format: no chat
// template, and the new sampling filters off.
func (o sessionV1) migrate() Session {
	return Session{
		Version: Version, Model: o.Model, Prompt: o.Prompt, DeltaMid: o.DeltaMid,
		Settings:  Settings{MaxTokens: o.Settings.MaxTokens, Temperature: o.Settings.Temperature, Seed: o.Settings.Seed},
		Outputs:   o.Outputs,
		Influence: o.Influence,
	}
}
