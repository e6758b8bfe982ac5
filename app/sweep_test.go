package app

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

func TestParseDeltas(t *testing.T) {
	tests := []struct {
		in   string
		want []float32
		err  string
	}{
		{defaultSweep, []float32{-2, -1, 0, 0.5, 1, 2, 3, 5}, ""},
		{" 1;2  3 ", []float32{1, 2, 3}, ""},
		{"", nil, "at least one"},
		{" , ", nil, "at least one"},
		{"1, x", nil, `"x" is not a number`},
		{"NaN", nil, "not a number"},
		{"1e99", nil, "not a number"},
		{strings.Repeat("1,", 33), nil, "at most 32"},
	}
	for _, tt := range tests {
		got, err := parseDeltas(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseDeltas(%q) error %v, want one containing %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parseDeltas(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestSweepViewShowsChartAndTable(t *testing.T) {
	w := loadedWorkbench(t)
	deltas, _ := parseDeltas(defaultSweep)
	values, err := w.sess.Sweep(context.Background(), w.built, 0, deltas, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.sweep.spanText, w.sweep.deltas, w.sweep.values = "cat", deltas, values
	html := goapp.HTMLString(w)
	rows := regexp.MustCompile(`<tr [^>]*data-delta[^>]*>`).FindAllString(html, -1)
	if len(rows) != len(deltas) {
		t.Fatalf("%d table rows, want %d", len(rows), len(deltas))
	}
	for i, r := range rows {
		if d, v := attr(r, "data-delta"), attr(r, "data-influence"); d != exact(deltas[i]) || v != exact(values[i]) {
			t.Errorf("row %d = Δ %s Influence %s, want %v %v", i, d, v, deltas[i], values[i])
		}
	}
	if got := strings.Count(html, `class="heed-chart-point"`); got != len(deltas) {
		t.Errorf("%d chart points, want %d", got, len(deltas))
	}
	if opt := regexp.MustCompile(`<option [^>]*>0: “cat”`).FindString(html); !flagSet(opt, "selected") {
		t.Errorf("highlight 0 not picked: %s", opt)
	}
	checkHTML(t, html, []string{`<svg`, `class="heed-chart-line"`, `points="`, `value="` + defaultSweep + `"`, `class="heed-sweep-run heed-primary"`},
		[]string{"style=", "NaN", "Measuring Δ"})
}

// TestSweepChartGeometry pins the chart's scaling: the smallest Δ and value
// sit at the plot's lower-left corner, the largest at its upper right, and a
// flat series or a single point still draws inside the plot.
func TestSweepChartGeometry(t *testing.T) {
	tests := []struct {
		name           string
		deltas, values []float32
		want           string
	}{
		{"rising, given out of order", []float32{2, -1, 0}, []float32{0.3, 0.1, 0.2}, `points="48.0,132.0 134.7,72.0 308.0,12.0"`},
		{"flat", []float32{0, 1}, []float32{0.5, 0.5}, `points="48.0,72.0 308.0,72.0"`},
		{"one point", []float32{1}, []float32{0.2}, `points="178.0,72.0"`},
	}
	for _, tt := range tests {
		html := goapp.HTMLString(sweepChart("x", tt.deltas, tt.values))
		if !strings.Contains(html, tt.want) || strings.Contains(html, "NaN") {
			t.Errorf("%s: want %s in\n%s", tt.name, tt.want, html)
		}
	}
}

func TestSweepViewRunningAndError(t *testing.T) {
	w := loadedWorkbench(t)
	w.sweep.running, w.sweep.deltas, w.sweep.values = true, []float32{0, 1, 2}, []float32{0.1}
	w.sweep.spanText = "cat"
	html := goapp.HTMLString(w)
	checkHTML(t, html, []string{"Measuring Δ 2 of 3…", `data-points="1"`}, nil)
	if !flagSet(tagWith(html, "heed-sweep"), "data-running") {
		t.Error("the sweep section does not say it is running")
	}
	if !flagSet(tagWith(html, "heed-sweep-run"), "disabled") || flagSet(tagWith(html, "heed-sweep-stop"), "disabled") {
		t.Error("while a sweep runs, Sweep should be disabled and Stop enabled")
	}
	w.sweep.running, w.sweep.err = false, "Stopped."
	checkHTML(t, goapp.HTMLString(w), []string{"heed-sweep-error", "Stopped."}, []string{"Measuring Δ"})
}

// tagWith is the first start tag in html whose class list holds class.
func tagWith(html, class string) string {
	return regexp.MustCompile(`<[a-z]+ [^>]*class="(?:[^"]* )?` + regexp.QuoteMeta(class) + `(?: [^"]*)?"[^>]*>`).FindString(html)
}

// attr is the value of attribute name in the start tag tag.
func attr(tag, name string) string {
	m := regexp.MustCompile(` ` + regexp.QuoteMeta(name) + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return m[1]
}

// flagSet reports whether a boolean attribute is on: go-app writes true as
// the bare name and false as ="false".
func flagSet(tag, name string) bool {
	return regexp.MustCompile(` `+regexp.QuoteMeta(name)+`[ >]`).MatchString(tag) || attr(tag, name) == "true"
}
