package app

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/httprange"
	"heed/app/jspromise"
	"heed/app/keep"
	"heed/app/wire"
)

// Element ids of the model sources' controls.
const (
	fileInputID = "heed-open-file"
	urlInputID  = "heed-model-url"
)

// keptState is the kept-models list and the save in flight.
type keptState struct {
	listed   bool
	models   []keep.Model
	usage    keep.Usage
	err      string
	saving   string // name of the model being kept
	progress httprange.Progress
	cancel   context.CancelFunc
	// persisted: the browser promised not to evict kept models under storage pressure.
	persisted bool
}

// persistedTimeout bounds the question whether storage is persistent: the
// answer only changes a note under the list.
const persistedTimeout = 2 * time.Second

// dropState is the panel's data-drop attribute: "over" while a file is
// dragged over it (the stylesheet shows the drop target), "none" otherwise.
func (m *modelState) dropState() string {
	if m.dragOver {
		return "over"
	}
	return "none"
}

// keptSource reads a kept model back from the device's storage.
func keptSource(name string) modelSource { return modelSource{name: name, kind: wire.FromKept} }

// openChosenFile loads the file in the file input (chosen there or dropped
// on the panel).
func (s *Studio) openChosenFile() {
	if s.jobs.busy() {
		return
	}
	src, err := chosenFileSource(fileInputID)
	if err != nil {
		s.models.status, s.models.err = modelError, "The file could not be opened: "+err.Error()
		return
	}
	s.loadModel(src, nil)
}

// onDragOver accepts a drag carrying files and shows the drop target.
func (s *Studio) onDragOver(ctx goapp.Context, e goapp.Event) {
	e.PreventDefault()
	if s.jobs.busy() {
		return
	}
	e.Get("dataTransfer").Set("dropEffect", "copy")
	s.models.dragOver = true
	s.touch(areaModel)
}

// onDragLeave hides the drop target when the drag leaves the panel (not
// when it moves onto one of the panel's children).
func (s *Studio) onDragLeave(ctx goapp.Context, e goapp.Event) {
	if rel := e.Get("relatedTarget"); rel.Truthy() && e.Get("currentTarget").Call("contains", rel).Bool() {
		return
	}
	s.models.dragOver = false
	s.touch(areaModel)
}

// onDrop hands a dropped file to the file input and loads it from there, so
// a dropped file and a chosen one take the same path.
func (s *Studio) onDrop(ctx goapp.Context, e goapp.Event) {
	e.PreventDefault()
	s.models.dragOver = false
	s.touch(areaModel)
	if s.jobs.busy() {
		return
	}
	files := e.Get("dataTransfer").Get("files")
	if !files.Truthy() || files.Length() == 0 {
		s.models.status, s.models.err = modelError, "Only files can be dropped here: drop a .gguf model file."
		return
	}
	goapp.Window().GetElementByID(fileInputID).Set("files", files)
	s.openChosenFile()
}

// loadURL loads the model at the address in the URL field.
func (s *Studio) loadURL() {
	if s.jobs.busy() {
		return
	}
	u, name, err := parseModelURL(s.models.url)
	if err != nil {
		s.models.status, s.models.err = modelError, err.Error()
		return
	}
	s.loadModel(modelSource{name: name, kind: wire.FromURL, url: u.String()}, nil)
}

// refreshKept lists the kept models and the storage they use.
func (s *Studio) refreshKept() {
	s.async(func() {
		ctx := s.ctx
		models, err := keep.List(ctx)
		usage, uerr := keep.Estimate(ctx)
		pctx, cancel := context.WithTimeout(ctx, persistedTimeout)
		persisted, _ := keep.Persisted(pctx)
		cancel()
		s.later(func() {
			k := &s.models.kept
			k.listed, k.models, k.err, k.persisted = true, models, "", persisted
			if err == nil {
				err = uerr
			}
			if err != nil {
				k.err = describeKeepError(err)
			} else {
				k.usage = usage
			}
		}, areaModel)
	})
}

// reopen reads src again on the page's side (to keep it offline): it moves
// bytes only, no model math.
func reopen(ctx context.Context, src modelSource) (io.ReaderAt, int64, error) {
	switch src.kind {
	case wire.FromURL:
		r, err := httprange.Open(ctx, http.DefaultClient, src.url, httprange.Options{})
		if err != nil {
			return nil, 0, err
		}
		return r, r.Size(), nil
	case wire.FromFile:
		return openFileValue(ctx, src.file)
	}
	return nil, 0, errors.New("a kept model is kept already")
}

// keepLoaded copies the loaded model into the device's storage, reading it
// again from where it was loaded.
func (s *Studio) keepLoaded() {
	src := s.models.src
	k := &s.models.kept
	if s.models.status != modelLoaded || src.kind == wire.FromKept || k.saving != "" {
		return
	}
	// Asked here, while the click that started the save counts as a user gesture.
	keep.RequestPersist()
	kctx, cancel := context.WithCancel(s.ctx)
	k.saving, k.progress, k.cancel, k.err = src.name, httprange.Progress{}, cancel, ""
	s.async(func() {
		defer cancel()
		start := time.Now()
		progress := func(done, total int64) {
			s.later(func() { k.progress = httprange.Progress{Fetched: done, Size: total, Elapsed: time.Since(start)} }, areaModel)
		}
		err := safely(func() error {
			r, size, err := reopen(kctx, src)
			if err != nil {
				return err
			}
			return keep.Save(kctx, src.name, r, size, progress)
		})
		s.later(func() {
			k.saving, k.cancel = "", nil
			switch {
			case errors.Is(err, context.Canceled):
				k.err = "Keeping " + src.name + " was cancelled."
			case err != nil:
				k.err = describeKeepError(err)
			}
			s.refreshKept()
		}, areaModel)
	})
}

// deleteKept removes a kept model from the device.
func (s *Studio) deleteKept(name string) {
	s.async(func() {
		err := keep.Delete(s.ctx, name)
		s.later(func() {
			s.models.kept.err = ""
			if err != nil {
				s.models.kept.err = describeKeepError(err)
			}
			s.refreshKept()
		}, areaModel)
	})
}

// describeKeepError says in words why the device's storage failed.
func describeKeepError(err error) string {
	var rej *jspromise.Rejected
	switch {
	case errors.Is(err, keep.ErrUnavailable):
		return "This browser cannot keep models for offline use here (it needs a secure page and the Origin Private File System)."
	case errors.Is(err, keep.ErrNotKept):
		return "That model is no longer kept on this device."
	case errors.As(err, &rej) && rej.Name == "QuotaExceededError":
		return "There is not enough storage on this device for the model: free some space or delete a kept model. (" + err.Error() + ")"
	default:
		return "The model could not be kept: " + err.Error()
	}
}

// keptCopy returns the kept copy of the loaded model (same name and size), if any.
func (s *Studio) keptCopy() (keep.Model, bool) {
	for _, m := range s.models.kept.models {
		if m.Name == s.models.src.name && m.Size == s.models.size {
			return m, true
		}
	}
	return keep.Model{}, false
}
