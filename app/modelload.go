package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/httprange"
	"heed/app/session"
	"heed/internal/server/api"
)

// loadModel replaces the current model with the named one from the server's
// models directory, reading it through Range requests.
func (w *Workbench) loadModel(ctx goapp.Context, name string) {
	if w.status == modelLoading || w.gen.running || w.infl.running {
		return
	}
	if w.sess != nil {
		w.sess.Close()
		w.sess, w.built = nil, nil
	}
	w.gen.reset()
	w.infl = influenceState{}
	lctx, cancel := context.WithCancel(ctx)
	w.status, w.loading, w.loadErr, w.progress, w.cancelLoad = modelLoading, name, "", httprange.Progress{}, cancel
	u := url.URL{Scheme: w.modelsPage.Scheme, Host: w.modelsPage.Host, Path: api.ModelsPrefix + name}
	ctx.Async(func() {
		defer cancel()
		report := func(p httprange.Progress) {
			ctx.Dispatch(func(goapp.Context) { w.progress = p })
		}
		var s *session.Session
		var b backend
		err := safely(func() (err error) {
			s, b, err = loadSession(lctx, u.String(), name, report)
			return err
		})
		ctx.Dispatch(func(ctx goapp.Context) {
			w.cancelLoad = nil
			switch {
			case errors.Is(err, context.Canceled):
				w.status, w.loadErr = modelError, "Loading was cancelled."
			case err != nil:
				w.status, w.loadErr = modelError, describeLoadError(err)
			default:
				w.status, w.sess, w.banner, w.bannerInfo = modelLoaded, s, b.banner, b.detail
				w.rebuildPrompt()
			}
		})
	})
}

// loadSession opens the backend and loads the model onto it; a model the GPU
// cannot take is loaded again onto the CPU, with the banner saying so.
func loadSession(ctx context.Context, u, name string, report func(httprange.Progress)) (*session.Session, backend, error) {
	r, err := httprange.Open(ctx, http.DefaultClient, u, httprange.Options{Progress: report})
	if err != nil {
		return nil, backend{}, err
	}
	b := openBackend(ctx)
	s, err := session.Load(r, r.Size(), b.exec, name, b.name, nil)
	if err != nil && b.gpu && !errors.Is(err, session.ErrNotGGUF) && !errors.Is(err, context.Canceled) {
		b.exec.(interface{ Close() }).Close()
		b = backend{exec: newCPUBackend(), name: "CPU",
			banner: "The GPU could not take this model: running on the CPU, which is slower.", detail: err.Error()}
		s, err = session.Load(r, r.Size(), b.exec, name, b.name, nil)
	}
	if err != nil {
		if c, ok := b.exec.(interface{ Close() }); ok {
			c.Close()
		}
		return nil, b, err
	}
	return s, b, nil
}

// safely runs engine work in a goroutine of the page: a panic becomes an
// error shown in words instead of a dead page.
func safely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	return fn()
}

// describeLoadError says in words what went wrong.
func describeLoadError(err error) string {
	switch {
	case errors.Is(err, session.ErrNotGGUF):
		return "This file is not a GGUF model heed can read: " + err.Error()
	case errors.Is(err, session.ErrUnsupported):
		return "heed cannot run this model yet: " + err.Error()
	case errors.Is(err, httprange.ErrNoRange), errors.Is(err, httprange.ErrChanged):
		return "The server could not send the file in pieces: " + err.Error()
	default:
		return "The model could not be downloaded: " + err.Error()
	}
}
