// Package jspromise waits for a JavaScript promise from Go under js/wasm.
// Rejected, the error a rejection becomes, exists on every platform so
// that callers can inspect it in code that is also built natively.
package jspromise

// Rejected is a promise's rejection reason.
type Rejected struct {
	Name    string // the error's name, e.g. "NotFoundError", "QuotaExceededError"; "" if not an Error
	Message string
}

func (e *Rejected) Error() string {
	if e.Name == "" {
		return e.Message
	}
	return e.Name + ": " + e.Message
}
