package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"time"

	goapp "github.com/maxence-charriere/go-app/v10/pkg/app"

	"heed/app/blobfile"
	"heed/app/httprange"
	"heed/app/jspromise"
	"heed/app/keep"
)

// Element ids of the model sources' controls.
const (
	fileInputID = "heed-open-file"
	urlInputID  = "heed-model-url"
)

// sources is the state of the other ways to get a model than the server's
// list: a local file (chosen or dropped), a URL, and the models kept on this
// device for offline use.
type sources struct {
	// page is the workbench's own context (from OnMount). Work started from a
	// control that disappears while it runs (Keep offline, Delete) reports
	// through it: go-app drops a Dispatch whose source element is gone.
	page       goapp.Context
	loaded     modelSource // where the loaded model was read from; Keep offline reads it again
	loadedSize int64       // its size in bytes: a kept file of that name and size is a copy of it
	dragOver   bool
	url        string
	kept       keptState
}

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
func (s sources) dropState() string {
	if s.dragOver {
		return "over"
	}
	return "none"
}

// blobProgress adapts a blob reader's progress to the progress bar's.
func blobProgress(report func(httprange.Progress)) func(read, size int64) {
	start := time.Now()
	return func(read, size int64) {
		report(httprange.Progress{Fetched: read, Size: size, Elapsed: time.Since(start)})
	}
}

// keptSource reads a kept model back from the device's storage.
func keptSource(name string) modelSource {
	return modelSource{name: name, kind: fromKept,
		open: func(ctx context.Context, report func(httprange.Progress)) (io.ReaderAt, int64, error) {
			r, err := keep.Open(ctx, name, blobfile.Options{Progress: blobProgress(report)})
			if err != nil {
				return nil, 0, err
			}
			return r, r.Size(), nil
		}}
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

// busy reports whether a load, generation or measurement is running, which
// every model control waits for.
func (w *Workbench) busy() bool {
	return w.status == modelLoading || w.gen.running || w.infl.running
}

// openChosenFile loads the file in the file input (chosen there or dropped
// on the panel).
func (w *Workbench) openChosenFile(ctx goapp.Context) {
	if w.busy() {
		return
	}
	src, err := chosenFileSource(fileInputID)
	if err != nil {
		w.status, w.loadErr = modelError, "The file could not be opened: "+err.Error()
		return
	}
	w.loadFrom(ctx, src)
}

// onDragOver accepts a drag carrying files and shows the drop target.
func (w *Workbench) onDragOver(ctx goapp.Context, e goapp.Event) {
	e.PreventDefault()
	if w.busy() {
		return
	}
	e.Get("dataTransfer").Set("dropEffect", "copy")
	w.src.dragOver = true
}

// onDragLeave hides the drop target when the drag leaves the panel (not
// when it moves onto one of the panel's children).
func (w *Workbench) onDragLeave(ctx goapp.Context, e goapp.Event) {
	if rel := e.Get("relatedTarget"); rel.Truthy() && e.Get("currentTarget").Call("contains", rel).Bool() {
		return
	}
	w.src.dragOver = false
}

// onDrop hands a dropped file to the file input and loads it from there, so
// a dropped file and a chosen one take the same path.
func (w *Workbench) onDrop(ctx goapp.Context, e goapp.Event) {
	e.PreventDefault()
	w.src.dragOver = false
	if w.busy() {
		return
	}
	files := e.Get("dataTransfer").Get("files")
	if !files.Truthy() || files.Length() == 0 {
		w.status, w.loadErr = modelError, "Only files can be dropped here: drop a .gguf model file."
		return
	}
	goapp.Window().GetElementByID(fileInputID).Set("files", files)
	w.openChosenFile(ctx)
}

// loadURL loads the model at the address in the URL field.
func (w *Workbench) loadURL(ctx goapp.Context) {
	if w.busy() {
		return
	}
	u, name, err := parseModelURL(w.src.url)
	if err != nil {
		w.status, w.loadErr = modelError, err.Error()
		return
	}
	w.loadFrom(ctx, urlSource(name, fromURL, u.String()))
}

// mountSources keeps the workbench's context and lists the kept models.
func (w *Workbench) mountSources(ctx goapp.Context) {
	w.src.page = ctx
	w.refreshKept()
}

// refreshKept lists the kept models and the storage they use.
func (w *Workbench) refreshKept() {
	ctx := w.src.page
	ctx.Async(func() {
		models, err := keep.List(ctx)
		usage, uerr := keep.Estimate(ctx)
		pctx, cancel := context.WithTimeout(ctx, persistedTimeout)
		persisted, _ := keep.Persisted(pctx)
		cancel()
		ctx.Dispatch(func(goapp.Context) {
			k := &w.src.kept
			k.listed, k.models, k.err, k.persisted = true, models, "", persisted
			if err == nil {
				err = uerr
			}
			if err != nil {
				k.err = describeKeepError(err)
			} else {
				k.usage = usage
			}
		})
	})
}

// keepLoaded copies the loaded model into the device's storage, reading it
// again from where it was loaded.
func (w *Workbench) keepLoaded() {
	ctx := w.src.page
	src := w.src.loaded
	if w.sess == nil || src.open == nil || w.src.kept.saving != "" {
		return
	}
	// Asked here, while the click that started the save counts as a user gesture.
	keep.RequestPersist()
	kctx, cancel := context.WithCancel(ctx)
	k := &w.src.kept
	k.saving, k.progress, k.cancel, k.err = src.name, httprange.Progress{}, cancel, ""
	ctx.Async(func() {
		defer cancel()
		start := time.Now()
		progress := func(done, total int64) {
			ctx.Dispatch(func(goapp.Context) {
				k.progress = httprange.Progress{Fetched: done, Size: total, Elapsed: time.Since(start)}
			})
		}
		err := safely(func() error {
			r, size, err := src.open(kctx, func(httprange.Progress) {})
			if err != nil {
				return err
			}
			return keep.Save(kctx, src.name, r, size, progress)
		})
		ctx.Dispatch(func(goapp.Context) {
			k.saving, k.cancel = "", nil
			switch {
			case errors.Is(err, context.Canceled):
				k.err = "Keeping " + src.name + " was cancelled."
			case err != nil:
				k.err = describeKeepError(err)
			}
			w.refreshKept()
		})
	})
}

// deleteKept removes a kept model from the device.
func (w *Workbench) deleteKept(name string) {
	ctx := w.src.page
	ctx.Async(func() {
		err := keep.Delete(ctx, name)
		ctx.Dispatch(func(goapp.Context) {
			w.src.kept.err = ""
			if err != nil {
				w.src.kept.err = describeKeepError(err)
			}
			w.refreshKept()
		})
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
func (w *Workbench) keptCopy() (keep.Model, bool) {
	for _, m := range w.src.kept.models {
		if m.Name == w.src.loaded.name && m.Size == w.src.loadedSize {
			return m, true
		}
	}
	return keep.Model{}, false
}
