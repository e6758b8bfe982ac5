package eval

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// TemplateInstruction is the span the json task highlights (SPEC §4).
const TemplateInstruction = "Your response should follow exactly this template:"

// Field is one key of a JSON template with the type its value must have.
type Field struct {
	Key  string
	Type string // "string", "number", "boolean" or "array"
}

// jsonTask: a text, then the highlighted instruction and a JSON template;
// the value is the share of template keys present with the right type, and
// success is every key right.
type jsonTask struct{ limit int }

func (jsonTask) Info() Info {
	return Info{Name: "json", Success: "every template key is present with the right type",
		Value: "share of template keys present with the right type", MaxTokens: 80}
}

func (t jsonTask) Examples(Counter) ([]Example, error) {
	var out []Example
	for i, rec := range strings.Split(jsonCorpus, "\n---\n") {
		ls := lines(rec)
		if len(ls) < 2 {
			return nil, fmt.Errorf("eval: json record %d: want a keys: line and a text", i+1)
		}
		fields, err := parseFields(ls[0])
		if err != nil {
			return nil, fmt.Errorf("eval: json record %d: %w", i+1, err)
		}
		text := strings.Join(ls[1:], " ")
		out = append(out, Example{ID: fmt.Sprintf("json/%02d", i+1), Before: text + "\n\n", EmphasisAt: len(text) + 2,
			Span: TemplateInstruction, After: "\n" + Template(fields) + "\n\n",
			Check: func(output string) Score {
				v := TemplateScore(output, fields)
				return Score{Success: v == 1, Value: v}
			}})
	}
	return limit(out, t.limit), nil
}

// parseFields reads "keys: name:string, age:number".
func parseFields(line string) ([]Field, error) {
	spec, ok := strings.CutPrefix(line, "keys:")
	if !ok {
		return nil, fmt.Errorf("%q does not start with \"keys:\"", line)
	}
	var out []Field
	for _, item := range strings.Split(spec, ",") {
		k, typ, ok := strings.Cut(strings.TrimSpace(item), ":")
		switch {
		case !ok || k == "":
			return nil, fmt.Errorf("field %q is not key:type", item)
		case typ != "string" && typ != "number" && typ != "boolean" && typ != "array":
			return nil, fmt.Errorf("field %q: type %q is not string, number, boolean or array", item, typ)
		}
		out = append(out, Field{Key: k, Type: typ})
	}
	return out, nil
}

// Template renders the fields as the JSON template shown to the model.
func Template(fields []Field) string {
	var b strings.Builder
	b.WriteString("{\n")
	for i, f := range fields {
		fmt.Fprintf(&b, "  %q: <%s>", f.Key, f.Type)
		if i+1 < len(fields) {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.String()
}

// TemplateScore is the share of fields whose key appears in output, quoted
// and followed by a colon, with a JSON value of the right type. Each key is
// read on its own, so an object cut short by the token limit still earns the
// keys it completed.
func TemplateScore(output string, fields []Field) float64 {
	if len(fields) == 0 {
		return 0
	}
	right := 0
	for _, f := range fields {
		re := regexp.MustCompile(`"` + regexp.QuoteMeta(f.Key) + `"\s*:\s*`)
		for _, loc := range re.FindAllStringIndex(output, -1) {
			var v any
			if json.NewDecoder(strings.NewReader(output[loc[1]:])).Decode(&v) != nil {
				continue
			}
			if typeOf(v) == f.Type {
				right++
				break
			}
		}
	}
	return float64(right) / float64(len(fields))
}

func typeOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}
