package wgsl

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ErrParse is returned when a shader lacks a construct the host relies on.
var ErrParse = errors.New("wgsl parse")

// Field is one member of a WGSL struct: its name and scalar type (u32, i32 or f32).
type Field struct {
	Name string
	Type string
}

var (
	lineComment = regexp.MustCompile(`//[^\n]*`)
	constOp     = regexp.MustCompile(`\s*[*/]\s*`)
	constOpSym  = regexp.MustCompile(`[*/]`)
	identifier  = regexp.MustCompile(`^\w+$`)
)

func stripComments(src string) string { return lineComment.ReplaceAllString(src, "") }

// StructFields returns the members of `struct <name> { … }` in declaration order.
func StructFields(src, name string) ([]Field, error) {
	src = stripComments(src)
	re := regexp.MustCompile(`struct\s+` + regexp.QuoteMeta(name) + `\s*\{([^}]*)\}`)
	m := re.FindStringSubmatch(src)
	if m == nil {
		return nil, fmt.Errorf("%w: no struct %s", ErrParse, name)
	}
	var fields []Field
	for _, part := range strings.Split(m[1], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		nameType := strings.SplitN(part, ":", 2)
		if len(nameType) != 2 {
			return nil, fmt.Errorf("%w: struct %s member %q has no type", ErrParse, name, part)
		}
		fields = append(fields, Field{strings.TrimSpace(nameType[0]), strings.TrimSpace(nameType[1])})
	}
	return fields, nil
}

// Access is how a kernel binds a buffer.
type Access int

const (
	Uniform Access = iota
	ReadOnly
	ReadWrite
)

func (a Access) String() string {
	switch a {
	case Uniform:
		return "uniform"
	case ReadOnly:
		return "read"
	case ReadWrite:
		return "read_write"
	}
	return fmt.Sprintf("access(%d)", int(a))
}

// Binding is one `@group(0) @binding(n) var<…> name` declaration.
type Binding struct {
	Index  int
	Name   string
	Access Access
}

var bindingDecl = regexp.MustCompile(`@group\(0\)\s*@binding\((\d+)\)\s*var<([^>]*)>\s*(\w+)`)

// Bindings returns the group-0 bindings in index order; indices must run 0, 1, 2, … with no gap.
func Bindings(src string) ([]Binding, error) {
	var out []Binding
	for _, m := range bindingDecl.FindAllStringSubmatch(stripComments(src), -1) {
		idx, _ := strconv.Atoi(m[1])
		var acc Access
		switch strings.ReplaceAll(m[2], " ", "") {
		case "uniform":
			acc = Uniform
		case "storage", "storage,read":
			acc = ReadOnly
		case "storage,read_write":
			acc = ReadWrite
		default:
			return nil, fmt.Errorf("%w: binding %d has address space %q", ErrParse, idx, m[2])
		}
		if idx != len(out) {
			return nil, fmt.Errorf("%w: binding %d declared where %d was expected", ErrParse, idx, len(out))
		}
		out = append(out, Binding{idx, m[3], acc})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no bindings", ErrParse)
	}
	return out, nil
}

// Const returns the value of `const <name>: u32 = <value>u;`, possibly an expression of
// other u32 constants joined by * or /.
func Const(src, name string) (uint32, error) {
	return constAt(stripComments(src), name, 0)
}

// maxConstDepth bounds how deeply constants may refer to each other (and stops cycles).
const maxConstDepth = 8

func constAt(src, name string, depth int) (uint32, error) {
	if depth > maxConstDepth {
		return 0, fmt.Errorf("%w: const %s nests more than %d deep (a cycle?)", ErrParse, name, maxConstDepth)
	}
	re := regexp.MustCompile(`const\s+` + regexp.QuoteMeta(name) + `\s*:\s*u32\s*=\s*([^;]+);`)
	m := re.FindStringSubmatch(src)
	if m == nil {
		return 0, fmt.Errorf("%w: no const %s: u32", ErrParse, name)
	}
	expr := strings.TrimSpace(m[1])
	ops := constOp.Split(expr, -1)
	opers := constOpSym.FindAllString(expr, -1)
	var acc uint32
	for i, term := range ops {
		v, err := constTerm(src, strings.TrimSpace(term), depth)
		if err != nil {
			return 0, fmt.Errorf("const %s: %w", name, err)
		}
		switch {
		case i == 0:
			acc = v
		case opers[i-1] == "*":
			acc *= v
		case v == 0:
			return 0, fmt.Errorf("%w: const %s divides by zero", ErrParse, name)
		default:
			acc /= v
		}
	}
	return acc, nil
}

func constTerm(src, term string, depth int) (uint32, error) {
	if n, err := strconv.ParseUint(strings.TrimSuffix(term, "u"), 0, 32); err == nil {
		return uint32(n), nil
	}
	if identifier.MatchString(term) {
		return constAt(src, term, depth+1)
	}
	return 0, fmt.Errorf("%w: cannot evaluate %q", ErrParse, term)
}
