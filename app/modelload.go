package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/httprange"
	"heed/app/session"
	"heed/internal/server/api"
)

// modelSource is where a model file is read from: the server's models
// directory, a file the user chose or dropped, a URL, or a kept copy. open
// is called once per load (and again to keep the model offline); it reports
// bytes read through report.
type modelSource struct {
	name string
	kind sourceKind
	open func(ctx context.Context, report func(httprange.Progress)) (io.ReaderAt, int64, error)
}

// sourceKind says where a modelSource reads from, for the words around it.
type sourceKind int

const (
	fromServer sourceKind = iota
	fromFile
	fromURL
	fromKept
)

// serverSource reads the named model from the page's server through Range requests.
func (w *Workbench) serverSource(name string) modelSource {
	u := url.URL{Scheme: w.modelsPage.Scheme, Host: w.modelsPage.Host, Path: api.ModelsPrefix + name}
	return urlSource(name, fromServer, u.String())
}

// urlSource reads a model through Range requests to u.
func urlSource(name string, kind sourceKind, u string) modelSource {
	return modelSource{name: name, kind: kind,
		open: func(ctx context.Context, report func(httprange.Progress)) (io.ReaderAt, int64, error) {
			r, err := httprange.Open(ctx, http.DefaultClient, u, httprange.Options{Progress: report})
			if err != nil {
				return nil, 0, err
			}
			return r, r.Size(), nil
		}}
}

// loadModel replaces the current model with the named one from the server's
// models directory.
func (w *Workbench) loadModel(ctx goapp.Context, name string) {
	w.loadFrom(ctx, w.serverSource(name))
}

// loadFrom replaces the current model with the one src reads.
func (w *Workbench) loadFrom(ctx goapp.Context, src modelSource) {
	if w.status == modelLoading || w.gen.running || w.infl.running {
		return
	}
	if w.sess != nil {
		w.sess.Close()
		w.sess, w.built = nil, nil
	}
	w.gen.reset()
	w.infl = influenceState{}
	w.gpuFailed = false
	lctx, cancel := context.WithCancel(ctx)
	w.status, w.loading, w.loadErr, w.progress, w.cancelLoad = modelLoading, src.name, "", httprange.Progress{}, cancel
	ctx.Async(func() {
		defer cancel()
		report := func(p httprange.Progress) {
			ctx.Dispatch(func(goapp.Context) { w.progress = p })
		}
		var s *session.Session
		var b backend
		var size int64
		err := safely(func() error {
			r, n, err := src.open(lctx, report)
			if err != nil {
				return err
			}
			size = n
			s, b, err = loadSession(lctx, r, size, src.name)
			return err
		})
		ctx.Dispatch(func(ctx goapp.Context) {
			w.cancelLoad = nil
			switch {
			case errors.Is(err, context.Canceled):
				w.status, w.loadErr = modelError, "Loading was cancelled."
			case err != nil:
				w.status, w.loadErr = modelError, describeLoadError(src.kind, err)
			default:
				w.status, w.sess, w.banner, w.bannerInfo = modelLoaded, s, b.banner, b.detail
				w.src.loaded, w.src.loadedSize = src, size
				w.rebuildPrompt()
			}
		})
	})
}

// loadSession opens the backend and loads the model in r (size bytes) onto
// it; a model the GPU cannot take is loaded again onto the CPU, with the
// banner saying so.
func loadSession(ctx context.Context, r io.ReaderAt, size int64, name string) (*session.Session, backend, error) {
	b := openBackend(ctx)
	s, err := session.Load(r, size, b.exec, name, b.name, nil)
	if err != nil && b.gpu && !errors.Is(err, session.ErrNotGGUF) && !errors.Is(err, context.Canceled) {
		b.exec.(interface{ Close() }).Close()
		b = backend{exec: newCPUBackend(), name: "CPU",
			banner: "The GPU could not take this model: running on the CPU, which is slower.", detail: err.Error()}
		s, err = session.Load(r, size, b.exec, name, b.name, nil)
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

// describeLoadError says in words what went wrong reading a model from a
// source of kind.
func describeLoadError(kind sourceKind, err error) string {
	switch {
	case errors.Is(err, session.ErrNotGGUF):
		return "This file is not a GGUF model heed can read: " + err.Error()
	case errors.Is(err, session.ErrUnsupported):
		return "heed cannot run this model yet: " + err.Error()
	case errors.Is(err, httprange.ErrNoRange), errors.Is(err, httprange.ErrChanged):
		return "The server could not send the file in pieces: " + err.Error()
	}
	switch kind {
	case fromFile:
		return "The file could not be read: " + err.Error()
	case fromKept:
		return "The kept copy could not be read: " + err.Error()
	case fromURL:
		return "The model could not be downloaded from that address. The server may be unreachable, or it does not let other sites read the file (it must send CORS headers allowing this page and exposing Content-Range): " + err.Error()
	default:
		return "The model could not be downloaded: " + err.Error()
	}
}
