package app

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/wire"
)

// heatLevels is the number of heatmap colour classes (heed-heat-0 … -10 in heed.css).
const heatLevels = 10

// heatClass buckets an Influence value in [0, 1] on a square-root scale, so
// the small values most tokens carry still show.
func heatClass(v float32) string {
	if !(v > 0) {
		return "heed-heat-0"
	}
	b := int(math.Round(math.Sqrt(float64(min(v, 1))) * heatLevels))
	return "heed-heat-" + strconv.Itoa(b)
}

// heatState is the main view's Influence heatmap: every highlight's
// Influence followed through the last run, over the prompt and the
// generated tokens, as `heed influence --follow` computes it.
type heatState struct {
	prompt *wire.Prompt
	sides  [2]sideHeat // by sideIndex
	span   int         // the highlight shown
	layer  int         // the layer shown; -1 for the last
	side   int         // the sequence shown
	cursor int         // the token the readout shows; -1 for none
}

// sideHeat is one side's followed Influence.
type sideHeat struct {
	tracks []wire.Track
	pieces []string // the prompt's tokens, then the generated ones
	prompt int      // how many of pieces are the prompt's
}

func (h *heatState) clear() {
	*h = heatState{span: h.span, layer: h.layer, side: h.side, cursor: -1}
}

// ran takes the followed tracks of a finished run on p.
func (h *heatState) ran(p *wire.Prompt, res *wire.Generated) {
	h.clear()
	h.prompt = p
	for _, sr := range res.Sides {
		if len(sr.Tracks) == 0 {
			continue
		}
		pieces := append(append([]string(nil), p.Pieces...), sr.Pieces...)
		h.sides[sideIndex(sr.Side)] = sideHeat{tracks: sr.Tracks, pieces: pieces, prompt: len(p.Pieces)}
	}
	if h.span >= len(p.Spans) {
		h.span = 0
	}
	if len(h.sides[h.side].tracks) == 0 {
		h.side = 0
	}
}

// shown is the side, track and layer on show, and how many positions were
// measured; ok is false when there is nothing to show.
func (h *heatState) shown() (sh *sideHeat, tr *wire.Track, layer, n int, ok bool) {
	sh = &h.sides[h.side]
	if len(sh.tracks) == 0 || h.span >= len(sh.tracks) {
		return nil, nil, 0, 0, false
	}
	tr = &sh.tracks[h.span]
	layers := len(tr.Influence)
	if layers == 0 {
		return nil, nil, 0, 0, false
	}
	layer = h.layer
	if layer < 0 || layer >= layers {
		layer = layers - 1
	}
	n = min(len(tr.Influence[layer]), len(sh.pieces))
	return sh, tr, layer, n, true
}

// heatHTML is the heatmap as one HTML string (inserted once, outside
// go-app's per-element diff): each token a span coloured by class, with its
// exact value; the highlight's tokens and the generated ones marked. Only
// classes and data attributes: the page's CSP refuses inline styles.
func heatHTML(sh *sideHeat, tr *wire.Track, layer, n int) string {
	var b strings.Builder
	b.Grow(n * 120)
	fmt.Fprintf(&b, `<p class="heed-heatmap" data-layer="%d" data-tokens="%d" data-prompt="%d">`, layer, n, sh.prompt)
	for k := range n {
		v := tr.Influence[layer][k]
		cls := "heed-tok " + heatClass(v)
		if k >= tr.Span.First && k < tr.Span.Last {
			cls += " heed-tok-span"
		}
		if k >= sh.prompt {
			cls += " heed-tok-gen"
		}
		// <wbr>: the pieces carry no spaces (␣ shows them), so without a
		// break opportunity between tokens the strip would be one line.
		fmt.Fprintf(&b, `<span class="%s" data-k="%d" data-influence="%s">%s</span><wbr>`, cls, k, exact(v), html.EscapeString(showPiece(sh.pieces[k])))
	}
	b.WriteString(`</p>`)
	return b.String()
}

// readout is the values of token k, for every highlight, in words.
func (h *heatState) readout(k int) string {
	sh, _, layer, n, ok := h.shown()
	if !ok || k < 0 || k >= n {
		return "Point at a token, or focus the heatmap and use the arrow keys, to see how much each highlight shaped it."
	}
	where := "prompt"
	if k >= sh.prompt {
		where = "generated"
	}
	parts := make([]string, 0, len(sh.tracks))
	for i, tr := range sh.tracks {
		name := fmt.Sprintf("highlight %d", i+1)
		if h.prompt != nil && i < len(h.prompt.Spans) {
			sp := h.prompt.Spans[i]
			name = "“" + h.prompt.Text[sp.Start:sp.End] + "”"
		}
		parts = append(parts, fmt.Sprintf("%s %.4f", name, tr.Influence[layer][k]))
	}
	return fmt.Sprintf("token %d “%s” (%s): Influence of %s (layer %d)", k, showPiece(sh.pieces[k]), where, strings.Join(parts, ", "), layer)
}

// HeatView shows the Influence heatmap of the last run where the eye is,
// under the continuations: pick a highlight, a side and a layer; point at a
// token to read how much each highlight shaped it.
type HeatView struct {
	goapp.Compo
	S   *Studio
	Rev int
}

// Render draws the pickers, the strip and its readout.
func (v *HeatView) Render() goapp.UI {
	s := v.S
	h := &s.heat
	sh, tr, layer, n, ok := h.shown()
	return goapp.Section().Class("heed-heat").Aria("labelledby", "heed-heat-title").DataSet("ready", ok).Body(
		goapp.Div().Class("heed-heat-bar").Body(
			goapp.H2().ID("heed-heat-title").Text("Influence"),
			goapp.If(ok, func() goapp.UI { return v.renderPickers(sh, layer) }),
		),
		goapp.If(!ok, func() goapp.UI {
			msg := "Generate to see how much each highlight shapes every token, the generated ones included."
			if s.prompt.built != nil && len(s.prompt.built.Spans) == 0 {
				msg = "Highlight words to see their Influence on every token."
			}
			return goapp.P().Class("heed-heat-empty heed-hint").Text(msg)
		}).Else(func() goapp.UI {
			return goapp.Div().Class("heed-strip").TabIndex(0).Role("group").
				Aria("label", fmt.Sprintf("Heatmap of the highlight's Influence at layer %d over %d tokens", layer, n)).
				Aria("describedby", "heed-heat-readout").
				DataSet("span", h.span).DataSet("side", sideNames[h.side]).
				OnMouseOver(func(ctx goapp.Context, e goapp.Event) { v.pointAt(e) }).
				OnKeyDown(func(ctx goapp.Context, e goapp.Event) { v.step(e, n) }).
				Body(goapp.Raw(heatHTML(sh, tr, layer, n)))
		}),
		goapp.P().ID("heed-heat-readout").Class("heed-heat-readout heed-num").Aria("live", "polite").Text(h.readout(h.cursor)),
	)
}

// renderPickers chooses the highlight, the side and the layer.
func (v *HeatView) renderPickers(sh *sideHeat, layer int) goapp.UI {
	s := v.S
	h := &s.heat
	var names []string
	if p := h.prompt; p != nil {
		for _, sp := range p.Spans {
			names = append(names, p.Text[sp.Start:sp.End])
		}
	}
	layers := len(sh.tracks[0].Influence)
	return goapp.Div().Class("heed-heat-pickers").Body(
		goapp.Div().Class("heed-segmented").Role("radiogroup").Aria("label", "Highlight").Body(
			goapp.Range(names).Slice(func(i int) goapp.UI {
				return goapp.Button().Type("button").Role("radio").Class("heed-heat-span").Aria("checked", h.span == i).
					OnClick(func(ctx goapp.Context, e goapp.Event) { h.span = i; s.touch(areaHeat) }).Text("“" + names[i] + "”")
			}),
		),
		goapp.If(len(s.heat.sides[1].tracks) > 0, func() goapp.UI {
			return goapp.Div().Class("heed-segmented").Role("radiogroup").Aria("label", "Continuation").Body(
				goapp.Range(sideNames[:]).Slice(func(i int) goapp.UI {
					label := map[int]string{0: "with GUIDE", 1: "without"}[i]
					return goapp.Button().Type("button").Role("radio").Class("heed-heat-side").DataSet("side", sideNames[i]).
						Aria("checked", h.side == i).
						OnClick(func(ctx goapp.Context, e goapp.Event) { h.side = i; s.touch(areaHeat) }).Text(label)
				}),
			)
		}),
		goapp.Label().For("heed-heat-layer").Class("heed-field").Text("Layer"),
		goapp.Select().ID("heed-heat-layer").OnChange(func(ctx goapp.Context, e goapp.Event) {
			if l, err := strconv.Atoi(ctx.JSSrc().Get("value").String()); err == nil && l >= 0 && l < layers {
				h.layer = l
				s.touch(areaHeat)
			}
		}, goapp.EventScope(layers)).Body(goapp.Range(make([]struct{}, layers)).Slice(func(l int) goapp.UI {
			return goapp.Option().Value(strconv.Itoa(l)).Selected(l == layer).Text(strconv.Itoa(l))
		})),
	)
}

// pointAt moves the readout to the token under the pointer.
func (v *HeatView) pointAt(e goapp.Event) {
	tok := e.Get("target").Call("closest", ".heed-tok")
	if !tok.Truthy() {
		return
	}
	if k, err := strconv.Atoi(tok.Get("dataset").Get("k").String()); err == nil {
		v.S.heat.cursor = k
		v.S.touch(areaHeat)
	}
}

// step moves the readout with the arrow, Home and End keys.
func (v *HeatView) step(e goapp.Event, n int) {
	h := &v.S.heat
	k := h.cursor
	switch e.Get("key").String() {
	case "ArrowRight", "ArrowDown":
		k++
	case "ArrowLeft", "ArrowUp":
		k--
	case "Home":
		k = 0
	case "End":
		k = n - 1
	default:
		return
	}
	e.PreventDefault()
	h.cursor = max(0, min(k, n-1))
	v.S.touch(areaHeat)
}
