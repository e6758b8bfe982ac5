package app

import (
	"context"
	"errors"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"heed/engine/guide"
	"heed/engine/influence"
	"heed/engine/prompt"
)

// track is a two-layer measurement over n tokens with the highlight on token 1.
func track(n int) influence.Track {
	tr := influence.Track{Span: guide.TokenSpan{Span: guide.Span{Delta: 2}, First: 1, Last: 2}}
	for l := range 2 {
		in, ro := make([]float32, n), make([]float32, n)
		for k := 1; k < n; k++ {
			in[k] = 1 / float32(k+l)
			ro[k] = 0.5 / float32(k+l)
		}
		tr.Influence, tr.Rollout = append(tr.Influence, in), append(tr.Rollout, ro)
		tr.Scalar, tr.RolloutScalar = append(tr.Scalar, influence.Scalar(in)), append(tr.RolloutScalar, influence.Scalar(ro))
	}
	return tr
}

var tokAttrs = regexp.MustCompile(`<span class="([^"]*)" data-k="(\d+)" data-influence="([^"]*)" title="([^"]*)">([^<]*)</span><wbr>`)

func TestHeatmapHTML(t *testing.T) {
	pieces := []string{"<s>", "▁cat", `"&'`, " sat"}
	tr := track(len(pieces))
	got := heatmapHTML(tr, pieces, 1)
	if !strings.HasPrefix(got, `<p class="heed-heatmap" data-layer="1" data-tokens="4">`) || !strings.HasSuffix(got, "</p>") {
		t.Fatalf("heatmap root: %.80s…", got)
	}
	if strings.Contains(got, "style=") {
		t.Error("the heatmap carries inline styles, which the CSP refuses")
	}
	toks := tokAttrs.FindAllStringSubmatch(got, -1)
	if len(toks) != len(pieces) {
		t.Fatalf("%d token spans, want %d, in %s", len(toks), len(pieces), got)
	}
	for k, m := range toks {
		class, idx, val, title, text := m[1], m[2], m[3], html.UnescapeString(m[4]), html.UnescapeString(m[5])
		if idx != strconv.Itoa(k) {
			t.Errorf("token %d has data-k %s", k, idx)
		}
		if v, err := strconv.ParseFloat(val, 32); err != nil || float32(v) != tr.Influence[1][k] {
			t.Errorf("token %d data-influence %s, want %v exactly", k, val, tr.Influence[1][k])
		}
		if !strings.Contains(class, heatClass(tr.Influence[1][k])) || strings.Contains(class, "heed-tok-span") != (k == 1) {
			t.Errorf("token %d class %q", k, class)
		}
		if want := tokenReadout(k, pieces[k], tr.Influence[1][k], tr.Rollout[1][k], 1); title != want {
			t.Errorf("token %d title %q, want %q", k, title, want)
		}
		if text != showPiece(pieces[k]) {
			t.Errorf("token %d text %q, want %q", k, text, showPiece(pieces[k]))
		}
	}
}

func TestInfluenceViewFollowsChoices(t *testing.T) {
	pieces := []string{"a", " cat", " sat", "."}
	p := &prompt.Prompt{Text: "a cat sat.", Spans: []guide.TokenSpan{{Span: guide.Span{Start: 2, End: 5, Delta: 2}, First: 1, Last: 2}}}
	tracks := []influence.Track{track(len(pieces))}
	var v influenceView
	v.measured(p, tracks, pieces, 1)
	if v.spanText(0) != "cat" || len(v.strips) != 1 || len(v.lines) != 1 || len(v.bars) != 1 {
		t.Fatalf("view %+v", v)
	}
	// By default the charts show the last layer, Influence and Rollout, on a log axis.
	if n := len(v.lines[0].Series); n != 2 || v.lines[0].Series[0].Name != "Influence L1" || v.lines[0].YAxis.Type != "log" {
		t.Errorf("default chart: %d series, first %q, axis %q", n, v.lines[0].Series[0].Name, v.lines[0].YAxis.Type)
	}
	v.charted[0], v.linear = true, true
	v.drawLines()
	if n := len(v.lines[0].Series); n != 4 || v.lines[0].YAxis.Type != "value" {
		t.Errorf("two layers, linear: %d series, axis %q", n, v.lines[0].YAxis.Type)
	}
	v.drawStrips(0)
	if !strings.Contains(v.strips[0], `data-layer="0"`) {
		t.Errorf("strip after picking layer 0: %.60s", v.strips[0])
	}
	if v.bars[0].Series[0].Data[1] == nil || len(v.bars[0].Series) != 2 {
		t.Errorf("scalar bars %+v", v.bars[0].Series)
	}
}

func TestInfluenceExportHoldsTheMeasurement(t *testing.T) {
	pieces := []string{"a", " cat", " sat", "."}
	p := &prompt.Prompt{Text: "a cat sat.", Spans: []guide.TokenSpan{{Span: guide.Span{Start: 2, End: 5, Delta: 2}, First: 1, Last: 2}}}
	w := NewWorkbench()
	w.infl.tracks, w.infl.pieces = []influence.Track{track(len(pieces))}, pieces
	w.infl.view.reset("m.gguf")
	w.infl.view.measured(p, w.infl.tracks, pieces, 1)
	d := w.influenceExport()
	if d.Model != "m.gguf" || d.Prompt != p.Text || len(d.Spans) != 1 || d.Spans[0].Text != "cat" || d.LastTo != 4 {
		t.Fatalf("export %+v", d)
	}
	var b strings.Builder
	if err := d.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	// A header, then per layer 4 token rows and a scalar row.
	if rows := strings.Count(b.String(), "\n"); rows != 1+2*(4+1) {
		t.Errorf("%d CSV rows:\n%s", rows, b.String())
	}
}

func TestBrowserTurnsKeepsCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	turns := browserTurns{ctx}
	if err := turns.Err(); err != nil {
		t.Fatalf("Err before cancel: %v", err)
	}
	cancel()
	if err := turns.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err after cancel: %v, want context.Canceled", err)
	}
	select {
	case <-turns.Done():
	default:
		t.Error("Done not closed after cancel")
	}
}

// BenchmarkHeatmapHTML is the Go side of redrawing a 4,000-token heatmap.
func BenchmarkHeatmapHTML(b *testing.B) {
	pieces := make([]string, 4000)
	for k := range pieces {
		pieces[k] = " word"
	}
	tr := track(len(pieces))
	for b.Loop() {
		heatmapHTML(tr, pieces, 1)
	}
}
