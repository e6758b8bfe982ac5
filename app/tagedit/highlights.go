package tagedit

import (
	"fmt"

	"heed/engine/guide"
)

// Highlight is one tagged span of a prompt, with where its tags sit in the
// tagged text, so the editor can list, re-weight and remove it.
type Highlight struct {
	Text    string  // the highlighted, tag-free text
	Level   Level   // the tag level; meaningless when Custom
	Custom  bool    // written with an explicit Δ (<!=Δ-> … <-!=>)
	Delta   float32 // the Δ in force (for a level, its multiple of Δmid)
	Measure bool    // measure only, unbiased
	// Byte offsets into the tagged text: the opening tag is [Open, Inner),
	// the highlighted text [Inner, Close), the closing tag [Close, End).
	Open, Inner, Close, End int
}

// Highlights lists the highlights of tagged in text order. Text the parser
// refuses gives its *guide.SyntaxError.
func Highlights(tagged string, deltaMid float32) ([]Highlight, error) {
	_, spans, err := guide.Parse(tagged, deltaMid)
	if err != nil {
		return nil, err
	}
	out := make([]Highlight, 0, len(spans))
	var cur Highlight
	for i := 0; i < len(tagged); i++ {
		n, isOpen := guide.TagAt(tagged[i:])
		if n == 0 {
			continue
		}
		if isOpen {
			cur = Highlight{Open: i, Inner: i + n}
			cur.Level, cur.Custom = levelOf(tagged[i : i+n])
		} else {
			cur.Close, cur.End = i, i+n
			cur.Text = tagged[cur.Inner:cur.Close]
			sp := spans[len(out)]
			cur.Delta, cur.Measure = sp.Delta, sp.Measure
			out = append(out, cur)
		}
		i += n - 1
	}
	return out, nil
}

// levelOf names the level of an opening tag, or reports an explicit-Δ tag.
func levelOf(open string) (Level, bool) {
	for _, l := range Levels {
		if o, _ := l.Tags(); o == open {
			return l, false
		}
	}
	return Mid, true
}

// SetDelta rewrites the tags of highlight i of tagged so that it has its own
// Δ d (a measure-only highlight becomes a biased one).
func SetDelta(tagged string, i int, d float32) (string, error) {
	if err := CheckCustomDelta(d); err != nil {
		return "", err
	}
	h, err := highlightAt(tagged, i)
	if err != nil {
		return "", err
	}
	return checked(tagged[:h.Open] + guide.ExplicitOpen(d) + h.Text + guide.ExplicitClose + tagged[h.End:])
}

// SetLevel rewrites the tags of highlight i of tagged to level l.
func SetLevel(tagged string, i int, l Level) (string, error) {
	h, err := highlightAt(tagged, i)
	if err != nil {
		return "", err
	}
	open, close := l.Tags()
	return checked(tagged[:h.Open] + open + h.Text + close + tagged[h.End:])
}

// Remove deletes the tags of highlight i of tagged, keeping its text.
func Remove(tagged string, i int) (string, error) {
	h, err := highlightAt(tagged, i)
	if err != nil {
		return "", err
	}
	return checked(tagged[:h.Open] + h.Text + tagged[h.End:])
}

// ErrNoHighlight means the highlight asked for is not in the prompt (it was
// edited away in the meantime).
var ErrNoHighlight = fmt.Errorf("that highlight is no longer in the prompt")

// checked refuses an edit whose result the parser would not accept, so an
// edit never leaves a prompt broken.
func checked(out string) (string, error) {
	if _, _, err := guide.Parse(out, 1); err != nil {
		return "", fmt.Errorf("the edit would break the tags: %w", err)
	}
	return out, nil
}

func highlightAt(tagged string, i int) (Highlight, error) {
	hs, err := Highlights(tagged, 1)
	if err != nil {
		return Highlight{}, fmt.Errorf("fix the tags first: %w", err)
	}
	if i < 0 || i >= len(hs) {
		return Highlight{}, fmt.Errorf("%w (number %d of %d)", ErrNoHighlight, i+1, len(hs))
	}
	return hs[i], nil
}
