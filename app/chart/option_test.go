package chart

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

// decoded is the option as ECharts would read it back from JSON.
type decoded struct {
	Tooltip struct{ RenderMode string }
	XAxis   struct {
		Type string
		Data []string
	}
	YAxis struct {
		Type string
		Min  *float64
	}
	DataZoom []struct{ Type string }
	Series   []struct {
		Name      string
		Type      string
		Data      []json.RawMessage
		LineStyle *struct{ Type string }
	}
}

func decode(t *testing.T, o Option) decoded {
	t.Helper()
	b, err := o.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var d decoded
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("option JSON %s: %v", b, err)
	}
	if d.Tooltip.RenderMode != "richText" {
		t.Errorf("tooltip renderMode %q: an HTML tooltip sets style attributes the CSP refuses", d.Tooltip.RenderMode)
	}
	return d
}

// values reads a series' data back as float32 ("null" as NaN).
func values(t *testing.T, data []json.RawMessage) []float32 {
	t.Helper()
	out := make([]float32, len(data))
	for i, raw := range data {
		if string(raw) == "null" {
			out[i] = float32(math.NaN())
			continue
		}
		v, err := strconv.ParseFloat(string(raw), 32)
		if err != nil {
			t.Fatalf("data[%d] = %s: %v", i, raw, err)
		}
		out[i] = float32(v)
	}
	return out
}

func sameFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(float64(a[i])) && math.IsNaN(float64(b[i]))) {
			return false
		}
	}
	return true
}

func TestOverPositions(t *testing.T) {
	nan := float32(math.NaN())
	// Values that need all 9 significant digits of a float32 to read back.
	infl := []float32{0, 0, 1, 0.123456791, 1e-7}
	tests := []struct {
		name     string
		log      bool
		wantAxis string
		want     []float32
	}{
		{"log scale: zeros are gaps", true, "log", []float32{nan, nan, 1, 0.123456791, 1e-7}},
		{"linear scale keeps zeros", false, "value", infl},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decode(t, OverPositions("t", []string{"a", "b", "c", "d", "e"}, []Trace{
				{Name: "Influence L4", Values: infl},
				{Name: "Rollout L4", Values: infl, Dashed: true},
			}, tt.log))
			if d.YAxis.Type != tt.wantAxis {
				t.Errorf("y axis %q, want %q", d.YAxis.Type, tt.wantAxis)
			}
			if !tt.log && (d.YAxis.Min == nil || *d.YAxis.Min != 0) {
				t.Errorf("linear y axis min %v, want 0", d.YAxis.Min)
			}
			if d.XAxis.Type != "category" || len(d.XAxis.Data) != 5 || d.XAxis.Data[2] != "2 c" {
				t.Errorf("x axis %+v, want categories \"k token\"", d.XAxis)
			}
			if len(d.Series) != 2 || d.Series[0].Name != "Influence L4" || d.Series[0].LineStyle != nil ||
				d.Series[1].LineStyle == nil || d.Series[1].LineStyle.Type != "dashed" {
				t.Fatalf("series %+v", d.Series)
			}
			for _, s := range d.Series {
				if got := values(t, s.Data); !sameFloats(got, tt.want) {
					t.Errorf("%s data %v, want %v", s.Name, got, tt.want)
				}
			}
			if len(d.DataZoom) != 0 {
				t.Errorf("a 5-token chart got a zoom: %+v", d.DataZoom)
			}
		})
	}
}

func TestOverPositionsZoomsLongPrompts(t *testing.T) {
	tokens := make([]string, 4000)
	d := decode(t, OverPositions("t", tokens, []Trace{{Name: "x", Values: make([]float32, 4000)}}, false))
	if len(d.DataZoom) == 0 {
		t.Error("a 4,000-token chart has no zoom")
	}
}

func TestBars(t *testing.T) {
	d := decode(t, Bars("t", []string{"0", "1"}, []string{"Influence", "Rollout"}, [][]float32{{0.5, 0.25}, {0.125, 0}}))
	if len(d.Series) != 2 || d.Series[0].Type != "bar" || d.XAxis.Type != "category" {
		t.Fatalf("%+v", d)
	}
	if got := values(t, d.Series[1].Data); !sameFloats(got, []float32{0.125, 0}) {
		t.Errorf("Rollout bars %v", got)
	}
}

func TestXYJoinsPointsInXOrder(t *testing.T) {
	d := decode(t, XY("t", "Δ", "Influence", "s", []float32{3, -1, 0, 1}, []float32{0.9, 0.1, 0.2, 0.5}))
	if len(d.Series) != 1 {
		t.Fatalf("%+v", d.Series)
	}
	var got [][2]float32
	for _, raw := range d.Series[0].Data {
		var p [2]float32
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	want := [][2]float32{{-1, 0.1}, {0, 0.2}, {1, 0.5}, {3, 0.9}}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("points %v, want %v", got, want)
		}
	}
}

func TestNonFiniteValuesAreGaps(t *testing.T) {
	inf := float32(math.Inf(1))
	d := decode(t, Bars("t", []string{"a", "b"}, []string{"x"}, [][]float32{{float32(math.NaN()), inf}}))
	for i, raw := range d.Series[0].Data {
		if string(raw) != "null" {
			t.Errorf("data[%d] = %s, want null", i, raw)
		}
	}
}
