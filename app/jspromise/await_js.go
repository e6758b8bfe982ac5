//go:build js && wasm

package jspromise

import (
	"context"
	"syscall/js"
)

// Await blocks until p settles or ctx ends. It must not run on the event
// loop's goroutine (the callbacks that wake it run there): call it from a
// goroutine such as go-app's ctx.Async. A value that is not a promise is
// returned as is.
func Await(ctx context.Context, p js.Value) (js.Value, error) {
	if p.Type() != js.TypeObject || p.Get("then").Type() != js.TypeFunction {
		return p, nil
	}
	type settled struct {
		v   js.Value
		err error
	}
	done := make(chan settled, 1)
	var onOK, onErr js.Func
	// Released when the promise settles, even after ctx ended and no one waits.
	release := func() { onOK.Release(); onErr.Release() }
	onOK = js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer release()
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		done <- settled{v: v}
		return nil
	})
	onErr = js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer release()
		done <- settled{err: reason(args)}
		return nil
	})
	p.Call("then", onOK, onErr)
	select {
	case s := <-done:
		return s.v, s.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}

func reason(args []js.Value) error {
	if len(args) == 0 {
		return &Rejected{Message: "rejected without a reason"}
	}
	v := args[0]
	if v.Type() == js.TypeObject && v.Get("message").Type() == js.TypeString {
		name := ""
		if n := v.Get("name"); n.Type() == js.TypeString {
			name = n.String()
		}
		return &Rejected{Name: name, Message: v.Get("message").String()}
	}
	return &Rejected{Message: js.Global().Call("String", v).String()}
}
