package server

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestHostileRequests sends malformed and hostile requests verbatim on the
// wire (a client library would clean the paths) and checks each status and
// that no body carries anything from outside the roots.
func TestHostileRequests(t *testing.T) {
	f := newFixture(t, Config{AllowedHosts: LoopbackHosts})
	get := func(target string, headers ...string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + strings.Join(headers, "") + "Connection: close\r\n\r\n"
	}
	method := func(m, target string) string {
		return m + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	}
	manyRanges := "Range: bytes=" + strings.Repeat("0-0,", maxRanges) + "0-0\r\n"
	tests := []struct {
		name    string
		request string
		status  int // 0: the server may close the connection without a response
	}{
		// Traversal in every spelling.
		{"dotdot", get("/models/../secret.txt"), 400},
		{"dotdot web", get("/web/../secret.txt"), 400},
		{"dotdot deep", get("/models/a/../../secret.txt"), 400},
		{"dot segment", get("/models/./a.gguf"), 400},
		{"encoded dots", get("/models/%2e%2e/secret.txt"), 400},
		{"encoded dots upper", get("/models/%2E%2E/secret.txt"), 400},
		{"encoded slash", get("/models/..%2fsecret.txt"), 400},
		{"encoded everything", get("/models/%2e%2e%2f%2e%2e%2fsecret.txt"), 400},
		{"double encoded", get("/models/%252e%252e%252fsecret.txt"), 400},
		{"double encoded slash", get("/web/..%252fsecret.txt"), 400},
		{"backslash", get(`/models/..\secret.txt`), 400},
		{"encoded backslash", get("/models/..%5csecret.txt"), 400},
		{"absolute in path", get("/models//etc/passwd"), 400},
		{"encoded absolute", get("/models/%2fetc%2fpasswd"), 400},
		{"absolute-form target", get("http://127.0.0.1/models/../secret.txt"), 400},
		{"NUL byte", get("/models/a.gguf%00.txt"), 400},
		{"control byte", get("/models/a%0d%0aSet-Cookie:x.gguf"), 400},
		{"invalid UTF-8", get("/models/%ff%fe.gguf"), 400},
		{"overlong segment", get("/models/" + strings.Repeat("a", 300) + ".gguf"), 400},
		{"no leading slash", get("models/a.gguf"), 400},
		// Symlinks that leave the root, hidden files, directories.
		{"symlink escape", get("/models/escape.gguf"), 404},
		{"symlink absolute", get("/models/abs.gguf"), 404},
		{"web symlink escape", get("/web/out.txt"), 404},
		{"hidden digest cache", get("/models/" + SumsFile), 404},
		{"hidden web file", get("/web/.hidden"), 404},
		{"nested model", get("/models/sub/nested.gguf"), 404},
		{"models dir listing", get("/models/"), 404},
		{"models dir bare", get("/models"), 404},
		{"web dir listing", get("/web/"), 404},
		{"web subdir listing", get("/web/sub/"), 404},
		{"precompressed sibling", get("/web/app.wasm.br"), 404},
		{"missing model", get("/models/nope.gguf"), 404},
		{"unknown api", get("/api/other"), 404},
		{"go-app wasm alias", get("/app.wasm"), 404},
		{"unrouted page", get("/secret.txt"), 404},
		// Methods.
		{"POST", method("POST", "/models/a.gguf"), 405},
		{"PUT", method("PUT", "/models/new.gguf"), 405},
		{"DELETE", method("DELETE", "/models/a.gguf"), 405},
		{"PATCH", method("PATCH", "/"), 405},
		{"TRACE", method("TRACE", "/"), 405},
		{"OPTIONS star", method("OPTIONS", "*"), 405},
		{"CONNECT", "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n", 405},
		{"lower-case method", method("get", "/"), 405},
		// Malformed framing and headers.
		{"garbage method", "G@T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400},
		{"no host", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 400},
		{"foreign host (DNS rebinding)", "GET /api/models HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n", 421},
		{"bad version", "GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n", 505},
		{"huge header", get("/", "X-Big: "+strings.Repeat("a", 64<<10)+"\r\n"), 431},
		{"huge URL", get("/models/" + strings.Repeat("a/", 20<<10)), 431},
		{"bad header name", get("/", "Bad Header: x\r\n"), 400},
		{"conflicting lengths", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
		{"bad transfer encoding", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: rot13\r\n\r\n", 501},
		// Ranges the server refuses.
		{"range garbage", get("/models/a.gguf", "Range: bytes=abc\r\n"), 416},
		{"range reversed", get("/models/a.gguf", "Range: bytes=500-100\r\n"), 416},
		{"range past EOF", get("/models/a.gguf", "Range: bytes=99999999-\r\n"), 416},
		{"range negative", get("/models/a.gguf", "Range: bytes=--5\r\n"), 416},
		{"too many ranges", get("/models/a.gguf", manyRanges), 416},
		{"range unknown unit ignored", get("/models/notes.txt", "Range: items=0-1\r\n"), 200},
	}
	if len(tests) < 30 {
		t.Fatalf("only %d hostile requests", len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.raw(t, tc.request)
			if resp == nil {
				t.Fatalf("no response, want %d", tc.status)
			}
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d; body %.200q", resp.StatusCode, tc.status, body)
			}
			if bytes.Contains(body, []byte(secret)) || bytes.Contains(body, []byte("root:x:0:0")) {
				t.Errorf("body leaks a file outside the roots: %.200q", body)
			}
			if resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("405 without Allow: GET, HEAD (got %q)", resp.Header.Get("Allow"))
			}
			if resp.StatusCode >= 400 && bytes.Contains(body, []byte(f.dir)) {
				t.Errorf("error body names a server path: %q", body)
			}
		})
	}
}
