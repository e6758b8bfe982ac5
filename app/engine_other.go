//go:build !(js && wasm)

package app

import (
	"heed/app/wire"
	"heed/app/worker"
	"heed/engine/session"
)

// startEngine outside the browser (tests) runs the worker's server in this
// process, through the same JSON messages.
func startEngine(*Studio) *wire.Client {
	var c *wire.Client
	srv := &worker.Server{Open: worker.OpenSource, Backends: session.DefaultOpener, Threads: 1}
	srv.Post = func(b []byte) { c.Receive(b) }
	c = wire.NewClient(func(b []byte, file any) error {
		go srv.Handle(b, file)
		return nil
	})
	srv.Ready()
	return c
}
