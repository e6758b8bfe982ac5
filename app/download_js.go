//go:build js && wasm

package app

import (
	"fmt"
	"syscall/js"
)

// downloadFile offers data to the user as a file called name, through a Blob
// URL and a temporary link: no inline script, so the page's CSP holds.
func downloadFile(name, mime string, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the browser refused the download: %v", r)
		}
	}()
	bytes := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(bytes, data)
	blob := js.Global().Get("Blob").New([]any{bytes}, map[string]any{"type": mime})
	urls := js.Global().Get("URL")
	href := urls.Call("createObjectURL", blob)
	doc := js.Global().Get("document")
	a := doc.Call("createElement", "a")
	a.Set("href", href)
	a.Set("download", name)
	a.Get("style").Set("display", "none")
	doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	urls.Call("revokeObjectURL", href)
	return nil
}

// readChosenFile reads the first file chosen in the file input with element id
// inputID and calls done with its bytes, or the reason it could not be read.
// The read is a promise: done runs later, from the browser's event loop,
// never blocking the caller.
func readChosenFile(inputID string, done func(name string, data []byte, err error)) {
	files := js.Global().Get("document").Call("getElementById", inputID).Get("files")
	if files.IsUndefined() || files.IsNull() || files.Get("length").Int() == 0 {
		done("", nil, fmt.Errorf("no file chosen"))
		return
	}
	file := files.Index(0)
	name := file.Get("name").String()
	if size := file.Get("size").Int(); size > maxImportBytes {
		done(name, nil, fmt.Errorf("%s is %d bytes, over the %d-byte limit", name, size, maxImportBytes))
		return
	}
	var onOK, onErr js.Func
	release := func() { onOK.Release(); onErr.Release() }
	onOK = js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer release()
		buf := js.Global().Get("Uint8Array").New(args[0])
		data := make([]byte, buf.Get("length").Int())
		js.CopyBytesToGo(data, buf)
		done(name, data, nil)
		return nil
	})
	onErr = js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer release()
		done(name, nil, fmt.Errorf("the browser could not read %s: %s", name, args[0].Call("toString").String()))
		return nil
	})
	file.Call("arrayBuffer").Call("then", onOK, onErr)
}
