package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"heed/engine/generate"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/prompt"
	"heed/engine/sample"
	"heed/engine/session"
	"heed/engine/tokenizer"
)

func init() {
	register(command{name: "run", summary: "generate a continuation of a prompt, with GUIDE highlights", run: runRun})
}

// engineFlags are the flags of every command that runs the model.
type engineFlags struct {
	threads int
	layers  layerList
	backend *string
}

func (f *engineFlags) register(fs *flag.FlagSet) {
	f.backend = addBackendFlag(fs)
	fs.IntVar(&f.threads, "threads", 0, "CPU worker threads (0: one per CPU)")
	fs.Var(&f.layers, "layers", "apply GUIDE only in these `LAYERS` (e.g. 0-3,7; default all)")
}

// layerList is a --layers value: comma-separated layer numbers and ranges.
type layerList []int

// maxLayers bounds a --layers value before the model is known.
const maxLayers = 1024

func (l *layerList) String() string { return fmt.Sprint(*l) }

func (l *layerList) Set(v string) error {
	var out []int
	for _, part := range strings.Split(v, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return fmt.Errorf("bad layer %q", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return fmt.Errorf("bad layer range %q", part)
			}
		}
		if b >= maxLayers {
			return fmt.Errorf("layer %d: no model has %d layers", b, maxLayers)
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	*l = out
	return nil
}

// checkLayers rejects layers the model does not have.
func checkLayers(layers []int, n int) error {
	for _, l := range layers {
		if l >= n {
			return usagef("--layers: layer %d, the model has %d (0-%d)", l, n, n-1)
		}
	}
	return nil
}

// engine is a loaded model ready to run: a session (the layer the page's
// engine worker loads and runs models with) and, for the commands that drive
// the engine packages directly, its parts.
type engine struct {
	*session.Session
	path    string // the model file, resolved (the default model when none was named)
	file    *gguf.File
	tok     *tokenizer.Tokenizer
	backend string // what runs it, e.g. "cpu (2 threads)"
	m       *model.Model
}

// loadEngine opens the model, its tokenizer and its weights on the executor the
// flags name, drawing a progress bar for large files when stderr is a terminal,
// and rejects --layers the model does not have.
func loadEngine(e *env, path string, ef engineFlags) (*engine, error) {
	path, err := modelPath(path)
	if err != nil {
		return nil, err
	}
	backend := "cpu"
	if ef.backend != nil {
		backend = *ef.backend
	}
	b, err := openBackend(backend, ef.threads, e.stderr)
	if err != nil {
		return nil, err
	}
	var size int64
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	s, err := session.OpenFile(path, b, loadProgress(e, path, size))
	if err != nil {
		b.Close()
		return nil, err
	}
	g := &engine{Session: s, path: path, file: s.File(), tok: s.Tokenizer(), backend: b.Desc, m: s.Model()}
	if err := checkLayers(ef.layers, g.m.NumLayers); err != nil {
		g.Close()
		return nil, err
	}
	return g, nil
}

// progressMinBytes is the model size above which loading shows progress.
const progressMinBytes = 64 << 20

// loadProgress returns a progress callback drawing a bar on stderr, or nil
// when stderr is not a terminal or the model is small.
func loadProgress(e *env, path string, size int64) func(done, total int64) {
	f, ok := e.stderr.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	if size < progressMinBytes {
		return nil
	}
	last := -1
	return func(done, total int64) {
		pct := int(100 * done / max(total, 1))
		if pct == last {
			return
		}
		last = pct
		const width = 30
		bar := strings.Repeat("=", pct*width/100) + strings.Repeat(" ", width-pct*width/100)
		fmt.Fprintf(f, "\rloading %s [%s] %3d%%", path, bar, pct)
		if done >= total {
			fmt.Fprintln(f)
		}
	}
}

// runJSON is the --json output of heed run.
type runJSON struct {
	Prompt      string      `json:"prompt"`
	PromptIDs   []int32     `json:"prompt_ids"`
	Spans       []spanJSON  `json:"spans"`
	Mode        string      `json:"mode"`
	Layers      []int       `json:"layers,omitempty"`
	Generated   []int32     `json:"generated_ids"`
	Text        string      `json:"text"`
	Stop        string      `json:"stop_reason"`
	Timings     timingsJSON `json:"timings"`
	Backend     string      `json:"backend"`
	Temperature float32     `json:"temperature"`
	Seed        uint64      `json:"seed"`
}

type timingsJSON struct {
	PromptTokens     int     `json:"prompt_tokens"`
	GeneratedTokens  int     `json:"generated_tokens"`
	PrefillMS        float64 `json:"prefill_ms"`
	FirstTokenMS     float64 `json:"time_to_first_token_ms"`
	DecodeMS         float64 `json:"decode_ms"`
	PrefillPerSecond float64 `json:"prefill_tokens_per_second"`
	DecodePerSecond  float64 `json:"decode_tokens_per_second"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func runRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "[MODEL] PROMPT")
	var pf promptFlags
	pf.register(fs)
	var ef engineFlags
	ef.register(fs)
	ctxLen := fs.Int("ctx", 0, "context length to allocate (0: prompt + max tokens, within the model's)")
	mode := fs.String("mode", "always", "when GUIDE applies: always (prefill and every decode step) or prefill-only")
	var sp sample.Params
	temp := fs.Float64("temperature", 0, "sampling temperature (0: greedy)")
	fs.IntVar(&sp.TopK, "top-k", 0, "keep the K most likely tokens (0: all)")
	topP := fs.Float64("top-p", 1, "keep the most likely tokens up to this cumulative probability")
	minP := fs.Float64("min-p", 0, "drop tokens below this fraction of the most likely one's probability")
	repeat := fs.Float64("repeat-penalty", 1, "penalty for tokens among the last 64 (1: none)")
	fs.Uint64Var(&sp.Seed, "seed", 0, "random seed for sampling (0: from the clock)")
	maxTokens := fs.Int("max-tokens", 256, "most tokens to generate")
	var stops stringList
	fs.Var(&stops, "stop", "stop when this `TEXT` is generated; repeatable")
	asJSON := fs.Bool("json", false, "print prompt ids, span token ranges, generated ids and text, and timings as JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	modelArg, rest, err := splitModelArg(rest, 1)
	if err != nil {
		return err
	}
	gmode, err := generate.ParseMode(*mode)
	if err != nil {
		return usageError{err}
	}
	sp.Temperature, sp.TopP, sp.MinP, sp.RepeatPenalty = float32(*temp), float32(*topP), float32(*minP), float32(*repeat)
	if err := sp.Validate(); err != nil {
		return usageError{err}
	}
	if *maxTokens <= 0 {
		return usagef("--max-tokens must be positive")
	}
	if sp.Seed == 0 && sp.Temperature > 0 {
		sp.Seed = uint64(time.Now().UnixNano())
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
	opt := session.GenOptions{MaxTokens: *maxTokens, Sample: sp, Stop: stops, Layers: ef.layers, Mode: gmode, Context: *ctxLen}
	if *ctxLen > g.m.Context {
		return usagef("--ctx %d exceeds the model's context length %d", *ctxLen, g.m.Context)
	}
	var onToken func(generate.Token) error
	if !*asJSON {
		onToken = func(t generate.Token) error {
			_, err := io.WriteString(e.stdout, t.Text)
			return err
		}
	}
	res, err := g.Generate(ctx, p, session.Guided, opt, onToken)
	if err != nil && (res == nil || !errors.Is(err, context.Canceled)) {
		return err
	}
	if !*asJSON {
		fmt.Fprintln(e.stdout)
		t := res.Timings
		fmt.Fprintf(e.stderr, "prompt %d tokens in %.1f ms (%.1f tok/s); first token after %.1f ms; %d tokens generated at %.1f tok/s; stop: %s\n",
			t.PromptTokens, ms(t.Prefill), t.PrefillPerSecond(), ms(t.FirstToken), t.Generated, t.DecodePerSecond(), res.Reason)
		return err
	}
	return writeRunJSON(e.stdout, p, res, gmode, ef.layers, g.backend, sp)
}

func writeRunJSON(w io.Writer, p *prompt.Prompt, res *generate.Result, mode generate.Mode, layers []int, backend string, sp sample.Params) error {
	t := res.Timings
	out := runJSON{Prompt: p.Text, PromptIDs: p.IDs, Spans: spansJSON(p), Mode: mode.String(), Layers: layers,
		Generated: res.IDs, Text: res.Text, Stop: res.Reason, Backend: backend, Temperature: sp.Temperature, Seed: sp.Seed,
		Timings: timingsJSON{PromptTokens: t.PromptTokens, GeneratedTokens: t.Generated,
			PrefillMS: ms(t.Prefill), FirstTokenMS: ms(t.FirstToken), DecodeMS: ms(t.Decode),
			PrefillPerSecond: t.PrefillPerSecond(), DecodePerSecond: t.DecodePerSecond()}}
	if out.Generated == nil {
		out.Generated = []int32{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// spansJSON describes the prompt's highlights with their token ranges.
func spansJSON(p *prompt.Prompt) []spanJSON {
	out := []spanJSON{}
	for _, s := range p.Spans {
		out = append(out, spanJSON{Text: p.Text[s.Start:s.End],
			Start: runeOffset(p.Text, s.Start), End: runeOffset(p.Text, s.End),
			Delta: s.Delta, Measure: s.Measure, First: s.First, Last: s.Last})
	}
	return out
}

// stringList collects a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
