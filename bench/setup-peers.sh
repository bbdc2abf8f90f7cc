#!/bin/sh
# Install the peer engines of bench/run.py and bench/compile.py from their registries.
# Times measured on a 2-core machine that was busy with other builds.
set -eu

# Wasmtime (Cranelift and Winch) through its Python package: prebuilt wheel, ~3 s.
python3 -m pip install --quiet wasmtime

# V8 Liftoff / TurboFan: the machine's node (v20 or newer). Not installed here.
command -v node >/dev/null || echo "setup-peers: node not found; Liftoff and TurboFan will be skipped" >&2

# wasmi interpreter CLI: built from crates.io, 2-7 min on 2 cores.
command -v wasmi >/dev/null || cargo install wasmi_cli@2.0.0 --locked

# GNU time is not needed: run.py reads peak RSS and CPU time from wait4().
echo "setup-peers: done"
