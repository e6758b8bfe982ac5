//go:build !(js && wasm)

// Command worker is heed's engine for the browser: build it with
// GOOS=js GOARCH=wasm (make web/engine.wasm); the page starts it in a Web
// Worker. Natively it only says so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "worker: build with GOOS=js GOARCH=wasm; the page runs it in a Web Worker (make web/engine.wasm)")
	os.Exit(2)
}
