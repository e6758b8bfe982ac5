// Package dataexport writes the Influence view's and the Δ sweep's results
// as CSV and JSON files for download. Values are written as the shortest text
// that reads back as the same float32, so an export holds exactly what the
// page measured.
package dataexport

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Span is one highlight's measurement: Influence[l][k] and Rollout[l][k] at
// layer l and prompt token k, and the last-tokens means per layer.
type Span struct {
	Index int    `json:"index"`
	Text  string `json:"text"`
	// First and Last bound the highlight's tokens, [First, Last).
	First   int     `json:"first"`
	Last    int     `json:"last"`
	Delta   float32 `json:"delta"`
	Measure bool    `json:"measure_only"`

	Influence     [][]float32 `json:"-"`
	Rollout       [][]float32 `json:"-"`
	Scalar        []float32   `json:"-"`
	RolloutScalar []float32   `json:"-"`
}

// Influence is a whole Influence measurement of one prompt.
type Influence struct {
	Model  string   `json:"model"`
	Prompt string   `json:"prompt"`
	Tokens []string `json:"tokens"`
	// LastFrom and LastTo bound the prompt tokens the scalars average, [LastFrom, LastTo).
	LastFrom int    `json:"last_from"`
	LastTo   int    `json:"last_to"`
	Spans    []Span `json:"spans"`
}

// num is v as the shortest decimal that parses back to the same float32.
func num(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }

// check reports a span whose layers or positions do not match the prompt.
func (d Influence) check() error {
	for _, s := range d.Spans {
		if len(s.Rollout) != len(s.Influence) || len(s.Scalar) != len(s.Influence) || len(s.RolloutScalar) != len(s.Influence) {
			return fmt.Errorf("span %d: %d Influence layers, %d Rollout, %d scalars, %d Rollout scalars",
				s.Index, len(s.Influence), len(s.Rollout), len(s.Scalar), len(s.RolloutScalar))
		}
		for l := range s.Influence {
			if len(s.Influence[l]) != len(d.Tokens) || len(s.Rollout[l]) != len(d.Tokens) {
				return fmt.Errorf("span %d layer %d: %d Influence and %d Rollout values for %d tokens",
					s.Index, l, len(s.Influence[l]), len(s.Rollout[l]), len(d.Tokens))
			}
		}
	}
	return nil
}

// InfluenceColumns is the CSV header. A "token" row holds one position's
// values at one layer; a "last-tokens mean" row holds a layer's scalars,
// with position and token empty.
var InfluenceColumns = []string{"kind", "span", "span_text", "delta", "measure_only", "layer", "position", "token", "influence", "rollout"}

// Row kinds of the CSV.
const (
	KindToken  = "token"
	KindScalar = "last-tokens mean"
)

// WriteCSV writes d as one CSV table: per span, per layer, a row per token
// and then the layer's last-tokens means.
func (d Influence) WriteCSV(w io.Writer) error {
	if err := d.check(); err != nil {
		return fmt.Errorf("influence CSV: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(InfluenceColumns); err != nil {
		return fmt.Errorf("influence CSV: %w", err)
	}
	for _, s := range d.Spans {
		head := []string{strconv.Itoa(s.Index), s.Text, num(s.Delta), strconv.FormatBool(s.Measure)}
		for l := range s.Influence {
			layer := strconv.Itoa(l)
			for k, tok := range d.Tokens {
				row := append([]string{KindToken}, head...)
				row = append(row, layer, strconv.Itoa(k), tok, num(s.Influence[l][k]), num(s.Rollout[l][k]))
				if err := cw.Write(row); err != nil {
					return fmt.Errorf("influence CSV: %w", err)
				}
			}
			row := append([]string{KindScalar}, head...)
			row = append(row, layer, "", "", num(s.Scalar[l]), num(s.RolloutScalar[l]))
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("influence CSV: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("influence CSV: %w", err)
	}
	return nil
}

// jsonLayer is one layer of a span in the JSON export.
type jsonLayer struct {
	Layer         int           `json:"layer"`
	Influence     []json.Number `json:"influence"`
	Rollout       []json.Number `json:"rollout"`
	Scalar        json.Number   `json:"scalar"`
	RolloutScalar json.Number   `json:"rollout_scalar"`
}

type jsonSpan struct {
	Span
	Layers []jsonLayer `json:"layers"`
}

// numbers writes vs exactly; JSON has no NaN or infinity, so those are refused.
func numbers(vs []float32) ([]json.Number, error) {
	out := make([]json.Number, len(vs))
	for i, v := range vs {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("value %d is %v, which JSON cannot hold", i, v)
		}
		out[i] = json.Number(num(v))
	}
	return out, nil
}

// WriteJSON writes d as one JSON document: the prompt's tokens, and per span
// its tokens' range, Δ and per layer the Influence and Rollout vectors over
// the tokens and the two last-tokens means.
func (d Influence) WriteJSON(w io.Writer) error {
	if err := d.check(); err != nil {
		return fmt.Errorf("influence JSON: %w", err)
	}
	doc := struct {
		Influence
		Spans []jsonSpan `json:"spans"`
	}{Influence: d}
	for _, s := range d.Spans {
		js := jsonSpan{Span: s}
		for l := range s.Influence {
			sc, err := numbers([]float32{s.Scalar[l], s.RolloutScalar[l]})
			if err != nil {
				return fmt.Errorf("influence JSON: span %d layer %d scalars: %w", s.Index, l, err)
			}
			in, err := numbers(s.Influence[l])
			if err != nil {
				return fmt.Errorf("influence JSON: span %d layer %d Influence: %w", s.Index, l, err)
			}
			ro, err := numbers(s.Rollout[l])
			if err != nil {
				return fmt.Errorf("influence JSON: span %d layer %d Rollout: %w", s.Index, l, err)
			}
			js.Layers = append(js.Layers, jsonLayer{Layer: l, Influence: in, Rollout: ro, Scalar: sc[0], RolloutScalar: sc[1]})
		}
		doc.Spans = append(doc.Spans, js)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("influence JSON: %w", err)
	}
	return nil
}

// Sweep is a Δ sweep of one highlight: its last-layer Influence scalar at each Δ.
type Sweep struct {
	Model  string    `json:"model"`
	Prompt string    `json:"prompt"`
	Span   int       `json:"span"`
	Text   string    `json:"span_text"`
	Deltas []float32 `json:"-"`
	Values []float32 `json:"-"`
}

// SweepColumns is the sweep CSV's header.
var SweepColumns = []string{"span", "span_text", "delta", "influence"}

func (s Sweep) check() error {
	if len(s.Values) > len(s.Deltas) {
		return fmt.Errorf("%d values for %d Δ", len(s.Values), len(s.Deltas))
	}
	return nil
}

// WriteCSV writes a row per Δ measured, in the order swept.
func (s Sweep) WriteCSV(w io.Writer) error {
	if err := s.check(); err != nil {
		return fmt.Errorf("sweep CSV: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(SweepColumns); err != nil {
		return fmt.Errorf("sweep CSV: %w", err)
	}
	for i, v := range s.Values {
		if err := cw.Write([]string{strconv.Itoa(s.Span), s.Text, num(s.Deltas[i]), num(v)}); err != nil {
			return fmt.Errorf("sweep CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("sweep CSV: %w", err)
	}
	return nil
}

// WriteJSON writes the sweep with its points in the order swept.
func (s Sweep) WriteJSON(w io.Writer) error {
	if err := s.check(); err != nil {
		return fmt.Errorf("sweep JSON: %w", err)
	}
	type point struct {
		Delta     json.Number `json:"delta"`
		Influence json.Number `json:"influence"`
	}
	doc := struct {
		Sweep
		Points []point `json:"points"`
	}{Sweep: s, Points: []point{}}
	for i, v := range s.Values {
		p, err := numbers([]float32{s.Deltas[i], v})
		if err != nil {
			return fmt.Errorf("sweep JSON: point %d: %w", i, err)
		}
		doc.Points = append(doc.Points, point{p[0], p[1]})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("sweep JSON: %w", err)
	}
	return nil
}
