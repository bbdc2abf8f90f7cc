#!/usr/bin/env python3
"""End-to-end start-up: the wall time of a whole `run` of a WASI hello world, weft against each peer.

Usage: python3 bench/hello.py [--reps N] [--weft PATH]. Writes bench/results/hello.md. The module is
examples/hello.wat, converted to binary with the `wasmtime` package's wat2wasm (peers need .wasm).
Runs are interleaved (one of each engine per repetition) and the median wall time is reported.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

repo = Path(__file__).resolve().parent.parent
peers = repo.parent / "shared" / "bench" / "peers"
runner = repo.parent / "shared" / "bench" / "corpus" / "runners" / "run-node.mjs"

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=21)
    ap.add_argument("--weft", default=str(repo / "target" / "x86_64-unknown-linux-gnu" / "release" / "weft"))
    args = ap.parse_args()
    import wasmtime  # installed by bench/setup-peers.sh
    wasm = Path(tempfile.mkdtemp()) / "hello.wasm"
    wasm.write_bytes(wasmtime.wat2wasm((repo / "examples" / "hello.wat").read_text()))
    engines = {"weft": [args.weft, "run", str(wasm)]}
    for c in ["cranelift", "winch"]:
        engines[c] = [sys.executable, str(peers / "wasmtime-py.py"), "--compiler", c, str(wasm)]
    if shutil.which("node"):
        engines["liftoff"] = ["node", "--no-warnings", "--liftoff", "--no-wasm-tier-up", str(runner), str(wasm)]
        engines["turbofan"] = ["node", "--no-warnings", "--no-liftoff", str(runner), str(wasm)]
    if shutil.which("wasmi"):
        engines["wasmi"] = ["wasmi", str(wasm)]
    times = {e: [] for e in engines}
    for _ in range(args.reps):
        for name, cmd in engines.items():
            t0 = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True)
            dt = time.perf_counter() - t0
            if p.returncode != 0 or b"Hello from weft!" not in p.stdout:
                sys.exit(f"{name} failed: {p.returncode} {p.stderr.decode(errors='replace')[:300]}")
            times[name].append(dt)
    weft = statistics.median(times["weft"])
    lines = ["# End-to-end hello world (WASI)", "",
             f"Median wall time of the whole command over {args.reps} interleaved runs; ratio = engine / weft.", "",
             "| engine | median ms | ratio |", "|---|---|---|"]
    for name, ts in times.items():
        m = statistics.median(ts)
        lines.append(f"| {name} | {m * 1e3:.2f} | {m / weft:.1f}x |")
    lines += ["", "Peers include their launchers' start-up (Python for Wasmtime, node for V8), as a user of each CLI would see it."]
    out = repo / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "hello.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))

if __name__ == "__main__":
    main()
