package server

import (
	"strconv"
	"strings"
)

// encodings the server can have precompressed, best first: on equal q-values
// brotli wins because it is smaller.
var encodings = []struct {
	token  string // Content-Encoding token
	suffix string // file name suffix of the precompressed sibling
}{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// acceptQ parses an Accept-Encoding header (RFC 9110 §12.5.3) into q-values by
// lower-case coding. A malformed q-value counts as 0, so a coding is chosen
// only when the client clearly accepts it.
func acceptQ(header string) map[string]float64 {
	q := make(map[string]float64)
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(part, ";")
		coding := strings.ToLower(strings.TrimSpace(fields[0]))
		if coding == "" {
			continue
		}
		v := 1.0
		for _, p := range fields[1:] {
			name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil || f < 0 || f > 1 {
				f = 0
			}
			v = f
		}
		q[coding] = v
	}
	return q
}

// chooseEncoding picks the coding for a response among those available
// (Content-Encoding tokens): the highest q-value above 0, brotli before gzip on
// ties, "" for identity. A coding not named takes the value of "*" if present.
// A coding is chosen only when the client values it at least as much as
// identity. Identity is the fallback even when refused ("identity;q=0"), which
// RFC 9110 permits in place of a 406.
func chooseEncoding(header string, available func(token string) bool) (token, suffix string) {
	if header == "" {
		return "", ""
	}
	q := acceptQ(header)
	best := 0.0
	identity, ok := q["identity"]
	if !ok {
		identity = 1
		if star, ok := q["*"]; ok {
			identity = star
		}
	}
	for _, e := range encodings {
		v, ok := q[e.token]
		if !ok {
			v = q["*"]
		}
		if v > best && v >= identity && available(e.token) {
			best, token, suffix = v, e.token, e.suffix
		}
	}
	return token, suffix
}
