//go:build js && wasm

package worker

import (
	"syscall/js"

	"heed/engine/session"
)

// Serve runs the engine in this dedicated Web Worker until the page ends it:
// the page's messages arrive in onmessage as {json, file} (file: the File of
// a local model), events go back through postMessage as JSON text. The
// WebGPU binding reads the wasm memory through globalThis.wasm, which
// web/engine-worker.js sets before starting this program.
func Serve() {
	self := js.Global()
	s := &Server{Open: OpenSource, Backends: session.DefaultOpener, Threads: 1, Yield: newYield()}
	s.Post = func(b []byte) { self.Call("postMessage", string(b)) }
	self.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) == 0 {
			return nil
		}
		d := args[0].Get("data")
		if d.Type() != js.TypeObject || d.Get("json").Type() != js.TypeString {
			return nil
		}
		s.Handle([]byte(d.Get("json").String()), d.Get("file"))
		return nil
	}))
	s.Ready()
	select {}
}

// newYield returns a function that lets the worker's event loop run once:
// it posts to a MessageChannel and waits for the message. Unlike a timer, a
// message is not clamped to 4 ms when turns follow each other closely.
func newYield() func() {
	ch := js.Global().Get("MessageChannel").New()
	wake := make(chan struct{}, 1)
	ch.Get("port1").Set("onmessage", js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case wake <- struct{}{}:
		default:
		}
		return nil
	}))
	port := ch.Get("port2")
	return func() {
		port.Call("postMessage", js.Null())
		<-wake
	}
}
