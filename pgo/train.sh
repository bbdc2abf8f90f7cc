#!/usr/bin/env bash
# Regenerates pgo/weft.profdata, the profile that release builds are optimized with (pgo/README.md).
# Run it after changing the compiler (crates/weft/src/compiler, wasmparser's version), then commit the
# profile. About 3 min on 2 cores.
#
# How: an instrumented build compiles and runs a training set, and llvm-profdata merges the counters.
# The training set is the corpus's C kernels with their libc: each compiled single-threaded and in
# parallel, and run at a small size (so the runtime and WASI paths are not marked cold). sqlite, lua54
# and minilua, which bench/compile.py measures, are kept out of it. (The spec suites made the profile
# worse when tried: their thousands of tiny and invalid modules make the error paths look hot.) Only
# weft's own Rust code is affected: build.rs compiles the stencils with its own flags, and both
# builds emit the same machine code.
#
# Needs llvm-profdata: rustup's llvm-tools component if installed, else one on PATH (Debian: llvm-19).
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
root=$PWD
shared=${WEFT_SHARED:-$root/../shared}
triple=x86_64-unknown-linux-gnu
# RUSTFLAGS replaces the rustflags of .cargo/config.toml: repeat them.
base_flags="-C target-feature=+crt-static"

# llvm-profdata must read the raw format of rustc's LLVM: rustup's own copy first, then the newest on
# PATH (an older one rejects the files as "unsupported instrumentation profile format version").
# Without either, on Debian, install llvm-19 (rustc 1.95 writes LLVM 22 profiles; 19 reads them, 14
# does not). Checked before the 2-minute instrumented build, not after it.
sysroot_tool="$(rustc --print sysroot)/lib/rustlib/$triple/bin/llvm-profdata"
if [ ! -x "$sysroot_tool" ] \
    && ! compgen -c llvm-profdata- | grep -qE '^llvm-profdata-(19|[2-9][0-9])$' \
    && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "train: installing Debian's llvm-19 for llvm-profdata-19" >&2
    apt-get install -y -qq llvm-19 >/dev/null || { apt-get update -qq && apt-get install -y -qq llvm-19 >/dev/null; }
fi
profdata_tools=()
[ -x "$sysroot_tool" ] && profdata_tools+=("$sysroot_tool")
for p in $(compgen -c llvm-profdata- | sort -u | sort -t- -k3 -n -r) llvm-profdata; do
    command -v "$p" >/dev/null && profdata_tools+=("$p")
done
if [ ${#profdata_tools[@]} -eq 0 ]; then
    echo "train: llvm-profdata not found (rustup component add llvm-tools, or apt-get install llvm-19)" >&2
    exit 1
fi

corpus="$shared/bench/corpus/out/wasm"
kernels=()
for f in "$corpus"/*.wasm; do
    case "$(basename "$f")" in
        sqlite*|lua54*|minilua*) ;;  # measured by bench/compile.py: kept out of the training set
        *) kernels+=("$f") ;;
    esac
done
if [ ${#kernels[@]} -eq 0 ]; then
    echo "train: training set not found under $shared (set WEFT_SHARED)" >&2
    exit 1
fi

work="$root/target/pgo-train"
rm -rf "$work/profiles"
mkdir -p "$work/profiles"

echo "train: instrumented build" >&2
RUSTFLAGS="$base_flags -Cprofile-generate=$work/profiles" \
    cargo build --release -p weft-cli --target-dir "$work/target"
instrumented="$work/target/$triple/release/weft"

echo "train: training on ${#kernels[@]} kernel modules" >&2
export LLVM_PROFILE_FILE="$work/profiles/weft-%p.profraw"
for f in "${kernels[@]}"; do
    "$instrumented" compile --single-threaded "$f" >/dev/null
    "$instrumented" compile "$f" >/dev/null
done
# Small sizes of the corpus's kernel runs (its manifest.json): instantiation, WASI, the exit path.
run() { "$instrumented" run "$corpus/$1.wasm" "${@:2}" >/dev/null; }
for v in "" .mvp; do
    run matmul$v 60; run jacobi2d$v 60 5; run nbody$v 1000; run sieve$v 10000 2
    run crc32$v 1 1; run fannkuch$v 7 1; run mandelbrot$v 100
done
unset LLVM_PROFILE_FILE

# Sparse: functions that never ran are left out (a tenth of the size), and LLVM optimizes them as it
# would without a profile.
merged=
for p in "${profdata_tools[@]}"; do
    if "$p" merge --sparse -o "$root/pgo/weft.profdata" "$work"/profiles/*.profraw 2>/dev/null; then merged=$p; break; fi
done
if [ -z "$merged" ]; then
    echo "train: no llvm-profdata here reads rustc's profiles (tried: ${profdata_tools[*]}); rustc $(rustc --version --verbose | grep LLVM)" >&2
    exit 1
fi
# Cargo does not track the profile (only the wrapper reads it), so nothing is rebuilt by itself.
echo "train: pgo/weft.profdata written by $merged; \`cargo clean --release\` makes the next release build use it" >&2
