//go:build !js

package wasmkernels

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// clangMajor is the compiler the committed modules were built with (Debian
// bookworm's clang and lld); another version emits other bytes.
const clangMajor = "14"

// needClang returns the clang to build with, skipping the test where there
// is none (failing under CI=true, which installs it: .ci/run).
func needClang(t *testing.T) string {
	t.Helper()
	clang, err := exec.LookPath("clang")
	if err == nil {
		_, err = exec.LookPath("wasm-ld")
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("clang and wasm-ld are required in CI (apt-get install -y clang lld): %v", err)
		}
		t.Skipf("clang or wasm-ld not installed (apt-get install -y clang lld); set CI=1 to make this a failure: %v", err)
	}
	out, err := exec.Command(clang, "--version").Output()
	if err != nil {
		t.Fatalf("clang --version: %v", err)
	}
	if m := regexp.MustCompile(`clang version (\d+)\.`).FindSubmatch(out); m == nil || string(m[1]) != clangMajor {
		t.Fatalf("the modules are built with clang %s (Debian bookworm); this is %s", clangMajor, strings.SplitN(string(out), "\n", 2)[0])
	}
	return clang
}

// TestBuildIsReproducible rebuilds both modules from src/kernels.c with
// src/build.sh and expects the committed bytes: the .wasm files are what
// kernels.c says, and an edit to the source that was not rebuilt fails here.
func TestBuildIsReproducible(t *testing.T) {
	clang := needClang(t)
	dir := t.TempDir()
	cmd := exec.Command("sh", filepath.Join("src", "build.sh"), dir)
	cmd.Env = append(os.Environ(), "CC="+clang)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("src/build.sh: %v\n%s", err, out)
	}
	for _, name := range []string{Module, ModuleShared} {
		built, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(built, committed) {
			t.Errorf("%s differs from a build of src/kernels.c (%d bytes built, %d committed): run src/build.sh", name, len(built), len(committed))
		}
	}
}

// wantExports are the kernels heed-kernels.js and kernels_js.go call.
var wantExports = []string{"attend", "dequant", "has_plane", "matmul", "prep_x", "scales", "silu_mul", "supported"}

// TestModulesArePureCode pins what lets one build run inside the Go
// program's memory and the other on many threads over one memory: the only
// import is env.memory (shared in kernels-mt.wasm only), there is no data
// segment and no start function (nothing is written to memory when an
// instance starts), the exports are the kernels', and no instruction reads or
// writes a global (the shadow stack pointer is the only one: no kernel keeps
// anything on a stack every thread would share).
func TestModulesArePureCode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shared bool
	}{{Module, false}, {ModuleShared, true}} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := os.ReadFile(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			m, err := parseModule(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.imports) != 1 || m.imports[0] != "env.memory" {
				t.Errorf("imports %q, want env.memory only", m.imports)
			}
			if m.sharedMemory != tc.shared {
				t.Errorf("shared memory %v, want %v", m.sharedMemory, tc.shared)
			}
			for _, id := range []byte{8, 11, 12} { // start, data, data count
				if slices.Contains(m.sections, id) {
					t.Errorf("has section %d (start, data or data count)", id)
				}
			}
			slices.Sort(m.exports)
			if !slices.Equal(m.exports, wantExports) {
				t.Errorf("exports %q, want %q", m.exports, wantExports)
			}
		})
	}
	// Instructions need a disassembler: llvm-objdump (Debian's llvm package).
	objdump, err := exec.LookPath("llvm-objdump")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("llvm-objdump is required in CI (apt-get install -y llvm): %v", err)
		}
		t.Skipf("llvm-objdump not installed (apt-get install -y llvm); set CI=1 to make this a failure: %v", err)
	}
	for _, name := range []string{Module, ModuleShared} {
		out, err := exec.Command(objdump, "-d", name).CombinedOutput()
		if err != nil {
			t.Fatalf("llvm-objdump -d %s: %v\n%s", name, err, out)
		}
		if !strings.Contains(string(out), "functions in section") {
			t.Fatalf("llvm-objdump printed no code for %s:\n%s", name, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "global.get") || strings.Contains(line, "global.set") {
				t.Errorf("%s touches a global (the stack pointer): %s", name, strings.TrimSpace(line))
			}
		}
	}
}

// module is what TestModulesArePureCode reads from a binary.
type module struct {
	sections     []byte   // section ids in order
	imports      []string // module.name
	exports      []string
	sharedMemory bool // the imported memory's limits flag bit 1
}

// parseModule reads the section list, the import and the export section of
// a WebAssembly binary.
func parseModule(b []byte) (module, error) {
	var m module
	if len(b) < 8 || !bytes.Equal(b[:4], []byte("\x00asm")) || binary.LittleEndian.Uint32(b[4:]) != 1 {
		return m, errors.New("not a WebAssembly version 1 binary")
	}
	r := &reader{b: b[8:]}
	for len(r.b) > 0 {
		id := r.byte()
		body := r.bytes(int(r.uleb()))
		if r.err != nil {
			return m, r.err
		}
		m.sections = append(m.sections, id)
		s := &reader{b: body}
		switch id {
		case 2: // imports: module, name, kind, description
			for range s.uleb() {
				name := s.name() + "." + s.name()
				m.imports = append(m.imports, name)
				switch kind := s.byte(); kind {
				case 2: // memory: limits flags, min, [max]
					flags := s.byte()
					m.sharedMemory = flags&2 != 0
					s.uleb()
					if flags&1 != 0 {
						s.uleb()
					}
				default:
					return m, fmt.Errorf("import %s of kind %d", name, kind)
				}
			}
		case 7: // exports: name, kind, index
			for range s.uleb() {
				m.exports = append(m.exports, s.name())
				s.byte()
				s.uleb()
			}
		}
		if s.err != nil {
			return m, fmt.Errorf("section %d: %w", id, s.err)
		}
	}
	return m, r.err
}

// reader decodes bytes, LEB128 integers and names, keeping the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.err = errors.New("unexpected end")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := 0; shift < 64 && r.err == nil; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	return v
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.err = errors.New("length past the end")
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) name() string { return string(r.bytes(int(r.uleb()))) }
