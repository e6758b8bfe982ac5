package eval

import (
	"fmt"
	"strings"

	"github.com/abadojack/whatlanggo"
)

// FrenchInstruction is the paper's instruction (SPEC §4), the highlighted span.
const FrenchInstruction = "Summarize in french:"

// frenchTask: "Summarize in french: " + a text of about Bin tokens; success is
// an output the language identifier calls French.
type frenchTask struct {
	perBin int
	bins   []int
	text   string
}

// DefaultFrenchBins are the french task's context lengths when none are given:
// the paper used 500-token bins up to about 5k; these fit small models too.
var DefaultFrenchBins = []int{128, 256, 512}

func newFrench(s Settings) (Task, error) {
	t := frenchTask{perBin: s.Examples, bins: s.Bins, text: s.Text}
	if t.perBin <= 0 {
		t.perBin = 5
	}
	if len(t.bins) == 0 {
		t.bins = DefaultFrenchBins
	}
	var err error
	if t.bins, err = checkBins(t.bins); err != nil {
		return nil, err
	}
	if t.text == "" {
		t.text = proseCorpus
	}
	return t, nil
}

func (frenchTask) Info() Info {
	return Info{Name: "french", Success: "the language identifier (whatlanggo) calls the output French",
		MaxTokens: 200, Temperature: 0.7, Binned: true}
}

func (t frenchTask) Examples(count Counter) ([]Example, error) {
	sents, err := splitSentences(t.text, count)
	if err != nil {
		return nil, err
	}
	var out []Example
	for _, bin := range t.bins {
		for i := range t.perBin {
			// Successive examples start a fifth of the corpus apart, so each bin
			// sees different text.
			text := strings.Join(sentencesWithin(sents, i*max(len(sents)/5, 1), bin), " ")
			out = append(out, Example{ID: fmt.Sprintf("french/b%d/%02d", bin, i+1), Bin: bin,
				Span: FrenchInstruction, After: " " + text, Check: checkFrench})
		}
	}
	return out, nil
}

func checkFrench(output string) Score {
	fr := IsFrench(output)
	return Score{Success: fr, Value: boolValue(fr)}
}

// IsFrench reports whether whatlanggo identifies text as French.
func IsFrench(text string) bool {
	if strings.TrimSpace(text) == "" {
		return false
	}
	return whatlanggo.Detect(text).Lang == whatlanggo.Fra
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// sentence is one sentence of a corpus with its length in tokens.
type sentence struct {
	text   string
	tokens int
}

// splitSentences splits prose (paragraphs separated by blank lines, # comment
// lines ignored) into sentences and measures each.
func splitSentences(prose string, count Counter) ([]sentence, error) {
	var out []sentence
	for _, para := range strings.Split(prose, "\n\n") {
		var kept []string
		for _, l := range strings.Split(para, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				kept = append(kept, l)
			}
		}
		p := strings.Join(kept, " ")
		for p != "" {
			end := len(p)
			for i := 0; i+1 < len(p); i++ {
				if (p[i] == '.' || p[i] == '!' || p[i] == '?') && p[i+1] == ' ' {
					end = i + 1
					break
				}
			}
			s := strings.TrimSpace(p[:end])
			p = strings.TrimSpace(p[end:])
			n, err := count(" " + s)
			if err != nil {
				return nil, fmt.Errorf("eval: measuring the corpus: %w", err)
			}
			out = append(out, sentence{s, n})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("eval: the text has no sentences")
	}
	return out, nil
}
