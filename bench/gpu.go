package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"heed/engine/ggml"
)

// gpuModels are the rows of the GPU table (`make bench-gpu`): 135M, 0.5B and
// 1B shapes, each in Q8_0 and Q4_K (whose matrices of 576 and 896 columns
// fall back to Q5_0, as llama.cpp's quantiser does).
var gpuModels = []benchModel{
	{"smollm2-135m", "smollm2-135m", ggml.Q8_0},
	{"smollm2-135m", "smollm2-135m", ggml.Q4_K},
	{"qwen2.5-0.5b", "qwen2.5-0.5b", ggml.Q8_0},
	{"qwen2.5-0.5b", "qwen2.5-0.5b", ggml.Q4_K},
	{"llama3.2-1b", "llama3.2-1b", ggml.Q8_0},
	{"llama3.2-1b", "llama3.2-1b", ggml.Q4_K},
}

// Defaults by adapter type. On a CPU-type adapter (Mesa's lavapipe, which
// emulates a GPU on the host's cores at a few tokens/s) the models are cut to
// two layers and the prompt and decode are short, so a row takes about a
// minute; per-layer cost is uniform, so ratios carry over to whole models
// (absolute tok/s do not). On a real GPU the models are whole.
const (
	cpuAdapterLayers                = 2
	cpuAdapterPrompt, cpuAdapterDec = 32, 16
	realGPUPrompt, realGPUDecode    = 512, 128
	gpuDefaultIterations            = 3
)

// gpuConfig is one run of the GPU table.
type gpuConfig struct {
	peerDir, dir, only   string
	iterations, layers   int // iterations 0: gpuDefaultIterations
	prompt, decode       int
	promptSet, decodeSet bool // the flags were given: keep them whatever the adapter
	influenceOff         bool
}

// gpuBench measures heed's WebGPU executor (each run in a child process, as
// in the CPU tables) and llama.cpp's Vulkan build on the same model file,
// prompt token ids and step count, and prints one row per model: prefill and
// decode tokens/s with and without Influence, decode as a fraction of the
// adapter's measured copy bandwidth, the peer's speeds, the ratios and
// whether the greedy tokens agree.
func gpuBench(c gpuConfig) error {
	// Mesa warns on every process start without it.
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		if err := os.Setenv("XDG_RUNTIME_DIR", os.TempDir()); err != nil {
			return err
		}
	}
	var bw gpuBandwidth
	if _, err := runChild(&bw, exe(), "-gpu-bandwidth"); err != nil {
		return fmt.Errorf("WebGPU adapter: %w", err)
	}
	cpuAdapter := bw.Type == "cpu"
	layers := c.layers
	if layers == 0 && cpuAdapter {
		layers = cpuAdapterLayers
	}
	if !c.promptSet {
		c.prompt = realGPUPrompt
		if cpuAdapter {
			c.prompt = cpuAdapterPrompt
		}
	}
	if !c.decodeSet {
		c.decode = realGPUDecode
		if cpuAdapter {
			c.decode = cpuAdapterDec
		}
	}
	if c.iterations <= 0 {
		c.iterations = gpuDefaultIterations
	}
	// llama.cpp's Vulkan backend skips CPU-type devices unless told which to
	// use; on a machine with a real GPU it picks that GPU by itself.
	if _, ok := os.LookupEnv("GGML_VK_VISIBLE_DEVICES"); !ok && cpuAdapter {
		if err := os.Setenv("GGML_VK_VISIBLE_DEVICES", "0"); err != nil {
			return err
		}
	}

	fmt.Printf("machine: %s; WebGPU adapter: %s; load average at start %s\n", cpuModel(), bw.Adapter, loadAverage())
	fmt.Printf("adapter bandwidth (copy kernel, %d MiB read and written, best of %d): %.1f GB/s\n", bw.Bytes>>20, gpuCopyPasses, bw.GBps)
	shape := "whole models"
	if layers > 0 {
		shape = fmt.Sprintf("every model cut to %d layers", layers)
		if cpuAdapter && c.layers == 0 {
			shape += " (the adapter is a CPU: lavapipe emulates a GPU on the host's cores)"
		}
	}
	fmt.Printf("%s, 512-token vocabularies; %d-token prompt, %d greedy decode steps; peer: llama.cpp's Vulkan build via node-llama-cpp 3.21.1 (all layers offloaded, f32 KV cache)\n",
		shape, c.prompt, c.decode)
	fmt.Printf("each cell: median of %d runs [min–max]; heed, the peer and heed with Influence alternate within each run, each after one untimed warm-up\n\n", c.iterations)

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\ttype\tlayers\tMB\tprefill tok/s\tdecode tok/s\tdecode +Infl\tInfl overhead\troofline\tVulkan prefill\tVulkan decode\tprefill/peer\tdecode/peer\ttokens equal\t")
	var peerDevice string
	for _, bm := range gpuModels {
		if c.only != "" && !slices.Contains(strings.Split(c.only, ","), bm.name) {
			continue
		}
		if layers > 0 {
			bm.shape += ",layers=" + strconv.Itoa(layers)
		}
		path, err := modelFile(bm, c.dir)
		if err != nil {
			return err
		}
		row, dev, err := measureGPURow(c, path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", bm.name, bm.typ, err)
		}
		if dev != "" {
			peerDevice = dev
		}
		nl := "-"
		if layers > 0 {
			nl = strconv.Itoa(layers)
		}
		roof := median(row.decode) * float64(row.weightBytes) / (bw.GBps * 1e9)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%s\t%s\t%s\t%s\t%.1f%%\t%s\t%s\t%s\t%s\t%s\t\n",
			bm.name, bm.typ, nl, float64(row.fileBytes)/1e6, spread(row.prefill, 1), spread(row.decode, 1),
			spreadOrDash(row.decodeInfl, 1), overheadCell(row.decode, row.decodeInfl), roof*100,
			spreadOrDash(row.peerPrefill, 1), spreadOrDash(row.peerDecode, 1),
			spreadOrDash(ratios(row.prefill, row.peerPrefill), 2), spreadOrDash(ratios(row.decode, row.peerDecode), 2), row.tokensEqual)
		if row.peerErr != nil {
			fmt.Fprintf(os.Stderr, "peer (Vulkan) on %s %s: %v\n", bm.name, bm.typ, row.peerErr)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Printf("\nllama.cpp Vulkan device: %s. load average at end %s.\n", orDash(peerDevice), loadAverage())
	fmt.Println("roofline: decode tok/s × weight bytes read per token ÷ the adapter's copy bandwidth (layers column: '-' = whole model).")
	fmt.Println("tokens equal: greedy tokens agreeing with llama.cpp's before the first difference (f32 activations on the GPU, llama.cpp's")
	fmt.Println("Vulkan kernels round differently, so late differences on random-weight models are expected).")
	return nil
}

// measureGPURow runs the iterations of one model on the WebGPU executor and
// the Vulkan peer, and returns the peer's device name.
func measureGPURow(c gpuConfig, path string) (rowResult, string, error) {
	var row rowResult
	var device string
	common := []string{"-child", path, "-executor", executorWebGPU, "-prompt", strconv.Itoa(c.prompt), "-decode", strconv.Itoa(c.decode)}
	var first heedResult
	var peerTokens []int32
	consistent := true
	for it := range c.iterations {
		var off heedResult
		if _, err := runChild(&off, exe(), common...); err != nil {
			return row, "", err
		}
		row.prefill = append(row.prefill, off.PrefillTPS)
		row.decode = append(row.decode, off.DecodeTPS)
		row.fileBytes, row.weightBytes = off.FileBytes, off.WeightBytes
		if it == 0 {
			first = off
		} else if !slices.Equal(first.Tokens, off.Tokens) {
			consistent = false
		}
		if row.peerErr == nil {
			peer, err := runPeer(c.peerDir, path, 1, off.PromptIDs, c.decode, true)
			if err != nil {
				row.peerErr = err
			} else {
				row.peerPrefill = append(row.peerPrefill, peer.PrefillTPS)
				row.peerDecode = append(row.peerDecode, peer.DecodeTPS)
				peerTokens, device = peer.Tokens, peer.Device
			}
		}
		if !c.influenceOff {
			var on heedResult
			if _, err := runChild(&on, exe(), append(common, "-influence-child")...); err != nil {
				return row, "", err
			}
			row.decodeInfl = append(row.decodeInfl, on.DecodeTPS)
		}
	}
	row.tokensEqual = tokensEqual(first, peerTokens, consistent, row.peerErr)
	return row, device, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
