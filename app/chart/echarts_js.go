//go:build js && wasm

package chart

import (
	"encoding/base64"
	"fmt"
	"strings"
	"syscall/js"
)

// Available reports whether the chart library's script has run.
func Available() bool { return js.Global().Get("echarts").Truthy() }

// library is the chart library's URL (SetLibrary); loading is the script
// element once added, waiting lists the callbacks until it has run.
var (
	library string
	loading js.Value
	waiting []func(error)
)

// SetLibrary names the URL of the chart library's script, which Load adds
// to the page the first time a chart draws.
func SetLibrary(url string) { library = url }

// Load runs done once the chart library is on the page, adding its script
// the first time: the page does not load it until a chart is shown.
func Load(done func(error)) {
	if Available() {
		done(nil)
		return
	}
	if library == "" {
		done(ErrUnavailable)
		return
	}
	waiting = append(waiting, done)
	if loading.Truthy() {
		return
	}
	doc := js.Global().Get("document")
	loading = doc.Call("createElement", "script")
	var onLoad, onError js.Func
	finish := func(err error) {
		onLoad.Release()
		onError.Release()
		w := waiting
		waiting = nil
		if err != nil {
			loading.Call("remove")
			loading = js.Value{}
		}
		for _, f := range w {
			f(err)
		}
	}
	onLoad = js.FuncOf(func(js.Value, []js.Value) any { finish(nil); return nil })
	onError = js.FuncOf(func(js.Value, []js.Value) any {
		finish(fmt.Errorf("%w: the script %s did not load", ErrUnavailable, library))
		return nil
	})
	loading.Call("addEventListener", "load", onLoad)
	loading.Call("addEventListener", "error", onError)
	loading.Set("src", library)
	doc.Get("head").Call("appendChild", loading)
}

// instance is the ECharts instance of element id, made if it has none.
func instance(id string, make bool) (js.Value, error) {
	echarts := js.Global().Get("echarts")
	if !echarts.Truthy() {
		return js.Value{}, ErrUnavailable
	}
	el := js.Global().Get("document").Call("getElementById", id)
	if !el.Truthy() {
		return js.Value{}, fmt.Errorf("chart %q: no such element", id)
	}
	inst := echarts.Call("getInstanceByDom", el)
	if !inst.Truthy() && make {
		inst = echarts.Call("init", el, nil, map[string]any{"renderer": "canvas"})
	}
	return inst, nil
}

// guard turns a JavaScript exception thrown through syscall/js into an error.
func guard(what string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: %v", what, r)
	}
}

// Show draws opt in the element with id, replacing what it showed before.
func Show(id string, opt Option) (err error) {
	defer guard("drawing the chart", &err)
	spec, err := opt.JSON()
	if err != nil {
		return err
	}
	inst, err := instance(id, true)
	if err != nil {
		return err
	}
	inst.Call("setOption", js.Global().Get("JSON").Call("parse", string(spec)), map[string]any{"notMerge": true})
	return nil
}

// Resize fits the chart of element id to its element's size.
func Resize(id string) (err error) {
	defer guard("resizing the chart", &err)
	inst, err := instance(id, false)
	if err == nil && inst.Truthy() {
		inst.Call("resize")
	}
	return err
}

// Dispose releases the chart of element id.
func Dispose(id string) (err error) {
	defer guard("releasing the chart", &err)
	inst, err := instance(id, false)
	if err == nil && inst.Truthy() {
		inst.Call("dispose")
	}
	return err
}

// PNG is the chart of element id as a PNG image, at twice its on-screen
// resolution on a white background.
func PNG(id string) (b []byte, err error) {
	defer guard("exporting the chart", &err)
	inst, err := instance(id, false)
	if err != nil {
		return nil, err
	}
	if !inst.Truthy() {
		return nil, fmt.Errorf("chart %q is not drawn", id)
	}
	url := inst.Call("getDataURL", map[string]any{"type": "png", "pixelRatio": 2, "backgroundColor": "#ffffff"}).String()
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(url, prefix) {
		return nil, fmt.Errorf("chart %q: the browser gave no PNG", id)
	}
	return base64.StdEncoding.DecodeString(url[len(prefix):])
}
