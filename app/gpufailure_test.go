package app

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"
)

func TestRunErrorsInWords(t *testing.T) {
	errLost, errOOM := errors.New("device lost"), errors.New("out of memory")
	saved := classifyGPU
	t.Cleanup(func() { classifyGPU = saved })
	classifyGPU = func(err error) gpuFault {
		switch {
		case errors.Is(err, errLost):
			return gpuLost
		case errors.Is(err, errOOM):
			return gpuOutOfMemory
		}
		return noGPUFault
	}
	tests := []struct {
		name       string
		err        error
		want       string
		wantReload bool
	}{
		{"device lost", fmt.Errorf("layer 3: %w", errLost), "The GPU stopped working", true},
		{"out of memory", fmt.Errorf("matmul: %w", errOOM), "The GPU ran out of memory", true},
		{"any other error", errors.New("context length exceeded"), "Generation failed: context length exceeded", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := loadedWorkbench(t)
			got := w.describeRunError("Generation failed: ", tc.err)
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("message %q, want it to start with %q", got, tc.want)
			}
			html := goapp.HTMLString(w)
			if offered := strings.Contains(html, "heed-reload"); offered != tc.wantReload {
				t.Errorf("reload offered: %v, want %v", offered, tc.wantReload)
			}
		})
	}
}
