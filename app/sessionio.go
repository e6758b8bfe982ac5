package app

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/sessionfile"
	"heed/app/sharelink"
	"heed/app/wire"
)

// Element ids and the file name of the session section.
const (
	importID        = "heed-import-file"
	sessionFileName = "heed-session.json"
	maxImportBytes  = sessionfile.MaxFileBytes
)

// sessionIO is the export/import/link section's state.
type sessionIO struct {
	exported string               // the JSON last exported, kept on the page for inspection
	link     string               // the last shareable link
	err      string               // why export, import or the link failed
	imported *sessionfile.Session // the session last imported, shown as such
	fileName string               // the file it came from
	mismatch string               // why its results may differ from the loaded model's
}

// fileSides maps a run's side to its name in a session file.
var fileSides = map[string]string{wire.SideGuide: sessionfile.SideGuided, wire.SideBaseline: sessionfile.SideBaseline}

// currentModel is the loaded model's entry in the server's list.
func (s *Studio) currentModel() sessionfile.Model {
	if s.models.status != modelLoaded {
		return sessionfile.Model{}
	}
	m := sessionfile.Model{Name: s.models.loading}
	for _, md := range s.models.models {
		if md.Name == s.models.loading && len(md.SHA256) == 64 {
			m.SHA256 = md.SHA256
		}
	}
	return m
}

// linkState is the editor's prompt, Δmid, chat and generation settings, or
// why they do not parse.
func (s *Studio) linkState() (sharelink.State, error) {
	set := &s.settings
	st := sharelink.State{Prompt: s.prompt.tagged, Seed: set.seed, MaxTokens: set.maxTokens, Chat: s.prompt.chat, System: s.prompt.system}
	d, err := strconv.ParseFloat(strings.TrimSpace(s.prompt.deltaText), 32)
	if err != nil {
		return st, fmt.Errorf("Δmid must be a number, not %q", s.prompt.deltaText)
	}
	p, err := samplingParams(set.tempText, set.filters, set.seed)
	if err != nil {
		return st, err
	}
	st.DeltaMid, st.Temperature = float32(d), p.Temperature
	st.TopK, st.TopP, st.MinP, st.RepeatPenalty = p.TopK, p.TopP, p.MinP, p.RepeatPenalty
	// 1 and 0 both leave top-p and the penalty off; saving 0 keeps files
	// and links free of settings that do nothing.
	if st.TopP == 1 {
		st.TopP = 0
	}
	if st.RepeatPenalty == 1 {
		st.RepeatPenalty = 0
	}
	return st, nil
}

// snapshot is the session as the page shows it now.
func (s *Studio) snapshot() (*sessionfile.Session, error) {
	st, err := s.linkState()
	if err != nil {
		return nil, err
	}
	out := &sessionfile.Session{
		Version: sessionfile.Version, Model: s.currentModel(), Prompt: st.Prompt, DeltaMid: st.DeltaMid, Chat: st.Chat,
		Settings: sessionfile.Settings{MaxTokens: st.MaxTokens, Temperature: st.Temperature, Seed: st.Seed,
			TopK: st.TopK, TopP: st.TopP, MinP: st.MinP, RepeatPenalty: st.RepeatPenalty},
	}
	if st.Chat {
		out.System = st.System // a system prompt is kept only with the template (sessionfile rule)
	}
	if res := s.gen.result; res != nil {
		for _, sr := range res.Sides {
			out.Outputs = append(out.Outputs, sessionfile.Output{Side: fileSides[sr.Side], IDs: sr.IDs, Text: sr.Text})
		}
	}
	if in := s.infl.res; in != nil && len(in.Tracks) > 0 {
		layer := min(s.infl.layer, len(in.Tracks[0].Influence)-1)
		saved := &sessionfile.Influence{Layer: layer, Tokens: in.Pieces}
		for _, t := range in.Tracks {
			saved.Spans = append(saved.Spans, sessionfile.SpanInfluence{
				First: t.Span.First, Last: t.Span.Last, Delta: t.Span.Delta, Measure: t.Span.Measure,
				Scalars: unitClamped(t.Scalar), Values: unitClamped(t.Influence[layer]),
			})
		}
		out.Influence = saved
	}
	return out, nil
}

// unitClamped copies Influence values into [0, 1]: the f32 weighted mean of
// SPEC §2 can land one rounding step outside it.
func unitClamped(vs []float32) []float32 {
	out := make([]float32, len(vs))
	for i, v := range vs {
		out[i] = min(max(v, 0), 1)
	}
	return out
}

// exportSession downloads the page's session as heed-session.json.
func (s *Studio) exportSession() {
	s.io.err = ""
	snap, err := s.snapshot()
	if err == nil {
		var data []byte
		if data, err = sessionfile.Encode(snap); err == nil {
			s.io.exported = string(data)
			err = downloadFile(sessionFileName, "application/json", data)
		}
	}
	if err != nil {
		s.io.err = "Export failed: " + err.Error()
	}
}

// importSession reads the chosen file and restores its prompt, Δmid and
// settings; its outputs and Influence are shown as imported.
func (s *Studio) importSession() {
	readChosenFile(importID, func(name string, data []byte, err error) {
		s.later(func() {
			s.io.err = ""
			var f *sessionfile.Session
			if err == nil {
				f, err = sessionfile.Decode(data)
			}
			if err != nil {
				s.io.err = "Import failed: " + err.Error()
				return
			}
			s.io.imported, s.io.fileName, s.io.mismatch = f, name, s.modelMismatch(f.Model)
			st := f.Settings
			s.restore(sharelink.State{Prompt: f.Prompt, DeltaMid: f.DeltaMid, Temperature: st.Temperature,
				Seed: st.Seed, MaxTokens: st.MaxTokens, Chat: f.Chat, System: f.System,
				TopK: st.TopK, TopP: st.TopP, MinP: st.MinP, RepeatPenalty: st.RepeatPenalty})
		})
	})
}

// modelMismatch says how the session's model differs from the loaded one.
func (s *Studio) modelMismatch(saved sessionfile.Model) string {
	cur := s.currentModel()
	switch {
	case cur.Name == "":
		return fmt.Sprintf("The session was saved with %s; no model is loaded.", saved.Name)
	case saved.SHA256 != "" && cur.SHA256 != "" && saved.SHA256 != cur.SHA256:
		return fmt.Sprintf("The session was saved with %s (sha256 %.12s…); the loaded model %s has sha256 %.12s…: its results may differ.",
			saved.Name, saved.SHA256, cur.Name, cur.SHA256)
	}
	return ""
}

// restore puts st into the editor and the generation settings.
func (s *Studio) restore(st sharelink.State) {
	if s.gen.first != "" { // the server's run of the sample no longer applies
		s.gen = genState{}
		s.heat.clear()
	}
	s.prompt.tagged, s.prompt.deltaText, s.prompt.editErr, s.prompt.picked = st.Prompt, exact(st.DeltaMid), "", -1
	set := &s.settings
	set.tempText = exact(st.Temperature)
	set.seed, set.maxTokens, set.tokensErr = st.Seed, st.MaxTokens, ""
	set.filters = filterText{topK: strconv.Itoa(st.TopK), topP: exact(st.TopP), minP: exact(st.MinP), repeat: exact(st.RepeatPenalty)}
	if st.TopP == 0 {
		set.filters.topP = defaultFilters.topP // 0 and 1 both leave top-p off; show the 1 the field starts with
	}
	if st.RepeatPenalty == 0 {
		set.filters.repeat = defaultFilters.repeat
	}
	s.prompt.chat, s.prompt.system = st.Chat, st.System
	s.rebuildPrompt()
	setSourceText(s.prompt.tagged, -1)
	s.touch()
}

// restoreFromLink applies the page URL's fragment, if it holds a shared
// link, and reports whether it did.
func (s *Studio) restoreFromLink(page *url.URL) bool {
	base, _ := s.linkState()
	st, ok, err := sharelink.Decode(page.EscapedFragment(), base)
	if err != nil {
		s.prompt.editErr = "The link's settings were not applied: " + err.Error()
		return false
	}
	if ok {
		s.restore(st)
	}
	return ok
}

// copyLink puts the current prompt, Δmid and settings in the page URL's fragment.
func (s *Studio) copyLink(ctx goapp.Context) {
	s.io.err = ""
	st, err := s.linkState()
	if err != nil {
		s.io.err = "No link: " + err.Error()
		return
	}
	frag := sharelink.Encode(st)
	u := *ctx.Page().URL()
	u.RawFragment = frag
	if u.Fragment, err = url.PathUnescape(frag); err != nil {
		s.io.err = "No link: " + err.Error()
		return
	}
	ctx.Page().ReplaceURL(&u)
	s.io.link = u.String()
}
