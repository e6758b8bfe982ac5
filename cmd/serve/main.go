//go:build !(js && wasm)

// Command serve is heed's static server: the browser app built from this
// same main (GOOS=js GOARCH=wasm), its engine worker (cmd/worker) and the
// GGUF models directory.
//
//	serve [-addr 127.0.0.1:8080] [-models ./models] [-web DIR]
//	serve -compress web/app.wasm    write app.wasm.gz and app.wasm.br, then exit
//
// It runs from any directory: without -web it uses ./web when that holds the
// built app, else the web directory beside the binary (bin/serve finds the
// repository's web/). The default model is served from the models directory
// when it is there, else from the download cache (internal/defaultmodel:
// $HEED_CACHE_DIR or the user's cache directory), fetched there once; it is
// never written into the models directory. Without -models and no ./models,
// only the default model is served.
//
// At start it runs the page's sample prompt on the default model (CPU,
// about a second) so the first paint shows the result (heed/app.FirstScreen).
//
// It prints the URL it serves on stdout, logs one line per request on stderr,
// and shuts down gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	heedapp "heed/app"
	"heed/internal/defaultmodel"
	"heed/internal/server"
)

func main() {
	heedapp.Register()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal starts a graceful shutdown, a second one
		// kills the process the default way.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "serve:", err)
		}
		os.Exit(2)
	}
}

// options are the command-line flags.
type options struct {
	addr, models, web, defaultModel, compress, hosts, site, base string
	fetchDefault                                                 bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
	fs.StringVar(&o.models, "models", "", "directory of GGUF model files, served at /models/ (default ./models when it exists)")
	fs.StringVar(&o.web, "web", "", "go-app static directory holding app.wasm, served at /web/ (default ./web, else the web directory beside this binary)")
	fs.StringVar(&o.defaultModel, "default", defaultmodel.Name, "file name of the default model")
	fs.BoolVar(&o.fetchDefault, "fetch-default", true, "fetch the default model ("+defaultmodel.Name+") into the download cache when no models directory holds it")
	fs.StringVar(&o.hosts, "hosts", "", "comma-separated Host names to accept besides the loopback ones; a non-loopback -addr without it accepts any")
	fs.StringVar(&o.compress, "compress", "", "write FILE.gz and FILE.br beside FILE and exit")
	fs.StringVar(&o.site, "site", "", "write the page as a static site into `DIR` (with the default model) and exit")
	fs.StringVar(&o.base, "base", "/", "with -site: the path the site is served from, e.g. /heed for https://user.github.io/heed/")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	return o, nil
}

// run serves until ctx is cancelled (or precompresses and returns).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.compress != "" {
		return server.Precompress(o.compress)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	web, err := webDir(o.web)
	if err != nil {
		return err
	}
	models := o.models
	if models == "" {
		if fi, err := os.Stat("models"); err == nil && fi.IsDir() {
			models = "models"
		}
	}
	cfg := server.Config{
		WebDir:       web,
		ModelsDir:    models,
		DefaultModel: o.defaultModel,
		Log:          log,
	}
	// The default model: in the models directory, else from the cache.
	var defaultPath string
	if o.defaultModel == defaultmodel.Name {
		if p := filepath.Join(models, defaultmodel.Name); models != "" && defaultmodel.Verify(p) == nil {
			defaultPath = p
		} else if o.fetchDefault {
			p, err := defaultmodel.Cached()
			if err != nil {
				log.Warn("the default model is not available", "err", err)
			} else {
				defaultPath, cfg.DefaultModelFile, cfg.DefaultModelSHA256 = p, p, defaultmodel.SHA256
			}
		}
	}
	if defaultPath != "" {
		if cfg.DefaultModelFile == "" {
			cfg.DefaultModelFile, cfg.DefaultModelSHA256 = defaultPath, defaultmodel.SHA256
		}
		fctx, cancel := context.WithTimeout(ctx, firstScreenTimeout)
		first, err := heedapp.FirstScreenJSON(fctx, defaultPath)
		cancel()
		if err != nil {
			log.Warn("the first screen's run failed; the page starts without it", "err", err)
		} else if err := heedapp.SetFirstScreen(first); err == nil {
			cfg.FirstScreen = first
		}
	}
	if o.site != "" {
		if !strings.HasPrefix(o.base, "/") {
			return fmt.Errorf("-base %q: the path must start with /", o.base)
		}
		if err := server.WriteSite(server.SiteConfig{WebDir: web, Base: o.base, DefaultModel: cfg.DefaultModel,
			DefaultModelFile: cfg.DefaultModelFile, DefaultModelSHA256: cfg.DefaultModelSHA256, FirstScreen: cfg.FirstScreen}, o.site); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "heed: wrote the static site to %s (served from %s)\n", o.site, o.base)
		return nil
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	cfg.AllowedHosts = allowedHosts(ln.Addr(), o.hosts)
	srv, err := server.New(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "heed: serving http://%s/\n", ln.Addr())
	return srv.Serve(ctx, ln)
}

// firstScreenTimeout bounds the sample's run at start (about a second).
const firstScreenTimeout = time.Minute

// webDir is the web directory to serve: dir when given, else ./web when it
// holds the built app, else the web directory beside the executable or one
// level up (bin/serve in the repository finds its web/).
func webDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	candidates := []string{"web"}
	if exe, err := os.Executable(); err == nil {
		if exe, err := filepath.EvalSymlinks(exe); err == nil {
			d := filepath.Dir(exe)
			candidates = append(candidates, filepath.Join(d, "web"), filepath.Join(d, "..", "web"))
		}
	}
	for _, c := range candidates {
		if fi, err := os.Stat(filepath.Join(c, "app.wasm")); err == nil && fi.Mode().IsRegular() {
			return c, nil
		}
	}
	return "", fmt.Errorf("no web directory with the built app (app.wasm) in %s: build it (make build) or pass -web", strings.Join(candidates, ", "))
}

// allowedHosts keeps a loopback server to loopback Host names (so a web page
// cannot reach it through DNS rebinding) plus the extra names given. A server
// on another interface accepts any Host unless names are given.
func allowedHosts(addr net.Addr, extra string) []string {
	var hosts []string
	for _, h := range strings.Split(extra, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return append(hosts, server.LoopbackHosts...)
	}
	return hosts
}
