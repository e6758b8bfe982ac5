//go:build !(js && wasm)

// Command heedwasm is heed's side of the browser benchmark; it runs only in
// a browser (GOOS=js GOARCH=wasm), started by bench/browser.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "heedwasm runs in a browser: go run ./bench/browser")
	os.Exit(2)
}
