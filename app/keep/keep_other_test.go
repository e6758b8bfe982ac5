//go:build !(js && wasm)

package keep

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestUnavailableOutsideTheBrowser(t *testing.T) {
	ctx := context.Background()
	if _, err := List(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("List = %v", err)
	}
	if err := Save(ctx, "m.gguf", bytes.NewReader(nil), 0, nil); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Save = %v", err)
	}
}
