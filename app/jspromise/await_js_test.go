//go:build js && wasm

package jspromise

import (
	"context"
	"errors"
	"syscall/js"
	"testing"
	"time"
)

func TestAwait(t *testing.T) {
	promise := js.Global().Get("Promise")
	rejectWith := func(v any) js.Value { return promise.Call("reject", v) }
	tests := []struct {
		name     string
		p        js.Value
		want     string
		wantName string // of the Rejected error; "-" when the promise resolves
	}{
		{"resolves", promise.Call("resolve", "yes"), "yes", "-"},
		{"not a promise", js.ValueOf("plain"), "plain", "-"},
		{"rejects with an Error", rejectWith(js.Global().Get("DOMException").New("gone", "NotFoundError")), "NotFoundError: gone", "NotFoundError"},
		{"rejects with a string", rejectWith("nope"), "nope", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Await(context.Background(), tc.p)
			if tc.wantName == "-" {
				if err != nil || v.String() != tc.want {
					t.Fatalf("Await = %v, %v; want %q", v, err, tc.want)
				}
				return
			}
			var rej *Rejected
			if !errors.As(err, &rej) || rej.Name != tc.wantName || err.Error() != tc.want {
				t.Fatalf("Await error = %v, want %q named %q", err, tc.want, tc.wantName)
			}
		})
	}
}

func TestAwaitEndsWithTheContext(t *testing.T) {
	never := js.Global().Get("Promise").New(js.FuncOf(func(js.Value, []js.Value) any { return nil }))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Await(ctx, never); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Await on a promise that never settles = %v, want the context's deadline", err)
	}
}
