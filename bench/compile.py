#!/usr/bin/env python3
"""Compile throughput: single-threaded, in-process compile time of the corpus's largest modules.

    python3 bench/compile.py                       # sqlite_bench, lua54, minilua; 5 reps
    python3 bench/compile.py --engines weft,winch --reps 9 --modules out/wasm/lua54.wasm

Engines (each compile in a fresh process, repetitions interleaved round-robin, medians reported):
  weft       `weft compile --stats FILE` (parse+validate+emit + finalize; `compile CPU time`), also
             machine code bytes
  weft-nopgo the same with a build that ignores the committed profile (pgo/README.md; skipped if not
             built: `WEFT_PGO=0 cargo build --release -p weft-cli --target-dir target/nopgo`)
  winch      `compile-wasmtime.py --compiler winch` (= `wasmtime-py.py --compile-only`: parallel
             compilation off, no cache), which also reads the compiling thread's CPU time
  cranelift  `compile-wasmtime.py --compiler cranelift`
  liftoff    `node --liftoff --no-wasm-tier-up --no-wasm-lazy-compilation --single-threaded compile-node.mjs`
  turbofan   same with --no-liftoff
Two figures per compile: in-process wall time (what each engine reports) and CPU time (Wasmtime: the
compiling thread; V8: the process, single-threaded, during WebAssembly.compile; weft: the process, all
threads, during parse+validate+emit and finalize). CPU time barely moves when other processes load the machine.
Writes bench/results/compile.md and compile.json. MB = 10^6 bytes.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as R  # noqa: E402  (bench/run.py: process runner, engine probes, machine info)

DEFAULT_MODULES = ["out/wasm/sqlite_bench.wasm", "out/wasm/lua54.wasm", "out/wasm/minilua.wasm"]
V8_COMPILE_FLAGS = ["--no-warnings", "--no-wasm-tier-up", "--no-wasm-lazy-compilation", "--single-threaded"]


def weft_cmd(ctx, wasm):
    # Single-threaded, like every peer here (the target); `weft-par` below is the default mode.
    return [str(ctx.weft), "compile", "--stats", "--single-threaded", wasm]


def weft_par_cmd(ctx, wasm):
    return [str(ctx.weft), "compile", "--stats", wasm]


# A release build without profile-guided optimization (set by --weft-nopgo).
WEFT_NOPGO = R.REPO / "target/nopgo/x86_64-unknown-linux-gnu/release/weft"
NOPGO_BUILD = "WEFT_PGO=0 cargo build --release -p weft-cli --target-dir target/nopgo"


def weft_nopgo_cmd(ctx, wasm):
    return [str(WEFT_NOPGO), "compile", "--stats", "--single-threaded", wasm]


def probe_weft_nopgo(ctx):
    if not (WEFT_NOPGO.is_file() and os.access(WEFT_NOPGO, os.X_OK)):
        return False, f"no build without the profile at {WEFT_NOPGO} (build it: {NOPGO_BUILD})"
    # The same probe as `weft`, pointed at this binary (its --version, not the default build's).
    ok, info = R.probe_weft(dataclasses.replace(ctx, weft=WEFT_NOPGO))
    return ok, f"{info}, built without the profile ({NOPGO_BUILD}; built {time.strftime('%Y-%m-%d %H:%M', time.gmtime(WEFT_NOPGO.stat().st_mtime))} UTC)"


def weft_parse(stderr):
    def num(rx):
        m = re.search(rx + r"\s*" + R.STATS_NUM, stderr)
        return float(m.group(1)) if m else None
    a, b = num(r"parse\+validate\+emit:"), num(r"finalize \(map, RX\):")
    out = {}
    if a is not None and b is not None:
        out["compile_ms"] = a + b
        out["emit_ms"], out["finalize_ms"] = a, b
    cpu = num(r"compile CPU time:")
    if cpu is not None:
        out["cpu_ms"] = cpu
    code = num(r"machine code bytes:")
    if code is not None:
        out["code_bytes"] = int(code)
    return out


def wasmtime_cmd(compiler):
    return lambda ctx, wasm: [ctx.python, str(R.BENCH_DIR / "compile-wasmtime.py"), "--compiler", compiler,
                              wasm]


def node_cmd(tier):
    flag = "--liftoff" if tier == "liftoff" else "--no-liftoff"
    return lambda ctx, wasm: [ctx.node, flag, *V8_COMPILE_FLAGS, str(R.BENCH_DIR / "compile-node.mjs"), wasm]


ENGINES = {
    "weft": ("weft", weft_cmd, weft_parse, R.probe_weft),
    "weft-par": ("weft (parallel)", weft_par_cmd, weft_parse, R.probe_weft),
    "weft-nopgo": ("weft (no PGO)", weft_nopgo_cmd, weft_parse, probe_weft_nopgo),
    "winch": ("Winch", wasmtime_cmd("winch"), R.parse_node, R.probe_wasmtime),
    "cranelift": ("Cranelift", wasmtime_cmd("cranelift"), R.parse_node, R.probe_wasmtime),
    "liftoff": ("Liftoff", node_cmd("liftoff"), R.parse_node, R.probe_node),
    "turbofan": ("TurboFan", node_cmd("turbofan"), R.parse_node, R.probe_node),
}


def add_common_args(ap: argparse.ArgumentParser, timeout: float):
    """The options every compile benchmark takes (this one and bench/linearity.py)."""
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--weft", default=os.environ.get("WEFT", "target/x86_64-unknown-linux-gnu/release/weft"))
    ap.add_argument("--weft-nopgo", default=str(WEFT_NOPGO), help="the build without the profile (weft-nopgo engine)")
    ap.add_argument("--corpus", default=str(R.SHARED / "corpus"))
    ap.add_argument("--peers", default=str(R.SHARED / "peers"))
    ap.add_argument("--out", default=str(R.BENCH_DIR / "results"))
    ap.add_argument("--timeout", type=float, default=timeout)


def select_engines(ctx, spec: str, log) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The engines named in `spec` (comma-separated) that are installed, with their version info, and
    the absent ones with the reason; exits on an unknown name or if none is available."""
    engines, absent = [], {}
    for n in [n.strip() for n in spec.split(",") if n.strip()]:
        if n not in ENGINES:
            sys.exit(f"unknown engine {n!r}; known: {', '.join(ENGINES)}")
        ok, info = ENGINES[n][3](ctx)
        (engines.append((n, info)) if ok else absent.__setitem__(n, info))
        log(f"engine {n:<10} {info if ok else 'SKIPPED: ' + info}")
    if not engines:
        sys.exit("no engine available")
    return engines, absent


def main(argv=None):
    global WEFT_NOPGO
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: " + ",".join(ENGINES))
    ap.add_argument("--modules", default=",".join(DEFAULT_MODULES),
                    help="comma-separated .wasm paths, relative to the corpus directory or absolute")
    ap.add_argument("--baseline", default="weft")
    add_common_args(ap, timeout=300)
    args = ap.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    WEFT_NOPGO = Path(args.weft_nopgo).resolve()
    ctx = R.make_ctx(args)
    engines, absent = select_engines(ctx, args.engines, log)
    modules = [m.strip() for m in args.modules.split(",") if m.strip()]
    for m in modules:
        if not (ctx.corpus / m).is_file():
            sys.exit(f"no module {ctx.corpus / m}")

    info = R.machine_info([])
    samples = []
    for rep in range(args.reps):
        for m in modules:
            k = rep % len(engines)
            for n, _ in engines[k:] + engines[:k]:
                cmd = ENGINES[n][1](ctx, m)
                o = R.run_command(cmd, ctx.corpus, args.timeout)
                st = ENGINES[n][2](o.stderr.decode(errors="replace"))
                if n.startswith("weft") and "cpu_ms" not in st:
                    st["cpu_ms"] = 1e3 * o.cpu_s  # an older weft without the in-process figure
                s = {"module": m, "engine": n, "rep": rep, "exit_code": o.exit_code, "wall_s": o.wall_s,
                     "cpu_s": o.cpu_s, "maxrss_kb": o.maxrss_kb, **st}
                s["ok"] = o.exit_code == 0 and "compile_ms" in st
                if not s["ok"]:
                    s["error"] = f"exit {o.exit_code}: " + " / ".join(
                        o.stderr.decode(errors="replace").strip().splitlines()[-3:])
                samples.append(s)
                log(f"  rep {rep} {Path(m).name:<22} {n:<10} "
                    + (f"compile {st['compile_ms']:9.1f} ms  cpu {st.get('cpu_ms', 0):9.1f} ms" if s["ok"]
                       else "FAIL " + s["error"][:200]))

    # Medians and table.
    info["engines"] = dict(engines)
    info["loadavg_end"] = os.getloadavg()
    names = [n for n, _ in engines]
    med: dict = {}
    for m in modules:
        for n in names:
            ok = [s for s in samples if s["module"] == m and s["engine"] == n and s["ok"]]
            if ok:
                d = {"compile_ms": statistics.median(s["compile_ms"] for s in ok),
                     "cpu_ms": statistics.median(s["cpu_ms"] for s in ok),
                     "process_cpu_s": statistics.median(s["cpu_s"] for s in ok), "n": len(ok)}
                if any("code_bytes" in s for s in ok):
                    d["code_bytes"] = ok[0]["code_bytes"]
                med.setdefault(m, {})[n] = d
    base = args.baseline if any(args.baseline in med.get(m, {}) for m in modules) else None
    if base is None:
        base = next((n for n in names if any(n in med.get(m, {}) for m in modules)), None)
    label = {n: ENGINES[n][0] for n in ENGINES}
    L = []
    w = L.append
    w("# Compile throughput (single-threaded, in-process)")
    w("")
    w(f"`{' '.join(['python3 bench/compile.py', *(sys.argv[1:] if argv is None else argv)])}` — {args.reps} rep(s), "
      f"interleaved, each compile in a fresh process; medians. MB = 10^6 bytes.")
    w("")
    w(f"- date: {info['date']}; CPU: {info['cpu']}, {info['logical_cpus']} logical CPUs; {info['os']}")
    w(f"- load average at start: {' '.join(f'{x:.2f}' for x in info['loadavg_start'])}; "
      f"at end: {' '.join(f'{x:.2f}' for x in info['loadavg_end'])}")
    for n, v in engines:
        w(f"- {label[n]}: {v}")
    for n, why in absent.items():
        w(f"- {label[n]}: **skipped**: {why}")
    w("")
    if base != args.baseline:
        w(f"**Note:** `{args.baseline}` has no successful compile; ratios are against `{base}`.")
        w("")
    bases = [base] + (["weft-nopgo"] if base != "weft-nopgo" and any("weft-nopgo" in med.get(m, {}) for m in modules) else [])
    for base, key, title in [(b, k, t) for b in bases
                             for k, t in (("compile_ms", "in-process wall time"), ("cpu_ms", "CPU time"))]:
        w(f"## Compile {title}" + (f", ratios to {label[base]}" if len(bases) > 1 else ""))
        w("")
        w(f"Cells: median ms / MB of wasm per s / ratio to {label.get(base, '?')} "
          f"(> 1: {label.get(base, '?')} compiles faster).")
        w("")
        w("| module | wasm KB | " + " | ".join(label[n] for n in names) + " |")
        w("|---|---|" + "---|" * len(names))
        ratios = {n: [] for n in names}
        for m in modules:
            size = (ctx.corpus / m).stat().st_size
            row = [Path(m).name, f"{size / 1e3:.0f}"]
            for n in names:
                d = med.get(m, {}).get(n)
                if not d:
                    row.append("FAIL")
                    continue
                ms = d[key]
                cell = f"{ms:.1f} ms / {size / 1e6 / (ms / 1e3):.1f} MB/s"
                b = med.get(m, {}).get(base)
                if b and n != base:
                    r = ms / b[key]
                    ratios[n].append(r)
                    cell += f" / {r:.2f}×"
                row.append(cell)
            w("| " + " | ".join(row) + " |")
        if base:
            w("| **geomean of ratios** | | " + " | ".join(
                "1" if n == base else (f"{R.geomean(ratios[n]):.2f}" if ratios[n] else "—") for n in names) + " |")
        w("")
    if "weft" in names:
        w("weft machine code:")
        w("")
        w("| module | wasm bytes | machine code bytes | code/wasm | MB of machine code per s (wall) | (CPU) |")
        w("|---|---|---|---|---|---|")
        for m in modules:
            d = med.get(m, {}).get("weft")
            if d and "code_bytes" in d:
                size = (ctx.corpus / m).stat().st_size
                w(f"| {Path(m).name} | {size} | {d['code_bytes']} | {d['code_bytes'] / size:.1f} | "
                  f"{d['code_bytes'] / 1e6 / (d['compile_ms'] / 1e3):.1f} | "
                  f"{d['code_bytes'] / 1e6 / (d['cpu_ms'] / 1e3):.1f} |")
        w("")
        # Both builds must emit the same code: only the compiler's own speed may differ.
        for m in modules:
            d, p = med.get(m, {}).get("weft"), med.get(m, {}).get("weft-nopgo")
            if d and p and d.get("code_bytes") != p.get("code_bytes"):
                w(f"**Warning:** {Path(m).name}: weft (no PGO) emitted {p.get('code_bytes')} bytes of machine code, "
                  f"weft {d.get('code_bytes')}: the two builds are not the same compiler.")
                w("")
    fails = [s for s in samples if not s["ok"]]
    if fails:
        w("Failures:")
        w("")
        for s in fails[:20]:
            w(f"- {s['module']} {label[s['engine']]} rep {s['rep']}: {s['error'][:300]}")
        w("")
    w("Notes: the wall time is the engine's own in-process figure (weft: parse+validate+emit + finalize "
      "from `weft compile --stats`; Wasmtime: `wasmtime.Module(engine, bytes)` with parallel compilation off; "
      "V8: `WebAssembly.compile` with eager compilation and `--single-threaded`); other load on the machine "
      "inflates it. CPU time: Wasmtime, the compiling thread; V8, the whole (single-threaded) process during "
      "the compile; weft, the process (all threads) during parse+validate+emit and finalize (`compile CPU "
      "time` from `--stats`).")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "compile.md").write_text("\n".join(L))
    (out / "compile.json").write_text(json.dumps({"machine": info, "absent": absent, "reps": args.reps,
                                                  "medians": med, "samples": samples}, indent=1))
    print("\n".join(L))
    return 0


if __name__ == "__main__":
    sys.exit(main())
