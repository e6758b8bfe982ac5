//go:build !(js && wasm)

// Command serve is heed's static server: the browser app built from this
// same main (GOOS=js GOARCH=wasm) and the GGUF models directory.
//
//	serve [-addr 127.0.0.1:8080] [-models ./models] [-web ./web]
//	serve -compress web/app.wasm    write app.wasm.gz and app.wasm.br, then exit
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
	"strings"
	"syscall"

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
	addr, models, web, defaultModel, compress, hosts string
	fetchDefault                                     bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
	fs.StringVar(&o.models, "models", "models", "directory of GGUF model files, served at /models/")
	fs.StringVar(&o.web, "web", "web", "go-app static directory holding app.wasm, served at /web/")
	fs.StringVar(&o.defaultModel, "default", defaultmodel.Name, "file name of the default model")
	fs.BoolVar(&o.fetchDefault, "fetch-default", true, "fetch the default model ("+defaultmodel.Name+") if it is missing")
	fs.StringVar(&o.hosts, "hosts", "", "comma-separated Host names to accept besides the loopback ones; a non-loopback -addr without it accepts any")
	fs.StringVar(&o.compress, "compress", "", "write FILE.gz and FILE.br beside FILE and exit")
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
	if o.fetchDefault && o.defaultModel == defaultmodel.Name {
		if _, err := defaultmodel.Ensure(o.models); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{
		WebDir:       o.web,
		ModelsDir:    o.models,
		DefaultModel: o.defaultModel,
		AllowedHosts: allowedHosts(ln.Addr(), o.hosts),
		Log:          slog.New(slog.NewTextHandler(stderr, nil)),
	})
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "heed: serving http://%s/\n", ln.Addr())
	return srv.Serve(ctx, ln)
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
