package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"heed/engine/session"
)

// backendUsage is the help text of a --backend flag.
const backendUsage = "compute backend: cpu, gpu (WebGPU), or auto (the GPU when one is present and passes the self-test, else the CPU)"

// addBackendFlag registers --backend (default auto) on fs.
func addBackendFlag(fs *flag.FlagSet) *string {
	return fs.String("backend", "auto", backendUsage)
}

// openBackend opens the backend a --backend value names, the way the page's
// engine worker does (session.Opener): "gpu" fails when no adapter is present
// or the GPU fails the start-up self-test; "auto" then falls back to the CPU
// and says why on stderr, and passes over software adapters (adapter type
// "cpu", such as Mesa's lavapipe), which run the same kernels on the CPU many
// times slower than the CPU executor; "gpu" still uses them.
func openBackend(backend string, threads int, stderr io.Writer) (session.Backend, error) {
	return openBackendWith(session.DefaultOpener, backend, threads, stderr)
}

func openBackendWith(o session.Opener, backend string, threads int, stderr io.Writer) (session.Backend, error) {
	c, err := session.ParseChoice(backend)
	if err != nil {
		return session.Backend{}, usageError{err}
	}
	b, err := o.Open(context.Background(), c, threads)
	if err != nil {
		return b, err
	}
	if b.Fallback != nil {
		hint := ""
		if errors.Is(b.Fallback, session.ErrSoftwareAdapter) {
			hint = " (--backend gpu uses it anyway)"
		}
		fmt.Fprintf(stderr, "heed: warning: using the CPU: %v%s\n", b.Fallback, hint)
	}
	return b, nil
}
