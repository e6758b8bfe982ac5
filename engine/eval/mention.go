package eval

import (
	"fmt"
	"strings"
	"unicode"
)

// mentionTask: story openings with one highlighted noun; success is a
// continuation that names the noun again (SPEC §5: GUIDE visibly steers even
// the default story model this way).
type mentionTask struct{ limit int }

func (mentionTask) Info() Info {
	return Info{Name: "mention", Success: "the continuation mentions the highlighted noun",
		Value: "mentions of the noun per continuation", MaxTokens: 40}
}

func (t mentionTask) Examples(Counter) ([]Example, error) {
	var out []Example
	for i, l := range lines(mentionCorpus) {
		ex, err := exampleFromTagged(fmt.Sprintf("mention/%02d", i+1), l)
		if err != nil {
			return nil, err
		}
		noun := ex.Span
		ex.Check = func(output string) Score {
			n := CountMentions(output, noun)
			return Score{Success: n > 0, Value: float64(n)}
		}
		out = append(out, ex)
	}
	return limit(out, t.limit), nil
}

// CountMentions counts the words of text equal to noun or its plural (+s, +es,
// y→ies, and the singular of a plural noun), ignoring case.
func CountMentions(text, noun string) int {
	forms := nounForms(strings.ToLower(noun))
	n := 0
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if forms[w] {
			n++
		}
	}
	return n
}

func nounForms(noun string) map[string]bool {
	forms := map[string]bool{noun: true, noun + "s": true, noun + "es": true}
	if stem, ok := strings.CutSuffix(noun, "y"); ok {
		forms[stem+"ies"] = true
	}
	if stem, ok := strings.CutSuffix(noun, "s"); ok && len(stem) > 1 {
		forms[stem] = true
		if stem2, ok := strings.CutSuffix(stem, "e"); ok && len(stem2) > 1 {
			forms[stem2] = true
		}
	}
	return forms
}
