package server

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
)

// The benchmarks compare this server with a plain http.FileServer over the
// same models directory, both on loopback with keep-alive: a 64 MB file read
// whole (sendfile throughput) and a 1 KB file (per-request overhead: routing,
// path checks, security headers, log line).
//
//	go test -run '^$' -bench . ./internal/server
func BenchmarkLargeFile(b *testing.B) { benchFile(b, "large.gguf", 64<<20) }

func BenchmarkSmallFile(b *testing.B) { benchFile(b, "small.gguf", 1<<10) }

func benchFile(b *testing.B, name string, size int64) {
	f := newFixture(b, Config{})
	writePatternFile(b, filepath.Join(f.models, name), size)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	plain := &http.Server{Handler: http.StripPrefix("/models/", http.FileServer(http.Dir(f.models)))}
	go plain.Serve(ln)
	b.Cleanup(func() { plain.Close() })

	for _, s := range []struct{ name, base string }{
		{"heed", f.base},
		{"FileServer", "http://" + ln.Addr().String()},
	} {
		b.Run(s.name, func(b *testing.B) {
			tr := &http.Transport{DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			url := s.base + "/models/" + name
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				resp, err := client.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || n != size || resp.StatusCode != 200 {
					b.Fatalf("status %d, %d bytes, %v", resp.StatusCode, n, err)
				}
			}
		})
	}
}
