package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"heed/engine/chat"
	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/tokenizer"
)

func init() {
	register(command{name: "info", summary: "describe a model: architecture, shape, tensor types, tokenizer, chat template", run: runInfo})
}

type tensorTypeJSON struct {
	Type    string `json:"type"`
	Tensors int    `json:"tensors"`
	Bytes   int64  `json:"bytes"`
}

type infoJSON struct {
	Path         string           `json:"path"`
	Name         string           `json:"name,omitempty"`
	Architecture string           `json:"architecture"`
	Supported    bool             `json:"supported"`
	Unsupported  string           `json:"unsupported_reason,omitempty"`
	Parameters   int64            `json:"parameters"`
	FileBytes    int64            `json:"file_bytes"`
	GGUFVersion  uint32           `json:"gguf_version"`
	Layers       int              `json:"layers,omitempty"`
	Dim          int              `json:"dim,omitempty"`
	FFN          int              `json:"ffn,omitempty"`
	Heads        int              `json:"heads,omitempty"`
	KVHeads      int              `json:"kv_heads,omitempty"`
	HeadDim      int              `json:"head_dim,omitempty"`
	Context      int              `json:"context,omitempty"`
	RopeBase     float64          `json:"rope_freq_base,omitempty"`
	SlidingWin   int              `json:"sliding_window,omitempty"`
	Features     []string         `json:"features,omitempty"`
	Vocab        int              `json:"vocab,omitempty"`
	Tokenizer    string           `json:"tokenizer,omitempty"`
	TokenizerPre string           `json:"tokenizer_pre,omitempty"`
	ChatTemplate string           `json:"chat_template"`
	TensorTypes  []tensorTypeJSON `json:"tensor_types"`
}

func runInfo(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "info", "[MODEL]")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	path, _, err := splitModelArg(rest, 0)
	if err != nil {
		return err
	}
	if path, err = modelPath(path); err != nil {
		return err
	}
	f, err := gguf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	out := describe(f)
	out.Path = path
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	printInfo(e, out)
	return nil
}

// describe gathers what a user wants to know before loading a model. A model
// heed cannot run is still described, with the reason.
func describe(f *gguf.File) infoJSON {
	out := infoJSON{Architecture: f.Architecture(), FileBytes: f.Size, GGUFVersion: f.Version}
	out.Name, _ = f.String("general.name")
	byType := map[ggml.Type]*tensorTypeJSON{}
	for i := range f.Tensors {
		t := &f.Tensors[i]
		out.Parameters += t.Elements()
		tt := byType[t.Type]
		if tt == nil {
			tt = &tensorTypeJSON{Type: t.Type.String()}
			byType[t.Type] = tt
		}
		tt.Tensors++
		tt.Bytes += t.Bytes()
	}
	for _, tt := range byType {
		out.TensorTypes = append(out.TensorTypes, *tt)
	}
	sort.Slice(out.TensorTypes, func(i, j int) bool { return out.TensorTypes[i].Bytes > out.TensorTypes[j].Bytes })
	if cfg, err := model.ReadConfig(f); err != nil {
		out.Unsupported = err.Error()
	} else {
		out.Supported = true
		out.Layers, out.Dim, out.FFN = cfg.NumLayers, cfg.Dim, cfg.FFN
		out.Heads, out.KVHeads, out.HeadDim = cfg.Heads, cfg.KVHeads, cfg.HeadDim
		out.Context, out.RopeBase, out.SlidingWin = cfg.Context, cfg.RopeBase, cfg.SlidingWindow
		if _, ok := f.Tensor("blk.0.attn_q.bias"); ok {
			cfg.QKVBias = true
		}
		if _, ok := f.Tensor("rope_factors_long.weight"); ok {
			cfg.RopeFactorsLong = []float32{} // present: Load reads the factors
		}
		out.Features = cfg.Features()
	}
	// A tensor type no executor computes makes the file unloadable: say which, here.
	for i := range f.Tensors {
		if err := ggml.CheckSupported(f.Tensors[i].Type); err != nil && out.Supported {
			out.Supported, out.Unsupported = false, fmt.Sprintf("tensor %s: %v", f.Tensors[i].Name, err)
		}
	}
	if tok, err := tokenizer.FromGGUF(f); err == nil {
		out.Vocab, out.Tokenizer = tok.Vocab(), tok.Model()
	} else if out.Unsupported == "" {
		out.Supported, out.Unsupported = false, err.Error()
	}
	out.TokenizerPre, _ = f.String("tokenizer.ggml.pre")
	tmpl, _ := f.String("tokenizer.chat_template")
	out.ChatTemplate = chat.Detect(tmpl).String()
	return out
}

func printInfo(e *env, in infoJSON) {
	w := e.stdout
	fmt.Fprintf(w, "file          %s (%d bytes, GGUF v%d)\n", in.Path, in.FileBytes, in.GGUFVersion)
	if in.Name != "" {
		fmt.Fprintf(w, "name          %s\n", in.Name)
	}
	fmt.Fprintf(w, "architecture  %s\n", in.Architecture)
	fmt.Fprintf(w, "parameters    %d\n", in.Parameters)
	if in.Layers > 0 {
		fmt.Fprintf(w, "layers        %d\n", in.Layers)
		fmt.Fprintf(w, "dim           %d (FFN %d)\n", in.Dim, in.FFN)
		fmt.Fprintf(w, "heads         %d (KV heads %d, head dim %d)\n", in.Heads, in.KVHeads, in.HeadDim)
		fmt.Fprintf(w, "context       %d\n", in.Context)
		fmt.Fprintf(w, "rope base     %g\n", in.RopeBase)
		if in.SlidingWin > 0 {
			fmt.Fprintf(w, "sliding win   %d\n", in.SlidingWin)
		}
		if len(in.Features) > 0 {
			fmt.Fprintf(w, "features      %s\n", strings.Join(in.Features, ", "))
		}
		fmt.Fprintf(w, "vocab         %d (%s tokenizer", in.Vocab, in.Tokenizer)
		if in.TokenizerPre != "" {
			fmt.Fprintf(w, ", pre %s", in.TokenizerPre)
		}
		fmt.Fprintln(w, ")")
	}
	if !in.Supported {
		fmt.Fprintf(w, "unsupported   %s\n", in.Unsupported)
	}
	fmt.Fprintf(w, "chat template %s\n", in.ChatTemplate)
	for _, tt := range in.TensorTypes {
		fmt.Fprintf(w, "tensors       %-6s %4d tensors %12d bytes\n", tt.Type, tt.Tensors, tt.Bytes)
	}
}
