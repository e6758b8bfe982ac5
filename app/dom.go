package app

import (
	"strconv"
	"unicode/utf16"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The page's few direct DOM calls, in go-app's portable Value API: natively
// (tests, the server's first render) nothing calls them.

// document is the page's document.
func document() goapp.Value { return goapp.Window().Get("document") }

// listen adds a listener for event on target and returns the function that
// removes it. fn runs in the browser's callback, off the UI goroutine's
// dispatch: it must only read the event or hand work to a context.
func listen(target goapp.Value, event string, fn func(e goapp.Value)) func() {
	f := goapp.FuncOf(func(this goapp.Value, args []goapp.Value) any {
		if len(args) > 0 {
			fn(args[0])
		}
		return nil
	})
	target.Call("addEventListener", event, f)
	return func() {
		target.Call("removeEventListener", event, f)
		f.Release()
	}
}

// utf16Len is the length of s in UTF-16 code units, as the DOM counts.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

// renderedSelection is the document's selection as a range of the tag-free
// prompt shown in element id (UTF-16 units), when the selection lies there.
func renderedSelection(id string) (selection, bool) {
	sel := goapp.Window().Call("getSelection")
	if !sel.Truthy() || sel.Get("rangeCount").Int() == 0 {
		return selection{}, false
	}
	r := sel.Call("getRangeAt", 0)
	box := document().Call("getElementById", id)
	if !box.Truthy() || !box.Call("contains", r.Get("startContainer")).Bool() || !box.Call("contains", r.Get("endContainer")).Bool() {
		return selection{}, false
	}
	a, ok := offsetIn(box, r.Get("startContainer"), r.Get("startOffset").Int())
	b, ok2 := offsetIn(box, r.Get("endContainer"), r.Get("endOffset").Int())
	if !ok || !ok2 || a == b {
		return selection{}, false
	}
	return selection{start: min(a, b), end: max(a, b), ok: true}, true
}

// offsetIn maps a DOM position (node, off) inside box to the tag-free text.
func offsetIn(box, node goapp.Value, off int) (int, bool) {
	if node.Get("nodeType").Int() == 3 { // a text node: off counts its units
		start, ok := startOf(box, node.Get("parentElement"))
		if !ok {
			return 0, false
		}
		if isTemplate(node.Get("parentElement")) {
			return start, true
		}
		return start + off, true
	}
	kids := node.Get("childNodes")
	if off < kids.Length() {
		return startOf(box, kids.Index(off))
	}
	return endOf(box, node)
}

// startOf is where element el's text starts in the tag-free prompt.
func startOf(box, el goapp.Value) (int, bool) {
	if el.Get("nodeType").Int() == 3 {
		el = el.Get("parentElement")
	}
	if el.Equal(box) {
		return 0, true
	}
	if isTemplate(el) {
		if el.Get("dataset").Get("side").String() == "after" {
			return endOf(box, box)
		}
		return 0, true
	}
	at := el.Get("dataset").Get("at")
	if !at.Truthy() {
		return 0, false
	}
	n, err := strconv.Atoi(at.String())
	return n, err == nil
}

// endOf is where element el's text ends in the tag-free prompt.
func endOf(box, el goapp.Value) (int, bool) {
	if el.Equal(box) {
		n, err := strconv.Atoi(box.Get("dataset").Get("len").String())
		return n, err == nil
	}
	start, ok := startOf(box, el)
	if !ok || isTemplate(el) {
		return start, ok
	}
	return start + utf16Len(el.Get("textContent").String()), true
}

func isTemplate(el goapp.Value) bool {
	return el.Truthy() && el.Get("classList").Call("contains", "heed-template").Bool()
}

// sourceSelection is the tag source textarea's selection, when it has one.
func sourceSelection() (selection, bool) {
	ta := goapp.Window().GetElementByID(promptID)
	if !ta.Truthy() {
		return selection{}, false
	}
	a, b := ta.Get("selectionStart").Int(), ta.Get("selectionEnd").Int()
	if a == b {
		return selection{}, false
	}
	return selection{start: a, end: b, ok: true}, true
}

// setSourceText puts text in the tag source textarea and, when caret is not
// negative, the caret there.
func setSourceText(text string, caret int) {
	ta := goapp.Window().GetElementByID(promptID)
	if !ta.Truthy() {
		return
	}
	ta.Set("value", text)
	if caret >= 0 {
		ta.Call("focus")
		ta.Call("setSelectionRange", caret, caret)
	}
}

// clearSelection empties the document's selection.
func clearSelection() {
	if sel := goapp.Window().Call("getSelection"); sel.Truthy() {
		sel.Call("removeAllRanges")
	}
}
