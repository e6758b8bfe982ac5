package eval

import (
	"fmt"
	"strings"
)

// The needle and its question (SPEC §4); success is "dolores" in the answer.
const (
	Needle         = "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day."
	NeedleQuestion = "\n\nQuestion: What is the best thing to do in San Francisco?\nAnswer:"
	needleWord     = "dolores"
)

// DefaultNeedleBins and DefaultDepths are the needle task's grid when none is
// given.
var (
	DefaultNeedleBins = []int{128, 256, 512}
	DefaultDepths     = []float64{0, 0.25, 0.5, 0.75, 1}
)

// needleTask: a haystack of about Bin tokens with the needle at a relative
// depth, then the question; Δ is on the needle.
type needleTask struct {
	perCell  int
	bins     []int
	depths   []float64
	haystack string
}

func newNeedle(s Settings) (Task, error) {
	t := needleTask{perCell: s.Examples, bins: s.Bins, depths: s.Depths, haystack: s.Text}
	if t.perCell <= 0 {
		t.perCell = 1
	}
	if len(t.bins) == 0 {
		t.bins = DefaultNeedleBins
	}
	var err error
	if t.bins, err = checkBins(t.bins); err != nil {
		return nil, err
	}
	if len(t.depths) == 0 {
		t.depths = DefaultDepths
	}
	for _, d := range t.depths {
		if !(d >= 0 && d <= 1) {
			return nil, fmt.Errorf("eval: needle depth %g is outside [0, 1]", d)
		}
	}
	if t.haystack == "" {
		t.haystack = proseCorpus
	}
	return t, nil
}

func (needleTask) Info() Info {
	return Info{Name: "needle", Success: `the answer contains "dolores"`, MaxTokens: 30, Binned: true}
}

func (t needleTask) Examples(count Counter) ([]Example, error) {
	sents, err := splitSentences(t.haystack, count)
	if err != nil {
		return nil, err
	}
	fixed, err := count(" " + Needle + NeedleQuestion)
	if err != nil {
		return nil, fmt.Errorf("eval: measuring the needle: %w", err)
	}
	var out []Example
	for _, bin := range t.bins {
		for _, depth := range t.depths {
			for i := range t.perCell {
				hay := sentencesWithin(sents, i*max(len(sents)/3, 1), bin-fixed)
				at := int(depth*float64(len(hay)) + 0.5)
				before := strings.Join(hay[:at], " ")
				if before != "" {
					before += " "
				}
				after := strings.Join(hay[at:], " ")
				if after != "" {
					after = " " + after
				}
				d := depth
				out = append(out, Example{ID: fmt.Sprintf("needle/b%d/d%g/%02d", bin, depth, i+1), Bin: bin, Depth: &d,
					Before: before, Span: Needle, After: after + NeedleQuestion, EmphasisAt: len(before), Check: checkNeedle})
			}
		}
	}
	return out, nil
}

func checkNeedle(output string) Score {
	ok := strings.Contains(strings.ToLower(output), needleWord)
	return Score{Success: ok, Value: boolValue(ok)}
}

// sentencesWithin returns sentences from start on (wrapping around) whose
// tokens add up to at most budget; at least one. A corpus shorter than the
// budget repeats, up to four times.
func sentencesWithin(sents []sentence, start, budget int) []string {
	var out []string
	total := 0
	for i := 0; i < len(sents)*4; i++ {
		s := sents[(start+i)%len(sents)]
		if i > 0 && total+s.tokens > budget {
			break
		}
		out = append(out, s.text)
		total += s.tokens
	}
	return out
}
