//go:build !js

package main

import (
	"strings"
	"testing"

	"heed/bench/browser/measure"
	"heed/engine/ggml"
	"heed/engine/gguf"
	"heed/engine/tokenizer"
)

// TestPromptForFitsAndBansHighBytes: the prompt is the longest prefix of the
// story (cut after a word) within the limit, its ids are the tokenizer's with
// BOS, and the ban list is exactly the byte tokens <0x80>…<0xFF> (the
// synthetic vocabulary has all 256 byte tokens).
func TestPromptForFitsAndBansHighBytes(t *testing.T) {
	path, err := modelFile(benchModel{"tiny", "arch=llama,layers=1,dim=64,heads=4,kv=2,ffn=128,vocab=512", ggml.Q8_0}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ids, prompt, ban, err := promptFor(path, 40)
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := tok.Encode(prompt, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) > 40 || len(ids) != len(enc.IDs) || ids[0] != tok.BOS() || !strings.HasPrefix(text, prompt) {
		t.Fatalf("%d ids for %q", len(ids), prompt)
	}
	longer := text[:len(prompt)+strings.Index(text[len(prompt)+1:], " ")+1]
	if enc, err := tok.Encode(longer, true, true); err != nil || len(enc.IDs) <= 40 {
		t.Fatalf("the next word would still fit: %q gives %d ids (%v)", longer, len(enc.IDs), err)
	}
	pieces, _ := f.Strings("tokenizer.ggml.tokens")
	if len(ban) != 128 {
		t.Fatalf("%d banned ids, want 128", len(ban))
	}
	for _, id := range ban {
		if p := pieces[id]; len(p) != 6 || p[:3] != "<0x" || p[3] < '8' {
			t.Fatalf("banned %d = %q", id, p)
		}
	}
}

func TestTokensColumn(t *testing.T) {
	ref := []int32{5, 6, 7}
	for _, tc := range []struct {
		r    measure.Result
		want string
	}{
		{measure.Result{Tokens: []int32{5, 6, 7}}, "= wllama"},
		{measure.Result{Tokens: []int32{5, 6, 8}, Diverge: &measure.Divergence{At: 2, Token: 8, Ref: 7, Gap: 0.0123}}, "2 same, then a tie (0.012)"},
		{measure.Result{Tokens: []int32{5, 9, 7}, Diverge: diverge([]int32{5, 9, 7}, ref)}, "1 same"},
		{measure.Result{Tokens: []int32{5, 6}}, "= wllama (first 2)"},
	} {
		if got := tokensColumn(tc.r, ref); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.r.Tokens, got, tc.want)
		}
	}
	if got := tokensColumn(measure.Result{Tokens: ref}, nil); got != "-" {
		t.Errorf("without wllama: %q", got)
	}
	if d := diverge(ref, ref); d != nil {
		t.Errorf("equal tokens diverge: %+v", d)
	}
}
