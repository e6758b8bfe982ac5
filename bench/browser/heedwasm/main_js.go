//go:build js && wasm

// Command heedwasm is heed's side of the browser benchmark: it runs in the
// page (bench/browser/page/heed.js starts it), fetches one model, loads it on
// the CPU or the WebGPU executor, runs measure.Run and leaves the result in
// globalThis.bench for the harness.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"syscall/js"
	"time"

	"heed/bench/browser/measure"
	"heed/engine/cpu"
	"heed/engine/gguf"
	"heed/engine/model"
	"heed/engine/webgpu"
)

// config mirrors what heed.js puts in globalThis.benchConfig.
type config struct {
	Model    string  `json:"model"`    // URL of the GGUF file
	Executor string  `json:"executor"` // "cpu" or "webgpu"
	Prompt   []int32 `json:"prompt"`   // prompt token ids
	Decode   int     `json:"decode"`   // greedy tokens
	Ban      []int32 `json:"ban"`      // ids greedy decoding never picks (see bench/browser/main.go)
	Ref      []int32 `json:"ref"`      // wllama's tokens, to compare with (measure.Divergence)
	Profile  bool    `json:"profile"`  // time each operation of the decode (profile_js.go)
}

// result is what the harness reads back.
type result struct {
	measure.Result
	LoadMS  float64 `json:"load_ms"` // from the start of the fetch to a loaded model
	Kernels string  `json:"kernels"` // what runs the CPU executor's products
	Profile string  `json:"profile,omitempty"`
}

func main() {
	state := map[string]any{"done": true}
	if r, err := run(); err != nil {
		state["error"] = err.Error()
	} else if b, err := json.Marshal(r); err != nil {
		state["error"] = err.Error()
	} else {
		state["result"] = js.Global().Get("JSON").Call("parse", string(b))
	}
	js.Global().Set("bench", js.ValueOf(state))
}

func run() (result, error) {
	var c config
	var r result
	if err := json.Unmarshal([]byte(js.Global().Get("benchConfig").String()), &c); err != nil {
		return r, fmt.Errorf("config: %w", err)
	}
	start := time.Now()
	data, err := fetch(c.Model)
	if err != nil {
		return r, err
	}
	f, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return r, err
	}
	var e model.Executor
	switch c.Executor {
	case "cpu":
		ce := cpu.New(1)
		defer ce.Close()
		r.Kernels = ce.Kernels()
		e = ce
	case "webgpu":
		d, err := webgpu.Open()
		if err != nil {
			return r, err
		}
		defer d.Close()
		we, err := webgpu.NewExecutor(d)
		if err != nil {
			return r, err
		}
		defer we.Close()
		r.Kernels = "WebGPU (" + d.Info().Name + ")"
		e = we
	default:
		return r, fmt.Errorf("unknown executor %q", c.Executor)
	}
	var prof *profiled
	if c.Profile {
		prof = newProfiled(e)
		e = prof
	}
	m, err := model.Load(f, e)
	if err != nil {
		return r, err
	}
	r.LoadMS = float64(time.Since(start).Microseconds()) / 1000
	if prof != nil {
		// The decode steps alone: a prefill, then the profile of the steps.
		if _, err := measure.Run(m, c.Prompt, 2, c.Ban, nil); err != nil {
			return r, err
		}
		prof.reset()
		s, err := m.NewState(model.StateOptions{Context: len(c.Prompt) + c.Decode + 1, Batch: len(c.Prompt)})
		if err != nil {
			return r, err
		}
		st := model.Step{Logits: model.LogitsLast}
		for i := range c.Decode {
			if err := m.Forward(s, []int32{c.Prompt[i%len(c.Prompt)]}, st); err != nil {
				return r, err
			}
		}
		r.Profile = prof.report()
	}
	r.Result, err = measure.Run(m, c.Prompt, c.Decode, c.Ban, c.Ref)
	return r, err
}

// fetch reads a whole file with the browser's fetch (net/http on js/wasm).
func fetch(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return b, nil
}
