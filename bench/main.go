// Command bench measures heed's CPU executor against llama.cpp (through
// node-llama-cpp, the peer) on the default model and on synthetic models with
// SmolLM2-135M's, Qwen2.5-0.5B's, Qwen3-0.6B's and Gemma-3-1B's shapes, and
// prints one table per thread count and prompt length: prefill and decode
// tokens/s, Influence on and off, peak RSS, the peer's speeds, heed ÷ peer,
// whether both generated the same greedy tokens, and decode speed as a
// fraction of this machine's memory-bandwidth roofline (weight bytes read per
// token ÷ bandwidth).
//
//	go run ./bench [-threads 1,2] [-prompt 128,1024] [-decode 64] [-iterations 5] [-models a,b]
//
// Every number is the median of -iterations runs, with the range beside it;
// each iteration runs heed, the peer and heed with Influence one after the
// other, so that a ratio compares runs made under the same machine load.
//
// With -gpu it measures the WebGPU executor instead (gpu.go, `make bench-gpu`).
//
// Each measurement runs in a child process so that its peak RSS is its own.
// The peer needs `npm ci --ignore-scripts --prefix bench/peer` (node-llama-cpp
// 3.21.1, prebuilt binaries, pinned by package-lock.json); without it the peer
// columns are left empty.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"heed/engine/ggml"
	"heed/engine/synth"
	"heed/internal/defaultmodel"
)

// benchModel is one row of a table.
type benchModel struct {
	name  string // shown in the table
	shape string // synth preset, or "" for the default model
	typ   ggml.Type
}

// models are the rows of the CPU tables.
var models = []benchModel{
	{"stories260K", "", ggml.F32},
	{"smollm2-135m", "smollm2-135m", ggml.Q8_0},
	{"smollm2-135m", "smollm2-135m", ggml.Q4_K},
	{"qwen2.5-0.5b", "qwen2.5-0.5b", ggml.Q8_0},
	{"qwen2.5-0.5b", "qwen2.5-0.5b", ggml.Q4_K},
	{"qwen3-0.6b", "qwen3-0.6b", ggml.Q4_K},
	{"gemma3-1b", "gemma3-1b", ggml.Q4_K},
}

func main() {
	threadsList := flag.String("threads", "1", "comma-separated thread counts for heed and the peer, one table each (1 is fastest for decode on 2-core machines)")
	promptList := flag.String("prompt", "128", "comma-separated prompt lengths in tokens, one table each")
	decode := flag.Int("decode", 64, "greedy decode steps")
	iterations := flag.Int("iterations", 5, "alternated runs of heed and the peer per row; medians and ranges are reported")
	withInfluence := flag.Bool("influence", true, "also measure decode with Influence followed through every step")
	peerDir := flag.String("peer", "bench/peer", "directory of the node-llama-cpp peer (npm ci --ignore-scripts there first)")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "heed-bench"), "where synthetic models are written")
	only := flag.String("models", "", "comma-separated model names to run (default: all)")
	executor := flag.String("executor", executorCPU, "executor: cpu (what the command line runs: 8-bit activations for quantised weights), cpu-f32 (the f32 reference) or, with -child, webgpu")
	gpu := flag.Bool("gpu", false, "measure the WebGPU executor and llama.cpp's Vulkan build instead (gpu.go)")
	layers := flag.Int("layers", 0, "with -gpu: cut every model to this many layers (0: full models, or 2 on a CPU-type adapter such as lavapipe)")
	child := flag.String("child", "", "internal: measure this model in this process")
	influence := flag.Bool("influence-child", false, "internal: with -child, track Influence")
	bw := flag.Bool("bandwidth", false, "internal: measure memory bandwidth in this process")
	gpuBW := flag.Bool("gpu-bandwidth", false, "internal: measure the WebGPU adapter's memory bandwidth in this process")
	cpuProfile := flag.String("cpuprofile", "", "with -child: write a CPU profile of the measurement to this file")
	flag.Parse()

	threads, err := intList(*threadsList)
	check(err)
	prompts, err := intList(*promptList)
	check(err)
	switch {
	case *bw:
		check(json.NewEncoder(os.Stdout).Encode(measureBandwidth(threads[0])))
		return
	case *gpuBW:
		r, err := measureGPUBandwidth()
		check(err)
		check(json.NewEncoder(os.Stdout).Encode(r))
		return
	case *child != "":
		if *cpuProfile != "" {
			f, err := os.Create(*cpuProfile)
			check(err)
			check(pprof.StartCPUProfile(f))
			defer pprof.StopCPUProfile()
		}
		r, err := measureHeed(*executor, *child, threads[0], prompts[0], *decode, *influence)
		check(err)
		check(json.NewEncoder(os.Stdout).Encode(r))
		return
	case *gpu:
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		c := gpuConfig{peerDir: *peerDir, dir: *dir, only: *only, layers: *layers, influenceOff: !*withInfluence,
			prompt: prompts[0], decode: *decode, promptSet: set["prompt"], decodeSet: set["decode"]}
		if set["iterations"] {
			c.iterations = *iterations
		}
		check(gpuBench(c))
		return
	}
	if *executor != executorCPU && *executor != executorCPUF32 {
		check(fmt.Errorf("-executor %s: the CPU tables measure %s or %s", *executor, executorCPU, executorCPUF32))
	}
	check(machineHeader())
	for _, th := range threads {
		for _, p := range prompts {
			check(cpuTable(tableConfig{threads: th, prompt: p, decode: *decode, iterations: *iterations,
				influence: *withInfluence, executor: *executor, peerDir: *peerDir, dir: *dir, only: *only}))
		}
	}
}

// tableConfig is one CPU table.
type tableConfig struct {
	threads, prompt, decode, iterations int
	influence                           bool
	executor, peerDir, dir, only        string
}

// machineHeader prints what the numbers below depend on.
func machineHeader() error {
	fmt.Printf("machine: %s, %d logical CPUs; %s; peer: llama.cpp via node-llama-cpp 3.21.1, CPU build, f32 KV cache\n",
		cpuModel(), runtime.NumCPU(), runtime.Version())
	return nil
}

// cpuTable measures every selected model for one thread count and prompt length.
func cpuTable(c tableConfig) error {
	var bwRes bandwidth
	if _, err := runChild(&bwRes, exe(), "-bandwidth", "-threads", strconv.Itoa(c.threads)); err != nil {
		return err
	}
	load0 := loadAverage()
	fmt.Printf("\n## %d thread(s), %d-token prompt, %d greedy decode steps, executor %s\n", c.threads, c.prompt, c.decode, c.executor)
	fmt.Printf("memory bandwidth (%d thread(s), streaming read of %d MiB): %.1f GB/s; load average at start %s\n",
		c.threads, bandwidthBytes>>20, bwRes.GBps, load0)
	fmt.Printf("each cell: median of %d runs [min–max]; heed, the peer and heed with Influence alternate within each run\n\n", c.iterations)

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\ttype\tMB\tprefill tok/s\tdecode tok/s\tdecode +Infl\tInfl overhead\tRSS MB\tpeer prefill\tpeer decode\tprefill/peer\tdecode/peer\tCPU-s prefill/peer\tCPU-s decode/peer\ttokens equal\troofline\t")
	var floor *peerFloor
	for _, bm := range models {
		if c.only != "" && !slices.Contains(strings.Split(c.only, ","), bm.name) {
			continue
		}
		path, err := modelFile(bm, c.dir)
		if err != nil {
			return err
		}
		start := time.Now()
		row, err := measureRow(c, path)
		fmt.Fprintf(os.Stderr, "bench: %s %s, %d thread(s), %d-token prompt: %s\n", bm.name, bm.typ, c.threads, c.prompt, elapsed(time.Since(start)))
		if err != nil {
			return fmt.Errorf("%s %s: %w", bm.name, bm.typ, err)
		}
		name := bm.name
		if bm.shape == "" && row.peerErr == nil {
			// The default model's kernels take microseconds: its ratio measures
			// the peer's per-token JavaScript and binding overhead (see below).
			name += " †"
			floor = &peerFloor{peerMS: 1e3 / median(row.peerDecode), heedMS: 1e3 / median(row.decode)}
		}
		roof := median(row.decode) * float64(row.weightBytes) / (bwRes.GBps * 1e9)
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f%%\t\n",
			name, bm.typ, float64(row.fileBytes)/1e6, spread(row.prefill, 1), spread(row.decode, 1),
			spreadOrDash(row.decodeInfl, 1), overheadCell(row.decodeCPU, row.decodeInflCPU), float64(row.rss)/1e6,
			spreadOrDash(row.peerPrefill, 1), spreadOrDash(row.peerDecode, 1),
			spreadOrDash(ratios(row.prefill, row.peerPrefill), 2), spreadOrDash(ratios(row.decode, row.peerDecode), 2),
			spreadOrDash(ratios(row.prefillCPU, row.peerPrefillCPU), 2), spreadOrDash(ratios(row.decodeCPU, row.peerDecodeCPU), 2),
			row.tokensEqual, roof*100)
		if row.peerErr != nil {
			fmt.Fprintf(os.Stderr, "peer on %s %s: %v\n", bm.name, bm.typ, row.peerErr)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Printf("\nload average at end %s. roofline: decode tok/s × weight bytes read per token ÷ bandwidth. tokens equal: how many of the\n"+
		"greedy tokens heed generated after the prompt (every run) agree with the peer's before the first difference.\n"+
		"CPU-s ratios: tokens per CPU second of each process (all its threads), heed ÷ peer; at one thread they leave out the time\n"+
		"other processes held the core, at several they compare the CPU each side spent (spinning included). Infl overhead: decode's\n"+
		"CPU seconds with Influence over those without, minus one, run by run.\n", loadAverage())
	if floor != nil {
		fmt.Printf("† the peer spends %.3f ms per decode step on the default model, where heed spends %.3f ms: on a 1-MB model the\n"+
			"  peer's per-token JavaScript and binding overhead, not its kernels, sets the ratio; on the other rows that\n"+
			"  overhead is under %.3f ms of each step.\n", floor.peerMS, floor.heedMS, floor.peerMS)
	}
	return nil
}

// peerFloor is the peer's and heed's time per decode step on the default model.
type peerFloor struct{ peerMS, heedMS float64 }

// rowResult is every iteration of one model.
type rowResult struct {
	prefill, decode, decodeInfl []float64
	peerPrefill, peerDecode     []float64
	// Tokens per CPU second of each side: at one thread, the rates an idle
	// machine would show, since time other processes held the core is left out.
	prefillCPU, decodeCPU, peerPrefillCPU, peerDecodeCPU []float64
	decodeInflCPU                                        []float64
	fileBytes, weightBytes, rss                          int64
	tokensEqual                                          string
	peerErr                                              error
}

// measureRow runs the iterations of one model, alternating heed, the peer and
// heed with Influence.
func measureRow(c tableConfig, path string) (rowResult, error) {
	var row rowResult
	common := []string{"-child", path, "-executor", c.executor, "-threads", strconv.Itoa(c.threads),
		"-prompt", strconv.Itoa(c.prompt), "-decode", strconv.Itoa(c.decode)}
	var first heedResult
	var peerTokens []int32
	consistent := true
	for it := range c.iterations {
		var off heedResult
		rss, err := runChild(&off, exe(), common...)
		if err != nil {
			return row, err
		}
		row.prefill = append(row.prefill, off.PrefillTPS)
		row.decode = append(row.decode, off.DecodeTPS)
		row.prefillCPU = append(row.prefillCPU, float64(c.prompt)/off.PrefillCPU)
		row.decodeCPU = append(row.decodeCPU, float64(c.decode)/off.DecodeCPU)
		row.fileBytes, row.weightBytes, row.rss = off.FileBytes, off.WeightBytes, max(row.rss, rss)
		if it == 0 {
			first = off
		} else if !slices.Equal(first.Tokens, off.Tokens) {
			consistent = false
		}
		if row.peerErr == nil {
			peer, err := runPeer(c.peerDir, path, c.threads, off.PromptIDs, c.decode, false)
			if err != nil {
				row.peerErr = err
			} else {
				row.peerPrefill = append(row.peerPrefill, peer.PrefillTPS)
				row.peerDecode = append(row.peerDecode, peer.DecodeTPS)
				row.peerPrefillCPU = append(row.peerPrefillCPU, float64(c.prompt-1)/peer.PrefillCPU)
				row.peerDecodeCPU = append(row.peerDecodeCPU, float64(len(peer.Tokens))/peer.DecodeCPU)
				peerTokens = peer.Tokens
			}
		}
		if c.influence {
			var on heedResult
			if _, err := runChild(&on, exe(), append(common, "-influence-child")...); err != nil {
				return row, err
			}
			row.decodeInfl = append(row.decodeInfl, on.DecodeTPS)
			row.decodeInflCPU = append(row.decodeInflCPU, float64(c.decode)/on.DecodeCPU)
		}
	}
	row.tokensEqual = tokensEqual(first, peerTokens, consistent, row.peerErr)
	return row, nil
}

// tokensEqual is the "tokens equal" cell: how many greedy tokens agree with
// the peer's before the first difference, and where they differ on a near
// tie (the peer's token is heed's runner-up, within nearTie logits) that gap.
func tokensEqual(h heedResult, peer []int32, consistent bool, peerErr error) string {
	switch {
	case !consistent:
		return "heed varied"
	case peerErr != nil:
		return "-"
	}
	n := commonPrefix(h.Tokens, peer)
	cell := fmt.Sprintf("%d/%d", n, len(h.Tokens))
	if n < len(h.Tokens) && n < len(peer) && n < len(h.RunnersUp) && peer[n] == h.RunnersUp[n] && h.Gaps[n] < nearTie {
		cell += fmt.Sprintf(" (tie %.2g)", h.Gaps[n])
	}
	return cell
}

// nearTie is the logit gap below which two implementations that round
// differently may pick either of two tokens: llama.cpp's own batched and
// one-token paths differ by up to about 0.03 in log-probability on these
// random-weight models (measured on SmolLM2-135M's shape at a 1,024-token
// prompt, where its greedy token was once not its own batched argmax).
const nearTie = 0.1

func commonPrefix(a, b []int32) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// median returns the middle value (the mean of the two middle ones for an even count).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread formats the median with the range: "413.2 [398.0–420.9]".
func spread(v []float64, prec int) string {
	if len(v) == 1 {
		return strconv.FormatFloat(v[0], 'f', prec, 64)
	}
	return fmt.Sprintf("%.*f [%.*f–%.*f]", prec, median(v), prec, slices.Min(v), prec, slices.Max(v))
}

func spreadOrDash(v []float64, prec int) string {
	if len(v) == 0 {
		return "-"
	}
	return spread(v, prec)
}

// ratios divides a[i] by b[i], runs of the same iteration.
func ratios(a, b []float64) []float64 {
	if len(b) != len(a) {
		return nil
	}
	r := make([]float64, len(a))
	for i := range a {
		r[i] = a[i] / b[i]
	}
	return r
}

// overheadCell is Influence's decode cost per iteration, off ÷ on − 1, in percent.
func overheadCell(off, on []float64) string {
	if len(on) != len(off) || len(on) == 0 {
		return "-"
	}
	o := make([]float64, len(on))
	for i := range on {
		o[i] = (off[i]/on[i] - 1) * 100
	}
	return spread(o, 1) + "%"
}

func intList(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q: want positive integers separated by commas", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// loadAverage is /proc/loadavg's 1-, 5- and 15-minute averages, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// cpuModel is /proc/cpuinfo's model name, or GOARCH.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}

func exe() string {
	p, err := os.Executable()
	check(err)
	return p
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// modelFile returns the default model, or writes the synthetic one once
// (the same files for every benchmark: synth.WriteFileOnce).
func modelFile(bm benchModel, dir string) (string, error) {
	if bm.shape == "" {
		return defaultmodel.Ensure("models")
	}
	return synth.WriteFileOnce(dir, bm.shape, bm.typ)
}

// runChild runs a command, decodes its JSON stdout into v, and returns its peak RSS in bytes.
func runChild(v any, name string, args ...string) (int64, error) {
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s %v: %w", name, shortArgs(args), err)
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		return 0, fmt.Errorf("%s: %w in %q", name, err, out.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024 // Linux reports KiB
	}
	return rss, nil
}

// shortArgs elides long arguments (the peer's prompt ids) from error messages.
func shortArgs(args []string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		if len(a) > 80 {
			out[i] = a[:40] + "…"
		}
	}
	return out
}

type peerResult struct {
	PrefillTPS float64 `json:"prefill_tps"`
	DecodeTPS  float64 `json:"decode_tps"`
	PrefillCPU float64 `json:"prefill_cpu_s"` // the node process's CPU seconds in each phase
	DecodeCPU  float64 `json:"decode_cpu_s"`
	Tokens     []int32 `json:"tokens"`
	Device     string  `json:"device"`
}

// runPeer measures the same file and prompt with llama.cpp, on its CPU build
// or, with vulkan, its Vulkan build.
func runPeer(dir, model string, threads int, ids []int32, steps int, vulkan bool) (peerResult, error) {
	var r peerResult
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "node-llama-cpp")); err != nil {
		return r, fmt.Errorf("node-llama-cpp not installed (npm ci --ignore-scripts --prefix %s)", dir)
	}
	idsJSON, _ := json.Marshal(ids)
	args := []string{filepath.Join(dir, "llamacpp.mjs"), model, strconv.Itoa(threads), string(idsJSON), strconv.Itoa(steps)}
	if vulkan {
		args = append(args, "--gpu", "vulkan")
	}
	_, err := runChild(&r, "node", args...)
	return r, err
}

// elapsed formats a duration for progress lines.
func elapsed(d time.Duration) string { return d.Round(100 * time.Millisecond).String() }
