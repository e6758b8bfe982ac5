//go:build js && wasm

// The browser side of the same main: go-app takes over the server-rendered
// page and runs the components of package heed/app.
package main

import (
	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	heedapp "heed/app"
)

func main() {
	heedapp.Register()
	goapp.RunWhenOnBrowser()
}
