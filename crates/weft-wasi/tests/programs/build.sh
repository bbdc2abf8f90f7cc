#!/usr/bin/env bash
# Rebuilds the checked-in test modules from their C sources. Needs the Debian packages clang-19,
# lld-19, wasi-libc and libclang-rt-19-dev-wasm32 (apt-get install -y clang-19 lld-19 wasi-libc
# libclang-rt-19-dev-wasm32). The .wasm files are committed so `cargo test` does not need clang.
set -euo pipefail
cd "$(dirname "$0")"
for src in *.c; do
    clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -Wno-unused-result \
        -Wl,--strip-all -o "${src%.c}.wasm" "$src"
    echo "built ${src%.c}.wasm ($(stat -c %s "${src%.c}.wasm") bytes)"
done
