package app

import (
	"fmt"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/sessionfile"
	"heed/engine/sample"
)

// settingsState holds the generation settings as typed, so a half-typed
// value stays in its field and is refused in words on Generate.
type settingsState struct {
	maxTokens int
	tokensErr string // why the max tokens field's value was not taken
	tempText  string
	seed      uint64
	filters   filterText
	backend   string // session.Choice: "auto", "cpu" or "gpu"
	single    bool   // GUIDE only instead of A/B
}

// filterText holds the sampling filters' fields as typed.
type filterText struct {
	topK, topP, minP, repeat string
}

// defaultFilters leave every filter off (engine/sample: top-k 0, top-p 1,
// min-p 0 and repetition penalty 1 change nothing).
var defaultFilters = filterText{topK: "0", topP: "1", minP: "0", repeat: "1"}

// defaultMaxTokens is long enough for a story model to come back to a noun.
const defaultMaxTokens = 40

func defaultSettings() settingsState {
	return settingsState{maxTokens: defaultMaxTokens, tempText: "0", seed: 1, filters: defaultFilters, backend: backendAuto}
}

// Backend choices, as session.Choice names them.
const (
	backendAuto = "auto"
	backendCPU  = "cpu"
	backendGPU  = "gpu"
)

// backendKey is where the page keeps the backend choice between visits.
const backendKey = "heed-backend"

// storedBackend is the backend choice kept in the browser, or auto.
func storedBackend() string {
	ls := goapp.Window().Get("localStorage")
	if !ls.Truthy() {
		return backendAuto
	}
	switch v := ls.Call("getItem", backendKey); {
	case !v.Truthy():
	case v.String() == backendCPU, v.String() == backendGPU:
		return v.String()
	}
	return backendAuto
}

// storeBackend keeps the backend choice in the browser.
func storeBackend(c string) {
	if ls := goapp.Window().Get("localStorage"); ls.Truthy() {
		ls.Call("setItem", backendKey, c)
	}
}

// samplingParams reads the temperature, the filters and the seed into
// sample.Params, or says in words which field is wrong.
func samplingParams(temp string, f filterText, seed uint64) (sample.Params, error) {
	p := sample.Params{Seed: seed}
	t, err := strconv.ParseFloat(strings.TrimSpace(temp), 32)
	if err != nil || !(t >= 0 && t <= sessionfile.MaxTemperature) {
		return p, fmt.Errorf("Temperature must be a number from 0 to %d (0: greedy), not %q.", sessionfile.MaxTemperature, temp)
	}
	k, err := strconv.Atoi(strings.TrimSpace(f.topK))
	if err != nil || k < 0 || k > sessionfile.MaxTopK {
		return p, fmt.Errorf("Top-k must be a whole number ≥ 0 (0: off), not %q.", f.topK)
	}
	p.Temperature, p.TopK = float32(t), k
	for _, fl := range []struct {
		text, rule string
		max        float64
		dst        *float32
	}{
		{f.topP, "Top-p must be a number from 0 to 1 (1: off)", 1, &p.TopP},
		{f.minP, "Min-p must be a number from 0 to 1 (0: off)", 1, &p.MinP},
		{f.repeat, fmt.Sprintf("Repetition penalty must be a number from 0 to %d (1: off)", sessionfile.MaxRepeatPenalty), sessionfile.MaxRepeatPenalty, &p.RepeatPenalty},
	} {
		v, err := strconv.ParseFloat(strings.TrimSpace(fl.text), 32)
		if err != nil || !(v >= 0 && v <= fl.max) {
			return p, fmt.Errorf("%s, not %q.", fl.rule, fl.text)
		}
		*fl.dst = float32(v)
	}
	return p, p.Validate()
}
