package tokenizer

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A preTokenizer cuts text into words that BPE merges never cross. llama.cpp
// runs a list of regexes in sequence: each cuts every piece the previous one
// produced into its matches and the gaps between them. The patterns with
// lookahead (\s+(?!\S)), which Go's regexp lacks, are hand-written scanners
// equivalent to llama.cpp's unicode_regex_split_custom_gpt2/_llama3.
type preTokenizer struct {
	name   string
	stages []splitter
}

// splitter cuts s into consecutive non-empty byte ranges covering all of it.
type splitter func(s string) [][2]int

// preTokenizers maps tokenizer.ggml.pre values to llama.cpp's regex lists.
var preTokenizers = func() map[string]preTokenizer {
	gpt2 := []splitter{scanGPT2}
	llama3 := []splitter{scanLlama3(3)}
	qwen2 := []splitter{scanLlama3(1)}
	// "\p{N}" then the GPT-2 pattern (llama.cpp's STARCODER/SMOLLM group).
	smollm := []splitter{regexSplitter(`\p{N}`), scanGPT2}
	gpt4o := []splitter{scanGPT4o}
	// llama.cpp's fallback list for BPE vocabularies without a known pre type.
	def := []splitter{
		regexSplitter(`[\p{P}$+<=>^~|]+`),
		scanGPT2,
		regexSplitter(`\p{N}+`),
		regexSplitter(`[0-9][0-9][0-9]`),
	}
	m := map[string]preTokenizer{}
	for _, g := range []struct {
		stages []splitter
		names  []string
	}{
		{def, []string{"", "default"}},
		{gpt2, []string{"gpt2", "gpt-2", "phi-2", "roberta-bpe", "mpt", "olmo"}},
		{llama3, []string{"llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral"}},
		{qwen2, []string{"qwen2", "deepseek-r1-qwen", "stablelm2"}},
		{smollm, []string{"smollm", "starcoder", "refact", "command-r", "codeshell"}},
		{gpt4o, []string{"gpt-4o", "llama4"}},
	} {
		for _, n := range g.names {
			m[n] = preTokenizer{name: n, stages: g.stages}
		}
	}
	return m
}()

// supportedPre lists the accepted tokenizer.ggml.pre values for error messages.
func supportedPre() string {
	var names []string
	for n := range preTokenizers {
		if n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// split applies every stage in turn and returns word byte ranges of s.
func (p preTokenizer) split(s string) [][2]int {
	words := [][2]int{{0, len(s)}}
	if len(s) == 0 {
		return nil
	}
	for _, stage := range p.stages {
		var next [][2]int
		for _, w := range words {
			for _, r := range stage(s[w[0]:w[1]]) {
				next = append(next, [2]int{w[0] + r[0], w[0] + r[1]})
			}
		}
		words = next
	}
	return words
}

// regexSplitter cuts s into the matches of pattern and the gaps between them.
func regexSplitter(pattern string) splitter {
	re := regexp.MustCompile(pattern)
	return func(s string) [][2]int {
		var out [][2]int
		prev := 0
		for _, m := range re.FindAllStringIndex(s, -1) {
			if m[0] > prev {
				out = append(out, [2]int{prev, m[0]})
			}
			if m[1] > m[0] {
				out = append(out, [2]int{m[0], m[1]})
			}
			prev = m[1]
		}
		if prev < len(s) {
			out = append(out, [2]int{prev, len(s)})
		}
		return out
	}
}

// runes decodes s into code points with their byte offsets; offs has one
// extra entry, len(s). Invalid bytes decode as U+FFFD of width 1.
func runes(s string) (cps []rune, offs []int) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		cps = append(cps, r)
		offs = append(offs, i)
		i += n
	}
	return cps, append(offs, len(s))
}

// class is the subset of Unicode properties the pre-tokenizer regexes use.
type class struct{ letter, number, space, end bool }

func classOf(cps []rune, i int) class {
	if i >= len(cps) {
		return class{end: true}
	}
	r := cps[i]
	return class{letter: unicode.IsLetter(r), number: unicode.IsNumber(r), space: unicode.IsSpace(r)}
}

// other is [^\s\p{L}\p{N}] within the text.
func (c class) other() bool { return !c.end && !c.letter && !c.number && !c.space }

// words collects ranges in code point indices and converts them to bytes.
type words struct {
	offs []int
	prev int
	out  [][2]int
}

func (w *words) cut(end int) int {
	n := end - w.prev
	if n > 0 {
		w.out = append(w.out, [2]int{w.offs[w.prev], w.offs[end]})
	}
	w.prev = end
	return n
}

// contraction matches 's|'t|'re|'ve|'m|'ll|'d at i (case-insensitively when fold)
// and returns its length in code points, or 0.
func contraction(cps []rune, i int, fold bool) int {
	if cps[i] != '\'' || i+1 >= len(cps) {
		return 0
	}
	lower := func(r rune) rune {
		if fold {
			return unicode.ToLower(r)
		}
		return r
	}
	c1 := lower(cps[i+1])
	if c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd' {
		return 2
	}
	if i+2 < len(cps) {
		c2 := lower(cps[i+2])
		if (c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l') {
			return 3
		}
	}
	return 0
}

// scanGPT2 is 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
func scanGPT2(s string) [][2]int {
	cps, offs := runes(s)
	w := &words{offs: offs}
	for pos := 0; pos < len(cps); {
		if n := contraction(cps, pos, false); n > 0 {
			pos += w.cut(pos + n)
			continue
		}
		c := classOf(cps, pos)
		c2 := c
		lead := 0
		if cps[pos] == ' ' {
			c2, lead = classOf(cps, pos+1), 1
		}
		switch {
		case c2.letter:
			pos += lead
			for classOf(cps, pos).letter {
				pos++
			}
			w.cut(pos)
			continue
		case c2.number:
			pos += lead
			for classOf(cps, pos).number {
				pos++
			}
			w.cut(pos)
			continue
		case c2.other():
			pos += lead
			for classOf(cps, pos).other() {
				pos++
			}
			w.cut(pos)
			continue
		}
		pos = scanSpaces(cps, pos, w, false)
	}
	return w.out
}

// scanSpaces handles the whitespace alternatives at pos: \s*[\r\n]+ (when
// newlines), \s+(?!\S), \s+, and otherwise a single code point.
func scanSpaces(cps []rune, pos int, w *words, newlines bool) int {
	n, lastNewline := 0, -1
	for classOf(cps, pos+n).space {
		if r := cps[pos+n]; r == '\r' || r == '\n' {
			lastNewline = pos + n + 1
		}
		n++
	}
	switch {
	case newlines && lastNewline >= 0:
		pos = lastNewline
	case n > 1 && pos+n < len(cps):
		// \s+(?!\S): leave the last space to prefix the next word.
		pos += n - 1
	case n > 0:
		pos += n
	default:
		pos++
	}
	w.cut(pos)
	return pos
}

// scanLlama3 is (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}|
// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ ; maxDigits 3 is Llama 3, 1 is Qwen2.
func scanLlama3(maxDigits int) splitter {
	return func(s string) [][2]int {
		cps, offs := runes(s)
		w := &words{offs: offs}
		for pos := 0; pos < len(cps); {
			if n := contraction(cps, pos, true); n > 0 {
				pos += w.cut(pos + n)
				continue
			}
			r := cps[pos]
			c := classOf(cps, pos)
			if r != '\r' && r != '\n' && !c.number && (c.letter || classOf(cps, pos+1).letter) {
				pos++
				for classOf(cps, pos).letter {
					pos++
				}
				w.cut(pos)
				continue
			}
			if c.number {
				start := pos
				for classOf(cps, pos).number {
					pos++
					if pos-start >= maxDigits {
						w.cut(pos)
						start = pos
					}
				}
				w.cut(pos)
				continue
			}
			c2 := c
			lead := 0
			if r == ' ' {
				c2, lead = classOf(cps, pos+1), 1
			}
			if c2.other() {
				pos += lead
				for classOf(cps, pos).other() {
					pos++
				}
				for pos < len(cps) && (cps[pos] == '\r' || cps[pos] == '\n') {
					pos++
				}
				w.cut(pos)
				continue
			}
			pos = scanSpaces(cps, pos, w, true)
		}
		return w.out
	}
}

// scanGPT4o is llama.cpp's GPT4O pre-tokenizer (o200k: GPT-4o, Phi-4-mini,
// Llama 4). The tokenizer.json regex splits words at case changes with
// \p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M} and \p{Ll}\p{Lm}\p{Lo}\p{M} classes, which
// llama.cpp cannot express; it runs an adapted regex instead,
//
//	[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|
//	[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|…|'[dD])?|
//	\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// with std::regex over a "collapsed" text in which every non-ASCII code
// point is one byte standing for its class (unicode_regex_split in
// src/unicode.cpp). So for llama.cpp an "upper" letter is any letter but
// a-z and a "lower" one any letter but A-Z (a non-ASCII letter is both), and
// combining marks are neither letters nor numbers. To give the same words,
// this splitter collapses the text the same way and runs the alternatives
// before the look-ahead with Go's regexp, whose leftmost-first choice is the
// one a backtracking engine such as std::regex makes; the white-space
// alternatives with the look-ahead are scanSpaces.
func scanGPT4o(s string) [][2]int {
	cps, offs := runes(s)
	collapsed := make([]byte, 0, len(cps)*3)
	at := make([]int, 0, len(cps)+1) // byte offset in collapsed of each code point
	for _, r := range cps {
		at = append(at, len(collapsed))
		collapsed = utf8.AppendRune(collapsed, collapse(r))
	}
	at = append(at, len(collapsed))
	w := &words{offs: offs}
	for pos := 0; pos < len(cps); {
		if m := gpt4oWords.FindIndex(collapsed[at[pos]:]); m != nil && m[1] > 0 {
			end := pos
			for at[end] < at[pos]+m[1] {
				end++
			}
			pos += w.cut(end)
			continue
		}
		if classOf(cps, pos).space {
			pos = scanSpaces(cps, pos, w, false)
			continue
		}
		pos += w.cut(pos + 1) // not reached: every other code point starts a word
	}
	return w.out
}

// Stand-ins of the collapsed text for non-ASCII code points (llama.cpp uses
// the bytes 0xD1 and 0xD2, and 0x0B for white space).
const (
	collapsedLetter = '\uE000'
	collapsedNumber = '\uE001'
	collapsedOther  = '\uE002'
)

func collapse(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		return r
	case unicode.IsSpace(r):
		return '\v'
	case unicode.IsLetter(r):
		return collapsedLetter
	case unicode.IsNumber(r):
		return collapsedNumber
	}
	return collapsedOther
}

// gpt4oWords is the adapted GPT4O regex up to its look-ahead, anchored, over
// collapsed text: L is [A-Za-z] and the letter stand-in, N [0-9] and the
// number stand-in, \s C's white space (std::regex's) with \v standing for
// non-ASCII white space.
var gpt4oWords = func() *regexp.Regexp {
	const (
		notCRLFLN = `[^\r\nA-Za-z\x{E000}0-9\x{E001}]`
		upper     = `[A-Z\x{E000}]`
		lower     = `[a-z\x{E000}]`
		suffix    = `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?`
		number    = `[0-9\x{E001}]`
		notSLN    = `[^\t\n\v\f\r A-Za-z\x{E000}0-9\x{E001}]`
		space     = `[\t\n\v\f\r ]`
	)
	return regexp.MustCompile(`^(?:` +
		notCRLFLN + `?` + upper + `*` + lower + `+` + suffix + `|` +
		notCRLFLN + `?` + upper + `+` + lower + `*` + suffix + `|` +
		number + `{1,3}|` +
		` ?` + notSLN + `+[\r\n/]*|` +
		space + `*[\r\n]+)`)
}()
