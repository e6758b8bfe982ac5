package worker

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"heed/app/blobfile"
	"heed/app/httprange"
	"heed/app/keep"
	"heed/app/wire"
)

// sized is a model's bytes with their count: what a local file is natively
// (bytes.Reader, a wrapped os.File), for tests.
type sized interface {
	io.ReaderAt
	Size() int64
}

// openSource opens the model args name through the sources every build has:
// a URL through HTTP Range requests, a kept copy, and a local file, which
// openFile reads (a File object in the browser).
func openSource(ctx context.Context, args wire.LoadArgs, file any, progress func(fetched, size int64)) (io.ReaderAt, int64, error) {
	switch args.Kind {
	case wire.FromURL:
		r, err := httprange.Open(ctx, http.DefaultClient, args.URL, httprange.Options{
			Progress: func(p httprange.Progress) { progress(p.Fetched, p.Size) }})
		if err != nil {
			return nil, 0, err
		}
		return r, r.Size(), nil
	case wire.FromKept:
		r, err := keep.Open(ctx, args.Name, blobfile.Options{Progress: progress})
		if err != nil {
			return nil, 0, err
		}
		return r, r.Size(), nil
	case wire.FromFile:
		if s, ok := file.(sized); ok {
			return s, s.Size(), nil
		}
		return openFile(ctx, file, progress)
	}
	return nil, 0, fmt.Errorf("unknown model source %q", args.Kind)
}

// OpenSource is the worker's OpenFunc.
var OpenSource OpenFunc = openSource
