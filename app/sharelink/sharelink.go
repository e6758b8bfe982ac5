// Package sharelink writes and reads the app's shareable link: the prompt,
// Δmid, chat settings and generation settings in the page URL's fragment, as
// #c=…&d=…&k=…&mp=…&n=…&p=…&rp=…&s=…&t=…&tp=…&y=… (URL query encoding). The fragment never reaches the
// server, so a shared prompt stays between the people who share it.
package sharelink

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"heed/app/sessionfile"
)

// Fragment keys.
const (
	keyPrompt      = "p"
	keyDeltaMid    = "d"
	keyTemperature = "t"
	keySeed        = "s"
	keyMaxTokens   = "n"
	keyChat        = "c" // "1": wrap the prompt in the model's chat template
	keySystem      = "y"
	keyTopK        = "k"
	keyTopP        = "tp"
	keyMinP        = "mp"
	keyRepeat      = "rp"
)

// State is what a link carries.
type State struct {
	Prompt      string // with its GUIDE tags
	DeltaMid    float32
	Temperature float32
	Seed        uint64
	MaxTokens   int
	Chat        bool
	System      string // system prompt, used with Chat
	// Sampling filters, as in sessionfile.Settings: zero means off.
	TopK          int
	TopP          float32
	MinP          float32
	RepeatPenalty float32
}

// Encode returns the fragment for st, without the leading '#'.
func Encode(st State) string {
	v := url.Values{}
	v.Set(keyPrompt, st.Prompt)
	v.Set(keyDeltaMid, formatFloat(st.DeltaMid))
	v.Set(keyTemperature, formatFloat(st.Temperature))
	v.Set(keySeed, strconv.FormatUint(st.Seed, 10))
	v.Set(keyMaxTokens, strconv.Itoa(st.MaxTokens))
	v.Set(keyChat, map[bool]string{false: "0", true: "1"}[st.Chat])
	v.Set(keySystem, st.System)
	v.Set(keyTopK, strconv.Itoa(st.TopK))
	v.Set(keyTopP, formatFloat(st.TopP))
	v.Set(keyMinP, formatFloat(st.MinP))
	v.Set(keyRepeat, formatFloat(st.RepeatPenalty))
	return v.Encode()
}

func formatFloat(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }

// Decode reads a fragment (with or without its leading '#') over base: the
// keys present replace base's fields, the others keep them, and unknown keys
// are ignored so that later versions' links still open. ok reports whether
// the fragment held any of the keys.
func Decode(fragment string, base State) (st State, ok bool, err error) {
	st = base
	v, err := url.ParseQuery(strings.TrimPrefix(fragment, "#"))
	if err != nil {
		return base, false, fmt.Errorf("sharelink: malformed fragment: %w", err)
	}
	if p, has := first(v, keyPrompt); has {
		if len(p) > sessionfile.MaxPromptBytes {
			return base, false, fmt.Errorf("sharelink: prompt of %d bytes is over the %d-byte limit", len(p), sessionfile.MaxPromptBytes)
		}
		st.Prompt, ok = p, true
	}
	if s, has := first(v, keyDeltaMid); has {
		d, err := parseFloat(s)
		if err != nil || math.Abs(float64(d)) > sessionfile.MaxDeltaMid {
			return base, false, fmt.Errorf("sharelink: Δmid %q is not a number in [-%d, %d]", s, sessionfile.MaxDeltaMid, sessionfile.MaxDeltaMid)
		}
		st.DeltaMid, ok = d, true
	}
	if s, has := first(v, keyTemperature); has {
		t, err := parseFloat(s)
		if err != nil || t < 0 || t > sessionfile.MaxTemperature {
			return base, false, fmt.Errorf("sharelink: temperature %q is not a number in [0, %d]", s, sessionfile.MaxTemperature)
		}
		st.Temperature, ok = t, true
	}
	if s, has := first(v, keySeed); has {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return base, false, fmt.Errorf("sharelink: seed %q: %w", s, err)
		}
		st.Seed, ok = n, true
	}
	if s, has := first(v, keyMaxTokens); has {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > sessionfile.MaxTokens {
			return base, false, fmt.Errorf("sharelink: token count %q is not a whole number in [1, %d]", s, sessionfile.MaxTokens)
		}
		st.MaxTokens, ok = n, true
	}
	if s, has := first(v, keyChat); has {
		if s != "0" && s != "1" {
			return base, false, fmt.Errorf("sharelink: chat setting %q is neither 0 nor 1", s)
		}
		st.Chat, ok = s == "1", true
	}
	if s, has := first(v, keySystem); has {
		if len(s) > sessionfile.MaxPromptBytes {
			return base, false, fmt.Errorf("sharelink: system prompt of %d bytes is over the %d-byte limit", len(s), sessionfile.MaxPromptBytes)
		}
		st.System, ok = s, true
	}
	if s, has := first(v, keyTopK); has {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > sessionfile.MaxTopK {
			return base, false, fmt.Errorf("sharelink: top-k %q is not a whole number in [0, %d]", s, sessionfile.MaxTopK)
		}
		st.TopK, ok = n, true
	}
	for _, f := range []struct {
		key, name string
		max       float32
		dst       *float32
	}{
		{keyTopP, "top-p", 1, &st.TopP},
		{keyMinP, "min-p", 1, &st.MinP},
		{keyRepeat, "repetition penalty", sessionfile.MaxRepeatPenalty, &st.RepeatPenalty},
	} {
		if s, has := first(v, f.key); has {
			x, err := parseFloat(s)
			if err != nil || x < 0 || x > f.max {
				return base, false, fmt.Errorf("sharelink: %s %q is not a number in [0, %g]", f.name, s, f.max)
			}
			*f.dst, ok = x, true
		}
	}
	return st, ok, nil
}

func first(v url.Values, key string) (string, bool) {
	vs, has := v[key]
	if !has || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// parseFloat parses a finite float32.
func parseFloat(s string) (float32, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
	if err != nil {
		return 0, err
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is not finite", s)
	}
	return float32(f), nil
}
