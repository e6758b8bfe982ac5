package server

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// errBadPath rejects a request path that could name something outside a root
// or that no file of ours can have. Such requests are answered 400.
var errBadPath = errors.New("malformed request path")

// maxSegment bounds one path segment; Linux file names stop at 255 bytes.
const maxSegment = 255

// checkPath validates a decoded URL path before it is routed. It accepts only
// absolute paths of clean segments: no empty interior segments, no "." or "..",
// no backslash (a separator on Windows), no '%' (left over from double
// encoding), no NUL or other control bytes, valid UTF-8. A trailing slash is
// allowed and later answered 404, since no directory is ever listed.
func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") || !utf8.ValidString(p) {
		return errBadPath
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		if s == "" {
			if i == len(segs)-1 {
				continue
			}
			return errBadPath
		}
		if s == "." || s == ".." || len(s) > maxSegment {
			return errBadPath
		}
		for j := 0; j < len(s); j++ {
			if c := s[j]; c < 0x20 || c == 0x7f || c == '\\' || c == '%' {
				return errBadPath
			}
		}
	}
	return nil
}

// fileName maps the rest of a URL path below a served root to a name that
// os.Root may open, or reports false when nothing there may be served:
// directories (trailing slash or empty) and hidden files (dot-files such as
// the digest cache), at any depth.
func fileName(rest string, allowSubdirs bool) (string, bool) {
	if rest == "" || strings.HasSuffix(rest, "/") {
		return "", false
	}
	if !allowSubdirs && strings.Contains(rest, "/") {
		return "", false
	}
	for _, s := range strings.Split(rest, "/") {
		if strings.HasPrefix(s, ".") {
			return "", false
		}
	}
	return rest, true
}
