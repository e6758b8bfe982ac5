package tokenizer

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// wordRanges are the byte ranges of the space-separated words of s.
func wordRanges(s string) [][2]int {
	var out [][2]int
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, [2]int{start, i})
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	return out
}

// TestOffsetsSpellWords pins what the guide package relies on: the tokens
// whose offsets overlap a word's byte range are exactly the tokens that spell it.
func TestOffsetsSpellWords(t *testing.T) {
	const text = "a girl named Lily. She had a cat"
	for _, tc := range []struct {
		name string
		tok  func(*testing.T) *Tokenizer
	}{
		{"stories260K", func(t *testing.T) *Tokenizer { return storiesTokenizer(t) }},
		{"llama2", func(t *testing.T) *Tokenizer { return hfTokenizer(t, "llama2") }},
		{"gpt2", gpt2Tokenizer},
		{"llama3", func(t *testing.T) *Tokenizer { return hfTokenizer(t, "llama3") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.tok(t)
			enc, err := tok.Encode(text, true, false)
			if err != nil {
				t.Fatal(err)
			}
			prevEnd := 0
			for i, o := range enc.Offsets {
				if o[0] > o[1] || o[0] < prevEnd || o[1] > len(text) {
					t.Fatalf("token %d offsets %v after %d: not ordered within the text", i, o, prevEnd)
				}
				prevEnd = o[1]
			}
			for _, w := range wordRanges(text) {
				var spelled strings.Builder
				first := true
				for i, o := range enc.Offsets {
					if o[0] < w[1] && o[1] > w[0] {
						if first && o[0] > w[0] {
							t.Errorf("word %q: first token starts at %d, after the word", text[w[0]:w[1]], o[0])
						}
						first = false
						spelled.WriteString(tok.render(enc.IDs[i]))
					}
				}
				if got := strings.TrimLeft(spelled.String(), " "); got != text[w[0]:w[1]] {
					t.Errorf("word %q [%d,%d): tokens spell %q", text[w[0]:w[1]], w[0], w[1], got)
				}
			}
			if enc.Offsets[len(enc.Offsets)-1][1] != len(text) {
				t.Errorf("last token ends at %d, want %d", enc.Offsets[len(enc.Offsets)-1][1], len(text))
			}
		})
	}
}

func TestFirstWordStartsAtZeroWithDummyPrefix(t *testing.T) {
	tok := storiesTokenizer(t)
	enc, err := tok.Encode("Lily", true, false)
	if err != nil {
		t.Fatal(err)
	}
	if enc.IDs[0] != tok.BOS() || enc.Offsets[0] != [2]int{0, 0} {
		t.Errorf("BOS %d at %v, want %d at [0 0]", enc.IDs[0], enc.Offsets[0], tok.BOS())
	}
	if enc.Offsets[1][0] != 0 {
		t.Errorf("first word token starts at %d, want 0", enc.Offsets[1][0])
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	g := loadGolden(t, "stories260K")
	for _, tc := range []struct {
		name string
		tok  func(*testing.T) *Tokenizer
	}{
		{"stories260K", func(t *testing.T) *Tokenizer { return storiesTokenizer(t) }},
		{"llama2", func(t *testing.T) *Tokenizer { return hfTokenizer(t, "llama2") }},
		{"gpt2", gpt2Tokenizer},
		{"qwen3", func(t *testing.T) *Tokenizer { return hfTokenizer(t, "qwen3") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.tok(t)
			for _, c := range g.Cases {
				enc, err := tok.Encode(c.Text, true, false)
				if err != nil {
					t.Fatal(err)
				}
				if got := tok.Decode(enc.IDs); got != c.Text {
					t.Errorf("Decode(Encode(%q)) = %q", c.Text, got)
				}
			}
		})
	}
}

func TestStreamDecoderHoldsPartialRunes(t *testing.T) {
	const text = "emoji 😀 日本 👨‍👩‍👧 é"
	for _, tc := range []struct {
		name string
		tok  func(*testing.T) *Tokenizer
	}{
		{"stories260K byte fallback", func(t *testing.T) *Tokenizer { return storiesTokenizer(t) }},
		{"gpt2 byte-level", gpt2Tokenizer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.tok(t)
			enc, err := tok.Encode(text, false, false)
			if err != nil {
				t.Fatal(err)
			}
			partial := 0
			for _, id := range enc.IDs {
				if !utf8.ValidString(tok.render(id)) {
					partial++
				}
			}
			if partial == 0 {
				t.Fatalf("no token of %q holds a partial rune; the test needs one", text)
			}
			d := tok.NewStreamDecoder()
			var out strings.Builder
			for _, id := range enc.IDs {
				chunk := d.Push(id)
				if !utf8.ValidString(chunk) {
					t.Errorf("Push(%d) emitted invalid UTF-8 %q", id, chunk)
				}
				out.WriteString(chunk)
			}
			out.WriteString(d.Flush())
			want := text
			if tok.addSpacePrefix {
				want = " " + text // streaming keeps the dummy-prefix space
			}
			if out.String() != want {
				t.Errorf("stream = %q, want %q", out.String(), want)
			}
		})
	}
}

func TestStreamDecoderFlushesUnfinishedBytes(t *testing.T) {
	tok := storiesTokenizer(t)
	d := tok.NewStreamDecoder()
	if got := d.Push(tok.byteTokens[0xE6]); got != "" {
		t.Fatalf("lead byte emitted %q", got)
	}
	if got := d.Flush(); got != "\xe6" {
		t.Fatalf("Flush = %q, want the held byte", got)
	}
	if got := d.Flush(); got != "" {
		t.Fatalf("second Flush = %q", got)
	}
}

func TestSpecialIDs(t *testing.T) {
	tok := storiesTokenizer(t)
	if tok.BOS() != 1 || tok.EOS() != 2 || !tok.AddBOS() || !tok.IsEOG(2) || tok.IsEOG(1) {
		t.Errorf("stories260K: bos %d eos %d addBOS %v", tok.BOS(), tok.EOS(), tok.AddBOS())
	}
	if tok.TokenText(1) != "<s>" || tok.TokenText(-1) != "" || tok.TokenText(512) != "" {
		t.Errorf("TokenText: %q", tok.TokenText(1))
	}
	l3 := hfTokenizer(t, "llama3")
	eot, ok := l3.pieceToID["<|eot_id|>"]
	if !ok || l3.EOT() != eot || !l3.IsEOG(eot) || l3.BOS() != l3.pieceToID["<|begin_of_text|>"] {
		t.Errorf("llama3: eot %d (want %d), bos %d", l3.EOT(), eot, l3.BOS())
	}
}

// byteVocab is a small byte-level vocabulary: the 256 byte runes, a few merges,
// a control token and a user-defined token.
func byteVocab() mapMetadata {
	var tokens []string
	var types []int32
	for b := 0; b < 256; b++ {
		tokens = append(tokens, byteChar[b])
		types = append(types, typeNormal)
	}
	merges := []string{"Ġ c", "a t", "c at", "Ġc at", "Ġ Ġ"}
	for _, m := range merges {
		tokens = append(tokens, strings.ReplaceAll(m, " ", ""))
		types = append(types, typeNormal)
	}
	tokens = append(tokens, "<|end|>", "[USER]")
	types = append(types, typeControl, typeUserDefined)
	return mapMetadata{
		"tokenizer.ggml.model":      ModelGPT2,
		"tokenizer.ggml.pre":        "gpt2",
		"tokenizer.ggml.tokens":     tokens,
		"tokenizer.ggml.token_type": types,
		"tokenizer.ggml.merges":     merges,
	}
}

func TestSpecialParsing(t *testing.T) {
	tok, err := FromGGUF(byteVocab())
	if err != nil {
		t.Fatal(err)
	}
	end, user, cat := tok.pieceToID["<|end|>"], tok.pieceToID["[USER]"], tok.pieceToID["Ġcat"]
	for _, tc := range []struct {
		text         string
		parseSpecial bool
		want         []int32
		offsets      [][2]int
	}{
		{"[USER] cat<|end|>", true, []int32{user, cat, end}, [][2]int{{0, 6}, {6, 10}, {10, 17}}},
		// User-defined tokens match even without parseSpecial; control tokens do not.
		{"[USER] cat<|end|>", false, append([]int32{user, cat}, tok.byteIDs("<|end|>")...), nil},
	} {
		enc, err := tok.Encode(tc.text, false, tc.parseSpecial)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(enc.IDs, tc.want) {
			t.Errorf("Encode(%q, parseSpecial=%v) = %v, want %v", tc.text, tc.parseSpecial, enc.IDs, tc.want)
		}
		if tc.offsets != nil && !slices.Equal(enc.Offsets, tc.offsets) {
			t.Errorf("offsets %v, want %v", enc.Offsets, tc.offsets)
		}
	}
	// "<|end|>" is one of the texts llama.cpp takes as EOT when no id is given.
	if !tok.IsEOG(end) || tok.EOT() != end {
		t.Errorf("<|end|> should be EOT and end generation (eot %d)", tok.EOT())
	}
}

// byteIDs are the single-byte token ids spelling s in a byte-level vocabulary.
func (t *Tokenizer) byteIDs(s string) []int32 {
	var ids []int32
	for i := 0; i < len(s); i++ {
		ids = append(ids, t.pieceToID[byteChar[s[i]]])
	}
	return ids
}

func TestPreTokenizerSplits(t *testing.T) {
	// Expected splits derived by hand from the regexes quoted in pretokenize.go.
	for _, tc := range []struct {
		pre, text string
		want      []string
	}{
		// \s+(?!\S) gives up the last newline before "x", which \s+ then takes alone.
		{"gpt2", "Hello  world's 123abc\n\nx", []string{"Hello", " ", " world", "'s", " 123", "abc", "\n", "\n", "x"}},
		{"gpt2", "a  ", []string{"a", "  "}},
		{"llama-bpe", "I'M 12345 ok!!\n\n  x", []string{"I", "'M", " ", "123", "45", " ok", "!!\n\n", " ", " x"}},
		{"qwen2", "v12 \r\n tab\tend", []string{"v", "1", "2", " \r\n", " tab", "\tend"}},
		{"smollm", "abc 2024 x", []string{"abc", " ", "2", "0", "2", "4", " x"}},
		{"default", "a+b=c, 12345", []string{"a", "+", "b", "=", "c", ",", " ", "123", "45"}},
		// gpt-4o: words split where lower case turns upper; llama.cpp counts a
		// non-ASCII letter as both cases and a combining mark as neither.
		{"gpt-4o", "HelloWorld camelCase iPhone", []string{"Hello", "World", " camel", "Case", " i", "Phone"}},
		{"gpt-4o", "DON'T they're 12345", []string{"DON'T", " they're", " ", "123", "45"}},
		{"gpt-4o", "\u00c9COLE \u00e9t\u00e9", []string{"\u00c9", "COLE", " \u00e9t\u00e9"}},
		{"gpt-4o", "cafe\u0301!/\n\n  x", []string{"cafe", "\u0301!/\n\n", " ", " x"}},
	} {
		pre := preTokenizers[tc.pre]
		var got []string
		for _, w := range pre.split(tc.text) {
			got = append(got, tc.text[w[0]:w[1]])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s split(%q) = %q, want %q", tc.pre, tc.text, got, tc.want)
		}
	}
}

func TestFromGGUFErrors(t *testing.T) {
	base := byteVocab()
	with := func(k string, v any) mapMetadata {
		m := mapMetadata{}
		for kk, vv := range base {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name        string
		md          mapMetadata
		unsupported bool
	}{
		{"no model", with("tokenizer.ggml.model", nil), true},
		{"bert model", with("tokenizer.ggml.model", "bert"), true},
		{"unknown pre", with("tokenizer.ggml.pre", "klingon"), true},
		{"no tokens", with("tokenizer.ggml.tokens", nil), false},
		{"no merges", with("tokenizer.ggml.merges", nil), false},
		{"bad merge", with("tokenizer.ggml.merges", []string{"nospace"}), false},
		{"types length", with("tokenizer.ggml.token_type", []int32{1}), false},
		{"llama without scores", with("tokenizer.ggml.model", ModelLlama), false},
	} {
		_, err := FromGGUF(tc.md)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if errors.Is(err, ErrUnsupported) != tc.unsupported {
			t.Errorf("%s: %v (unsupported %v)", tc.name, err, tc.unsupported)
		}
	}
	_, err := FromGGUF(with("tokenizer.ggml.model", "t5"))
	if err == nil || !strings.Contains(err.Error(), `"llama"`) || !strings.Contains(err.Error(), `"gpt2"`) {
		t.Errorf("unsupported model error should list the supported ones: %v", err)
	}
}

func TestFromHFJSONErrors(t *testing.T) {
	for _, tc := range []struct{ name, json string }{
		{"not json", "{"},
		{"unigram", `{"model": {"type": "Unigram", "vocab": []}}`},
		{"empty vocab", `{"model": {"type": "BPE", "vocab": {}, "merges": []}}`},
		{"bad merge", `{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [3]}, "pre_tokenizer": {"type": "ByteLevel"}}`},
		{"unknown regex", `{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "x"}}, {"type": "ByteLevel"}]}}`},
		{"no shape", `{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}`},
	} {
		if _, err := FromHFJSON(strings.NewReader(tc.json)); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func FuzzEncode(f *testing.F) {
	for _, s := range []string{"", " ", "Hello world", "  two  spaces ", "tab\tnew\nline", "日本 😀 👨‍👩‍👧", "<s>x</s>", "don't 12345", "\xff\xfe"} {
		f.Add(s)
	}
	spm := storiesTokenizer(f)
	bl, err := FromGGUF(byteVocab())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range []*Tokenizer{spm, bl} {
			for _, parse := range []bool{false, true} {
				enc, err := tok.Encode(s, true, parse)
				if err != nil {
					t.Fatalf("%s Encode(%q): %v", tok, s, err)
				}
				prev := 0
				for _, o := range enc.Offsets {
					if o[0] < prev || o[0] > o[1] || o[1] > len(s) {
						t.Fatalf("%s Encode(%q): offsets %v out of order", tok, s, enc.Offsets)
					}
					prev = o[1]
				}
				// "▁" in the input reads back as a space: SentencePiece cannot tell them apart.
				lossy := tok.Model() == ModelLlama && strings.Contains(s, spaceMarker)
				if !parse && utf8.ValidString(s) && !lossy {
					if got := tok.Decode(enc.IDs); got != s {
						t.Fatalf("%s Decode(Encode(%q)) = %q", tok, s, got)
					}
				}
				d := tok.NewStreamDecoder()
				var streamed, rendered strings.Builder
				for _, id := range enc.IDs {
					chunk := d.Push(id)
					if utf8.ValidString(s) && !utf8.ValidString(chunk) {
						t.Fatalf("%s stream of %q emitted invalid UTF-8 %q", tok, s, chunk)
					}
					streamed.WriteString(chunk)
					rendered.WriteString(tok.render(id))
				}
				streamed.WriteString(d.Flush())
				if streamed.String() != rendered.String() {
					t.Fatalf("%s stream of %q = %q, want %q", tok, s, streamed.String(), rendered.String())
				}
			}
		}
	})
}

// Equal-rank merges apply leftmost first (llama.cpp and Hugging Face agree);
// sugarme's bpe.Word gives "aa a aa" for "aaaaa".
func TestMergeTiesGoLeftmost(t *testing.T) {
	md := byteVocab()
	md["tokenizer.ggml.tokens"] = append(slices.Clone(md["tokenizer.ggml.tokens"].([]string)), "aa")
	md["tokenizer.ggml.token_type"] = append(slices.Clone(md["tokenizer.ggml.token_type"].([]int32)), typeNormal)
	md["tokenizer.ggml.merges"] = []string{"a a"}
	tok, err := FromGGUF(md)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := tok.Encode("aaaaa", false, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, id := range enc.IDs {
		got = append(got, tok.TokenText(id))
	}
	if want := []string{"aa", "aa", "a"}; !slices.Equal(got, want) {
		t.Errorf("aaaaa -> %q, want %q", got, want)
	}
	if want := [][2]int{{0, 2}, {2, 4}, {4, 5}}; !slices.Equal(enc.Offsets, want) {
		t.Errorf("offsets %v, want %v", enc.Offsets, want)
	}
}

func TestMetadataFlags(t *testing.T) {
	tok, err := FromGGUF(overlay{storiesGGUF(t), mapMetadata{
		"tokenizer.ggml.add_space_prefix": false,
		"tokenizer.ggml.add_bos_token":    false,
		"tokenizer.ggml.add_eos_token":    true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := tok.Encode("Hello", true, false)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AddBOS() || enc.IDs[0] == tok.BOS() {
		t.Errorf("add_bos_token=false still adds BOS: %v", enc.IDs)
	}
	if strings.HasPrefix(tok.TokenText(enc.IDs[0]), spaceMarker) {
		t.Errorf("add_space_prefix=false still prefixes: first piece %q", tok.TokenText(enc.IDs[0]))
	}
	last := len(enc.IDs) - 1
	if enc.IDs[last] != tok.EOS() || enc.Offsets[last] != [2]int{5, 5} {
		t.Errorf("EOS %d at %v, want %d at [5 5]", enc.IDs[last], enc.Offsets[last], tok.EOS())
	}
	if got := tok.Decode(enc.IDs); got != "Hello" {
		t.Errorf("Decode = %q", got)
	}
}

func TestPreTypesAccepted(t *testing.T) {
	for _, pre := range []string{"", "default", "gpt2", "gpt-2", "llama-bpe", "llama3", "qwen2", "smollm", "gpt-4o"} {
		md := byteVocab()
		md["tokenizer.ggml.pre"] = pre
		tok, err := FromGGUF(md)
		if err != nil {
			t.Errorf("pre %q: %v", pre, err)
			continue
		}
		const text = "Hi there, 2024!"
		enc, err := tok.Encode(text, false, false)
		if err != nil || tok.Decode(enc.IDs) != text {
			t.Errorf("pre %q: round trip %q, %v", pre, tok.Decode(enc.IDs), err)
		}
		if wantBOS := pre == "llama-bpe" || pre == "llama3"; tok.addBOS != wantBOS {
			t.Errorf("pre %q: addBOS %v, want %v (llama.cpp default)", pre, tok.addBOS, wantBOS)
		}
	}
}

// Every pre-tokenizer cuts any text into non-empty consecutive words that
// cover it exactly.
func FuzzPreTokenizers(f *testing.F) {
	for _, s := range []string{"", "Hello  world's 123abc\n\nx", "\u00c9COLE cafe\u0301 \u00a0\u3000 \r\n\t", "日本 😀 👨‍👩‍👧", "\xff\xfe a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, pre := range preTokenizers {
			at := 0
			for _, w := range pre.split(s) {
				if w[0] != at || w[1] <= w[0] {
					t.Fatalf("%s split(%q): word %v after byte %d", name, s, w, at)
				}
				at = w[1]
			}
			if at != len(s) {
				t.Fatalf("%s split(%q) covers %d of %d bytes", name, s, at, len(s))
			}
		}
	})
}

// llama.cpp gives special tokens of a vocabulary named Phi-3 the rstrip
// attribute: the white space after them is dropped, except after "<unk>",
// "<s>" and "<|endoftext|>".
func TestPhi3StripsSpaceAfterSpecialTokens(t *testing.T) {
	md := byteVocab()
	md["tokenizer.ggml.tokens"] = append(append([]string(nil), md["tokenizer.ggml.tokens"].([]string)...), "<|endoftext|>")
	md["tokenizer.ggml.token_type"] = append(append([]int32(nil), md["tokenizer.ggml.token_type"].([]int32)...), typeControl)
	const text = "<|end|> \n x<|endoftext|> y"
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"Phi 3 Mini", []string{"<|end|>", " ", "\n", " ", "x", "<|endoftext|>", " ", "y"}}, // "phi 3": no rule
		{"Phi3", []string{"<|end|>", "x", "<|endoftext|>", " ", "y"}},
		{"microsoft/Phi-3-mini-4k-instruct", []string{"<|end|>", "x", "<|endoftext|>", " ", "y"}},
	} {
		md["general.name"] = tc.name
		tok, err := FromGGUF(md)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := tok.Encode(text, false, true)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range enc.Offsets {
			got = append(got, text[o[0]:o[1]])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("general.name %q: tokens spell %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Tokens whose text llama.cpp reads as end-of-generation act as control
// tokens whatever their type: a user-defined "</s>" is matched only when
// special tokens are parsed, and ends generation.
func TestEOGTextsActAsControl(t *testing.T) {
	md := byteVocab()
	md["tokenizer.ggml.tokens"] = append(append([]string(nil), md["tokenizer.ggml.tokens"].([]string)...), "</s>", "<|fim_prefix|>")
	md["tokenizer.ggml.token_type"] = append(append([]int32(nil), md["tokenizer.ggml.token_type"].([]int32)...), typeUserDefined, typeNormal)
	tok, err := FromGGUF(md)
	if err != nil {
		t.Fatal(err)
	}
	end, pre := int32(tok.Vocab()-2), int32(tok.Vocab()-1)
	if !tok.IsEOG(end) || tok.IsEOG(pre) {
		t.Errorf("IsEOG(</s>) = %v, IsEOG(<|fim_prefix|>) = %v; want true, false", tok.IsEOG(end), tok.IsEOG(pre))
	}
	for _, parse := range []bool{false, true} {
		enc, err := tok.Encode("a</s>b<|fim_prefix|>", false, parse)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(enc.IDs, end) && slices.Contains(enc.IDs, pre); got != parse {
			t.Errorf("parseSpecial %v: ids %v, special tokens matched: %v", parse, enc.IDs, got)
		}
	}
	if got := tok.Decode([]int32{end}); got != "</s>" {
		t.Errorf("Decode(</s>) = %q: a user-defined token still renders its text", got)
	}
}
