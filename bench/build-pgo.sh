#!/usr/bin/env bash
# Builds weft with profile-guided optimization (PGO) into target/pgo/x86_64-unknown-linux-gnu/release/weft.
#
# Why: the translator's profile is flat (no function above ~11% of the instructions compiling SQLite),
# and about 40% of its modelled cycles are I-cache misses and mispredicted branches. A profile lets LLVM
# inline the hot per-operator paths into the operator loop and lay the cold ones out of the way. On the
# modules of bench/compile.py, which are not in the training set, that takes a tenth (AMD EPYC) to a
# quarter (Intel Xeon) off the single-threaded compile time (bench/results/compile.md); callgrind counts
# 30% fewer instructions on sqlite.
#
# How: an instrumented build compiles a training set, llvm-profdata merges the counters, and a second
# build uses them. The training set is the corpus's C kernels with their libc, compiled single-threaded
# and in parallel; sqlite, lua54 and minilua, which the compile benchmark measures, are kept out of it.
# (Adding the spec suites made the profile worse: its thousands of tiny and invalid modules make the
# error paths look hot.) The profile is regenerated on every run, so it is never stale; nothing
# generated is committed. Only weft's own Rust code is affected: the stencils are
# compiled by build.rs with their own flags, and their bytes are the same in both builds.
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
    echo "build-pgo: installing Debian's llvm-19 for llvm-profdata-19" >&2
    apt-get install -y -qq llvm-19 >/dev/null || { apt-get update -qq && apt-get install -y -qq llvm-19 >/dev/null; }
fi
profdata_tools=()
[ -x "$sysroot_tool" ] && profdata_tools+=("$sysroot_tool")
for p in $(compgen -c llvm-profdata- | sort -u | sort -t- -k3 -n -r) llvm-profdata; do
    command -v "$p" >/dev/null && profdata_tools+=("$p")
done
if [ ${#profdata_tools[@]} -eq 0 ]; then
    echo "build-pgo: llvm-profdata not found (rustup component add llvm-tools, or apt-get install llvm-19)" >&2
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
    echo "build-pgo: training set not found under $shared (set WEFT_SHARED)" >&2
    exit 1
fi

work="$root/target/pgo-train"
rm -rf "$work/profiles"
mkdir -p "$work/profiles"

echo "build-pgo: instrumented build" >&2
RUSTFLAGS="$base_flags -Cprofile-generate=$work/profiles" \
    cargo build --release -p weft-cli --target-dir "$work/target"
instrumented="$work/target/$triple/release/weft"

echo "build-pgo: training on ${#kernels[@]} kernel modules" >&2
export LLVM_PROFILE_FILE="$work/profiles/weft-%p.profraw"
for f in "${kernels[@]}"; do
    "$instrumented" compile --single-threaded "$f"
    "$instrumented" compile "$f"
done
unset LLVM_PROFILE_FILE

merged=
for p in "${profdata_tools[@]}"; do
    if "$p" merge -o "$work/weft.profdata" "$work"/profiles/*.profraw 2>/dev/null; then merged=$p; break; fi
done
if [ -z "$merged" ]; then
    echo "build-pgo: no llvm-profdata here reads rustc's profiles (tried: ${profdata_tools[*]}); rustc $(rustc --version --verbose | grep LLVM)" >&2
    exit 1
fi
echo "build-pgo: profile merged by $merged" >&2

echo "build-pgo: optimized build" >&2
RUSTFLAGS="$base_flags -Cprofile-use=$work/weft.profdata" \
    cargo build --release -p weft-cli --target-dir "$root/target/pgo"
echo "$root/target/pgo/$triple/release/weft"
