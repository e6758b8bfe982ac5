package server

import "testing"

func TestChooseEncoding(t *testing.T) {
	all := func(string) bool { return true }
	gzipOnly := func(tok string) bool { return tok == "gzip" }
	tests := []struct {
		header    string
		available func(string) bool
		want      string
	}{
		{"", all, ""},
		{"br, gzip", all, "br"},
		{"gzip, br", all, "br"}, // order is not preference; q-values are
		{"br, gzip", gzipOnly, "gzip"},
		{"br", gzipOnly, ""},
		{"gzip;q=1.0, br;q=0.9", all, "gzip"},
		{"gzip;q=0.001", all, ""}, // identity's implicit q=1 wins
		{"identity;q=0, gzip;q=0.001", all, "gzip"},
		{"*;q=0, br", all, "br"},
		{"*;q=0", all, ""},  // nothing acceptable: identity anyway (RFC 9110 permits)
		{"br;q=2", all, ""}, // out of range counts as 0
		{" BR ; Q = 0.5 , gzip;q=0.4", all, ""},
		{"br;level=5", all, "br"},
		{",,;,br", all, "br"},
	}
	for _, tc := range tests {
		if got, _ := chooseEncoding(tc.header, tc.available); got != tc.want {
			t.Errorf("chooseEncoding(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func FuzzChooseEncoding(f *testing.F) {
	for _, s := range []string{"br, gzip", "gzip;q=0.5", "*;q=0", "identity;q=0, br;q=0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, suffix := chooseEncoding(h, func(string) bool { return true })
		switch tok {
		case "":
			if suffix != "" {
				t.Fatalf("identity with suffix %q", suffix)
			}
		case "br", "gzip":
		default:
			t.Fatalf("chose %q for %q", tok, h)
		}
	})
}
