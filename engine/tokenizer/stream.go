package tokenizer

import "unicode/utf8"

// StreamDecoder renders generated tokens one at a time without ever emitting
// part of a UTF-8 sequence: bytes of an unfinished rune (byte-fallback tokens,
// byte-level pieces) are held until the rune completes. Unlike Decode it keeps
// every leading space, since streamed tokens continue a prompt.
type StreamDecoder struct {
	t       *Tokenizer
	pending []byte
}

// NewStreamDecoder starts an empty stream.
func (t *Tokenizer) NewStreamDecoder() *StreamDecoder { return &StreamDecoder{t: t} }

// Push adds one token and returns the text that is now complete.
func (d *StreamDecoder) Push(id int32) string {
	d.pending = append(d.pending, d.t.render(id)...)
	n := completePrefix(d.pending)
	out := string(d.pending[:n])
	d.pending = append(d.pending[:0], d.pending[n:]...)
	return out
}

// Flush returns whatever is held back (an unfinished sequence at the end of
// the stream, emitted as its raw bytes) and empties the stream.
func (d *StreamDecoder) Flush() string {
	out := string(d.pending)
	d.pending = d.pending[:0]
	return out
}

// completePrefix is the length of the longest prefix of b that does not end
// inside a UTF-8 sequence that could still be completed by more bytes.
func completePrefix(b []byte) int {
	// A rune is at most 4 bytes: only the last 3 can start an unfinished one.
	for back := 1; back <= 3 && back <= len(b); back++ {
		i := len(b) - back
		if !utf8.RuneStart(b[i]) {
			continue
		}
		if !utf8.FullRune(b[i:]) {
			return i
		}
		return len(b)
	}
	return len(b)
}
