//go:build js && wasm

package app

import (
	"errors"
	"syscall/js"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/wire"
)

// Where the engine worker lives: the server passes the URLs (content
// addressed) through go-app's environment; these are the fallbacks.
const (
	workerScriptEnv = "HEED_WORKER_JS"
	engineWasmEnv   = "HEED_ENGINE_WASM"
	wasmExecEnv     = "HEED_WASM_EXEC"
	// The WebAssembly SIMD kernels of the CPU executor (engine/wasmkernels):
	// their script; where the server names none, the engine runs Go's kernels.
	kernelsScriptEnv = "HEED_KERNELS_JS"
)

// kernelFileEnvs are the kernels' files that the script fetches, by the name
// it looks them up under, and the variables the server puts their URLs in.
var kernelFileEnvs = map[string]string{
	"kernels.wasm":           "HEED_KERNELS_WASM",
	"kernels-mt.wasm":        "HEED_KERNELS_MT_WASM",
	"heed-kernels-worker.js": "HEED_KERNELS_WORKER_JS",
}

// kernelsInit is the engine worker's init.kernels, {script, files}, or nil
// when the server named no kernels.
func kernelsInit() any {
	script := goapp.Getenv(kernelsScriptEnv)
	if script == "" {
		return nil
	}
	files := map[string]any{}
	for name, env := range kernelFileEnvs {
		if u := goapp.Getenv(env); u != "" {
			files[name] = u
		}
	}
	return map[string]any{"script": script, "files": files}
}

func envOr(k, def string) string {
	if v := goapp.Getenv(k); v != "" {
		return v
	}
	return def
}

// startEngine starts the engine in a dedicated Web Worker
// (web/engine-worker.js runs cmd/worker's wasm) and returns the client that
// talks to it. Messages are JSON text; a local model's File travels beside.
func startEngine(s *Studio) *wire.Client {
	var w js.Value
	c := wire.NewClient(func(data []byte, file any) error {
		msg := map[string]any{"json": string(data)}
		if f, ok := file.(js.Value); ok {
			msg["file"] = f
		}
		w.Call("postMessage", msg)
		return nil
	})
	ctor := js.Global().Get("Worker")
	if !ctor.Truthy() {
		c.Fail(errors.New("this browser cannot run Web Workers, which heed's engine needs"))
		return c
	}
	w = ctor.New(envOr(workerScriptEnv, "/web/engine-worker.js"), map[string]any{"name": "heed-engine"})
	w.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if d := args[0].Get("data"); d.Type() == js.TypeString {
			c.Receive([]byte(d.String()))
		}
		return nil
	}))
	w.Set("onerror", js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "the engine worker stopped"
		if m := args[0].Get("message"); m.Type() == js.TypeString {
			msg += ": " + m.String()
		}
		args[0].Call("preventDefault")
		c.Fail(errors.New(msg))
		s.later(func() {
			if s.models.status == modelLoading || s.models.status == modelNone {
				s.models.status, s.models.err = modelError, "The engine could not start: "+msg
			}
		}, areaModel)
		return nil
	}))
	w.Call("postMessage", map[string]any{"init": map[string]any{
		"wasm":    envOr(engineWasmEnv, "/web/engine.wasm"),
		"exec":    envOr(wasmExecEnv, "/wasm_exec.js"),
		"kernels": kernelsInit(),
	}})
	return c
}
