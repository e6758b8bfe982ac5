package app

import (
	"encoding/json"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/wire"
)

// FirstScreen is a run of the sample prompt on the default model computed
// before the page's wasm runs (FirstScreenJSON, natively): the server
// renders it into the first paint, so a visitor sees the prompt, both
// continuations and the Influence heatmap at once, and the client starts
// from the same state, so taking over changes nothing on screen. The page
// says it was computed by the server; Generate runs it in the browser.
type FirstScreen struct {
	Model     string          `json:"model"`
	Prompt    *wire.Prompt    `json:"prompt"`
	Generated *wire.Generated `json:"generated"`
	Columns   [2][]wire.Token `json:"columns"` // the streamed tokens, GUIDE then baseline
}

// FirstScreenEnv is the go-app environment variable that carries the first
// screen's JSON to the client.
const FirstScreenEnv = "HEED_FIRST"

// firstScreen is the server's copy (SetFirstScreen).
var firstScreen *FirstScreen

// SetFirstScreen gives the server's first paint the run in data (JSON from
// FirstScreenJSON); the server passes the same JSON to the client in
// FirstScreenEnv.
func SetFirstScreen(data string) error {
	var fs FirstScreen
	if err := json.Unmarshal([]byte(data), &fs); err != nil {
		return err
	}
	firstScreen = &fs
	return nil
}

// loadFirstScreen is the first screen's run: the server's, or on the client
// the one the server passed.
func loadFirstScreen() *FirstScreen {
	if firstScreen != nil || !goapp.IsClient {
		return firstScreen
	}
	data := goapp.Getenv(FirstScreenEnv)
	if data == "" {
		return nil
	}
	var fs FirstScreen
	if json.Unmarshal([]byte(data), &fs) != nil {
		return nil
	}
	firstScreen = &fs
	return firstScreen
}

// showFirst puts the first screen's run on the page, when it is a run of
// the prompt and settings the page starts with.
func (s *Studio) showFirst(fs *FirstScreen) {
	if fs == nil || fs.Prompt == nil || fs.Generated == nil || len(fs.Generated.Sides) != 2 {
		return
	}
	s.prompt.built = fs.Prompt
	s.gen = genState{prompt: fs.Prompt, sides: []string{wire.SideGuide, wire.SideBaseline}, result: fs.Generated, first: fs.Model}
	for i := range s.gen.cols {
		c := &s.gen.cols[i]
		c.tokens, c.done = fs.Columns[i], true
		c.reason = fs.Generated.Sides[i].Reason
	}
	s.heat.ran(fs.Prompt, fs.Generated)
}
