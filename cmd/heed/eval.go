package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"heed/engine/chat"
	"heed/engine/eval"
	"heed/engine/generate"
	"heed/engine/gguf"
	"heed/engine/sample"
)

func init() {
	register(command{name: "eval", summary: "measure GUIDE on a task (mention, french, needle, json) over a Δ grid and baselines", run: runEval})
}

// evalReport is results.json: the run's settings and its summary.
type evalReport struct {
	Settings eval.RunSettings `json:"settings"`
	Backend  string           `json:"backend"`
	Examples int              `json:"examples"`
	Samples  int              `json:"samples"`
	Deltas   []float32        `json:"deltas"`
	eval.Summary
}

// evalFlags are heed eval's options.
type evalFlags struct {
	deltas      string
	baselines   bool
	samples     int
	seed        uint64
	temperature float64
	topK        int
	topP        float64
	maxTokens   int
	examples    int
	bins        string
	depths      string
	textFile    string
	haystack    string
	out         string
	mode        string
	engine      engineFlags
	chat        bool
	template    string
	asJSON      bool
}

func (f *evalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.deltas, "deltas", formatDeltas(eval.DefaultDeltas), "comma-separated `Δ` grid on the highlighted span")
	fs.BoolVar(&f.baselines, "baselines", true, "also run the natural-emphasis baselines (UPPERCASE span, \"IMPORTANT:\" prefix)")
	fs.IntVar(&f.samples, "samples", 0, "generations per example and condition (0: 1, or 3 for french)")
	fs.Uint64Var(&f.seed, "seed", 1, "base seed; each example's samples get seeds derived from it, the same under every condition")
	fs.Float64Var(&f.temperature, "temperature", -1, "sampling temperature (0: greedy; -1: the task's default)")
	fs.IntVar(&f.topK, "top-k", 0, "keep the K most likely tokens (0: all)")
	fs.Float64Var(&f.topP, "top-p", 1, "keep the most likely tokens up to this cumulative probability")
	fs.IntVar(&f.maxTokens, "max-tokens", 0, "most tokens per generation (0: the task's default)")
	fs.IntVar(&f.examples, "examples", 0, "examples to run: in total (mention, json) or per bin and depth (french, needle); 0: the task's default")
	fs.StringVar(&f.bins, "bins", "", "context-length bins in tokens, comma-separated (french, needle; default 128,256,512)")
	fs.StringVar(&f.depths, "depths", "", "needle depths in [0,1], comma-separated (default 0,0.25,0.5,0.75,1)")
	fs.StringVar(&f.textFile, "text", "", "plain-text `FILE` to take the french task's texts from (paragraphs separated by blank lines)")
	fs.StringVar(&f.haystack, "haystack", "", "plain-text `FILE` to build the needle task's haystack from")
	fs.StringVar(&f.out, "out", "", "output `DIR`: results.jsonl (resumable), results.csv, results.json, SVG plots (default eval-TASK)")
	fs.StringVar(&f.mode, "mode", "always", "when GUIDE applies: always (prefill and every decode step) or prefill-only")
	f.engine.register(fs)
	fs.BoolVar(&f.chat, "chat", false, "wrap each prompt in the model's chat template")
	fs.StringVar(&f.template, "template", "", "chat template family to use instead of the model's (implies --chat)")
	fs.BoolVar(&f.asJSON, "json", false, "print the summary as JSON instead of a table")
}

func runEval(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "eval", "TASK [MODEL]   (TASK: "+strings.Join(eval.Names(), ", ")+")")
	var f evalFlags
	f.register(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) < 1 || len(rest) > 2 {
		return usagef("expected TASK and an optional MODEL, got %d argument(s)", len(rest))
	}
	taskName, modelArg := rest[0], ""
	if len(rest) == 2 {
		modelArg = rest[1]
		if strings.HasSuffix(strings.ToLower(taskName), ".gguf") { // MODEL TASK, as other commands order them
			taskName, modelArg = modelArg, taskName
		}
	}
	settings, err := f.taskSettings(taskName)
	if err != nil {
		return err
	}
	task, err := eval.New(taskName, settings)
	if err != nil {
		return usageError{err}
	}
	info := task.Info()
	opt, err := f.runOptions(info)
	if err != nil {
		return err
	}

	g, err := loadEngine(e, modelArg, f.engine)
	if err != nil {
		return err
	}
	defer g.Close()
	if opt.Chat, err = chatFamily(g.file, f.chat, f.template); err != nil {
		return err
	}
	examples, err := task.Examples(func(s string) (int, error) {
		enc, err := g.tok.Encode(s, false, false)
		return len(enc.IDs), err
	})
	if err != nil {
		return err
	}
	// A bin counts the task's text; 64 tokens more cover BOS, the instruction
	// and a chat template's markup.
	if need := maxBin(examples) + opt.MaxTokens + 64; info.Binned && need > g.m.Context {
		return usagef("the largest bin needs about %d tokens of context, the model has %d: pass smaller --bins", need, g.m.Context)
	}

	rs, err := runSettings(taskName, g.path, g.backend, opt, f, settings.Text)
	if err != nil {
		return err
	}
	out := f.out
	if out == "" {
		out = "eval-" + taskName
	}
	store, err := eval.OpenStore(out, rs)
	if err != nil {
		return err
	}
	defer store.Close()
	opt.OnRow = evalProgress(e, taskName)
	runErr := eval.Run(ctx, g.m, g.tok, taskName, examples, opt, store)
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			return fmt.Errorf("interrupted with %d rows in %s; rerun the same command to resume: %w",
				len(store.Rows()), filepath.Join(out, eval.RowsFile), runErr)
		}
		return runErr
	}
	sum := eval.Summarize(info, opt.Conditions, eval.Select(store.Rows(), examples, opt.Conditions, opt.Samples))
	var deltas []float32
	for _, c := range opt.Conditions {
		if c.Emphasis == eval.Plain {
			deltas = append(deltas, c.Delta)
		}
	}
	report := evalReport{Settings: rs, Backend: g.backend, Examples: len(examples), Samples: opt.Samples, Deltas: deltas, Summary: sum}
	if err := writeEvalFiles(out, report); err != nil {
		return err
	}
	if f.asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	return writeEvalTable(e.stdout, report, out)
}

// taskSettings turns the flags that shape examples into eval.Settings.
func (f *evalFlags) taskSettings(task string) (eval.Settings, error) {
	s := eval.Settings{Examples: f.examples}
	if f.examples < 0 {
		return s, usagef("--examples must not be negative")
	}
	var err error
	if f.bins != "" {
		if s.Bins, err = parseInts(f.bins); err != nil {
			return s, usagef("--bins: %v", err)
		}
	}
	if f.depths != "" {
		if task != "needle" {
			return s, usagef("--depths is for the needle task")
		}
		if s.Depths, err = parseFloats(f.depths); err != nil {
			return s, usagef("--depths: %v", err)
		}
	}
	if f.bins != "" && task != "french" && task != "needle" {
		return s, usagef("--bins is for the french and needle tasks")
	}
	file := ""
	switch {
	case f.textFile != "" && f.haystack != "":
		return s, usagef("--text and --haystack exclude each other")
	case f.textFile != "":
		if task != "french" {
			return s, usagef("--text is for the french task (the needle task takes --haystack)")
		}
		file = f.textFile
	case f.haystack != "":
		if task != "needle" {
			return s, usagef("--haystack is for the needle task")
		}
		file = f.haystack
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return s, err
		}
		s.Text = string(b)
	}
	return s, nil
}

// runOptions turns the generation flags into eval.Options, with the task's defaults.
func (f *evalFlags) runOptions(info eval.Info) (eval.Options, error) {
	var opt eval.Options
	deltas, err := eval.ParseDeltas(f.deltas)
	if err != nil {
		return opt, usageError{err}
	}
	opt.Conditions = eval.Conditions(deltas)
	if !f.baselines {
		opt.Conditions = opt.Conditions[:len(deltas)]
	}
	if opt.Mode, err = generate.ParseMode(f.mode); err != nil {
		return opt, usageError{err}
	}
	opt.Layers = f.engine.layers
	opt.MaxTokens = orDefault(f.maxTokens, info.MaxTokens)
	if f.maxTokens < 0 {
		return opt, usagef("--max-tokens must be positive")
	}
	opt.Sample = sample.Params{Temperature: info.Temperature, TopK: f.topK, TopP: float32(f.topP)}
	if f.temperature >= 0 {
		opt.Sample.Temperature = float32(f.temperature)
	}
	if err := opt.Sample.Validate(); err != nil {
		return opt, usageError{err}
	}
	opt.Samples = f.samples
	switch {
	case f.samples < 0:
		return opt, usagef("--samples must not be negative")
	case f.samples == 0 && opt.Sample.Temperature > 0:
		opt.Samples = 3
	case f.samples == 0:
		opt.Samples = 1
	case f.samples > 1 && opt.Sample.Temperature <= 0:
		return opt, usagef("--samples %d with greedy decoding would repeat one output; pass --temperature", f.samples)
	}
	opt.Seed = f.seed
	return opt, nil
}

// orDefault is v when set (positive), else def.
func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// runSettings are the settings a resumed run must match.
func runSettings(task, modelPath, backend string, opt eval.Options, f evalFlags, text string) (eval.RunSettings, error) {
	fi, err := os.Stat(modelPath)
	if err != nil {
		return eval.RunSettings{}, err
	}
	textID := ""
	if text != "" {
		textID = fmt.Sprintf("%s (%d bytes)", filepath.Base(f.textFile+f.haystack), len(text))
	}
	return eval.RunSettings{Task: task, Model: fmt.Sprintf("%s (%d bytes)", filepath.Base(modelPath), fi.Size()),
		Backend: backend, MaxTokens: opt.MaxTokens, Temperature: opt.Sample.Temperature, TopK: opt.Sample.TopK,
		TopP: opt.Sample.TopP, Seed: opt.Seed, Mode: opt.Mode.String(), Layers: opt.Layers, Chat: opt.Chat.String(),
		Text: textID}, nil
}

// chatFamily resolves --chat and --template as the prompt flags do.
func chatFamily(f *gguf.File, useChat bool, template string) (chat.Family, error) {
	switch {
	case template != "":
		fam, err := chat.ParseFamily(template)
		if err != nil {
			return chat.Raw, usageError{err}
		}
		return fam, nil
	case useChat:
		tmpl, _ := f.String("tokenizer.chat_template")
		fam := chat.Detect(tmpl)
		if fam == chat.Raw {
			return chat.Raw, usagef("--chat: the model has no recognised chat template; pass --template NAME")
		}
		return fam, nil
	}
	return chat.Raw, nil
}

func maxBin(examples []eval.Example) int {
	m := 0
	for _, ex := range examples {
		m = max(m, ex.Bin)
	}
	return m
}

// evalProgress draws a progress bar on stderr when it is a terminal.
func evalProgress(e *env, task string) func(done, total int) {
	f, ok := e.stderr.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(done, total int) {
		const width = 30
		filled := done * width / max(total, 1)
		fmt.Fprintf(f, "\reval %s [%s%s] %d/%d", task, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), done, total)
		if done == total {
			fmt.Fprintln(f)
		}
	}
}

// writeEvalFiles writes results.json, results.csv and the plots into dir.
func writeEvalFiles(dir string, r evalReport) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	c, err := os.Create(filepath.Join(dir, "results.csv"))
	if err != nil {
		return err
	}
	if err := eval.WriteCSV(c, r.Summary); err != nil {
		c.Close()
		return err
	}
	if err := c.Close(); err != nil {
		return err
	}
	_, err = eval.WritePlots(dir, r.Summary)
	return err
}

// writeEvalTable prints the per-condition table and the Influence analysis.
func writeEvalTable(w io.Writer, r evalReport, dir string) error {
	fmt.Fprintf(w, "task %s on %s (%s): %d examples × %d conditions × %d samples; success: %s\n",
		r.Task, r.Settings.Model, r.Backend, r.Examples, len(r.Conditions), r.Samples, r.Success)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "condition\tn\tsuccess\t± se\t")
	if r.Value != "" {
		fmt.Fprint(tw, "mean value\t")
	}
	fmt.Fprintln(tw, "Influence\tRollout\tAUC I\tAUC R\t")
	for _, g := range r.Conditions {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t", g.Condition, g.N, g.SuccessRate, g.SuccessSE)
		if r.Value != "" {
			fmt.Fprintf(tw, "%.3f\t", g.MeanValue)
		}
		fmt.Fprintf(tw, "%.4f\t%.4f\t%s\t%s\t\n", g.MeanInfluence, g.MeanRollout, stat(g.InfluenceAUC), stat(g.RolloutAUC))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Value != "" {
		fmt.Fprintf(w, "value: %s\n", r.Value)
	}
	fmt.Fprintln(w, "AUC I, AUC R: how well the span's last-layer Influence and Attention Rollout predict success within each condition")
	p := r.Influence
	fmt.Fprintf(w, "pooled over %d rows (%d successes): Influence AUC %s, r %s; Rollout AUC %s, r %s\n",
		p.N, p.Successes, stat(p.InfluenceAUC), stat(p.InfluencePearson), stat(p.RolloutAUC), stat(p.RolloutPearson))
	fmt.Fprintf(w, "wrote %s/{%s,results.csv,results.json} and plots\n", dir, eval.RowsFile)
	return nil
}

func stat(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', 3, 64)
}

func formatDeltas(ds []float32) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = strconv.FormatFloat(float64(d), 'g', -1, 32)
	}
	return strings.Join(parts, ",")
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", p)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseFloats(s string) ([]float64, error) {
	var out []float64
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", p)
		}
		out = append(out, v)
	}
	return out, nil
}
