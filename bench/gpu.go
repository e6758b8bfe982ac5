package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// gpuTable measures heed's WebGPU executor (each row in a child process, as
// in the CPU table) and llama.cpp's Vulkan build on the same model file,
// prompt token ids and step count, and prints one row per model. Both run on
// the first Vulkan device: GGML_VK_VISIBLE_DEVICES=0 is set for the peer
// unless the environment sets it, because llama.cpp otherwise skips CPU-type
// devices such as lavapipe, which wgpu-native does use.
func gpuTable(peerDir, dir, only string, threads, promptLen, decode int) error {
	if _, ok := os.LookupEnv("GGML_VK_VISIBLE_DEVICES"); !ok {
		if err := os.Setenv("GGML_VK_VISIBLE_DEVICES", "0"); err != nil {
			return err
		}
	}
	fmt.Printf("prompt %d tokens, %d greedy decode steps, after one untimed warm-up prefill and decode step on each side; peer: llama.cpp's Vulkan build via node-llama-cpp 3.21.1 (all layers offloaded, f32 KV cache)\n", promptLen, decode)
	type row struct {
		bm      benchModel
		heed    heedResult
		peer    peerResult
		peerErr error
	}
	var rows []row
	for _, bm := range gpuModels {
		if only != "" && !slices.Contains(strings.Split(only, ","), bm.name) {
			continue
		}
		path, err := modelFile(bm, dir)
		if err != nil {
			return err
		}
		var r row
		r.bm = bm
		if _, err := runChild(&r.heed, exe(), "-child", path, "-executor", executorWebGPU, "-threads", strconv.Itoa(threads),
			"-prompt", strconv.Itoa(promptLen), "-decode", strconv.Itoa(decode)); err != nil {
			return fmt.Errorf("heed WebGPU on %s: %w", bm.name, err)
		}
		r.peer, r.peerErr = runPeer(peerDir, path, threads, r.heed.PromptIDs, decode, true)
		if r.peerErr != nil {
			fmt.Fprintf(os.Stderr, "peer (Vulkan) on %s: %v\n", bm.name, r.peerErr)
		}
		rows = append(rows, r)
	}
	adapters, peerDevices := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		adapters[r.heed.Adapter] = true
		if r.peerErr == nil {
			peerDevices[r.peer.Device] = true
		}
	}
	fmt.Printf("heed WebGPU adapter: %s\n", strings.Join(sortedKeys(adapters), "; "))
	fmt.Printf("llama.cpp Vulkan device: %s\n\n", orDash(strings.Join(sortedKeys(peerDevices), "; ")))

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\ttype\tMB\tWebGPU prefill\tWebGPU decode\tVulkan prefill\tVulkan decode\tprefill ratio\tdecode ratio\t")
	for _, r := range rows {
		peerPrefill, peerDecode, prefillRatio, decodeRatio := "-", "-", "-", "-"
		if r.peerErr == nil {
			peerPrefill, peerDecode = f1(r.peer.PrefillTPS), f1(r.peer.DecodeTPS)
			prefillRatio = fmt.Sprintf("%.2f", r.heed.PrefillTPS/r.peer.PrefillTPS)
			decodeRatio = fmt.Sprintf("%.2f", r.heed.DecodeTPS/r.peer.DecodeTPS)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.bm.name, r.bm.typ, float64(r.heed.FileBytes)/1e6,
			f1(r.heed.PrefillTPS), f1(r.heed.DecodeTPS), peerPrefill, peerDecode, prefillRatio, decodeRatio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Println("\ntokens/s; ratio: heed WebGPU ÷ llama.cpp Vulkan.")
	return nil
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
