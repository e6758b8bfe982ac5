package dataexport

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// sample is a two-layer measurement of a three-token prompt with one
// highlight on token 1; the values need all of a float32's digits.
func sample() Influence {
	return Influence{
		Model: "m.gguf", Prompt: "a cat, sat", Tokens: []string{"a", " cat", ",sat"}, LastFrom: 0, LastTo: 3,
		Spans: []Span{{
			Index: 0, Text: "cat", First: 1, Last: 2, Delta: 2,
			Influence:     [][]float32{{0, 1, 0.333333343}, {0, 0.9, 0.25}},
			Rollout:       [][]float32{{0, 1, 0.5}, {0, 1, 0.125}},
			Scalar:        []float32{0.444444448, 0.383333325},
			RolloutScalar: []float32{0.5, 0.375},
		}},
	}
}

func TestInfluenceCSV(t *testing.T) {
	var b bytes.Buffer
	if err := sample().WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	// Hand-written from sample(): ",sat" is quoted for its comma, " cat" for its
	// leading space (encoding/csv keeps it that way so readers do not trim it).
	want := `kind,span,span_text,delta,measure_only,layer,position,token,influence,rollout
token,0,cat,2,false,0,0,a,0,0
token,0,cat,2,false,0,1," cat",1,1
token,0,cat,2,false,0,2,",sat",0.33333334,0.5
last-tokens mean,0,cat,2,false,0,,,0.44444445,0.5
token,0,cat,2,false,1,0,a,0,0
token,0,cat,2,false,1,1," cat",0.9,1
token,0,cat,2,false,1,2,",sat",0.25,0.125
last-tokens mean,0,cat,2,false,1,,,0.38333333,0.375
`
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestInfluenceJSONReadsBackExactly(t *testing.T) {
	d := sample()
	var b bytes.Buffer
	if err := d.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Model    string
		Tokens   []string
		LastFrom int `json:"last_from"`
		LastTo   int `json:"last_to"`
		Spans    []struct {
			Index, First, Last int
			Text               string
			Delta              float32
			Measure            bool `json:"measure_only"`
			Layers             []struct {
				Layer              int
				Influence, Rollout []float32
				Scalar             float32
				RolloutScalar      float32 `json:"rollout_scalar"`
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v in\n%s", err, b.String())
	}
	if got.Model != d.Model || len(got.Tokens) != 3 || got.LastTo != 3 || len(got.Spans) != 1 {
		t.Fatalf("JSON header %+v", got)
	}
	s, w := got.Spans[0], d.Spans[0]
	if s.Text != "cat" || s.First != 1 || s.Last != 2 || s.Delta != 2 || s.Measure || len(s.Layers) != 2 {
		t.Fatalf("span %+v", s)
	}
	for l, ly := range s.Layers {
		if ly.Layer != l || ly.Scalar != w.Scalar[l] || ly.RolloutScalar != w.RolloutScalar[l] {
			t.Errorf("layer %d: %+v", l, ly)
		}
		for k := range d.Tokens {
			if ly.Influence[k] != w.Influence[l][k] || ly.Rollout[k] != w.Rollout[l][k] {
				t.Errorf("layer %d token %d: %v %v, want %v %v", l, k, ly.Influence[k], ly.Rollout[k], w.Influence[l][k], w.Rollout[l][k])
			}
		}
	}
}

func TestInfluenceRejectsBadShapes(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Influence)
		json bool // only JSON refuses the value
	}{
		{"short layer", func(d *Influence) { d.Spans[0].Influence[1] = d.Spans[0].Influence[1][:2] }, false},
		{"missing rollout layer", func(d *Influence) { d.Spans[0].Rollout = d.Spans[0].Rollout[:1] }, false},
		{"missing scalar", func(d *Influence) { d.Spans[0].Scalar = nil }, false},
		{"NaN", func(d *Influence) { d.Spans[0].Influence[0][0] = float32(math.NaN()) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sample()
			tt.edit(&d)
			if err := d.WriteJSON(&bytes.Buffer{}); err == nil {
				t.Error("WriteJSON accepted it")
			}
			if err := d.WriteCSV(&bytes.Buffer{}); (err == nil) != tt.json {
				t.Errorf("WriteCSV: %v", err)
			}
		})
	}
}

func TestSweep(t *testing.T) {
	s := Sweep{Model: "m.gguf", Prompt: "p", Span: 1, Text: "cat", Deltas: []float32{-1, 0.5, 3}, Values: []float32{0.1, 0.2}}
	var c, j bytes.Buffer
	if err := s.WriteCSV(&c); err != nil {
		t.Fatal(err)
	}
	if want := "span,span_text,delta,influence\n1,cat,-1,0.1\n1,cat,0.5,0.2\n"; c.String() != want {
		t.Errorf("CSV %q, want %q (only the points measured)", c.String(), want)
	}
	if err := s.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Span   int
		Text   string `json:"span_text"`
		Points []struct{ Delta, Influence float32 }
	}
	if err := json.Unmarshal(j.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Span != 1 || got.Text != "cat" || len(got.Points) != 2 || got.Points[1].Delta != 0.5 || got.Points[1].Influence != 0.2 {
		t.Errorf("JSON %s", j.String())
	}
	bad := s
	bad.Values = []float32{1, 2, 3, 4}
	if err := bad.WriteCSV(&c); err == nil || !strings.Contains(err.Error(), "values") {
		t.Errorf("more values than Δ: %v", err)
	}
}
