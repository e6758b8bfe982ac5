//go:build !(js && wasm)

package app

import (
	"context"

	"heed/engine/cpu"
	"heed/engine/model"
)

// openBackend outside the browser (tests, the server's first render) is the
// CPU executor: the WebGPU backend of the page is the browser's.
func openBackend(context.Context) backend {
	return backend{exec: cpu.New(1), name: "CPU", banner: "WebGPU runs in the browser only: running on the CPU."}
}

func newCPUBackend() model.Executor { return cpu.New(1) }

func yieldToBrowser() {}
