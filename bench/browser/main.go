//go:build !js

// Command browser measures heed and wllama (llama.cpp compiled to
// WebAssembly, npm @wllama/wllama pinned in peer/package-lock.json) in
// headless Chromium on the same GGUF files, the same prompt and greedy
// decoding, and prints one table: first-load time, bytes transferred, prefill
// and decode tokens/s, and whether each run's tokens equal wllama's.
//
//	go run ./bench/browser [-models stories260K,smollm2-135m] [-prompt 128] [-decode 64] [-threads 2] [-runs 1]
//
// Rows per model: heed natively (the CPU executor, one thread: the reference
// speed); heed in the page on its CPU executor with Go's own kernels, with
// the WebAssembly SIMD kernels on one thread and on -threads threads (the
// page cross-origin isolated); heed on WebGPU (SwiftShader, a CPU emulation:
// a correctness device, not a speed one); wllama on one thread and on
// -threads threads (isolated). See README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"

	"heed/bench/browser/measure"
	"heed/engine/cpu"
	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/synth"
	"heed/engine/tokenizer"
	"heed/engine/wasmkernels"
	"heed/internal/defaultmodel"
	"heed/internal/wasmtest"
)

// benchModel is one model of the table.
type benchModel struct {
	name  string // shown in the table, and the -models key
	shape string // synth preset, or "" for the default model
	typ   ggml.Type
}

var models = []benchModel{
	{"stories260K", "", ggml.F32},
	{"smollm2-135m", "smollm2-135m", ggml.Q8_0},
}

// run is one configuration measured in the page.
type run struct {
	name     string // shown in the table
	page     string // heed.html or wllama.html
	executor string // heed: cpu or webgpu
	kernels  bool   // heed: load the SIMD kernel module
	threads  int
	isolated bool // COOP and COEP on every response: the page may share memory with workers
}

// pageResult is what a page leaves in globalThis.bench.result; heed's and
// wllama's pages fill the fields they know.
type pageResult struct {
	measure.Result
	LoadMS  float64 `json:"load_ms"`
	Kernels string  `json:"kernels"`
	Threads int     `json:"threads"`
	Profile string  `json:"profile"`
}

// text is the prompt's source: each model gets the longest prefix of it that
// its tokenizer turns into at most -prompt tokens, so heed (given the ids) and
// wllama (given the text: its completion API takes strings only) read the
// same tokens.
const text = `Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends. ` +
	`One day, she saw a big red ball under a tree. She ran to it and picked it up. The ball was soft and shiny. ` +
	`Lily wanted to share the ball with her friend Tom, so she ran to his house. Tom was sad because his dog was lost. ` +
	`Lily said, "Don't worry, Tom. We will find your dog together." They looked in the garden, near the pond and behind ` +
	`the old shed. At last they heard a happy bark. The dog was playing with a cat under the bench. Tom hugged his dog ` +
	`and thanked Lily. They played with the red ball until the sun went down, and then they went home for dinner.`

func main() {
	only := flag.String("models", "", "comma-separated models to run (default: all): "+modelNames())
	promptLen := flag.Int("prompt", 128, "prompt tokens (at most)")
	decode := flag.Int("decode", 64, "greedy tokens")
	threads := flag.Int("threads", min(4, runtime.NumCPU()), "threads of the multi-threaded runs")
	reps := flag.Int("runs", 1, "measure every configuration this many times, alternating, and print each")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "heed-bench"), "where synthetic models are written")
	peer := flag.String("peer", "bench/browser/peer", "directory of the wllama peer (npm ci there first)")
	gpuDecode := flag.Int("webgpu-decode", 8, "greedy tokens of heed-webgpu on the synthetic models (SwiftShader decodes SmolLM2-135M's shape at about 0.2 tok/s)")
	profile := flag.Bool("profile", false, "heed's pages also time each operation of decode steps (printed to stderr)")
	configs := flag.String("configs", "", "comma-separated configurations to run (default: all): native, "+runNames(2))
	flag.Parse()

	if _, err := os.Stat(wasmtest.DefaultChromium); err != nil {
		check(fmt.Errorf("%s is needed (apt-get install chromium): %w", wasmtest.DefaultChromium, err))
	}
	wllamaDir := filepath.Join(*peer, "node_modules", "@wllama", "wllama")
	haveWllama := true
	if _, err := os.Stat(filepath.Join(wllamaDir, "esm", "index.js")); err != nil {
		fmt.Fprintf(os.Stderr, "wllama not installed (npm ci --prefix %s): its rows are left out\n", *peer)
		haveWllama = false
	}
	tmp, err := os.MkdirTemp("", "heed-bench-browser-")
	check(err)
	defer os.RemoveAll(tmp)
	heedWasm := filepath.Join(tmp, "heed.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-o", heedWasm, "./bench/browser/heedwasm")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	cmd.Stderr = os.Stderr
	check(cmd.Run())
	wasmExec, err := wasmtest.WasmExecJS(context.Background())
	check(err)

	pages, err := fs.Sub(pageFS, "page")
	check(err)
	srv := &server{pages: pages, roots: map[string]string{"wllama/": wllamaDir}, kernels: wasmkernels.Files,
		files: map[string]string{"heed.wasm": heedWasm, "wasm_exec.js": wasmExec}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go http.Serve(ln, srv)
	base := "http://" + ln.Addr().String() + "/"

	b, err := startBrowser(filepath.Join(tmp, "profile"))
	check(err)
	defer b.close()

	fmt.Printf("%s; %s, %d CPUs, Chromium %s, Go %s; wllama %s\n", time.Now().Format("2006-01-02 15:04"), cpuName(),
		runtime.NumCPU(), b.version, runtime.Version(), wllamaVersion(wllamaDir))
	fmt.Printf("load average at the start: %s\n\n", loadAverage())
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\ttype\tMB\trun\tkernels\tthreads\tload s\tMB sent\tprefill tok/s\tdecode tok/s\ttokens\t")
	want := func(name string) bool { return *configs == "" || slices.Contains(strings.Split(*configs, ","), name) }
	for _, bm := range models {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), bm.name) {
			continue
		}
		path, err := modelFile(bm, *dir)
		check(err)
		ids, prompt, ban, err := promptFor(path, *promptLen)
		check(err)
		srv.files["models/"+filepath.Base(path)] = path
		fi, err := os.Stat(path)
		check(err)

		// wllama on one thread runs first: its tokens are what every other
		// run's are compared with (measure.Divergence).
		runs := pageRuns(*threads)
		slices.SortStableFunc(runs, func(a, b run) int { return cmpBool(b.name == "wllama", a.name == "wllama") })
		var ref []int32
		var rows []result
		for rep := range *reps {
			for _, rn := range runs {
				if !want(rn.name) || (rn.page == "wllama.html" && !haveWllama) {
					continue
				}
				steps := *decode
				if rn.executor == "webgpu" && bm.shape != "" {
					steps = min(steps, *gpuDecode)
				}
				cfg := map[string]any{"model": "models/" + filepath.Base(path), "prompt": ids, "decode": steps, "ban": ban,
					"ref": ref, "executor": rn.executor, "threads": rn.threads, "profile": *profile}
				if rn.kernels {
					cfg["kernels"] = "kernels/" + wasmkernels.Script
				}
				if rn.page == "wllama.html" {
					banBias := map[string]bool{}
					for _, id := range ban {
						banBias[fmt.Sprint(id)] = false // -inf
					}
					cfg = map[string]any{"model": cfg["model"], "prompt": prompt, "prompt_ids": len(ids), "decode": *decode,
						"ban": banBias, "threads": rn.threads, "ctx": len(ids) + *decode + 8}
				}
				srv.isolated.Store(rn.isolated)
				srv.sent.Store(0)
				res, err := b.runPage(base+rn.page, cfg)
				if err != nil {
					fmt.Fprintf(os.Stderr, "%s on %s: %v\n", rn.name, bm.name, err)
					continue
				}
				if rn.name == "wllama" && ref == nil {
					ref = res.Tokens
				} else if rn.page == "wllama.html" {
					res.Diverge = diverge(res.Tokens, ref)
				}
				res.Threads = max(res.Threads, rn.threads)
				if res.Profile != "" {
					fmt.Fprintf(os.Stderr, "%s %s, %d decode steps: %s\n", bm.name, rn.name, *decode, res.Profile)
				}
				rows = append(rows, result{run: rn.name, pageResult: res, sent: srv.sent.Load()})
			}
			// heed natively, the reference speed, after wllama has given its tokens.
			if want("native") {
				r, err := native(path, ids, *decode, ban, ref)
				check(err)
				rows = append(rows, result{run: "native", pageResult: pageResult{Result: r, Kernels: "Go, amd64 assembly", Threads: 1}})
			}
			_ = rep
		}
		if *reps > 1 {
			rows = append(rows, summary(rows)...)
		}
		for _, r := range rows {
			load, sent := "-", "-"
			if r.LoadMS > 0 {
				load = fmt.Sprintf("%.2f", r.LoadMS/1000)
			}
			if r.sent > 0 {
				sent = fmt.Sprintf("%.1f", float64(r.sent)/1e6)
			}
			kernels := r.Kernels
			if strings.HasPrefix(kernels, "Go (") {
				kernels = "Go" // the rest says why the kernels are absent
			}
			fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t%d\t%s\t%s\t%.1f\t%.1f\t%s\t\n", bm.name, bm.typ, float64(fi.Size())/1e6,
				r.run, kernels, r.Threads, load, sent, r.PrefillTPS, r.DecodeTPS, tokensColumn(r.Result, ref))
		}
		check(tw.Flush())
	}
	fmt.Printf("\nload average at the end: %s\n", loadAverage())
	fmt.Println("tokens: = wllama when the greedy tokens equal wllama's on one thread; else \"N same, then a tie (g)\":")
	fmt.Println("the first N agree, then heed picks another token than wllama, which heed's logits prefer to")
	fmt.Println("wllama's by g in log-probability (llama.cpp rounds activations to 8 bits, heed keeps f32).")
}

// result is one row of the table.
type result struct {
	run string
	pageResult
	sent int64
}

// summary adds, after the runs of each configuration, one row of its
// medians (the run column says "median of N").
func summary(rows []result) []result {
	var names []string
	by := map[string][]result{}
	for _, r := range rows {
		if by[r.run] == nil {
			names = append(names, r.run)
		}
		by[r.run] = append(by[r.run], r)
	}
	var out []result
	for _, name := range names {
		rs := by[name]
		med := func(f func(result) float64) float64 {
			v := make([]float64, len(rs))
			for i, r := range rs {
				v[i] = f(r)
			}
			slices.Sort(v)
			if len(v)%2 == 1 {
				return v[len(v)/2]
			}
			return (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		m := rs[0]
		m.run = fmt.Sprintf("%s (median of %d)", name, len(rs))
		m.LoadMS = med(func(r result) float64 { return r.LoadMS })
		m.PrefillTPS = med(func(r result) float64 { return r.PrefillTPS })
		m.DecodeTPS = med(func(r result) float64 { return r.DecodeTPS })
		out = append(out, m)
	}
	return out
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// diverge compares tokens with the reference without logits (wllama's
// other runs): the gap is unknown.
func diverge(got, ref []int32) *measure.Divergence {
	for i := range min(len(got), len(ref)) {
		if got[i] != ref[i] {
			return &measure.Divergence{At: i, Token: got[i], Ref: ref[i], Gap: math.NaN()}
		}
	}
	return nil
}

// tokensColumn says how a run's tokens compare with wllama's.
func tokensColumn(r measure.Result, ref []int32) string {
	switch {
	case ref == nil:
		return "-"
	case slices.Equal(r.Tokens, ref):
		return "= wllama"
	case len(r.Tokens) < len(ref) && slices.Equal(r.Tokens, ref[:len(r.Tokens)]):
		return fmt.Sprintf("= wllama (first %d)", len(r.Tokens))
	case r.Diverge == nil:
		return fmt.Sprintf("%d vs %d tokens", len(r.Tokens), len(ref))
	case math.IsNaN(r.Diverge.Gap):
		return fmt.Sprintf("%d same", r.Diverge.At)
	}
	return fmt.Sprintf("%d same, then a tie (%.2g)", r.Diverge.At, r.Diverge.Gap)
}

// pageRuns are the configurations measured in the browser.
func pageRuns(threads int) []run {
	return []run{
		{name: "heed-go", page: "heed.html", executor: "cpu", threads: 1},
		{name: "heed-simd", page: "heed.html", executor: "cpu", kernels: true, threads: 1},
		{name: "heed-simd-mt", page: "heed.html", executor: "cpu", kernels: true, threads: threads, isolated: true},
		{name: "heed-simd-worker", page: "heed-worker.html", executor: "cpu", kernels: true, threads: threads, isolated: true},
		{name: "heed-webgpu", page: "heed.html", executor: "webgpu", threads: 1},
		{name: "wllama", page: "wllama.html", threads: 1},
		{name: "wllama-mt", page: "wllama.html", threads: threads, isolated: true},
	}
}

func runNames(threads int) string {
	var names []string
	for _, r := range pageRuns(threads) {
		names = append(names, r.name)
	}
	return strings.Join(names, ", ")
}

func modelNames() string {
	var names []string
	for _, m := range models {
		names = append(names, m.name)
	}
	return strings.Join(names, ", ")
}

// promptFor tokenizes the longest prefix of text (cut after a word) that
// gives at most n ids with the model's own tokenizer, the way llama.cpp's
// server tokenizes a completion prompt (special tokens added and parsed), and
// lists the ids greedy decoding must not pick: the byte tokens <0x80>…<0xFF>.
// wllama 3.13.0 serialises each completion's text as JSON and throws on
// invalid UTF-8, which the random weights of synthetic models produce from
// lone high byte tokens; its worker then misreports the exception as
// "RangeError: Invalid typed array length: 1163217991" ("GLUE", the first
// bytes of its own request message, read as the response's length). Banning
// those tokens on both sides keeps the comparison exact (README.md).
func promptFor(path string, n int) (ids []int32, prompt string, ban []int32, err error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, "", nil, err
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return nil, "", nil, err
	}
	words := strings.SplitAfter(text, " ")
	for k := len(words); k > 0; k-- {
		p := strings.TrimRight(strings.Join(words[:k], ""), " ")
		enc, err := tok.Encode(p, true, true)
		if err != nil {
			return nil, "", nil, err
		}
		if len(enc.IDs) <= n {
			ids, prompt = enc.IDs, p
			break
		}
	}
	if ids == nil {
		return nil, "", nil, errors.New("no prefix of the prompt text fits")
	}
	pieces, _ := f.Strings("tokenizer.ggml.tokens")
	for id, p := range pieces {
		var b byte
		if _, err := fmt.Sscanf(p, "<0x%02X>", &b); err == nil && len(p) == 6 && b >= 0x80 {
			ban = append(ban, int32(id))
		}
	}
	return ids, prompt, ban, nil
}

// native measures the model with heed's CPU executor in this process, one
// thread, on the same ids.
func native(path string, ids []int32, decode int, ban, ref []int32) (measure.Result, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return measure.Result{}, err
	}
	defer f.Close()
	e := cpu.New(1)
	defer e.Close()
	m, err := model.Load(f, e)
	if err != nil {
		return measure.Result{}, err
	}
	return measure.Run(m, ids, decode, ban, ref)
}

// modelFile returns the default model, or writes the synthetic one once
// (the same files for every benchmark: synth.WriteFileOnce).
func modelFile(bm benchModel, dir string) (string, error) {
	if bm.shape == "" {
		return defaultmodel.Ensure("models")
	}
	return synth.WriteFileOnce(dir, bm.shape, bm.typ)
}

// browser is one headless Chromium with WebGPU on SwiftShader.
type browser struct {
	l       *launcher.Launcher
	b       *rod.Browser
	version string
}

func startBrowser(profile string) (*browser, error) {
	l := launcher.New().Bin(wasmtest.DefaultChromium).Leakless(false).Headless(true).NoSandbox(true).
		UserDataDir(profile).
		Set("disable-background-networking").Set("disable-component-update").Set("disable-sync").Set("no-first-run").
		Set("enable-unsafe-webgpu").Set("enable-features", "Vulkan").
		Set("use-vulkan", "swiftshader").Set("use-webgpu-adapter", "swiftshader")
	u, err := l.Launch()
	if err != nil {
		return nil, fmt.Errorf("launching chromium: %w", err)
	}
	b := rod.New().ControlURL(u)
	if err := b.Connect(); err != nil {
		l.Kill()
		return nil, fmt.Errorf("connecting to chromium: %w", err)
	}
	v, err := proto.BrowserGetVersion{}.Call(b)
	if err != nil {
		l.Kill()
		return nil, err
	}
	return &browser{l: l, b: b, version: strings.TrimPrefix(v.Product, "HeadlessChrome/")}, nil
}

func (b *browser) close() {
	b.b.Close()
	b.l.Kill()
}

// pageTimeout bounds one run: the slowest, heed's Go kernels on
// SmolLM2-135M's shape, takes about a minute on a loaded 2-core machine.
const pageTimeout = 8 * time.Minute

// runPage opens page with cfg in its query string in a fresh tab and waits
// for globalThis.bench.done.
func (b *browser) runPage(page string, cfg map[string]any) (pageResult, error) {
	var res pageResult
	raw, err := json.Marshal(cfg)
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), pageTimeout)
	defer cancel()
	p, err := b.b.Context(ctx).Page(proto.TargetCreateTarget{URL: "about:blank"})
	if err != nil {
		return res, err
	}
	defer p.Close()
	if err := p.Navigate(page + "?config=" + url.QueryEscape(string(raw))); err != nil {
		return res, err
	}
	for {
		select {
		case <-ctx.Done():
			return res, fmt.Errorf("no result after %s", pageTimeout)
		case <-time.After(300 * time.Millisecond):
		}
		o, err := p.Eval(`() => JSON.stringify(globalThis.bench || null)`)
		if err != nil {
			return res, err
		}
		var st struct {
			Done   bool
			Error  *string
			Result json.RawMessage
			Log    []string
		}
		if err := json.Unmarshal([]byte(o.Value.Str()), &st); err != nil {
			return res, err
		}
		if !st.Done {
			continue
		}
		if st.Error != nil {
			return res, fmt.Errorf("%s\n%s", *st.Error, strings.Join(st.Log, "\n"))
		}
		return res, json.Unmarshal(st.Result, &res)
	}
}

func wllamaVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return "-"
	}
	var p struct{ Version string }
	json.Unmarshal(b, &p)
	return p.Version
}

// cpuName is /proc/cpuinfo's model name, where there is one.
func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "-"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-browser:", err)
		os.Exit(1)
	}
}
