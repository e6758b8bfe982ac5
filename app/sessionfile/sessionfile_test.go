package sessionfile

import (
	"errors"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
)

func sample() *Session {
	return &Session{
		Version:  Version,
		Model:    Model{Name: "stories260K.gguf", SHA256: "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d"},
		Prompt:   "Once upon a time, there was a <!!!->cat<-!!!>.",
		DeltaMid: 1.5,
		Settings: Settings{MaxTokens: 20, Temperature: 0.7, Seed: 42},
		Outputs: []Output{
			{Side: SideGuided, Text: " The cat", IDs: []int32{5, 77}},
			{Side: SideBaseline, Text: " The dog", IDs: []int32{5, 91}},
		},
		Influence: &Influence{
			Layer:  1,
			Tokens: []string{"Once", " upon", " cat"},
			Spans: []SpanInfluence{{
				First: 2, Last: 3, Delta: 3,
				Scalars: []float32{0.5, 0.25},
				Values:  []float32{0, 0.125, 1},
			}},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	for name, s := range map[string]*Session{
		"full": sample(),
		"chat and sampling filters": func() *Session {
			s := sample()
			s.Chat, s.System = true, "You are a storyteller."
			s.Settings.TopK, s.Settings.TopP, s.Settings.MinP, s.Settings.RepeatPenalty = 40, 0.9, 0.05, 1.1
			return s
		}(),
		"no results": func() *Session {
			s := sample()
			s.Outputs, s.Influence = nil, nil
			return s
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			b, err := Encode(s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, s) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, s)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Session)
		raw  string // used instead of the edited sample when set
		want string
		is   error
	}{
		{name: "malformed JSON", raw: `{"version": 1,`, want: "not a session file"},
		{name: "not an object", raw: `[1, 2]`, want: "not a session file"},
		{name: "no version", raw: `{"prompt": "x"}`, want: "no version field"},
		{name: "future version", raw: `{"version": 3}`, is: ErrVersion},
		{name: "version 1 with a version 2 field", raw: `{"version": 1, "chat": true, "delta_mid": 1, "settings": {"max_tokens": 1}}`, want: `unknown field "chat"`},
		{name: "system without chat", edit: func(s *Session) { s.System = "be brief" }, want: "needs"},
		{name: "negative top-k", edit: func(s *Session) { s.Settings.TopK = -1 }, want: "top_k -1"},
		{name: "top-p above 1", edit: func(s *Session) { s.Settings.TopP = 1.5 }, want: "top_p 1.5"},
		{name: "negative min-p", edit: func(s *Session) { s.Settings.MinP = -0.1 }, want: "min_p -0.1"},
		{name: "repeat penalty too large", edit: func(s *Session) { s.Settings.RepeatPenalty = 11 }, want: "repeat_penalty 11"},
		{name: "unknown field", raw: `{"version": 1, "prompt": "x", "delta": 1}`, want: `unknown field "delta"`},
		{name: "trailing data", raw: `{"version": 1, "delta_mid": 1, "settings": {"max_tokens": 1}} {}`, want: "not a session file"},
		{name: "bad sha256", edit: func(s *Session) { s.Model.SHA256 = "ABC" }, want: "sha256"},
		{name: "Δmid too large", edit: func(s *Session) { s.DeltaMid = 6 }, want: "delta_mid 6"},
		{name: "no tokens", edit: func(s *Session) { s.Settings.MaxTokens = 0 }, want: "max_tokens 0"},
		{name: "negative temperature", edit: func(s *Session) { s.Settings.Temperature = -1 }, want: "temperature -1"},
		{name: "unknown side", edit: func(s *Session) { s.Outputs[1].Side = "left" }, want: `side "left"`},
		{name: "side twice", edit: func(s *Session) { s.Outputs[1].Side = SideGuided }, want: "a second"},
		{name: "negative id", edit: func(s *Session) { s.Outputs[0].IDs[0] = -3 }, want: "negative id"},
		{name: "layer out of range", edit: func(s *Session) { s.Influence.Layer = 2 }, want: "layer 2"},
		{name: "span past the prompt", edit: func(s *Session) { s.Influence.Spans[0].Last = 4 }, want: "do not fit"},
		{name: "empty span", edit: func(s *Session) { s.Influence.Spans[0].First = 3 }, want: "do not fit"},
		{name: "scalars per layer", edit: func(s *Session) {
			s.Influence.Spans = append(s.Influence.Spans, s.Influence.Spans[0])
			s.Influence.Spans[1].Scalars = []float32{0.5}
		}, want: "scalars, want one per layer"},
		{name: "values per token", edit: func(s *Session) { s.Influence.Spans[0].Values = []float32{0} }, want: "values, want one per prompt token"},
		{name: "value above 1", edit: func(s *Session) { s.Influence.Spans[0].Values[2] = 1.5 }, want: "outside [0, 1]"},
		{name: "no spans", edit: func(s *Session) { s.Influence.Spans = nil }, want: "without spans"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.raw)
			if tt.raw == "" {
				s := sample()
				tt.edit(s)
				var err error
				// Encode validates too; bypass it to test Decode on the bytes.
				if data, err = marshalUnchecked(s); err != nil {
					t.Fatal(err)
				}
				if _, err := Encode(s); err == nil {
					t.Errorf("Encode accepted the session")
				}
			}
			_, err := Decode(data)
			switch {
			case err == nil:
				t.Fatalf("Decode accepted %s", data)
			case tt.is != nil && !errors.Is(err, tt.is):
				t.Errorf("error %v, want %v", err, tt.is)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("error %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestDecodeMigratesVersion1(t *testing.T) {
	data, err := os.ReadFile("testdata/v1.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	want := sample()
	want.Outputs, want.Influence = want.Outputs[:1], nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("migrated:\n got %+v\nwant %+v", got, want)
	}
}

func TestEncodeRejectsNaN(t *testing.T) {
	s := sample()
	s.DeltaMid = float32(math.NaN())
	if _, err := Encode(s); err == nil {
		t.Fatal("Encode accepted a NaN Δmid")
	}
}

func FuzzDecode(f *testing.F) {
	b, err := Encode(sample())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"version": 1}`))
	f.Add([]byte(`{"version": 1, "influence": {"spans": [{}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data)
		if err != nil {
			return
		}
		// Whatever Decode accepts, Encode writes and Decode reads back equal.
		out, err := Encode(s)
		if err != nil {
			t.Fatalf("Encode of a decoded session: %v", err)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("Decode of an encoded session: %v", err)
		}
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("re-decoded session differs:\n%+v\n%+v", again, s)
		}
	})
}
