package app

import (
	"fmt"
	"html"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/wire"
)

// RunView is the generation: one Generate, A/B or GUIDE only, the backend in
// use and why, live figures while it runs, and the continuations side by
// side, appended to the prompt's last words with the differences marked.
type RunView struct {
	goapp.Compo
	S   *Studio
	Rev int
}

// Render draws the toolbar, the live figures and the columns.
func (v *RunView) Render() goapp.UI {
	s := v.S
	g := &s.gen
	running := s.jobs.running(jobGenerate)
	single := s.settings.single
	shown := s.shown()
	return goapp.Section().Class("heed-generation").Aria("labelledby", "heed-gen-title").
		DataSet("running", running).DataSet("runs", s.runs).DataSet("mode", map[bool]string{false: "ab", true: "single"}[single]).Body(
		goapp.H2().ID("heed-gen-title").Class("heed-visually-hidden").Text("Generate with and without GUIDE"),
		goapp.Div().Class("heed-run-bar").Body(
			goapp.If(!running, func() goapp.UI {
				// Before the model is loaded a click queues the run.
				return goapp.Button().Type("button").Class("heed-generate heed-primary").
					Disabled((s.jobs.busy() && !s.jobs.running(jobLoad)) || s.prompt.buildErr != "" || s.prompt.runWhenBuilt).
					OnClick(func(ctx goapp.Context, e goapp.Event) {
						if s.canGenerate() {
							s.generate()
						} else {
							s.prompt.runWhenBuilt = true
							s.touch(areaRun)
						}
					}).Text("Generate")
			}).Else(func() goapp.UI {
				return goapp.Button().Type("button").Class("heed-stop heed-primary").Disabled(s.jobs.stopping).
					OnClick(func(ctx goapp.Context, e goapp.Event) { s.stop() }).Text("Stop")
			}),
			goapp.Div().Class("heed-segmented").Role("radiogroup").Aria("label", "What to generate").Body(
				v.modeButton("A/B", "with and without GUIDE, side by side", false),
				v.modeButton("GUIDE only", "one continuation, with GUIDE", true),
			),
			v.renderLive(),
		),
		goapp.If(g.err != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-gen-error").Role("status").Text(g.err)
		}),
		goapp.If(s.settings.tokensErr != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error heed-tokens-error").Role("alert").Text(s.settings.tokensErr)
		}),
		goapp.Div().Class("heed-ab").DataSet("columns", columns(shown)).Body(
			goapp.If(shown[0], func() goapp.UI { return v.renderColumn(0) }),
			goapp.If(shown[1], func() goapp.UI { return v.renderColumn(1) }),
		),
	)
}

func (v *RunView) modeButton(label, title string, single bool) goapp.UI {
	s := v.S
	return goapp.Button().Type("button").Role("radio").Class("heed-mode").Aria("checked", s.settings.single == single).
		DataSet("single", single).Title(title).Disabled(s.jobs.busy()).
		OnClick(func(ctx goapp.Context, e goapp.Event) {
			s.settings.single = single
			s.touch(areaRun, areaHeat)
		}).Text(label)
}

// renderLive is one line of figures: during a run the prompt's length,
// prefill speed and each side's tokens per second, counted on its own
// turns; otherwise which backend runs and why.
func (v *RunView) renderLive() goapp.UI {
	s := v.S
	g := &s.gen
	if !s.jobs.running(jobGenerate) && g.result == nil && g.cols[0].live.PromptTokens == 0 {
		return goapp.P().Class("heed-live heed-backend-line").Aria("live", "polite").Text(backendLine(s))
	}
	var parts []string
	first := g.cols[0].live
	if first.PromptTokens > 0 {
		parts = append(parts, fmt.Sprintf("prompt %d tokens", first.PromptTokens))
		if first.FirstMS > 0 {
			parts = append(parts, fmt.Sprintf("prefill %s tok/s", rate(float64(first.PromptTokens)/first.FirstMS*1000)))
		}
	}
	for i, c := range g.cols {
		if !g.ran(i) || c.live.Generated == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d tok · %s tok/s", sideNames[i], c.live.Generated, rate(c.live.DecodePerSecond())))
	}
	if s.models.info != nil {
		parts = append(parts, s.models.info.Backend.Label)
	}
	return goapp.P().Class("heed-live heed-num").Text(strings.Join(parts, " · "))
}

func columns(shown [2]bool) int {
	n := 0
	for _, on := range shown {
		if on {
			n++
		}
	}
	return n
}

// rate writes a speed with sensible precision.
func rate(v float64) string {
	switch {
	case v <= 0:
		return "–"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

// backendLine says what runs the model and why.
func backendLine(s *Studio) string {
	m := &s.models
	switch {
	case m.status == modelLoading:
		return "Loading " + m.loading + "…"
	case m.status == modelError:
		return m.err
	case m.info == nil:
		return "No model loaded."
	}
	b := m.info.Backend
	line := "Running on " + b.Label
	switch {
	case b.Software:
		line += ": the only GPU is a software one, slower than the CPU (pick WebGPU in Settings to use it anyway)."
	case b.Why != "":
		line += ": " + b.Why + "."
	case b.Chosen == backendCPU:
		line += ", as chosen in Settings."
	case b.Chosen == backendGPU:
		line += ", as chosen in Settings."
	default:
		line += "."
	}
	return line
}

// tailWords is how much of the prompt's end stands before a continuation.
const tailWords = 4

// promptTail is the last words of the prompt, after an ellipsis.
func promptTail(text string) string {
	f := strings.Fields(text)
	if len(f) <= tailWords {
		return text
	}
	return "… " + strings.Join(f[len(f)-tailWords:], " ")
}

// renderColumn draws one side: the prompt's last words, then its tokens,
// those after the point where the two sides part marked.
func (v *RunView) renderColumn(i int) goapp.UI {
	s := v.S
	g := &s.gen
	c := &g.cols[i]
	title := "With GUIDE"
	if i == 1 {
		title = "Without GUIDE (Δ = 0)"
	}
	tail := ""
	if g.prompt != nil {
		tail = promptTail(g.prompt.Text)
	} else if p := s.prompt.built; p != nil {
		tail = promptTail(p.Text)
	}
	stats := ""
	if g.first != "" {
		stats = "computed by the server on " + g.first + " · Generate runs it in your browser"
	} else if c.done && c.timings.Generated > 0 {
		t := c.timings
		stats = fmt.Sprintf("%d tokens · first after %.0f ms · %s tok/s · stop: %s", t.Generated, t.FirstMS, rate(t.DecodePerSecond()), c.reason)
	}
	return goapp.Div().Class("heed-column").DataSet("side", sideNames[i]).DataSet("done", c.done).Body(
		goapp.H3().Text(title),
		goapp.P().Class("heed-continuation").Body(
			goapp.Span().Class("heed-tail").Text(tail+" "),
			goapp.Raw(tokensHTML(c.tokens, g, i)),
		),
		goapp.P().Class("heed-stats heed-num").Text(stats),
	)
}

// tokensHTML is a column's tokens as one HTML string (one DOM update per
// frame while streaming): each token a span with its id, marked heed-diff
// from where the sides part.
func tokensHTML(toks []wire.Token, g *genState, i int) string {
	var b strings.Builder
	b.WriteString(`<span class="heed-output">`)
	div := g.divergence()
	other := &g.cols[1-i]
	ab := g.ran(1 - i)
	for k, t := range toks {
		cls := "heed-out-tok"
		if ab && k >= div && (k < len(other.tokens) || other.done) {
			cls += " heed-diff"
		}
		if t.ID < 0 {
			fmt.Fprintf(&b, `<span class="%s">%s</span>`, cls, html.EscapeString(t.Text))
			continue
		}
		fmt.Fprintf(&b, `<span class="%s" data-id="%d">%s</span>`, cls, t.ID, html.EscapeString(t.Text))
	}
	b.WriteString(`</span>`)
	return b.String()
}
