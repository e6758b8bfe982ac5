package app

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"heed/app/tagedit"
	"heed/app/wire"
	"heed/engine/chat"
	"heed/engine/guide"
)

// SamplePrompt is the prompt the page starts with: a story opening whose
// noun "cat" is highlighted at the strongest level. On the default model
// GUIDE brings the cat back into the story.
const SamplePrompt = "Once upon a time, there was a girl named Lily. She had a <!!!->cat<-!!!> and a big red ball. One day,"

// defaultDeltaMid is Δ for <!!-> (SPEC §1).
const defaultDeltaMid = 1

// promptState is the prompt as the editor holds it.
type promptState struct {
	tagged    string // the tag source: GUIDE tags in the text
	deltaText string // Δmid as typed
	deltaMid  float32
	chat      bool // wrap in the model's chat template
	system    string
	custom    string // the custom Δ field, as typed
	editErr   string // why the last edit was refused

	built    *wire.Prompt // the prompt tokenised with the loaded model
	buildErr string
	builds   int // tokenisations asked for; an answer to an older one is dropped

	runWhenBuilt bool // a gallery example waits for its tokens to run

	source bool      // the tag source editor is open
	picked int       // the highlight whose editor is open, -1 for none
	sel    selection // the last selection of words in the rendered prompt
}

// selection is a range of the tag-free prompt in UTF-16 code units.
type selection struct {
	start, end int
	ok         bool
}

func newPromptState() promptState {
	return promptState{tagged: SamplePrompt, deltaText: "1", deltaMid: defaultDeltaMid, custom: "-1", picked: -1}
}

// args is the prompt in the engine's terms.
func (s *Studio) args() wire.PromptArgs {
	p := &s.prompt
	a := wire.PromptArgs{Tagged: p.tagged, DeltaMid: p.deltaMid}
	if p.chat && s.chatFamily() != chat.Raw.String() {
		a.Chat, a.System = true, p.system
	}
	return a
}

// chatFamily is the loaded model's chat template family ("raw" without a
// model or a template heed recognises).
func (s *Studio) chatFamily() string {
	if s.models.info == nil {
		return chat.Raw.String()
	}
	return s.models.info.ChatFamily
}

// setPrompt replaces the tag source and tokenises it again.
func (s *Studio) setPrompt(tagged string) {
	s.prompt.tagged, s.prompt.editErr, s.prompt.picked = tagged, "", -1
	s.rebuildPrompt()
}

// rebuildPrompt parses Δmid and asks the engine to tokenise the prompt; the
// answer comes back later (an answer to an older text is dropped).
func (s *Studio) rebuildPrompt() {
	p := &s.prompt
	p.built, p.buildErr = nil, ""
	d, err := strconv.ParseFloat(strings.TrimSpace(p.deltaText), 32)
	if err != nil || math.IsInf(d, 0) || math.IsNaN(d) {
		p.buildErr = fmt.Sprintf("Δmid must be a number, not %q.", p.deltaText)
		return
	}
	if err := guide.CheckDelta(float32(d)); err != nil {
		p.buildErr = "Δmid: " + err.Error()
		return
	}
	p.deltaMid = float32(d)
	if _, _, err := guide.Parse(p.tagged, p.deltaMid); err != nil {
		p.buildErr = describePromptError(err)
		return
	}
	if s.models.status != modelLoaded || s.eng == nil {
		return
	}
	p.builds++
	n, args := p.builds, s.args()
	s.async(func() {
		built, err := s.eng.Prompt(s.ctx, args)
		s.later(func() {
			if n != p.builds {
				return
			}
			p.built, p.buildErr = built, ""
			if err != nil {
				p.built, p.buildErr, p.runWhenBuilt = nil, err.Error(), false
			}
			s.runIfAsked()
		}, areaPrompt, areaRun)
	})
}

// describePromptError places a tag error at its line and column.
func describePromptError(err error) string {
	var se *guide.SyntaxError
	if errors.As(err, &se) {
		msg := fmt.Sprintf("Line %d, column %d: %q: %v", se.Line, se.Column, se.Tag, se.Err)
		if se.Detail != "" {
			msg += " (" + se.Detail + ")"
		}
		return msg
	}
	return err.Error()
}

// highlight wraps the words last selected in the rendered prompt (or the
// source editor's selection when it is open and has one) in the tags of l.
func (s *Studio) highlight(l tagedit.Level) {
	s.edit(func(tagged string, sel selection, source bool) (tagedit.Edit, error) {
		if source {
			return tagedit.Wrap(tagged, sel.start, sel.end, l)
		}
		return tagedit.WrapPlain(tagged, sel.start, sel.end, l)
	})
}

// highlightCustom wraps the selection in explicit-Δ tags with the custom
// Δ field's value.
func (s *Studio) highlightCustom() {
	d, err := parseCustomDelta(s.prompt.custom)
	if err != nil {
		s.prompt.editErr = err.Error()
		return
	}
	s.edit(func(tagged string, sel selection, source bool) (tagedit.Edit, error) {
		if source {
			return tagedit.WrapDelta(tagged, sel.start, sel.end, d)
		}
		return tagedit.WrapPlainDelta(tagged, sel.start, sel.end, d)
	})
}

// edit applies wrap to the prompt and the current selection.
func (s *Studio) edit(wrap func(tagged string, sel selection, source bool) (tagedit.Edit, error)) {
	p := &s.prompt
	sel, source := p.sel, false
	if p.source {
		if ta, ok := sourceSelection(); ok {
			sel, source = ta, true
		}
	}
	if !sel.ok || sel.start == sel.end {
		p.editErr = "Select the words to highlight first."
		return
	}
	e, err := wrap(p.tagged, sel, source)
	if err != nil {
		p.editErr = err.Error()
		return
	}
	p.sel = selection{}
	s.setPrompt(e.Text)
	if source {
		setSourceText(e.Text, e.Caret)
	}
	clearSelection()
}

// editHighlight rewrites highlight i's tags with edit (re-weight, remove).
func (s *Studio) editHighlight(edit func(tagged string) (string, error)) {
	out, err := edit(s.prompt.tagged)
	if err != nil {
		s.prompt.editErr = err.Error()
		return
	}
	picked := s.prompt.picked
	s.setPrompt(out)
	setSourceText(out, -1)
	if hs, err := tagedit.Highlights(out, s.prompt.deltaMid); err == nil && picked < len(hs) {
		s.prompt.picked = picked
	}
}

// parseCustomDelta reads a custom Δ field, saying in words what is wrong.
func parseCustomDelta(s string) (float32, error) {
	d, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
	if err != nil || tagedit.CheckCustomDelta(float32(d)) != nil {
		return 0, fmt.Errorf("Custom Δ must be a number from %d to %d, not %q.", -tagedit.MaxCustomDelta, tagedit.MaxCustomDelta, s)
	}
	return float32(d), nil
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

// spanTitle names a highlight's Δ.
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

// exact writes a float32 so that parsing it gives the same float32 back.
func exact(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }

// spanPieces lists the tokens a highlight covers: "␣c | at".
func spanPieces(p *wire.Prompt, sp wire.Span) string {
	if p == nil || sp.First < 0 || sp.Last > len(p.Pieces) || sp.First > sp.Last {
		return ""
	}
	parts := make([]string, 0, sp.Last-sp.First)
	for _, piece := range p.Pieces[sp.First:sp.Last] {
		parts = append(parts, showPiece(piece))
	}
	return strings.Join(parts, " | ")
}
