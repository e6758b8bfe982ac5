package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"heed/engine/influence"
	"heed/engine/tokenizer"
)

func init() {
	register(command{name: "influence", summary: "per-layer, per-token Influence and Attention Rollout of each highlight", run: runInfluence})
}

// scalarRule states how the last-tokens scalar is taken.
var scalarRule = fmt.Sprintf("mean over the last %d prompt tokens (the last %d when the prompt has fewer than %d tokens)",
	influence.Window, influence.ShortWindow, influence.ShortPrompt)

type influenceJSON struct {
	Prompt     string          `json:"prompt"`
	Tokens     []tokenJSON     `json:"tokens"`
	ScalarRule string          `json:"scalar_rule"`
	LaggedNorm bool            `json:"reference_compatible"`
	Spans      []spanInfluence `json:"spans"`
}

type spanInfluence struct {
	spanJSON
	Layers []layerInfluence `json:"layers"`
}

type layerInfluence struct {
	Layer         int       `json:"layer"`
	Influence     []float32 `json:"influence"`
	Rollout       []float32 `json:"rollout"`
	Scalar        float32   `json:"influence_scalar"`
	RolloutScalar float32   `json:"rollout_scalar"`
}

func runInfluence(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "influence", "[MODEL] PROMPT")
	var pf promptFlags
	pf.register(fs)
	var ef engineFlags
	ef.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	asCSV := fs.Bool("csv", false, "print CSV, one row per span, layer and token")
	lagged := fs.Bool("reference-compatible", false, "use the previous layer's ‖x‖₁ as the reference code does (SPEC §2)")
	follow := fs.Int("follow", 0, "also follow Influence through `N` greedily generated tokens (GUIDE in force)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	modelArg, rest, err := splitModelArg(rest, 1)
	if err != nil {
		return err
	}
	if *asJSON && *asCSV {
		return usagef("--json and --csv exclude each other")
	}
	g, err := loadEngine(e, modelArg, ef)
	if err != nil {
		return err
	}
	defer g.Close()
	p, err := pf.build(g.file, g.tok, rest[0])
	if err != nil {
		return err
	}
	if len(p.Spans) == 0 {
		return usagef("the prompt has no highlight: tag a span (<?->text<-?> to measure it unbiased) or pass --span")
	}
	if *follow < 0 {
		return usagef("--follow must not be negative")
	}
	ids := p.IDs
	var tracks []influence.Track
	if *follow > 0 {
		ids, tracks, err = g.Follow(ctx, p, *follow, ef.layers, *lagged)
	} else {
		tracks, err = g.InfluenceWith(ctx, p, influence.Options{GuideLayers: ef.layers, LaggedNorm: *lagged})
	}
	if err != nil {
		return err
	}
	out := influenceJSON{Prompt: p.Text, ScalarRule: scalarRule, LaggedNorm: *lagged}
	for i, id := range ids {
		start, end := -1, -1 // generated tokens have no place in the prompt
		if i < len(p.IDs) {
			start, end = runeOffset(p.Rendered, p.Offsets[i][0]), runeOffset(p.Rendered, p.Offsets[i][1])
		}
		out.Tokens = append(out.Tokens, tokenJSON{Index: i, ID: id, Piece: g.tok.TokenText(id), Start: start, End: end})
	}
	for i, tr := range tracks {
		si := spanInfluence{spanJSON: spansJSON(p)[i]}
		for l := range tr.Influence {
			si.Layers = append(si.Layers, layerInfluence{Layer: l, Influence: tr.Influence[l], Rollout: tr.Rollout[l],
				Scalar: tr.Scalar[l], RolloutScalar: tr.RolloutScalar[l]})
		}
		out.Spans = append(out.Spans, si)
	}
	switch {
	case *asJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case *asCSV:
		return writeInfluenceCSV(e.stdout, out)
	}
	return writeInfluenceTable(e.stdout, ids, g.tok, out)
}

// writeInfluenceCSV writes one row per span, layer and token, plus one row per
// span and layer (token "scalar") with the last-tokens scalar.
func writeInfluenceCSV(w io.Writer, out influenceJSON) error {
	c := csv.NewWriter(w)
	c.Write([]string{"span", "span_text", "delta", "measure", "layer", "token", "piece", "influence", "rollout"})
	f := func(v float32) string { return strconv.FormatFloat(float64(v), 'g', 7, 32) }
	for si, s := range out.Spans {
		head := []string{strconv.Itoa(si), s.Text, f(s.Delta), strconv.FormatBool(s.Measure)}
		for _, l := range s.Layers {
			for k, v := range l.Influence {
				c.Write(append(head[:4:4], strconv.Itoa(l.Layer), strconv.Itoa(k), out.Tokens[k].Piece, f(v), f(l.Rollout[k])))
			}
			c.Write(append(head[:4:4], strconv.Itoa(l.Layer), "scalar", "", f(l.Scalar), f(l.RolloutScalar)))
		}
	}
	c.Flush()
	return c.Error()
}

// writeInfluenceTable prints, per span, a token × layer table of Influence and
// Rollout and the last-tokens scalar of each layer.
func writeInfluenceTable(w io.Writer, ids []int32, tok *tokenizer.Tokenizer, out influenceJSON) error {
	for si, s := range out.Spans {
		kind := fmt.Sprintf("Δ %g", s.Delta)
		if s.Measure {
			kind = "measured, unbiased"
		}
		fmt.Fprintf(w, "span %d %q: tokens %d-%d, %s\n", si, s.Text, s.First, s.Last-1, kind)
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "token\tpiece\t")
		for _, l := range s.Layers {
			fmt.Fprintf(tw, "I%d\t", l.Layer)
		}
		for _, l := range s.Layers {
			fmt.Fprintf(tw, "R%d\t", l.Layer)
		}
		fmt.Fprintln(tw)
		for k, id := range ids {
			mark := ""
			switch {
			case k >= s.First && k < s.Last:
				mark = "*"
			case out.Tokens[k].Start < 0:
				mark = "+"
			}
			fmt.Fprintf(tw, "%s%d\t%s\t", mark, k, quote(tok.TokenText(id)))
			for _, l := range s.Layers {
				fmt.Fprintf(tw, "%.4f\t", l.Influence[k])
			}
			for _, l := range s.Layers {
				fmt.Fprintf(tw, "%.4f\t", l.Rollout[k])
			}
			fmt.Fprintln(tw)
		}
		fmt.Fprint(tw, "scalar\t\t")
		for _, l := range s.Layers {
			fmt.Fprintf(tw, "%.4f\t", l.Scalar)
		}
		for _, l := range s.Layers {
			fmt.Fprintf(tw, "%.4f\t", l.RolloutScalar)
		}
		fmt.Fprintln(tw)
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "I = Influence, R = Attention Rollout; * marks the span's tokens, + generated ones; scalar: %s\n", scalarRule)
	return nil
}
