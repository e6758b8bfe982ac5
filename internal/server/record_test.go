package server

import (
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestOneLogLinePerRequest(t *testing.T) {
	var logs syncBuffer
	f := newFixture(t, Config{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	f.get(t, "GET", "/models/a.gguf")
	f.get(t, "GET", "/models/a.gguf", "Range", "bytes=0-99")
	f.get(t, "HEAD", "/web/app.wasm")
	f.raw(t, "GET /models/a%0aforged=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	f.raw(t, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	if err := f.stop(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	want := []string{
		"method=GET path=/models/a.gguf status=200 bytes=" + strconv.Itoa(patternSize),
		`method=GET path=/models/a.gguf range="bytes=0-99" status=206 bytes=100`,
		"method=HEAD path=/web/app.wasm status=200 bytes=0",
		// The forged newline stays inside one quoted value.
		`method=GET path="/models/a\nforged=1" status=400`,
		"method=POST path=/ status=405",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d log lines, want %d:\n%s", len(lines), len(want), logs.String())
	}
	// A line is written when its response has gone out, which may be after
	// the client read it and sent the next request: the order may vary.
	for _, w := range want {
		n := 0
		for _, l := range lines {
			if strings.Contains(l, "msg=request "+w) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d lines contain %q, want 1:\n%s", n, w, logs.String())
		}
	}
}
