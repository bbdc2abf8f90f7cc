#!/usr/bin/env bash
# Rewrites crates/weft-stencils/hot-stencils.txt: every stencil the corpus's modules use, most emitted
# first (counts from compiling them). The stencil build numbers stencils in this order, so the ones the
# compiler emits most share cache lines and pages in the emit tables (see ARCHITECTURE.md).
#
#     bench/hot-stencils.sh            # then rebuild; commit the file if it changed
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${WEFT_CORPUS:-$repo/../shared/bench/corpus}
modules=()
for m in sqlite_bench lua54 minilua matmul jacobi2d nbody sieve crc32 fannkuch mandelbrot; do
    modules+=("$corpus/out/wasm/$m.wasm")
done
cargo run --quiet --release -p weft --example stencil_counts -- "${modules[@]}" \
    | cut -d' ' -f1 > "$repo/crates/weft-stencils/hot-stencils.txt"
wc -l "$repo/crates/weft-stencils/hot-stencils.txt"
