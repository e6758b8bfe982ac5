package webdeps

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// tarball builds a gzipped tar holding files (path → contents) in memory.
func tarball(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func integrity(data []byte) string {
	sum := sha512.Sum512(data)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

func TestVerify(t *testing.T) {
	data := []byte("chart library")
	tests := []struct {
		name       string
		integrity  string
		wantErr    bool
		isMismatch bool
	}{
		{"matching", integrity(data), false, false},
		{"other data", integrity([]byte("something else")), true, true},
		{"sha1 refused", "sha1-" + base64.StdEncoding.EncodeToString(make([]byte, 20)), true, false},
		{"not base64", "sha512-@@@", true, false},
		{"short digest", "sha512-" + base64.StdEncoding.EncodeToString(make([]byte, 32)), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(data, tt.integrity)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Verify: %v, want error %v", err, tt.wantErr)
			}
			if errors.Is(err, ErrIntegrity) != tt.isMismatch {
				t.Errorf("Verify: %v, want ErrIntegrity %v", err, tt.isMismatch)
			}
		})
	}
}

func TestExtract(t *testing.T) {
	tgz := tarball(t, map[string]string{"package/a.js": "A", "package/LICENSE": "L", "package/other": "O"})
	tests := []struct {
		name    string
		want    map[string]string
		wantErr bool
	}{
		{"wanted files only", map[string]string{"package/a.js": "a.js", "package/LICENSE": "LICENSE"}, false},
		{"missing file", map[string]string{"package/a.js": "a.js", "package/NOTICE": "NOTICE"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Extract(tgz, tt.want)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Extract: %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(got) != len(tt.want) || string(got["package/a.js"]) != "A" || string(got["package/LICENSE"]) != "L" {
				t.Errorf("Extract = %q", got)
			}
		})
	}
}

func TestExtractRejectsTruncatedTarballs(t *testing.T) {
	tgz := tarball(t, map[string]string{"package/a.js": "contents of a"})
	want := map[string]string{"package/a.js": "a.js"}
	for n := range len(tgz) - 1 {
		if _, err := Extract(tgz[:n], want); err == nil {
			t.Fatalf("Extract of the first %d of %d bytes succeeded", n, len(tgz))
		}
	}
}

func TestInstallWritesFilesAfterChecking(t *testing.T) {
	tgz := tarball(t, map[string]string{"package/dist/x.min.js": "x()", "package/LICENSE": "Apache"})
	pkg := Package{Name: "x", Version: "1.0.0", Integrity: integrity(tgz),
		Files: map[string]string{"package/dist/x.min.js": "x.min.js", "package/LICENSE": "x.LICENSE.txt"}}
	dir := t.TempDir()
	if err := Install(pkg, tgz, dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"x.min.js": "x()", "x.LICENSE.txt": "Apache"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}

	tampered := bytes.Clone(tgz)
	tampered[len(tampered)-1] ^= 1
	other := t.TempDir()
	if err := Install(pkg, tampered, other); !errors.Is(err, ErrIntegrity) {
		t.Errorf("Install of a tampered tarball: %v, want ErrIntegrity", err)
	}
	if entries, _ := os.ReadDir(other); len(entries) != 0 {
		t.Errorf("a tampered tarball left %d files behind", len(entries))
	}
}

func FuzzExtract(f *testing.F) {
	f.Add(tarball(f, map[string]string{"package/a.js": "A"}))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, tgz []byte) {
		Extract(tgz, map[string]string{"package/a.js": "a.js"}) // must not panic
	})
}
