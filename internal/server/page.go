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

// The CPU executor's WebAssembly SIMD kernels (engine/wasmkernels), copied
// into the web directory by the build (make build; wasmkernels.Files): the
// engine worker loads the script before the engine, and the script fetches
// the others by the URLs the page passes it. A web directory without them
// still serves: the engine then runs Go's kernels, about ten times slower.
var kernelFiles = []struct{ name, env string }{
	{"heed-kernels.js", "HEED_KERNELS_JS"},
	{"kernels.wasm", "HEED_KERNELS_WASM"},
	{"kernels-mt.wasm", "HEED_KERNELS_MT_WASM"},
	{"heed-kernels-worker.js", "HEED_KERNELS_WORKER_JS"},
}

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
	env := map[string]string{
		"HEED_WORKER_JS":   res.Resolve(webPrefix + workerFile),
		"HEED_ENGINE_WASM": res.Resolve(webPrefix + engineFile),
		"HEED_WASM_EXEC":   res.Resolve("/wasm_exec.js"),
		"HEED_ECHARTS":     res.Resolve(webPrefix + echartsFile),
		// The sample's run, computed by the server, which the first
		// paint shows and the client starts from (heed/app.FirstScreen).
		"HEED_FIRST": firstScreen,
	}
	// go-app's worker caches the page, its scripts, styles, wasm and PNG
	// icons; the engine worker's files, the kernels and the SVG icon (the
	// page's favicon) are added so that an offline start requests nothing
	// from the network.
	cacheable := []string{webPrefix + iconSVG, webPrefix + workerFile, webPrefix + engineFile, webPrefix + echartsFile}
	if hasAll(assets, kernelFiles) {
		for _, f := range kernelFiles {
			env[f.env] = res.Resolve(webPrefix + f.name)
			cacheable = append(cacheable, webPrefix+f.name)
		}
	}
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
		Env:                env,
		CacheableResources: cacheable,
	}, nil
}

// hasAll reports whether the web directory holds every one of files.
func hasAll(assets *Assets, files []struct{ name, env string }) bool {
	for _, f := range files {
		if !assets.Has(f.name) {
			return false
		}
	}
	return true
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
