// Command bench measures heed's CPU executor against llama.cpp (through
// node-llama-cpp, the peer) on the default model and on synthetic models with
// SmolLM2-135M's, Qwen2.5-0.5B's, Qwen3-0.6B's and Gemma-3-1B's shapes, and prints one table: prefill and
// decode tokens/s, Influence on and off, peak RSS, the peer's speed and the
// ratio, and decode speed as a fraction of this machine's memory-bandwidth
// roofline (weight bytes read per token / bandwidth).
//
//	go run ./bench [-threads 1] [-prompt 128] [-decode 64] [-peer bench/peer]
//
// With -gpu it prints the GPU table instead: heed's WebGPU executor against
// llama.cpp's Vulkan build on the same device (the default adapter; lavapipe
// on machines without a GPU), on the default model and on SmolLM2-135M's
// shape cut to 6 layers, with a shorter prompt and decode by default.
//
//	go run ./bench -gpu [-prompt 32] [-decode 32]
//
// Each measurement runs in a child process so that its peak RSS is its own.
// The peer needs `npm ci --ignore-scripts --prefix bench/peer` (node-llama-cpp
// 3.21.1, prebuilt binaries, pinned by package-lock.json); without
// it the peer columns are left empty.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"heed/engine/ggml"
	"heed/engine/synth"
	"heed/internal/defaultmodel"
)

// benchModel is one row of the table.
type benchModel struct {
	name  string // shown in the table
	shape string // synth preset, or "" for the default model
	typ   ggml.Type
}

// models are the rows of the CPU table.
var models = []benchModel{
	{"stories260K", "", ggml.F32},
	{"smollm2-135m", "smollm2-135m", ggml.Q8_0},
	{"smollm2-135m", "smollm2-135m", ggml.Q4_K},
	{"qwen2.5-0.5b", "qwen2.5-0.5b", ggml.Q8_0},
	{"qwen2.5-0.5b", "qwen2.5-0.5b", ggml.Q4_K},
	{"qwen3-0.6b", "qwen3-0.6b", ggml.Q4_K},
	{"gemma3-1b", "gemma3-1b", ggml.Q4_K},
}

// gpuModels are the rows of the GPU table: lavapipe runs SmolLM2-135M's 30
// layers at a few tokens/s, so its shape is cut to 6 layers (per-layer cost is
// uniform, so the ratio to the peer carries over to the whole model). The Q5_0
// row reads a type whose kernel dequantises odd-sized blocks (22 bytes) with a
// fifth bit.
var gpuModels = []benchModel{
	{"stories260K", "", ggml.F32},
	{"smollm2-135m/6L", "smollm2-135m,layers=6", ggml.Q8_0},
	{"smollm2-135m/6L-Q5_0", "smollm2-135m,layers=6", ggml.Q5_0},
}

// GPU table defaults: short, so that lavapipe finishes in about a minute per row.
const gpuPrompt, gpuDecode = 32, 32

func main() {
	threads := flag.Int("threads", 1, "threads for heed and the peer (1 is fastest for decode on 2-core machines)")
	promptLen := flag.Int("prompt", 128, "prompt tokens")
	decode := flag.Int("decode", 64, "greedy decode steps")
	peerDir := flag.String("peer", "bench/peer", "directory of the node-llama-cpp peer (npm ci --ignore-scripts there first)")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "heed-bench"), "where synthetic models are written")
	child := flag.String("child", "", "internal: measure this model in this process")
	influence := flag.Bool("influence", false, "internal: with -child, track Influence")
	bw := flag.Bool("bandwidth", false, "internal: measure memory bandwidth in this process")
	only := flag.String("models", "", "comma-separated model names to run (default: all)")
	gpu := flag.Bool("gpu", false, "measure heed's WebGPU executor against llama.cpp's Vulkan build instead (default -prompt 32 -decode 32)")
	executor := flag.String("executor", executorCPU, "internal: with -child, the executor to measure (cpu or webgpu)")
	flag.Parse()

	switch {
	case *bw:
		check(json.NewEncoder(os.Stdout).Encode(measureBandwidth(*threads)))
		return
	case *child != "":
		r, err := measureHeed(*executor, *child, *threads, *promptLen, *decode, *influence)
		check(err)
		check(json.NewEncoder(os.Stdout).Encode(r))
		return
	case *gpu:
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["prompt"] {
			*promptLen = gpuPrompt
		}
		if !set["decode"] {
			*decode = gpuDecode
		}
		check(gpuTable(*peerDir, *dir, *only, *threads, *promptLen, *decode))
		return
	}

	var bwRes bandwidth
	_, err := runChild(&bwRes, exe(), "-bandwidth", "-threads", strconv.Itoa(*threads))
	check(err)
	fmt.Printf("memory bandwidth (%d thread(s), streaming read of %d MiB): %.1f GB/s\n", *threads, bandwidthBytes>>20, bwRes.GBps)
	fmt.Printf("prompt %d tokens, %d greedy decode steps, %d thread(s); peer: llama.cpp via node-llama-cpp 3.21.1 (f32 KV cache)\n\n", *promptLen, *decode, *threads)

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\ttype\tMB\tprefill tok/s\tdecode tok/s\tdecode +Infl\tInfl overhead\tRSS MB\tpeer prefill\tpeer decode\tprefill/peer\tdecode/peer\troofline\t")
	for _, bm := range models {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), bm.name) {
			continue
		}
		path, err := modelFile(bm, *dir)
		check(err)
		common := []string{"-child", path, "-threads", strconv.Itoa(*threads), "-prompt", strconv.Itoa(*promptLen), "-decode", strconv.Itoa(*decode)}
		var off, on heedResult
		rss, err := runChild(&off, exe(), common...)
		check(err)
		_, err = runChild(&on, exe(), append(common, "-influence")...)
		check(err)
		peer, perr := runPeer(*peerDir, path, *threads, off.PromptIDs, *decode, false)
		overhead := (off.DecodeTPS/on.DecodeTPS - 1) * 100
		roof := off.DecodeTPS * float64(off.WeightBytes) / (bwRes.GBps * 1e9)
		peerPrefill, peerDecode, prefillRatio, ratio := "-", "-", "-", "-"
		if perr == nil {
			peerPrefill, peerDecode = f1(peer.PrefillTPS), f1(peer.DecodeTPS)
			prefillRatio = fmt.Sprintf("%.2f", off.PrefillTPS/peer.PrefillTPS)
			ratio = fmt.Sprintf("%.2f", off.DecodeTPS/peer.DecodeTPS)
		} else {
			fmt.Fprintf(os.Stderr, "peer on %s: %v\n", bm.name, perr)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t%s\t%.1f%%\t%.0f\t%s\t%s\t%s\t%s\t%.0f%%\t\n",
			bm.name, bm.typ, float64(off.FileBytes)/1e6, f1(off.PrefillTPS), f1(off.DecodeTPS), f1(on.DecodeTPS), overhead,
			float64(rss)/1e6, peerPrefill, peerDecode, prefillRatio, ratio, roof*100)
	}
	check(tw.Flush())
	fmt.Println("\nroofline: decode tok/s × weight bytes read per token ÷ bandwidth. Targets: Influence overhead < 15 %, prefill/peer and decode/peer ≥ 0.5.")
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

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

// modelFile returns the default model, or writes the synthetic one once.
func modelFile(bm benchModel, dir string) (string, error) {
	if bm.shape == "" {
		return defaultmodel.Ensure("models")
	}
	// "smollm2-135m,layers=6" is written as smollm2-135m-layers-6-Q8_0.gguf.
	stem := strings.NewReplacer(",", "-", "=", "-").Replace(bm.shape)
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.gguf", stem, bm.typ))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	s, err := synth.ParseShape(bm.shape)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".synth-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if err := synth.Write(f, s, bm.typ, 1); err != nil {
		f.Close()
		return "", fmt.Errorf("synth %s %s: %w", bm.shape, bm.typ, err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(f.Name(), path)
}

// runChild runs a command, decodes its JSON stdout into v, and returns its peak RSS in bytes.
func runChild(v any, name string, args ...string) (int64, error) {
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s %v: %w", name, args, err)
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

type peerResult struct {
	PrefillTPS float64 `json:"prefill_tps"`
	DecodeTPS  float64 `json:"decode_tps"`
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
