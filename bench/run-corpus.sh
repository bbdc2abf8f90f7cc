#!/usr/bin/env bash
# Runs every program of the benchmark corpus under `weft run` and checks stdout and exit status against
# ../shared/bench/corpus/manifest.json. Usage: bench/run-corpus.sh [--variant mvp|bulk] [NAME_FILTER...]
# Needs python3 (to read the manifest). Builds `weft` in release mode first.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${WEFT_CORPUS:-$repo/../shared/bench/corpus}"
[ -f "$corpus/manifest.json" ] || { echo "error: no manifest at $corpus/manifest.json" >&2; exit 2; }
(cd "$repo" && cargo build --release -p weft-cli >&2)
exec python3 - "$repo/target/x86_64-unknown-linux-gnu/release/weft" "$corpus" "$@" <<'PY'
import json, os, subprocess, sys, time
weft, corpus, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
variant = None
if argv[:1] == ["--variant"]:
    variant, argv = argv[1], argv[2:]
manifest = json.load(open(os.path.join(corpus, "manifest.json")))
failures = 0
print(f"{'benchmark':24} {'result':14} {'weft s':>8} {'native s':>8} {'ratio':>6}")
for b in manifest["benchmarks"]:
    if argv and not any(f in b["name"] for f in argv):
        continue
    wasm = b["variants"].get(variant, b["wasm"]) if variant else b["wasm"]
    cmd = [weft, "run"]
    if b.get("preopen"):
        cmd += ["--dir", f'{b["preopen"]["host"]}::{b["preopen"]["guest"]}']
    cmd += [wasm] + b["args"]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=corpus, capture_output=True, timeout=600)
        out, err, code = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"), p.returncode
    except subprocess.TimeoutExpired:
        out, err, code = "", "timeout after 600 s", None
    dt = time.monotonic() - t0
    if code == b["expected_exit_code"] and out == b["expected_stdout"]:
        result = "ok"
    elif code in (0, b["expected_exit_code"]):
        result = "wrong output"
    else:
        result = f"error (exit {code})"
    native = b.get("native_seconds") or 0
    ratio = f"{dt / native:.1f}x" if native else ""
    print(f"{b['name']:24} {result:14} {dt:8.2f} {native:8.2f} {ratio:>6}", flush=True)
    if result != "ok":
        failures += 1
        if out != b["expected_stdout"]:
            print(f"    expected stdout: {b['expected_stdout'][:200]!r}\n    got stdout:      {out[:200]!r}")
        if err.strip():
            print("    stderr: " + err.strip()[:500].replace("\n", "\n            "))
print(f"{failures} failed" if failures else "all ok")
sys.exit(1 if failures else 0)
PY
