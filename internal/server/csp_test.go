package server

import (
	"slices"
	"strings"
	"testing"
)

// cspDirectives splits a policy into directive name → sources.
func cspDirectives(policy string) map[string][]string {
	out := make(map[string][]string)
	for _, d := range strings.Split(policy, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

// TestContentSecurityPolicyStaysStrict pins each directive: only connect-src
// reaches beyond this origin (https: and loopback, for models loaded from a
// URL), and nothing allows inline script or style or plain eval.
func TestContentSecurityPolicyStaysStrict(t *testing.T) {
	got := cspDirectives(ContentSecurityPolicy)
	want := map[string][]string{
		"default-src":     {"'self'"},
		"script-src":      {"'self'", "'wasm-unsafe-eval'"},
		"style-src":       {"'self'"},
		"img-src":         {"'self'"},
		"connect-src":     {"'self'", "https:", "http://127.0.0.1:*", "http://localhost:*"},
		"worker-src":      {"'self'"},
		"manifest-src":    {"'self'"},
		"object-src":      {"'none'"},
		"base-uri":        {"'none'"},
		"form-action":     {"'none'"},
		"frame-ancestors": {"'none'"},
	}
	for name, sources := range want {
		if !slices.Equal(got[name], sources) {
			t.Errorf("%s = %q, want %q", name, got[name], sources)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected directive %s %q", name, got[name])
		}
	}
	for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "http:", "*"} {
		for name, sources := range got {
			if slices.Contains(sources, bad) {
				t.Errorf("%s allows %s", name, bad)
			}
		}
	}
}
