//go:build js && wasm

package keep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall/js"

	"heed/app/blobfile"
	"heed/app/jspromise"
)

// dirName is the OPFS directory holding kept models.
const dirName = "models"

// storage is navigator.storage, or an error when the page has none (an
// insecure origin, an old browser).
func storage() (js.Value, error) {
	s := js.Global().Get("navigator").Get("storage")
	if s.Type() != js.TypeObject || s.Get("getDirectory").Type() != js.TypeFunction {
		return js.Undefined(), ErrUnavailable
	}
	return s, nil
}

// dir opens the kept-models directory, creating it on first use.
func dir(ctx context.Context) (js.Value, error) {
	s, err := storage()
	if err != nil {
		return js.Undefined(), err
	}
	root, err := jspromise.Await(ctx, s.Call("getDirectory"))
	if err != nil {
		return js.Undefined(), fmt.Errorf("keep: opening the private file system: %w", err)
	}
	d, err := jspromise.Await(ctx, root.Call("getDirectoryHandle", dirName, map[string]any{"create": true}))
	if err != nil {
		return js.Undefined(), fmt.Errorf("keep: opening %s: %w", dirName, err)
	}
	return d, nil
}

// List returns the kept models in the order the browser lists them.
func List(ctx context.Context) ([]Model, error) {
	d, err := dir(ctx)
	if err != nil {
		return nil, err
	}
	it := d.Call("values")
	var out []Model
	for {
		step, err := jspromise.Await(ctx, it.Call("next"))
		if err != nil {
			return nil, fmt.Errorf("keep: listing: %w", err)
		}
		if step.Get("done").Truthy() {
			return out, nil
		}
		h := step.Get("value")
		if h.Get("kind").String() != "file" {
			continue
		}
		f, err := jspromise.Await(ctx, h.Call("getFile"))
		if err != nil {
			return nil, fmt.Errorf("keep: %s: %w", h.Get("name").String(), err)
		}
		out = append(out, Model{Name: h.Get("name").String(), Size: int64(f.Get("size").Float())})
	}
}

// Estimate returns the browser's estimate of this origin's storage use.
func Estimate(ctx context.Context) (Usage, error) {
	s, err := storage()
	if err != nil {
		return Usage{}, err
	}
	e, err := jspromise.Await(ctx, s.Call("estimate"))
	if err != nil {
		return Usage{}, fmt.Errorf("keep: estimating storage: %w", err)
	}
	return Usage{Used: int64(e.Get("usage").Float()), Quota: int64(e.Get("quota").Float())}, nil
}

// RequestPersist asks the browser not to evict this origin's storage under
// pressure. It does not wait for the answer: browsers may hold the promise
// open on a permission prompt (headless Chromium never settles it), and a
// refusal only means kept models may be evicted; Persisted reports the outcome.
func RequestPersist() {
	s, err := storage()
	if err != nil {
		return
	}
	// One function for both outcomes: exactly one runs, and releases it.
	var settled js.Func
	settled = js.FuncOf(func(js.Value, []js.Value) any {
		settled.Release()
		return nil
	})
	s.Call("persist").Call("then", settled, settled)
}

// Persisted reports whether the browser promised not to evict this origin's storage.
func Persisted(ctx context.Context) (bool, error) {
	s, err := storage()
	if err != nil {
		return false, err
	}
	ok, err := jspromise.Await(ctx, s.Call("persisted"))
	if err != nil {
		return false, fmt.Errorf("keep: asking whether storage is persistent: %w", err)
	}
	return ok.Truthy(), nil
}

// Save streams r (size bytes) into the kept file name. The browser writes to
// a swap file and replaces name only when the last chunk is in, so a failed
// or cancelled save leaves no partial model behind.
func Save(ctx context.Context, name string, r io.ReaderAt, size int64, progress func(done, total int64)) error {
	if err := CheckName(name); err != nil {
		return err
	}
	d, err := dir(ctx)
	if err != nil {
		return err
	}
	_, lookErr := jspromise.Await(ctx, d.Call("getFileHandle", name))
	created := lookErr != nil
	h, err := jspromise.Await(ctx, d.Call("getFileHandle", name, map[string]any{"create": true}))
	if err != nil {
		return fmt.Errorf("keep: %s: %w", name, err)
	}
	w, err := jspromise.Await(ctx, h.Call("createWritable"))
	if err != nil {
		return fmt.Errorf("keep: %s: opening for writing: %w", name, err)
	}
	jsBuf := js.Global().Get("Uint8Array").New(min(Chunk, max(size, 1)))
	err = copyChunks(ctx, r, size, Chunk, func(p []byte) error {
		view := jsBuf.Call("subarray", 0, len(p))
		js.CopyBytesToJS(view, p)
		// Awaited before the next chunk overwrites jsBuf.
		_, err := jspromise.Await(ctx, w.Call("write", view))
		return err
	}, progress)
	if err == nil {
		if _, err = jspromise.Await(ctx, w.Call("close")); err == nil {
			return nil
		}
		err = fmt.Errorf("finishing: %w", err)
	}
	// Cleanup runs on a fresh context, as ctx ending may be why the save stopped:
	// abort discards the swap file, and a file that getFileHandle created for
	// this save (empty) is removed so the list does not show it.
	cleanup := context.Background()
	_, aerr := jspromise.Await(cleanup, w.Call("abort"))
	if created {
		if _, rerr := jspromise.Await(cleanup, d.Call("removeEntry", name)); rerr != nil {
			aerr = errors.Join(aerr, rerr)
		}
	}
	return errors.Join(fmt.Errorf("keep: %s: %w", name, err), aerr)
}

// Delete removes the kept file name.
func Delete(ctx context.Context, name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	d, err := dir(ctx)
	if err != nil {
		return err
	}
	if _, err := jspromise.Await(ctx, d.Call("removeEntry", name)); err != nil {
		return fmt.Errorf("keep: deleting %s: %w", name, notKept(err))
	}
	return nil
}

// Open returns a reader over the kept file name.
func Open(ctx context.Context, name string, opt blobfile.Options) (*blobfile.Reader, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	d, err := dir(ctx)
	if err != nil {
		return nil, err
	}
	h, err := jspromise.Await(ctx, d.Call("getFileHandle", name))
	if err != nil {
		return nil, fmt.Errorf("keep: %s: %w", name, notKept(err))
	}
	f, err := jspromise.Await(ctx, h.Call("getFile"))
	if err != nil {
		return nil, fmt.Errorf("keep: %s: %w", name, err)
	}
	return blobfile.Open(ctx, f, opt)
}

// notKept turns the browser's NotFoundError into ErrNotKept.
func notKept(err error) error {
	var rej *jspromise.Rejected
	if errors.As(err, &rej) && rej.Name == "NotFoundError" {
		return fmt.Errorf("%w (%w)", ErrNotKept, err)
	}
	return err
}
