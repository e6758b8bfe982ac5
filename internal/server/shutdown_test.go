package server

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bigModel writes an n-byte pattern file into the fixture's models directory,
// large enough that its response cannot sit whole in the loopback socket
// buffers: the request stays in flight until the client reads.
func bigModel(t testing.TB, f *fixture, name string, n int64) {
	t.Helper()
	writeFile(t, filepath.Join(f.models, name), patternBytes(0, n))
}

const bigSize = 32 << 20

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	f := newFixture(t, Config{})
	bigModel(t, f, "big.gguf", bigSize)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /models/big.gguf HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 1024)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}

	stopped := make(chan error, 1)
	go func() { stopped <- f.stop() }()
	// New connections are refused once shutdown begins.
	deadline := time.Now().Add(5 * time.Second)
	for {
		nc, err := net.DialTimeout("tcp", f.addr, time.Second)
		if err != nil {
			break
		}
		nc.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 5 s into shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-stopped:
		t.Fatalf("shutdown returned (%v) while a response was in flight", err)
	default:
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("in-flight response cut: %v", err)
	}
	if !bytes.Equal(append(head, rest...), patternBytes(0, bigSize)) {
		t.Fatal("in-flight response corrupted")
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown did not finish after the response completed")
	}
}

func TestShutdownIsBoundedByStuckClients(t *testing.T) {
	f := newFixture(t, Config{ShutdownTimeout: 200 * time.Millisecond})
	bigModel(t, f, "big.gguf", bigSize)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /models/big.gguf HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	// The status line proves the handler is running; the client then stops
	// reading and the server's writes block.
	if _, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: "GET"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = f.stop()
	if err == nil || !strings.Contains(err.Error(), "shutdown") {
		t.Errorf("stop = %v, want a shutdown timeout error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stop took %v with ShutdownTimeout 200ms", d)
	}
}

func TestStalledReaderIsDropped(t *testing.T) {
	f := newFixture(t, Config{WriteTimeout: 300 * time.Millisecond})
	bigModel(t, f, "big.gguf", bigSize)
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /models/big.gguf HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	time.Sleep(1500 * time.Millisecond) // well past the sliding write deadline
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, c)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	if n >= bigSize {
		t.Errorf("read %d bytes: the stalled response was not cut off", n)
	}
}
