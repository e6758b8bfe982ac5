//go:build js && wasm

// Command worker is heed's engine, compiled to wasm and run in a dedicated
// Web Worker by the page (web/engine-worker.js starts it): it loads models
// and runs them, on WebGPU or the CPU executor, answering the page's
// messages (heed/app/wire). The page's own wasm (cmd/serve) holds no model
// code at all.
//
//	GOOS=js GOARCH=wasm go build -o web/engine.wasm ./cmd/worker
package main

import "heed/app/worker"

func main() { worker.Serve() }
