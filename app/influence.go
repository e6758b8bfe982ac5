package app

import (
	"context"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/engine/influence"
)

// startInfluence measures every highlight of the current prompt with its Δ in
// force (influence.Measure, as `heed influence` does).
func (w *Workbench) startInfluence(ctx goapp.Context) {
	if w.sess == nil || w.built == nil || len(w.built.Spans) == 0 || w.gen.running || w.infl.running {
		return
	}
	s, p := w.sess, w.built
	w.infl = influenceState{running: true, layer: s.Layers() - 1}
	ctx.Async(func() {
		var tracks []influence.Track
		err := safely(func() (err error) {
			tracks, err = s.Influence(context.Context(ctx), p)
			return err
		})
		pieces := make([]string, len(p.IDs))
		for i, id := range p.IDs {
			pieces[i] = s.TokenText(id)
		}
		ctx.Dispatch(func(goapp.Context) {
			w.infl.running = false
			if err != nil {
				w.infl.err = "Influence could not be measured: " + err.Error()
				return
			}
			w.infl.tracks, w.infl.pieces = tracks, pieces
		})
	})
}
