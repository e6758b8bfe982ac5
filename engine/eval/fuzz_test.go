package eval

import (
	"bytes"
	"testing"
)

// FuzzTemplateScore feeds arbitrary model output to the JSON scorer: it must
// not panic and must return a share in [0, 1].
func FuzzTemplateScore(f *testing.F) {
	for _, s := range []string{`{"name": "Lily", "age": 7}`, `"age": [1, {"x": `, `"name":`, "\"happy\": tru", ""} {
		f.Add(s)
	}
	fields := []Field{{"name", "string"}, {"age", "number"}, {"happy", "boolean"}, {"pets", "array"}}
	f.Fuzz(func(t *testing.T, out string) {
		if v := TemplateScore(out, fields); v < 0 || v > 1 {
			t.Fatalf("score %v", v)
		}
	})
}

// FuzzParseDeltas: any string gives a list of finite, distinct Δ or an error.
func FuzzParseDeltas(f *testing.F) {
	for _, s := range []string{"0,0.5,1", "1e40", "NaN", "-5,5", ",", "1,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ds, err := ParseDeltas(s)
		if err != nil {
			return
		}
		seen := map[float32]bool{}
		for _, d := range ds {
			if d != d || seen[d] {
				t.Fatalf("%q gave %v", s, ds)
			}
			seen[d] = true
		}
	})
}

// FuzzStoreRead: a rows file of any content loads or fails with an error, and
// the valid prefix it reports never exceeds the file.
func FuzzStoreRead(f *testing.F) {
	f.Add([]byte("{\"example\":\"a\",\"condition\":\"delta=1\"}\n{\"exa"))
	f.Add([]byte("\n\n"))
	f.Add([]byte("[1,2]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st := NewMemoryStore()
		good, err := st.read(bytes.NewReader(b))
		if err == nil && (good < 0 || good > int64(len(b))) {
			t.Fatalf("valid prefix %d of %d bytes", good, len(b))
		}
	})
}
