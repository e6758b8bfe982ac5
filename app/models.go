package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"time"

	"heed/app/httprange"
	"heed/app/wire"
	"heed/internal/server/api"
)

// modelStatus is where the model stands.
type modelStatus int

const (
	modelNone modelStatus = iota
	modelLoading
	modelError
	modelLoaded
)

func (s modelStatus) String() string {
	return [...]string{"none", "loading", "error", "loaded"}[s]
}

// listStatus is where the server's model list stands.
type listStatus int

const (
	listLoading listStatus = iota
	listError
	listLoaded
)

// modelState is the model drawer's state: the server's list, the model
// loaded (or loading), and the other sources.
type modelState struct {
	base    *url.URL // the page's URL: the API and model URLs are absolute from it
	list    listStatus
	models  []api.Model
	listErr string

	status   modelStatus
	loading  string // name of the model being loaded, then loaded
	progress wire.Progress
	err      string
	info     *wire.Loaded
	src      modelSource // where the loaded model was read from
	size     int64       // its size in bytes
	// gpuFailed: the GPU failed under the loaded model (gpufailure.go).
	gpuFailed bool

	dragOver bool
	url      string
	kept     keptState
}

// modelSource is where a model file is read from: the server's models
// directory, a file the user chose or dropped, a URL, or a kept copy.
type modelSource struct {
	name   string
	kind   string // wire.FromURL, FromFile or FromKept
	server bool   // a URL of the page's own server
	url    string
	file   any // the browser's File, for wire.FromFile
}

// serverSource reads the named model from the page's server through Range
// requests.
func (s *Studio) serverSource(name string) modelSource {
	return modelSource{name: name, kind: wire.FromURL, server: true, url: siteURL(s.models.base, "models", name)}
}

// loadModel replaces the current model with the one src reads, on the
// backend the settings choose; it returns false while another run holds the
// engine. then, when set, runs once the model is loaded.
func (s *Studio) loadModel(src modelSource, then func()) bool {
	m := &s.models
	var l *wire.Loaded
	ok := s.start(jobLoad, func(ctx context.Context) error {
		var err error
		l, err = s.eng.Load(ctx, wire.LoadArgs{Kind: src.kind, Name: src.name, URL: src.url, Backend: s.settings.backend}, src.file,
			func(p wire.Progress) { s.later(func() { m.progress = p }, areaModel) })
		return err
	}, func(err error) {
		switch {
		case stopped(err):
			m.status, m.err = modelError, "Loading was cancelled."
		case err != nil:
			m.status, m.err = modelError, describeLoadError(src, err)
		default:
			m.status, m.info, m.src, m.size, m.err = modelLoaded, l, src, m.progress.Size, ""
			s.modelChanged()
			if then != nil {
				then()
			}
		}
	})
	if ok {
		m.status, m.loading, m.err, m.progress, m.gpuFailed = modelLoading, src.name, "", wire.Progress{}, false
		m.info = nil
		s.clearResults()
	}
	return ok
}

// modelChanged rebuilds what depends on the model: the prompt's tokens.
func (s *Studio) modelChanged() {
	s.rebuildPrompt()
}

// clearResults forgets every result of the previous model.
func (s *Studio) clearResults() {
	s.gen = genState{}
	s.heat = heatState{layer: -1}
	s.infl = influenceState{view: influenceView{linear: s.infl.view.linear}}
	s.sweep.values, s.sweep.deltas = nil, nil
	s.calib = calibState{}
}

// describeLoadError says in words what went wrong reading a model from src.
func describeLoadError(src modelSource, err error) string {
	switch wire.Code(err) {
	case wire.CodeNotGGUF:
		return "This file is not a GGUF model heed can read: " + err.Error()
	case wire.CodeUnsupported:
		return "heed cannot run this model yet: " + err.Error()
	case wire.CodeNoRange:
		return "The server could not send the file in pieces: " + err.Error()
	case wire.CodeNotKept:
		return "That model is no longer kept on this device."
	case wire.CodeInternal:
		return "The engine failed: " + err.Error()
	}
	switch {
	case src.kind == wire.FromFile:
		return "The file could not be read: " + err.Error()
	case src.kind == wire.FromKept:
		return "The kept copy could not be read: " + err.Error()
	case !src.server:
		return "The model could not be downloaded from that address. The server may be unreachable, or it does not let other sites read the file (it must send CORS headers allowing this page and exposing Content-Range): " + err.Error()
	default:
		return "The model could not be downloaded: " + err.Error()
	}
}

// maxListingBytes bounds the listing the client will decode; a directory of a
// few thousand models stays far below it.
const maxListingBytes = 4 << 20

// listTimeout bounds the listing request; the server answers from memory
// and directory metadata, so seconds mean it is unreachable.
const listTimeout = 15 * time.Second

// listURL is where the page's server lists its models: /api/models, or
// api/models beside the page when it is served from a sub-path (make site).
func listURL(page *url.URL) string { return siteURL(page, "api", "models") }

// siteURL is the absolute URL of a path below the page's directory: the
// server's root, or the sub-path a static build is served from.
func siteURL(page *url.URL, elem ...string) string {
	dir := path.Dir(page.Path + "x") // "/" for "/", "/heed" for "/heed/" and "/heed/index.html"
	u := url.URL{Scheme: page.Scheme, Host: page.Host, Path: path.Join(append([]string{dir}, elem...)...)}
	return u.String()
}

// fetchModels asks the server that served the page for its model listing.
// The URL is absolute because the wasm net/http client has no base URL.
func fetchModels(ctx context.Context, client *http.Client, page *url.URL) ([]api.Model, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, listURL(page), nil)
	if err != nil {
		return nil, fmt.Errorf("model list: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			err = fmt.Errorf("%w: %w", errUnreachable, err)
		}
		return nil, fmt.Errorf("model list: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("model list: server answered %s", resp.Status)
	}
	var body api.Models
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxListingBytes)).Decode(&body); err != nil {
		return nil, fmt.Errorf("model list: %w", err)
	}
	return body.Models, nil
}

// errUnreachable marks a request that got no answer at all: the page is
// offline or the server has stopped.
var errUnreachable = errors.New("no answer from the server")

// describeListError says in words why the model list is missing.
func describeListError(err error) string {
	switch {
	case errors.Is(err, errUnreachable):
		return "the server cannot be reached; you may be offline, or it has stopped."
	case errors.Is(err, context.DeadlineExceeded):
		return "the server did not answer in time."
	default:
		return err.Error()
	}
}

// listModels fetches the server's list and loads the default model.
func (s *Studio) listModels(then func()) {
	m := &s.models
	s.async(func() {
		ctx, cancel := context.WithTimeout(s.ctx, listTimeout)
		defer cancel()
		models, err := fetchModels(ctx, http.DefaultClient, m.base)
		s.later(func() {
			if err != nil {
				m.list, m.listErr = listError, describeListError(err)
				return
			}
			m.list, m.models = listLoaded, models
			for _, md := range models {
				if md.Default && md.Error == "" && m.status == modelNone {
					s.loadModel(s.serverSource(md.Name), then)
				}
			}
		}, areaModel)
	})
}

// parseModelURL checks a URL typed by the user and names the model after
// the last segment of its path.
func parseModelURL(raw string) (u *url.URL, name string, err error) {
	u, err = url.Parse(raw)
	if err != nil || raw == "" {
		return nil, "", errors.New("Enter the address of a GGUF file, such as https://example.org/model.gguf.")
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, "", fmt.Errorf("%q is not a web address: it must start with https://.", raw)
	}
	name = path.Base(u.Path)
	if name == "/" || name == "." {
		name = u.Host
	}
	return u, name, nil
}

// formatSize writes a byte count in binary units with three significant
// digits, as file sizes are usually shown ("1.13 MiB", "4.07 GiB").
func formatSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n) / 1024
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, units[i])
	case v >= 10:
		return fmt.Sprintf("%.1f %s", v, units[i])
	default:
		return fmt.Sprintf("%.2f %s", v, units[i])
	}
}

// progressOf is a load's progress as httprange reports it, for the bar.
func progressOf(p wire.Progress) httprange.Progress {
	return httprange.Progress{Fetched: p.Fetched, Size: p.Size, Elapsed: time.Duration(p.ElapsedMS * float64(time.Millisecond))}
}
