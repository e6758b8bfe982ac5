package app

import (
	"fmt"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/tagedit"
	"heed/engine/guide"
)

// renderPreview shows the tag-free prompt with each highlight coloured by
// its Δ, then the tokens every highlight covers. Tag errors show here, with
// their position, instead of a preview.
func (w *Workbench) renderPreview() goapp.UI {
	segs, err := tagedit.Segments(w.prompt, w.deltaMid)
	if err != nil {
		return goapp.P().Class("heed-status heed-error heed-tag-error").Role("alert").Text(describePromptError(err))
	}
	before, after, templated := w.templateParts()
	return goapp.Div().Class("heed-preview-block").Body(
		goapp.P().Class("heed-preview").DataSet("templated", templated).Aria("label", "prompt as the model sees it").Body(
			goapp.If(before != "", func() goapp.UI { return goapp.Span().Class("heed-template").Text(before) }),
			goapp.Range(segs).Slice(func(i int) goapp.UI {
				s := segs[i]
				if !s.Highlighted {
					return goapp.Span().Text(s.Text)
				}
				return goapp.Mark().Class("heed-hl "+deltaClass(s.Delta, s.Measure)).
					DataSet("delta", s.Delta).Title(spanTitle(s.Delta, s.Measure)).Text(s.Text)
			}),
			goapp.If(after != "", func() goapp.UI { return goapp.Span().Class("heed-template").Text(after) }),
		),
		goapp.If(w.built != nil, func() goapp.UI {
			return goapp.P().Class("heed-hint heed-token-count").Text(tokenCount(len(w.built.IDs), templated))
		}),
		goapp.If(w.buildErr != "", func() goapp.UI {
			return goapp.P().Class("heed-status heed-error heed-build-error").Role("alert").Text(w.buildErr)
		}),
		goapp.If(w.built != nil && len(w.built.Spans) > 0, func() goapp.UI {
			return goapp.Ul().Class("heed-span-tokens").Body(
				goapp.Range(w.built.Spans).Slice(func(i int) goapp.UI {
					return w.spanTokens(w.built.Spans[i])
				}),
			)
		}),
	)
}

// templateParts is the chat template's text around the user's prompt, when
// the built prompt is templated and holds the prompt verbatim at TextOffset.
func (w *Workbench) templateParts() (before, after string, templated bool) {
	p := w.built
	if p == nil || p.Rendered == p.Text {
		return "", "", false
	}
	end := p.TextOffset + len(p.Text)
	if p.TextOffset < 0 || end > len(p.Rendered) || p.Rendered[p.TextOffset:end] != p.Text {
		return "", "", false
	}
	return p.Rendered[:p.TextOffset], p.Rendered[end:], true
}

func tokenCount(n int, templated bool) string {
	s := fmt.Sprintf("%d tokens", n)
	if templated {
		s += ", chat template included (shaded)"
	}
	return s
}

// spanTokens lists the tokens of one highlight.
func (w *Workbench) spanTokens(sp guide.TokenSpan) goapp.UI {
	pieces := make([]string, 0, sp.Last-sp.First)
	for _, id := range w.built.IDs[sp.First:sp.Last] {
		pieces = append(pieces, showPiece(w.sess.TokenText(id)))
	}
	partial := ""
	if sp.Partial {
		partial = " (starts or ends inside a token: the whole token is highlighted)"
	}
	return goapp.Li().Body(
		goapp.Mark().Class("heed-hl "+deltaClass(sp.Delta, sp.Measure)).Text(w.built.Text[sp.Start:sp.End]),
		goapp.Text(fmt.Sprintf(" %s · tokens %d–%d: %s%s", spanTitle(sp.Delta, sp.Measure), sp.First, sp.Last-1,
			strings.Join(pieces, " | "), partial)),
	)
}

// deltaClass picks the highlight colour: stronger Δ, stronger colour;
// negative Δ and measure-only spans have their own.
func deltaClass(d float32, measure bool) string {
	switch {
	case measure:
		return "heed-hl-measure"
	case d < 0:
		return "heed-hl-negative"
	case d == 0:
		return "heed-hl-zero"
	case d <= 0.75:
		return "heed-hl-1"
	case d <= 1.5:
		return "heed-hl-2"
	default:
		return "heed-hl-3"
	}
}

func spanTitle(d float32, measure bool) string {
	if measure {
		return "measured, unbiased"
	}
	return fmt.Sprintf("Δ = %g", d)
}

// showPiece makes a vocabulary entry readable: SentencePiece's word marker
// becomes a visible space and control characters are escaped.
func showPiece(s string) string {
	s = strings.ReplaceAll(s, "▁", "␣")
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}
