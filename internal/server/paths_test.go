package server

import (
	"path"
	"strings"
	"testing"
)

func TestCheckPath(t *testing.T) {
	tests := []struct {
		path string
		ok   bool
	}{
		{"/", true},
		{"/models/a.gguf", true},
		{"/web/sub/page.txt", true},
		{"/models/", true}, // routed to 404, not rejected
		{"/models/name with spaces.gguf", true},
		{"/models/ünïcode.gguf", true},
		{"", false},
		{"models/a.gguf", false},
		{"//", false},
		{"/models//a.gguf", false},
		{"/models/../x", false},
		{"/models/./x", false},
		{"/..", false},
		{"/models/..", false},
		{`/models/a\b`, false},
		{"/models/%2e%2e", false},
		{"/models/a\x00b", false},
		{"/models/a\nb", false},
		{"/models/a\x7fb", false},
		{"/models/\xff", false},
		{"/" + strings.Repeat("a", 256), false},
		{"/" + strings.Repeat("a", 255), true},
	}
	for _, tc := range tests {
		if err := checkPath(tc.path); (err == nil) != tc.ok {
			t.Errorf("checkPath(%q) = %v, want ok=%v", tc.path, err, tc.ok)
		}
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		rest    string
		subdirs bool
		want    string
		ok      bool
	}{
		{"a.gguf", false, "a.gguf", true},
		{"", false, "", false},
		{"sub/a.gguf", false, "", false},
		{"sub/a.gguf", true, "sub/a.gguf", true},
		{"sub/", true, "", false},
		{".hidden", true, "", false},
		{".git/config", true, "", false},
		{"sub/.hidden", true, "", false},
	}
	for _, tc := range tests {
		got, ok := fileName(tc.rest, tc.subdirs)
		if got != tc.want || ok != tc.ok {
			t.Errorf("fileName(%q, %v) = %q, %v; want %q, %v", tc.rest, tc.subdirs, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzCheckPath pins the property the server relies on: an accepted path is
// already clean, so no segment can climb out of a root.
func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"/", "/models/a.gguf", "/web/sub/x.js", "/models/../x", "/a//b", `/a\b`, "/%2e", "/a/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if checkPath(p) != nil {
			return
		}
		trimmed := strings.TrimSuffix(p, "/")
		if trimmed == "" {
			trimmed = "/"
		}
		if path.Clean(p) != trimmed {
			t.Fatalf("accepted %q, which cleans to %q", p, path.Clean(p))
		}
		for _, s := range strings.Split(p, "/") {
			if s == ".." || strings.ContainsAny(s, "\\%\x00") {
				t.Fatalf("accepted %q with segment %q", p, s)
			}
		}
	})
}
