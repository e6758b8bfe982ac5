// Package server is heed's static server: the browser app (go-app's pages,
// service worker and manifest, the precompressed wasm under /web/), the
// models directory at /models/NAME with Range and conditional requests, and
// the model listing at /api/models. It answers GET and HEAD only, never lists
// a directory, never serves a path outside its two roots, and sends a
// Content-Security-Policy under which the app runs.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// Config is what New needs; zero durations take the defaults below.
type Config struct {
	WebDir       string // go-app's static directory, holding app.wasm
	ModelsDir    string // GGUF files; "" for none (only DefaultModelFile)
	DefaultModel string // file name in ModelsDir marked as the default
	// DefaultModelFile, when set, is served as DefaultModel whenever
	// ModelsDir has no file of that name (the download cache's copy), with
	// its verified digest DefaultModelSHA256.
	DefaultModelFile, DefaultModelSHA256 string
	// FirstScreen is the sample's run as JSON (heed/app.FirstScreenJSON),
	// passed to the page's client; "" for none.
	FirstScreen string
	// AllowedHosts limits the Host header (names or IPs, no port); empty
	// allows any. A loopback server should allow only loopback names.
	AllowedHosts []string
	Log          *slog.Logger

	ReadHeaderTimeout time.Duration // request line and headers
	ReadTimeout       time.Duration // whole request
	WriteTimeout      time.Duration // between two writes of a response (sliding)
	IdleTimeout       time.Duration // keep-alive wait for the next request
	ShutdownTimeout   time.Duration // in-flight requests' grace on shutdown
	MaxHeaderBytes    int
}

// Defaults for Config's zero values.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 15 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultShutdownTimeout   = 10 * time.Second
	// DefaultMaxHeaderBytes fits any browser request; larger ones get 431.
	DefaultMaxHeaderBytes = 16 << 10
)

// LoopbackHosts are the Host names a server bound to loopback accepts.
var LoopbackHosts = []string{"localhost", "127.0.0.1", "::1"}

// Server is a configured heed server.
type Server struct {
	cfg     Config
	assets  *Assets
	models  *Models
	handler http.Handler
}

// New opens the two directories and builds the handler.
func New(cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	setDefault(&cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&cfg.ReadTimeout, DefaultReadTimeout)
	setDefault(&cfg.WriteTimeout, DefaultWriteTimeout)
	setDefault(&cfg.IdleTimeout, DefaultIdleTimeout)
	setDefault(&cfg.ShutdownTimeout, DefaultShutdownTimeout)
	if cfg.MaxHeaderBytes == 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	assets, err := OpenAssets(cfg.WebDir)
	if err != nil {
		return nil, err
	}
	page, err := appHandler(assets, cfg.FirstScreen, "")
	if err != nil {
		assets.Close()
		return nil, err
	}
	models, err := OpenModels(cfg.ModelsDir, cfg.DefaultModel, cfg.Log)
	if err != nil {
		assets.Close()
		return nil, err
	}
	if cfg.DefaultModelFile != "" {
		models.AddFile(cfg.DefaultModel, cfg.DefaultModelFile, cfg.DefaultModelSHA256)
	}
	hosts := make(map[string]bool)
	for _, h := range cfg.AllowedHosts {
		hosts[strings.ToLower(h)] = true
	}
	h := &handler{assets: assets, models: models, app: page, hosts: hosts}
	return &Server{
		cfg:     cfg,
		assets:  assets,
		models:  models,
		handler: logRequests(h, cfg.Log, cfg.WriteTimeout),
	}, nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d == 0 {
		*d = v
	}
}

// Handler is the whole server as an http.Handler (routing, security headers,
// logging, write deadlines).
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers requests on ln until ctx is cancelled, then stops accepting,
// lets in-flight requests finish for up to ShutdownTimeout, closes what is
// left and releases the directories. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		// "OPTIONS *" reaches the handler (and its 405) instead of net/http's 200.
		DisableGeneralOptionsHandler: true,
		Handler:                      s.handler,
		ReadHeaderTimeout:            s.cfg.ReadHeaderTimeout,
		ReadTimeout:                  s.cfg.ReadTimeout,
		// The first write must start within WriteTimeout; recorder slides it on.
		WriteTimeout:   s.cfg.WriteTimeout,
		IdleTimeout:    s.cfg.IdleTimeout,
		MaxHeaderBytes: s.cfg.MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(s.cfg.Log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	var err error
	select {
	case err = <-served:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		err = hs.Shutdown(sctx)
		cancel()
		if err != nil {
			err = errors.Join(fmt.Errorf("shutdown: %w", err), hs.Close())
		}
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
	}
	return errors.Join(err, s.Close())
}

// Close releases the directories and stops background digests. Serve calls
// it; call it directly only when Serve is not used.
func (s *Server) Close() error {
	return errors.Join(s.models.Close(), s.assets.Close())
}
