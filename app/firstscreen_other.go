//go:build !(js && wasm)

package app

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"

	"heed/app/wire"
)

// FirstScreenJSON runs the sample prompt on the model at path with the
// page's starting settings (A/B, greedy, 40 tokens, Influence followed), on
// the CPU executor through the engine worker's own server, and returns the
// first screen's JSON for SetFirstScreen and the client.
func FirstScreenJSON(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	eng := startEngine(nil)
	name := filepath.Base(path)
	if _, err := eng.Load(ctx, wire.LoadArgs{Kind: wire.FromFile, Name: name, Backend: backendCPU}, io.NewSectionReader(f, 0, fi.Size()), nil); err != nil {
		return "", err
	}
	defer eng.Unload(context.Background())
	args := wire.PromptArgs{Tagged: SamplePrompt, DeltaMid: defaultDeltaMid}
	p, err := eng.Prompt(ctx, args)
	if err != nil {
		return "", err
	}
	set := defaultSettings()
	fs := FirstScreen{Model: name, Prompt: p}
	var mu sync.Mutex
	fs.Generated, err = eng.Generate(ctx, args, wire.GenerateArgs{Sides: []string{wire.SideGuide, wire.SideBaseline},
		MaxTokens: set.maxTokens, Seed: set.seed, Follow: true}, func(t wire.Token) {
		mu.Lock()
		defer mu.Unlock()
		i := sideIndex(t.Side)
		fs.Columns[i] = append(fs.Columns[i], wire.Token{Side: t.Side, ID: t.ID, Text: t.Text})
	})
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(fs)
	return string(b), err
}
