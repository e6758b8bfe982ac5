package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"heed/internal/server/api"
)

// maxListingBytes bounds the listing the client will decode; a directory of a
// few thousand models stays far below it.
const maxListingBytes = 4 << 20

// fetchModels asks the server that served page for its model listing.
// The URL is absolute because the wasm net/http client has no base URL.
func fetchModels(ctx context.Context, client *http.Client, page *url.URL) ([]api.Model, error) {
	u := url.URL{Scheme: page.Scheme, Host: page.Host, Path: api.ModelsPath}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
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

// listStatus is where the server's model list stands.
type listStatus int

const (
	listLoading listStatus = iota
	listError
	listLoaded
)

// listTimeout bounds the listing request; the server answers from memory
// and directory metadata, so seconds mean it is unreachable.
const listTimeout = 15 * time.Second
