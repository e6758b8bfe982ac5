package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"heed/engine/tokenizer"
)

func init() {
	register(command{name: "tokenize", summary: "show a prompt's tokens and the token ranges of its highlights", run: runTokenize})
}

type tokenJSON struct {
	Index int    `json:"index"`
	ID    int32  `json:"id"`
	Piece string `json:"piece"`
	// Start and End are code point offsets into the tokenised text.
	Start int `json:"start"`
	End   int `json:"end"`
}

type spanJSON struct {
	Text    string  `json:"text"`
	Start   int     `json:"start"` // code points into the tag-free prompt
	End     int     `json:"end"`
	Delta   float32 `json:"delta"`
	Measure bool    `json:"measure"`
	First   int     `json:"first_token"`
	Last    int     `json:"last_token"` // exclusive
}

type tokenizeJSON struct {
	Text     string      `json:"text"`
	Rendered string      `json:"rendered"`
	Tokens   []tokenJSON `json:"tokens"`
	Spans    []spanJSON  `json:"spans"`
}

func runTokenize(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "tokenize", "[MODEL] TEXT")
	var pf promptFlags
	pf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	model, rest, err := splitModelArg(rest, 1)
	if err != nil {
		return err
	}
	f, err := openModel(model)
	if err != nil {
		return err
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return err
	}
	p, err := pf.build(f, tok, rest[0])
	if err != nil {
		return err
	}
	out := tokenizeJSON{Text: p.Text, Rendered: p.Rendered, Tokens: []tokenJSON{}, Spans: []spanJSON{}}
	for i, id := range p.IDs {
		o := p.Offsets[i]
		out.Tokens = append(out.Tokens, tokenJSON{Index: i, ID: id, Piece: tok.TokenText(id),
			Start: runeOffset(p.Rendered, o[0]), End: runeOffset(p.Rendered, o[1])})
	}
	for _, s := range p.Spans {
		out.Spans = append(out.Spans, spanJSON{Text: p.Text[s.Start:s.End],
			Start: runeOffset(p.Text, s.Start), End: runeOffset(p.Text, s.End),
			Delta: s.Delta, Measure: s.Measure, First: s.First, Last: s.Last})
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDEX\tID\tPIECE\tCHARS")
	for _, t := range out.Tokens {
		fmt.Fprintf(tw, "%d\t%d\t%s\t[%d,%d)\n", t.Index, t.ID, quote(t.Piece), t.Start, t.End)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range out.Spans {
		kind := fmt.Sprintf("Δ=%g", s.Delta)
		if s.Measure {
			kind = "measured"
		}
		fmt.Fprintf(e.stdout, "span %q chars [%d,%d) %s → tokens [%d,%d)\n", s.Text, s.Start, s.End, kind, s.First, s.Last)
	}
	return nil
}
