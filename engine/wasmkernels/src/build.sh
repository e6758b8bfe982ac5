#!/bin/sh
# Builds kernels.wasm and kernels-mt.wasm into the directory $1 (default: the
# package directory above) from kernels.c, with Debian bookworm's clang and
# lld 14 (apt-get install clang lld). The outputs are committed, so serving
# the app needs no C toolchain; TestBuildIsReproducible rebuilds them with
# this script and fails when the bytes differ. The output does not depend on
# the checkout's path (-ffile-prefix-map; --strip-all leaves no names).
#
# No data segments and no stack (TestModulesArePureCode): kernels.wasm runs
# inside the Go program's memory, and kernels-mt.wasm's instances share one
# memory across threads. -z stack-size=0 makes any use of a stack fault.
set -eu
cd "$(dirname "$0")"
out=${1:-..}
CC=${CC:-clang}
flags="--target=wasm32 -O3 -msimd128 -mbulk-memory -mnontrapping-fptoint -nostdlib -ffreestanding -fno-builtin
 -ffile-prefix-map=$(pwd)=. -Wall -Wextra -Werror
 -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all -Wl,-z,stack-size=0 -Wl,--initial-memory=65536"
# One thread: the memory is the Go program's own (not shared).
$CC $flags -o "$out/kernels.wasm" kernels.c
# Worker threads: a shared memory of up to 4 GiB, the wasm32 limit.
$CC $flags -matomics -Wl,--shared-memory -Wl,--max-memory=4294967296 -o "$out/kernels-mt.wasm" kernels.c
