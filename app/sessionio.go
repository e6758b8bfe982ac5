package app

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/session"
	"heed/app/sessionfile"
	"heed/app/sharelink"
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

// sideNames maps a column to its name in a session file.
var sideNames = map[session.Side]string{session.Guided: sessionfile.SideGuided, session.Baseline: sessionfile.SideBaseline}

// currentModel is the loaded model's entry in the server's list.
func (w *Workbench) currentModel() sessionfile.Model {
	if w.status != modelLoaded {
		return sessionfile.Model{}
	}
	m := sessionfile.Model{Name: w.loading}
	for _, md := range w.models {
		if md.Name == w.loading && len(md.SHA256) == 64 {
			m.SHA256 = md.SHA256
		}
	}
	return m
}

// linkState is the editor's prompt, Δmid, chat and generation settings, or
// why they do not parse.
func (w *Workbench) linkState() (sharelink.State, error) {
	st := sharelink.State{Prompt: w.prompt, Seed: w.gen.seed, MaxTokens: w.gen.maxTokens, Chat: w.chat.use, System: w.chat.system}
	d, err := strconv.ParseFloat(strings.TrimSpace(w.deltaText), 32)
	if err != nil {
		return st, fmt.Errorf("Δmid must be a number, not %q", w.deltaText)
	}
	p, err := samplingParams(w.gen.tempText, w.gen.filters, w.gen.seed)
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
func (w *Workbench) snapshot() (*sessionfile.Session, error) {
	st, err := w.linkState()
	if err != nil {
		return nil, err
	}
	s := &sessionfile.Session{
		Version: sessionfile.Version, Model: w.currentModel(), Prompt: st.Prompt, DeltaMid: st.DeltaMid, Chat: st.Chat,
		Settings: sessionfile.Settings{MaxTokens: st.MaxTokens, Temperature: st.Temperature, Seed: st.Seed,
			TopK: st.TopK, TopP: st.TopP, MinP: st.MinP, RepeatPenalty: st.RepeatPenalty},
	}
	if st.Chat {
		s.System = st.System // a system prompt is kept only with the template (sessionfile rule)
	}
	for _, side := range sides {
		c := &w.gen.cols[side]
		if len(c.tokens) == 0 {
			continue
		}
		out := sessionfile.Output{Side: sideNames[side], IDs: make([]int32, len(c.tokens))}
		var text strings.Builder
		for i, t := range c.tokens {
			out.IDs[i] = t.ID
			text.WriteString(t.Text)
		}
		out.Text = text.String()
		s.Outputs = append(s.Outputs, out)
	}
	if tr := w.infl.tracks; len(tr) > 0 {
		layer := min(w.infl.layer, len(tr[0].Influence)-1)
		in := &sessionfile.Influence{Layer: layer, Tokens: w.infl.pieces}
		for _, t := range tr {
			in.Spans = append(in.Spans, sessionfile.SpanInfluence{
				First: t.Span.First, Last: t.Span.Last, Delta: t.Span.Delta, Measure: t.Span.Measure,
				Scalars: unitClamped(t.Scalar), Values: unitClamped(t.Influence[layer]),
			})
		}
		s.Influence = in
	}
	return s, nil
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
func (w *Workbench) exportSession() {
	w.io.err = ""
	s, err := w.snapshot()
	if err == nil {
		var data []byte
		if data, err = sessionfile.Encode(s); err == nil {
			w.io.exported = string(data)
			err = downloadFile(sessionFileName, "application/json", data)
		}
	}
	if err != nil {
		w.io.err = "Export failed: " + err.Error()
	}
}

// importSession reads the chosen file and restores its prompt, Δmid and
// settings; its outputs and Influence are shown as imported.
func (w *Workbench) importSession(ctx goapp.Context) {
	readChosenFile(importID, func(name string, data []byte, err error) {
		ctx.Dispatch(func(ctx goapp.Context) {
			w.io.err = ""
			var s *sessionfile.Session
			if err == nil {
				s, err = sessionfile.Decode(data)
			}
			if err != nil {
				w.io.err = "Import failed: " + err.Error()
				return
			}
			w.io.imported, w.io.fileName, w.io.mismatch = s, name, w.modelMismatch(s.Model)
			st := s.Settings
			w.restore(ctx, sharelink.State{Prompt: s.Prompt, DeltaMid: s.DeltaMid, Temperature: st.Temperature,
				Seed: st.Seed, MaxTokens: st.MaxTokens, Chat: s.Chat, System: s.System,
				TopK: st.TopK, TopP: st.TopP, MinP: st.MinP, RepeatPenalty: st.RepeatPenalty})
		})
	})
}

// modelMismatch says how the session's model differs from the loaded one.
func (w *Workbench) modelMismatch(saved sessionfile.Model) string {
	cur := w.currentModel()
	switch {
	case cur.Name == "":
		return fmt.Sprintf("The session was saved with %s; no model is loaded.", saved.Name)
	case saved.SHA256 != "" && cur.SHA256 != "" && saved.SHA256 != cur.SHA256:
		return fmt.Sprintf("The session was saved with %s (sha256 %.12s…); the loaded model %s has sha256 %.12s…: its results may differ.",
			saved.Name, saved.SHA256, cur.Name, cur.SHA256)
	}
	return ""
}

// restore puts st into the editor and the generation settings, and into
// their fields.
func (w *Workbench) restore(ctx goapp.Context, st sharelink.State) {
	w.restoreState(st)
	w.restoreFields(ctx)
}

// restoreState puts st into the editor's and the generation settings' state.
func (w *Workbench) restoreState(st sharelink.State) {
	w.prompt, w.deltaText, w.editErr = st.Prompt, strconv.FormatFloat(float64(st.DeltaMid), 'g', -1, 32), ""
	w.gen.tempText = strconv.FormatFloat(float64(st.Temperature), 'g', -1, 32)
	w.gen.seed, w.gen.maxTokens, w.gen.tokensErr = st.Seed, st.MaxTokens, ""
	w.gen.filters = filterText{topK: strconv.Itoa(st.TopK), topP: formatFilter(st.TopP), minP: formatFilter(st.MinP),
		repeat: formatFilter(st.RepeatPenalty)}
	if st.TopP == 0 {
		w.gen.filters.topP = defaultFilters.topP // 0 and 1 both leave top-p off; show the 1 the field starts with
	}
	if st.RepeatPenalty == 0 {
		w.gen.filters.repeat = defaultFilters.repeat
	}
	w.chat = chatState{use: st.Chat, system: st.System}
	w.rebuildPrompt()
}

// restoreFields writes the restored values into the page's fields.
func (w *Workbench) restoreFields(ctx goapp.Context) {
	// The fields may hold typed values, which their value attributes no
	// longer control: set the properties once the page has rendered.
	ctx.Defer(func(goapp.Context) {
		for id, v := range map[string]string{
			promptID: w.prompt, "heed-delta-mid": w.deltaText, "heed-temperature": w.gen.tempText,
			"heed-seed": strconv.FormatUint(w.gen.seed, 10), "heed-max-tokens": strconv.Itoa(w.gen.maxTokens),
			"heed-top-k": w.gen.filters.topK, "heed-top-p": w.gen.filters.topP, "heed-min-p": w.gen.filters.minP,
			"heed-repeat": w.gen.filters.repeat, systemID: w.chat.system,
		} {
			if el := goapp.Window().GetElementByID(id); el.Truthy() {
				el.Set("value", v)
			}
		}
	})
}

// restoreFromLink applies the page URL's fragment, if it holds a shared link.
func (w *Workbench) restoreFromLink(ctx goapp.Context, page *url.URL) {
	base, _ := w.linkState()
	st, ok, err := sharelink.Decode(page.EscapedFragment(), base)
	if err != nil {
		w.editErr = "The link's settings were not applied: " + err.Error()
		return
	}
	if ok {
		w.restore(ctx, st)
	}
}

// copyLink puts the current prompt, Δmid and settings in the page URL's fragment.
func (w *Workbench) copyLink(ctx goapp.Context) {
	w.io.err = ""
	st, err := w.linkState()
	if err != nil {
		w.io.err = "No link: " + err.Error()
		return
	}
	frag := sharelink.Encode(st)
	u := *ctx.Page().URL()
	u.RawFragment = frag
	if u.Fragment, err = url.PathUnescape(frag); err != nil {
		w.io.err = "No link: " + err.Error()
		return
	}
	ctx.Page().ReplaceURL(&u)
	w.io.link = u.String()
}
