package eval

import (
	"strings"
	"testing"
)

func TestCountMentions(t *testing.T) {
	tests := []struct {
		text, noun string
		want       int
	}{
		{"She played with the key. The key was gold.", "key", 2},
		{"Two keys and a KEY!", "key", 2},
		{"The monkey ran.", "key", 0}, // whole words only
		{"He ate the cherries.", "cherry", 1},
		{"One red shoe and two shoes.", "shoes", 2},
		{"A box, and boxes.", "box", 2},
		{"crayon", "crayons", 1},
		{"", "cat", 0},
	}
	for _, tc := range tests {
		if got := CountMentions(tc.text, tc.noun); got != tc.want {
			t.Errorf("CountMentions(%q, %q) = %d, want %d", tc.text, tc.noun, got, tc.want)
		}
	}
}

func TestRenderEmphasis(t *testing.T) {
	ex, err := exampleFromTagged("x", "Lily was happy. She had a <?->red ball<-?> and a hat.")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		em       Emphasis
		text     string
		spanText string
	}{
		{Plain, "Lily was happy. She had a red ball and a hat.", "red ball"},
		{Uppercase, "Lily was happy. She had a RED BALL and a hat.", "RED BALL"},
		{Important, "Lily was happy. IMPORTANT: She had a red ball and a hat.", "red ball"},
	}
	for _, tc := range tests {
		text, sp := ex.Render(tc.em)
		if text != tc.text {
			t.Errorf("emphasis %d: text %q, want %q", tc.em, text, tc.text)
		}
		if got := string([]rune(text)[sp.Start:sp.End]); got != tc.spanText {
			t.Errorf("emphasis %d: span %q, want %q", tc.em, got, tc.spanText)
		}
	}
}

func TestExampleFromTaggedRejects(t *testing.T) {
	for _, tagged := range []string{"no highlight", "<?->a<-?> and <?->b<-?>", "<?->open"} {
		if _, err := exampleFromTagged("x", tagged); err == nil {
			t.Errorf("%q: no error", tagged)
		}
	}
}

func TestSentenceStart(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"She had a ", 0},
		{"Lily ran. She had a ", 10},
		{"Wow! Look at the ", 5},
		{"Title\nShe had a ", 6},
		{"Story text.\n\n", 13},
	}
	for _, tc := range tests {
		if got := sentenceStart(tc.s); got != tc.want {
			t.Errorf("sentenceStart(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

func TestTemplateScore(t *testing.T) {
	fields := []Field{{"name", "string"}, {"age", "number"}, {"pets", "array"}, {"happy", "boolean"}}
	tests := []struct {
		name, out string
		want      float64
	}{
		{"all right", `{"name": "Lily", "age": 7, "pets": ["Tom"], "happy": true}`, 1},
		{"wrong types", `{"name": 7, "age": "seven", "pets": "Tom", "happy": "yes"}`, 0},
		{"cut short", `Sure: {"name": "Lily", "age": 7, "pets": ["To`, 0.5},
		{"key repeated, second right", `"age": "x", "age": 3`, 0.25},
		{"prose", "Lily is seven and has a cat.", 0},
		{"unquoted keys", `{name: "Lily"}`, 0},
	}
	for _, tc := range tests {
		if got := TemplateScore(tc.out, fields); got != tc.want {
			t.Errorf("%s: score %v, want %v", tc.name, got, tc.want)
		}
	}
	if TemplateScore("{}", nil) != 0 {
		t.Error("no fields must score 0")
	}
}

func TestParseFieldsRejects(t *testing.T) {
	for _, l := range []string{"name:string", "keys: name", "keys: name:date", "keys: :string"} {
		if _, err := parseFields(l); err == nil {
			t.Errorf("%q: no error", l)
		}
	}
}

func TestIsFrench(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"La ville se trouve au fond d'une large vallée, où deux petites rivières se rejoignent avant de couler vers la mer.", true},
		{"The town sat at the bottom of a wide valley, where two small rivers met before running on to the sea.", false},
		{"   ", false},
	}
	for _, tc := range tests {
		if got := IsFrench(tc.text); got != tc.want {
			t.Errorf("IsFrench(%q) = %v", tc.text, got)
		}
	}
}

// wordCounter counts words: a stand-in tokenizer for sizing bins.
func wordCounter(s string) (int, error) { return len(strings.Fields(s)), nil }

func TestTaskExamples(t *testing.T) {
	tests := []struct {
		task string
		s    Settings
		want int
	}{
		{"mention", Settings{}, 30},
		{"mention", Settings{Examples: 4}, 4},
		{"json", Settings{}, 10},
		{"french", Settings{Bins: []int{40, 80}, Examples: 2}, 4},
		{"needle", Settings{Bins: []int{60}, Depths: []float64{0, 0.5, 1}}, 3},
	}
	for _, tc := range tests {
		task, err := New(tc.task, tc.s)
		if err != nil {
			t.Fatal(err)
		}
		exs, err := task.Examples(wordCounter)
		if err != nil {
			t.Fatal(err)
		}
		if len(exs) != tc.want {
			t.Fatalf("%s: %d examples, want %d", tc.task, len(exs), tc.want)
		}
		ids := map[string]bool{}
		for _, ex := range exs {
			text, sp := ex.Render(Plain)
			if ids[ex.ID] || ex.Span == "" || sp.End <= sp.Start || ex.Check == nil {
				t.Fatalf("%s: bad example %+v", tc.task, ex)
			}
			ids[ex.ID] = true
			if n, _ := wordCounter(text); ex.Bin > 0 && n > ex.Bin+40 {
				t.Fatalf("%s: %d words in bin %d", ex.ID, n, ex.Bin)
			}
		}
	}
}

func TestNeedleDepth(t *testing.T) {
	task, err := New("needle", Settings{Bins: []int{200}, Depths: []float64{0, 0.5, 1}})
	if err != nil {
		t.Fatal(err)
	}
	exs, err := task.Examples(wordCounter)
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range exs {
		text, _ := ex.Render(Plain)
		at := float64(strings.Index(text, Needle)) / float64(strings.Index(text, "\n\nQuestion"))
		// Depth is placed at a sentence boundary: within one sentence of the
		// haystack, a few percent of 200 words.
		if d := *ex.Depth; at < d-0.15 || at > d+0.15 {
			t.Errorf("%s: needle at %.2f of the haystack", ex.ID, at)
		}
		if !ex.Check(" In Dolores Park.").Success || ex.Check(" A sandwich.").Success {
			t.Errorf("%s: needle check wrong", ex.ID)
		}
	}
}

func TestTaskSettingsRejected(t *testing.T) {
	tests := []struct {
		task string
		s    Settings
	}{
		{"nope", Settings{}},
		{"french", Settings{Bins: []int{8}}},
		{"needle", Settings{Bins: []int{64, 64}}},
		{"needle", Settings{Depths: []float64{1.5}}},
	}
	for _, tc := range tests {
		if _, err := New(tc.task, tc.s); err == nil {
			t.Errorf("%s %+v: no error", tc.task, tc.s)
		}
	}
	if _, err := ParseDeltas("0,x"); err == nil {
		t.Error("ParseDeltas accepted x")
	}
	if _, err := ParseDeltas("1,1"); err == nil {
		t.Error("ParseDeltas accepted a repeated Δ")
	}
	if d, err := ParseDeltas("0, 0.5,-1"); err != nil || len(d) != 3 || d[2] != -1 {
		t.Errorf("ParseDeltas: %v %v", d, err)
	}
	if got := Conditions([]float32{0, 2}); len(got) != 4 || got[1].Name != "delta=2" || got[3].Emphasis != Important {
		t.Errorf("conditions %+v", got)
	}
}
