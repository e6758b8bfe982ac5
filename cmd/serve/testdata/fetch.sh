#!/usr/bin/env bash
# Fetches the page checkers the browser tests and `make bench-page` run:
# Lighthouse (audits: performance, accessibility, best practices, SEO) and
# axe-core (accessibility rules run inside the page), both from npm at exact
# versions, into $ROOT/testdata/cache/npm-page. Idempotent: when both are
# present at their pinned versions it returns without touching the network.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
PREFIX="$ROOT/testdata/cache/npm-page"

# Exact versions: Lighthouse 13 needs Node 22; Debian's is 20.
PACKAGES=(
	"lighthouse@12.2.3"
	"axe-core@4.14.1"
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
