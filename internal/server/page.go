package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Files of the web directory that the page references. app.wasm is built by
// `GOOS=js GOARCH=wasm go build -o web/app.wasm ./cmd/serve`; the others are
// committed.
const (
	wasmFile   = "app.wasm"
	engineFile = "engine.wasm"      // the engine, run in a Web Worker (cmd/worker)
	workerFile = "engine-worker.js" // starts engine.wasm in the worker
	startFile  = "start.js"         // holds the page's wasm until the first interaction
	styleFile  = "heed.css"
	iconSVG    = "icon.svg"
	icon192    = "icon-192.png"
	icon512    = "icon-512.png"
	// The chart library, fetched at a pinned version by
	// `go run ./internal/webdeps/fetch -dir web` (make web/echarts.min.js).
	echartsFile = "echarts.min.js"
)

// appHandler configures go-app's handler for heed's pages. Every /web/ URL it
// emits is content-addressed through assets, and its Version is the hash of
// the whole web directory, so the service worker refreshes exactly when the
// app changed. The page components are registered by package heed/app.
func appHandler(assets *Assets, firstScreen, base string) (*app.Handler, error) {
	for _, name := range []string{wasmFile, engineFile, workerFile, startFile, styleFile, iconSVG, icon192, icon512} {
		if !assets.Has(name) {
			return nil, fmt.Errorf("web directory lacks %s (build the app first: make build)", name)
		}
	}
	if !assets.Has(echartsFile) {
		return nil, fmt.Errorf("web directory lacks %s (fetch it first: make web/%s)", echartsFile, echartsFile)
	}
	wasm, err := assets.digest(wasmFile)
	if err != nil {
		return nil, fmt.Errorf("web directory: %w", err)
	}
	res := based{assets: assets, prefix: strings.TrimRight(base, "/")}
	return &app.Handler{
		Name:        "heed",
		ShortName:   "heed",
		Title:       "heed",
		Description: "Steer a language model's attention: GUIDE and Influence over GGUF models.",
		Icon: app.Icon{
			Default:  webPrefix + icon192,
			Large:    webPrefix + icon512,
			Maskable: webPrefix + icon512,
			SVG:      webPrefix + iconSVG,
		},
		BackgroundColor: "#f7f7f5",
		ThemeColor:      "#1d3b53",
		LoadingLabel:    "Loading heed {progress}%",
		Styles:          []string{res.Resolve(webPrefix + styleFile)},
		// Loaded without defer, so it runs while the page is parsed, before
		// go-app's deferred loader captures WebAssembly.instantiateStreaming.
		// The chart library is not a page script: the charts load it when
		// they first draw (heed/app/chart), so it never delays the first paint.
		Scripts:   []string{res.Resolve(webPrefix + startFile)},
		Resources: res,
		Version:   assets.Version(),
		// The uncompressed size: with Content-Encoding the Content-Length is the
		// compressed size, which would push the loader's progress past 100%.
		WasmContentLength: strconv.FormatInt(wasm.size, 10),

		// The page's engine worker: its script and wasm, content-addressed;
		// wasm_exec.js is go-app's own (Go's, for this toolchain).
		Env: map[string]string{
			"HEED_WORKER_JS":   res.Resolve(webPrefix + workerFile),
			"HEED_ENGINE_WASM": res.Resolve(webPrefix + engineFile),
			"HEED_WASM_EXEC":   res.Resolve("/wasm_exec.js"),
			"HEED_ECHARTS":     res.Resolve(webPrefix + echartsFile),
			// The sample's run, computed by the server, which the first
			// paint shows and the client starts from (heed/app.FirstScreen).
			"HEED_FIRST": firstScreen,
		},

		// go-app's worker caches the page, its scripts, styles, wasm and PNG
		// icons; the engine worker's files and the SVG icon (the page's
		// favicon) are added so that an offline start requests nothing from
		// the network.
		CacheableResources: []string{webPrefix + iconSVG, webPrefix + workerFile, webPrefix + engineFile, webPrefix + echartsFile},
	}, nil
}

// based resolves the page's URLs below a path prefix ("" at the root): a
// static build served from https://host/heed/ (make site) references
// /heed/app.js, /heed/web/app.wasm?v=…, and so on. Resolving an already
// resolved URL changes nothing, as go-app resolves some twice.
type based struct {
	assets *Assets
	prefix string
}

func (b based) Resolve(location string) string {
	if strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://") {
		return location
	}
	if b.prefix != "" && (location == b.prefix || strings.HasPrefix(location, b.prefix+"/")) {
		return location
	}
	location = b.assets.Resolve(location)
	if b.prefix == "" {
		return location
	}
	if location == "/" {
		return b.prefix + "/"
	}
	return b.prefix + location
}
