#!/usr/bin/env python3
"""Side-by-side benchmark of weft against other WebAssembly engines on the shared WASI corpus.

    python3 bench/run.py                    # every program, every engine found, 5 reps
    python3 bench/run.py --quick            # smoke run: 5 programs, 2 reps
    python3 bench/run.py --engines cranelift,liftoff --filter 'kernel-' --reps 3

For every program of the corpus manifest and every engine, each repetition runs every engine once
(round-robin, the engine order rotated per repetition), so slow drifts of the machine hit all engines
alike. Every run is a fresh process; its stdout and exit code are checked against the manifest, and a
wrong result is reported as a failure, never timed. Medians of the repetitions are reported.

Writes bench/results/results.md (tables, ratios, geometric means, machine info), results.json (raw
samples) and chart.svg. Python 3.11, standard library only. See bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SHARED = Path(os.environ.get("WEFT_BENCH_SHARED", REPO.parent / "shared" / "bench"))

# Metrics, in the order of the tables: key, title, unit, scale from the sample's unit to the unit shown.
METRICS = [
    ("run_ms", "Execution time (in-process, engine-reported)", "ms", 1.0),
    ("compile_ms", "Compile time of the module (in-process, engine-reported)", "ms", 1.0),
    ("instantiate_ms", "Instantiate time (in-process, engine-reported)", "ms", 1.0),
    ("wall_s", "End-to-end wall time of the whole command", "s", 1.0),
    ("cpu_s", "CPU time of the whole process (user + sys, all threads)", "s", 1.0),
    ("maxrss_kb", "Peak RSS of the whole process", "MB", 1 / 1024),
]
SUMMARY_METRICS = [("run_ms", "execution"), ("compile_ms", "compile"), ("wall_s", "end-to-end"),
                   ("cpu_s", "CPU"), ("maxrss_kb", "peak RSS")]

QUICK_PROGRAMS = ["lua54-strings", "minilua-nbody", "sqlite", "kernel-crc32", "kernel-fannkuch"]


# ----------------------------------------------------------------------------------------------------
# Running one command

@dataclass
class Outcome:
    exit_code: int
    wall_s: float
    cpu_s: float
    maxrss_kb: int
    stdout: bytes
    stderr: bytes
    timed_out: bool


def run_command(argv: list[str], cwd: Path, timeout: float, stdin=subprocess.DEVNULL) -> Outcome:
    """Run argv in a fresh process; wall time, and rusage of exactly that process via wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        lock, state = threading.Lock(), {"done": False, "killed": False}
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, stdin=stdin, stdout=out, stderr=err, start_new_session=True)

        def kill():
            with lock:
                if not state["done"]:
                    state["killed"] = True
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            t1 = time.perf_counter()
            with lock:
                state["done"] = True
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)  # reaped by us: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        return Outcome(p.returncode, t1 - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss,
                       out.read(), err.read(), state["killed"])


# ----------------------------------------------------------------------------------------------------
# Engines

STATS_NUM = r"([0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)"


def parse_kv(line: str) -> dict[str, float]:
    return {k: float(v) for k, v in re.findall(r"(\w+)=" + STATS_NUM, line)}


def parse_weft(stderr: str) -> dict[str, float]:
    stats: dict[str, float] = {}
    for line in stderr.splitlines():
        if line.startswith("weft-stats:"):
            stats.update(parse_kv(line))
    if "compile_ms" not in stats:
        # Fallback: the per-phase lines of `--stats` (the same lines `weft compile --stats` prints).
        m1 = re.search(r"parse\+validate\+emit:\s*" + STATS_NUM + r"\s*ms", stderr)
        m2 = re.search(r"finalize \(map, RX\):\s*" + STATS_NUM + r"\s*ms", stderr)
        if m1 and m2:
            stats["compile_ms"] = float(m1.group(1)) + float(m2.group(1))
    return stats


def parse_wasmtime_py(stderr: str) -> dict[str, float]:
    for line in stderr.splitlines():
        if line.startswith("wasmtime-py:"):
            return parse_kv(line)
    return {}


def parse_node(stderr: str) -> dict[str, float]:
    for line in reversed(stderr.splitlines()):
        if line.startswith("compile_ms="):
            return parse_kv(line)  # run_ms includes instantiation
    return {}


def strip_stats(stderr: str) -> str:
    """The program's own stderr, without the engines' timing lines (for error messages)."""
    keep = [l for l in stderr.splitlines()
            if not re.match(r"(weft-stats:|wasmtime-py:|compile_ms=|wasm bytes:|functions:|machine code bytes:|"
                            r"parse\+validate\+emit:|finalize \(map, RX\):|compile CPU time:|stencils used:|\s+\d+\s+\w+$)", l)]
    return "\n".join(keep)


@dataclass
class Engine:
    name: str
    label: str
    what: str
    argv: object  # fn(ctx, bench, wasm_path) -> (argv, cwd)
    parse: object  # fn(stderr) -> stats
    probe: object  # fn(ctx) -> (available, version-or-reason)
    variant: str | None = None  # module variant to use instead of `wasm`, e.g. "mvp"
    version: str = ""


@dataclass
class Ctx:
    corpus: Path
    peers: Path
    weft: Path
    node: str | None
    wasmi: str | None
    python: str
    v8_lazy: bool = False
    wasmi_args: list[str] = field(default_factory=list)


def dir_args(bench) -> list[str]:
    p = bench.get("preopen")
    return ["--dir", f"{p['host']}::{p['guest']}"] if p else []


def weft_argv(ctx: Ctx, bench, wasm):
    return [str(ctx.weft), "run", "--stats", *dir_args(bench), wasm, *bench["args"]], ctx.corpus


def weft_interruptible_argv(ctx: Ctx, bench, wasm):
    # A timeout no run reaches: it only turns on the loop-head interrupt checks, to price them.
    return [str(ctx.weft), "run", "--stats", "--timeout", "24h", *dir_args(bench), wasm, *bench["args"]], ctx.corpus


def wasmtime_argv(compiler):
    def f(ctx: Ctx, bench, wasm):
        return [ctx.python, str(ctx.peers / "wasmtime-py.py"), "--compiler", compiler, *dir_args(bench),
                wasm, *bench["args"]], ctx.corpus
    return f


def v8_flags(ctx: Ctx, tier: str) -> list[str]:
    flags = ["--no-warnings", "--liftoff" if tier == "liftoff" else "--no-liftoff", "--no-wasm-tier-up"]
    if not ctx.v8_lazy:
        # Compile every function up front, on the main thread only, so compile_ms is the whole module's
        # single-threaded compile time, as for the other engines.
        flags += ["--no-wasm-lazy-compilation", "--wasm-num-compilation-tasks=0"]
    return flags


def node_argv(tier):
    def f(ctx: Ctx, bench, wasm):
        return [ctx.node, *v8_flags(ctx, tier), str(ctx.corpus / "runners" / "run-node.mjs"), "--time",
                *dir_args(bench), wasm, *bench["args"]], ctx.corpus
    return f


def wasmi_argv(ctx: Ctx, bench, wasm):
    # wasmi's --dir preopens a host directory under its own name: run from the preopened host directory
    # when the guest name is ".".
    p = bench.get("preopen")
    cwd = ctx.corpus
    extra: list[str] = []
    if p:
        if p["guest"] != ".":
            raise RuntimeError("wasmi: only preopens guest-named '.' are supported")
        cwd = ctx.corpus / p["host"]
        extra = ["--dir", "."]
    return [ctx.wasmi, *ctx.wasmi_args, *extra, str(ctx.corpus / wasm), *bench["args"]], cwd


def probe_cmd(argv: list[str]) -> str | None:
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None
    return (r.stdout.strip() or r.stderr.strip()).splitlines()[0] if (r.stdout or r.stderr) else "?"


def probe_weft(ctx: Ctx):
    if not (ctx.weft.is_file() and os.access(ctx.weft, os.X_OK)):
        return False, f"no weft binary at {ctx.weft} (build it: cargo build --release -p weft-cli)"
    v = probe_cmd([str(ctx.weft), "--version"]) or "weft (version unknown)"
    rev = probe_cmd(["git", "-C", str(REPO), "describe", "--always", "--dirty"])
    return True, f"{v} (repo {rev})" if rev else v


def probe_wasmtime(ctx: Ctx):
    v = probe_cmd([ctx.python, "-c", "import importlib.metadata as m, wasmtime; print(m.version('wasmtime'))"])
    if v is None:
        return False, "Python package `wasmtime` not installed (pip install wasmtime)"
    if not (ctx.peers / "wasmtime-py.py").is_file():
        return False, f"{ctx.peers / 'wasmtime-py.py'} missing"
    return True, f"wasmtime-py {v}"


def probe_node(ctx: Ctx):
    if not ctx.node:
        return False, "node not found"
    v = probe_cmd([ctx.node, "-p", "`node ${process.version}, V8 ${process.versions.v8}`"])
    return (True, v) if v else (False, "node does not run")


def probe_wasmi(ctx: Ctx):
    if not ctx.wasmi:
        return False, "wasmi CLI not found (cargo install wasmi_cli@2.0.0 --locked)"
    v = probe_cmd([ctx.wasmi, "--version"])
    return (True, v) if v else (False, "wasmi --version failed")


ENGINES = [
    Engine("weft", "weft", "weft copy-and-patch JIT (`weft run --stats`)", weft_argv, parse_weft, probe_weft),
    Engine("weft-interruptible", "weft --timeout", "weft with loop-head interrupt checks (`weft run --timeout 24h`)",
           weft_interruptible_argv, parse_weft, probe_weft),
    Engine("cranelift", "Cranelift", "Wasmtime, Cranelift (optimizing), via wasmtime-py",
           wasmtime_argv("cranelift"), parse_wasmtime_py, probe_wasmtime),
    Engine("winch", "Winch", "Wasmtime, Winch (baseline), via wasmtime-py",
           wasmtime_argv("winch"), parse_wasmtime_py, probe_wasmtime),
    Engine("liftoff", "Liftoff", "V8 Liftoff only (node, --liftoff --no-wasm-tier-up)",
           node_argv("liftoff"), parse_node, probe_node),
    Engine("turbofan", "TurboFan", "V8 TurboFan only (node, --no-liftoff --no-wasm-tier-up)",
           node_argv("turbofan"), parse_node, probe_node),
    Engine("wasmi", "wasmi", "wasmi interpreter (wasmi_cli)", wasmi_argv, lambda s: {}, probe_wasmi),
]
ENGINE_BY_NAME = {e.name: e for e in ENGINES}


def make_ctx(args) -> Ctx:
    weft = Path(args.weft)
    if not weft.is_absolute():
        weft = (Path.cwd() / weft) if (Path.cwd() / weft).exists() else (REPO / weft)
    wasmi = shutil.which("wasmi") or shutil.which("wasmi_cli")
    if not wasmi and (Path.home() / ".cargo/bin/wasmi").exists():
        wasmi = str(Path.home() / ".cargo/bin/wasmi")
    return Ctx(corpus=Path(args.corpus).resolve(), peers=Path(args.peers).resolve(), weft=weft.resolve(),
               node=shutil.which("node"), wasmi=wasmi, python=sys.executable,
               v8_lazy=getattr(args, "v8_lazy", False))


def select_engines(ctx: Ctx, names: list[str], log) -> tuple[list[Engine], dict[str, str]]:
    engines, absent = [], {}
    for n in names:
        if n not in ENGINE_BY_NAME:
            sys.exit(f"unknown engine {n!r}; known: {', '.join(ENGINE_BY_NAME)}")
        e = ENGINE_BY_NAME[n]
        ok, info = e.probe(ctx)
        if ok:
            e.version = info
            engines.append(e)
            log(f"engine {e.name:<10} {info}")
        else:
            absent[n] = info
            log(f"engine {e.name:<10} SKIPPED: {info}")
    return engines, absent


# ----------------------------------------------------------------------------------------------------
# Machine info

def machine_info(engines: list[Engine]) -> dict:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "loadavg_start": os.getloadavg(),
        "engines": {e.name: e.version for e in engines},
    }


# ----------------------------------------------------------------------------------------------------
# Statistics and output

def geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def medians(samples: list[dict]) -> dict:
    """{bench: {engine: {metric: median}}} over successful samples."""
    acc: dict = {}
    for s in samples:
        if not s["ok"]:
            continue
        d = acc.setdefault(s["bench"], {}).setdefault(s["engine"], {})
        for k, *_ in METRICS:
            if s.get(k) is not None:
                d.setdefault(k, []).append(s[k])
    return {b: {e: {k: statistics.median(v) for k, v in m.items()} for e, m in es.items()}
            for b, es in acc.items()}


def failures(samples: list[dict]) -> dict:
    """{(bench, engine): first error}."""
    out = {}
    for s in samples:
        if not s["ok"]:
            out.setdefault((s["bench"], s["engine"]), s["error"])
    return out


def choose_baseline(requested: str, engines: list[Engine], med: dict) -> tuple[str | None, str]:
    names = [e.name for e in engines]
    ok = {e: sum(1 for b in med.values() if e in b) for e in names}
    if requested in names and ok[requested] > 0:
        return requested, ""
    why = ("is not available" if requested not in names else "has no successful run")
    for n in names:
        if ok[n] > 0:
            return n, f"**Note:** the requested baseline `{requested}` {why}; ratios are against `{n}`."
    return None, f"**Note:** no engine has a successful run; no ratios."


def fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "ms":
        return f"{v:.1f}" if v < 1000 else f"{v:.0f}"
    if unit == "s":
        return f"{v:.3f}" if v < 10 else f"{v:.2f}"
    return f"{v:.1f}"


def fmt_ratio(r: float | None) -> str:
    return "—" if r is None else (f"{r:.2f}" if r < 100 else f"{r:.0f}")


def write_markdown(path: Path, info: dict, engines: list[Engine], absent: dict, benches: list[dict],
                   samples: list[dict], baseline_req: str, args_line: str, reps: int, done: bool):
    med = medians(samples)
    fails = failures(samples)
    base, base_note = choose_baseline(baseline_req, engines, med)
    names = [e.name for e in engines]
    label = {e.name: e.label for e in engines}
    L: list[str] = []
    w = L.append
    w("# weft side-by-side benchmark")
    w("")
    if not done:
        w("**Partial results: the run is still in progress or was interrupted.**")
        w("")
    w(f"`{args_line}` — {reps} repetition(s) per program and engine, interleaved round-robin; "
      "medians of the repetitions.")
    w("")
    w("## Machine")
    w("")
    w(f"- date: {info['date']}")
    w(f"- CPU: {info['cpu']}, {info['logical_cpus']} logical CPUs ({info['usable_cpus']} usable), "
      f"memory {info['memory']}")
    w(f"- OS: {info['os']}, Python {info['python']}")
    la = info["loadavg_start"]
    w(f"- load average at start: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}"
      + (f"; at end: {' '.join(f'{x:.2f}' for x in info['loadavg_end'])}" if "loadavg_end" in info else ""))
    w("")
    w("| engine | what | version |")
    w("|---|---|---|")
    for e in engines:
        w(f"| {e.label} | {e.what} | {e.version} |")
    for n, why in absent.items():
        w(f"| {ENGINE_BY_NAME[n].label} | {ENGINE_BY_NAME[n].what} | **skipped**: {why} |")
    w("")
    if base_note:
        w(base_note)
        w("")
    if base:
        w(f"Ratios are **engine time / {label[base]} time** (so > 1 means {label[base]} is faster or "
          f"smaller), per program on medians; geometric means are over the programs where both succeeded.")
        w("")
        w(f"## Summary: geometric mean of the ratios to {label[base]}")
        w("")
        w("| engine | programs OK | " + " | ".join(t for _, t in SUMMARY_METRICS) + " |")
        w("|---|---|" + "---|" * len(SUMMARY_METRICS))
        for n in names:
            okc = sum(1 for b in benches if n in med.get(b["name"], {}))
            cells = []
            for k, _ in SUMMARY_METRICS:
                rs = [med[b["name"]][n][k] / med[b["name"]][base][k]
                      for b in benches if b["name"] in med and n in med[b["name"]] and base in med[b["name"]]
                      and med[b["name"]][n].get(k) and med[b["name"]][base].get(k)]
                g = geomean(rs)
                cells.append("—" if g is None else f"{g:.2f} (n={len(rs)})")
            w(f"| {label[n]} | {okc}/{len(benches)} | " + " | ".join(cells) + " |")
        w("")
    for key, title, unit, scale in METRICS:
        w(f"## {title}, median, {unit}" + (f" (ratio to {label[base]})" if base else ""))
        w("")
        w("| program | " + ("native s | " if key == "wall_s" else "") + " | ".join(label[n] for n in names) + " |")
        w("|---|" + ("---|" if key == "wall_s" else "") + "---|" * len(names))
        ratios: dict[str, list[float]] = {n: [] for n in names}
        any_value = False
        for b in benches:
            bn = b["name"]
            row = [bn] + ([fmt(b.get("native_seconds"), "s")] if key == "wall_s" else [])
            bv = med.get(bn, {}).get(base, {}).get(key) if base else None
            for n in names:
                if (bn, n) in fails and n not in med.get(bn, {}):
                    row.append("FAIL")
                    continue
                v = med.get(bn, {}).get(n, {}).get(key)
                if v is None:
                    row.append("—")
                    continue
                any_value = True
                cell = fmt(v * scale, unit)
                if bv and n != base:
                    r = v / bv
                    ratios[n].append(r)
                    cell += f" ({fmt_ratio(r)}×)"
                row.append(cell)
            w("| " + " | ".join(row) + " |")
        if base:
            w("| **geomean of ratios** | " + ("| " if key == "wall_s" else "")
              + " | ".join("1" if n == base else fmt_ratio(geomean(ratios[n])) for n in names) + " |")
        if not any_value:
            w("")
            w("(no engine reported this figure)")
        w("")
    if fails:
        w("## Failures (never timed)")
        w("")
        w("| program | engine | error |")
        w("|---|---|---|")
        for (bn, n), err in fails.items():
            err1 = " ".join(err.split())[:300].replace("|", "\\|")
            w(f"| {bn} | {label.get(n, n)} | {err1} |")
        w("")
    w("## Columns")
    w("")
    w("- *Execution*: the engine's own in-process figure for running `_start` (wasmtime-py `run_ms`; node "
      "`run_ms`, which also includes instantiation; weft `run_ms` from `weft run --stats`). wasmi reports none.")
    w("- *Compile*: in-process compile of the whole module, single-threaded (V8: eager compilation on the "
      "main thread unless `--v8-lazy`).")
    w("- *End-to-end*: wall time of the whole command, process start to exit, including runtime start-up "
      "(Python + wasmtime-py for Wasmtime, node start-up for V8).")
    w("- *CPU*: user + system time of the process and all its threads (V8 and Wasmtime run background "
      "threads); less sensitive than wall time to other load on the machine.")
    w("- *Peak RSS*: `ru_maxrss` of the process from `wait4`; includes the Python or node runtime.")
    w("- `FAIL`: wrong stdout, wrong exit code, crash or timeout (see Failures); such runs are not timed.")
    w("")
    path.write_text("\n".join(L))
    return base


def write_svg(path: Path, engines: list[Engine], benches: list[dict], samples: list[dict], base: str | None):
    """Grouped bars, log scale: per program, each engine's ratio to the baseline (end-to-end wall time and
    execution time), plus the geometric means."""
    med = medians(samples)
    peers = [e for e in engines if e.name != base]
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
    panels = [("wall_s", "End-to-end wall time"), ("run_ms", "Execution time (in-process)"),
              ("compile_ms", "Compile time (in-process)")]
    names = [b["name"] for b in benches] + ["geomean"]
    bar_w, gap = 7, 10
    group_w = max(1, len(peers)) * bar_w + gap
    left, top, panel_h, label_h = 60, 50, 220, 110
    plot_w = len(names) * group_w
    width = max(760, left + plot_w + 170)
    height = top + len(panels) * (panel_h + label_h) + 10
    lo, hi = -5.0, 5.0  # log2 range of the ratios shown: 1/32 .. 32
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="100%" height="100%" fill="white"/>']
    blabel = ENGINE_BY_NAME[base].label if base else "?"
    out.append(f'<text x="{left}" y="20" font-size="14" font-weight="bold">Time of each engine / time of '
               f'{blabel} (log scale; above 1 = {blabel} faster), medians</text>')
    for i, e in enumerate(peers):
        x = left + plot_w + 20
        y = top + i * 16
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colors[i % len(colors)]}"/>')
        out.append(f'<text x="{x + 14}" y="{y}">{e.label}</text>')
    for pi, (key, title) in enumerate(panels):
        y0 = top + pi * (panel_h + label_h)

        def ypos(r):
            l2 = min(hi, max(lo, math.log2(r)))
            return y0 + (hi - l2) / (hi - lo) * panel_h

        out.append(f'<text x="{left}" y="{y0 - 6}" font-weight="bold">{title}</text>')
        for t in range(int(lo), int(hi) + 1):
            y = ypos(2.0 ** t)
            lab = f"{2 ** t:g}" if t >= 0 else f"1/{2 ** -t}"
            out.append(f'<line x1="{left}" x2="{left + len(names) * group_w}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="{"#000" if t == 0 else "#ddd"}" stroke-width="{1 if t == 0 else 0.5}"/>')
            out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{lab}</text>')
        ratios: dict[str, list[float]] = {e.name: [] for e in peers}
        for gi, bn in enumerate(names):
            gx = left + gi * group_w + gap / 2
            for i, e in enumerate(peers):
                if bn == "geomean":
                    r = geomean(ratios[e.name])
                else:
                    m = med.get(bn, {})
                    v = m.get(e.name, {}).get(key)
                    bv = m.get(base, {}).get(key) if base else None
                    r = v / bv if v and bv else None
                    if r:
                        ratios[e.name].append(r)
                if not r:
                    continue
                y1, yb = ypos(r), ypos(1.0)
                out.append(f'<rect x="{gx + i * bar_w:.1f}" y="{min(y1, yb):.1f}" width="{bar_w - 1}" '
                           f'height="{max(0.5, abs(y1 - yb)):.1f}" fill="{colors[i % len(colors)]}">'
                           f'<title>{bn}: {e.label} {r:.2f}×</title></rect>')
            lx = gx + len(peers) * bar_w / 2
            ly = y0 + panel_h + 8
            bold = ' font-weight="bold"' if bn == "geomean" else ""
            out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" transform="rotate(60 {lx:.1f} {ly:.1f})"{bold}>'
                       f'{bn}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out))


# ----------------------------------------------------------------------------------------------------
# Main

def load_benches(corpus: Path, filt: str | None, quick: bool) -> list[dict]:
    manifest = json.loads((corpus / "manifest.json").read_text())
    benches = manifest["benchmarks"]
    if quick and not filt:
        benches = [b for b in benches if b["name"] in QUICK_PROGRAMS]
    if filt:
        rx = re.compile(filt)
        benches = [b for b in benches if rx.search(b["name"])]
    return benches


def check(bench: dict, o: Outcome) -> str | None:
    """None if the run is correct, else what went wrong."""
    err = strip_stats(o.stderr.decode(errors="replace")).strip()
    lines = [l.strip() for l in err.splitlines() if l.strip()]
    tail = " / ".join(lines if len(lines) <= 3 else lines[:2] + ["…", lines[-1]])
    if o.timed_out:
        return f"timeout after {o.wall_s:.0f} s"
    if o.exit_code != bench.get("expected_exit_code", 0):
        what = f"killed by signal {-o.exit_code}" if o.exit_code < 0 else f"exit code {o.exit_code}"
        return f"{what} (expected {bench.get('expected_exit_code', 0)}); stderr: {tail}"
    want = bench["expected_stdout"].encode()
    if o.stdout != want:
        got = o.stdout.decode(errors="replace")
        return f"wrong stdout: got {got[:120]!r}, expected {bench['expected_stdout'][:120]!r}; stderr: {tail}"
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default=",".join(e.name for e in ENGINES if e.name != "weft-interruptible"),
                    help="comma-separated engines (default: all but weft-interruptible): " + ",".join(e.name for e in ENGINES))
    ap.add_argument("--filter", help="regex on benchmark names (re.search)")
    ap.add_argument("--reps", type=int, help="repetitions per program and engine (default 5; 2 with --quick)")
    ap.add_argument("--quick", action="store_true",
                    help=f"smoke run: programs {','.join(QUICK_PROGRAMS)} (unless --filter), 2 reps")
    ap.add_argument("--weft", default=os.environ.get("WEFT", "target/x86_64-unknown-linux-gnu/release/weft"),
                    help="weft binary (default target/x86_64-unknown-linux-gnu/release/weft, relative to cwd or the repo)")
    ap.add_argument("--baseline", default="weft", help="engine the ratios are computed against (default weft)")
    ap.add_argument("--corpus", default=str(SHARED / "corpus"), help="corpus directory (has manifest.json)")
    ap.add_argument("--peers", default=str(SHARED / "peers"), help="directory of wasmtime-py.py")
    ap.add_argument("--out", default=str(BENCH_DIR / "results"), help="output directory")
    ap.add_argument("--timeout", type=float, default=600, help="seconds before a run is killed (default 600)")
    ap.add_argument("--v8-lazy", action="store_true",
                    help="let V8 compile lazily (its default) instead of eagerly on the main thread")
    ap.add_argument("--fail-fast-reps", type=int, default=1, metavar="N",
                    help="after a failed run, skip the engine's remaining reps of that program (default 1 = yes)")
    args = ap.parse_args(argv)
    reps = args.reps or (2 if args.quick else 5)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    ctx = make_ctx(args)
    if not (ctx.corpus / "manifest.json").is_file():
        sys.exit(f"no manifest.json in {ctx.corpus} (use --corpus)")
    benches = load_benches(ctx.corpus, args.filter, args.quick)
    if not benches:
        sys.exit("no benchmark matches")
    engines, absent = select_engines(ctx, [n.strip() for n in args.engines.split(",") if n.strip()], log)
    if not engines:
        sys.exit("no engine available")
    info = machine_info(engines)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    args_line = " ".join(["python3 bench/run.py", *(sys.argv[1:] if argv is None else argv)])
    samples: list[dict] = []
    raw = {"machine": info, "command": args_line, "reps": reps, "absent": absent,
           "engines": {e.name: {"label": e.label, "what": e.what, "version": e.version} for e in engines},
           "benchmarks": [b["name"] for b in benches], "samples": samples}

    def write(done):
        base = write_markdown(out_dir / "results.md", info, engines, absent, benches, samples, args.baseline,
                              args_line, reps, done)
        write_svg(out_dir / "chart.svg", engines, benches, samples, base)
        raw["baseline"] = base
        (out_dir / "results.json").write_text(json.dumps(raw, indent=1))

    log(f"{len(benches)} program(s) x {len(engines)} engine(s) x {reps} rep(s); results in {out_dir}")
    try:
        for bench in benches:
            failed: set[str] = set()
            for rep in range(reps):
                k = rep % len(engines)
                for e in engines[k:] + engines[:k]:  # rotate the order each repetition
                    if e.name in failed:
                        continue
                    wasm = bench["variants"][e.variant] if e.variant else bench["wasm"]
                    s = {"bench": bench["name"], "engine": e.name, "rep": rep}
                    try:
                        cmd, cwd = e.argv(ctx, bench, wasm)
                        s["argv"] = cmd
                        s["cwd"] = str(cwd)
                        o = run_command(cmd, cwd, args.timeout)
                    except Exception as ex:  # the engine could not even be started
                        s.update(ok=False, error=f"could not run: {ex}")
                        samples.append(s)
                        failed.add(e.name)
                        log(f"  {bench['name']:<24} {e.name:<10} rep {rep}: FAIL {s['error']}")
                        continue
                    err = check(bench, o)
                    s.update(exit_code=o.exit_code, wall_s=o.wall_s, cpu_s=o.cpu_s, maxrss_kb=o.maxrss_kb)
                    if err:
                        s.update(ok=False, error=err, stderr_tail=o.stderr.decode(errors="replace")[-2000:])
                        if args.fail_fast_reps:
                            failed.add(e.name)
                        log(f"  {bench['name']:<24} {e.name:<10} rep {rep}: FAIL {err[:200]}")
                    else:
                        stats = e.parse(o.stderr.decode(errors="replace"))
                        for key in ("compile_ms", "instantiate_ms", "run_ms"):
                            if key in stats:
                                s[key] = stats[key]
                        for key in ("wasm_bytes", "code_bytes"):
                            if key in stats:
                                s[key] = int(stats[key])
                        s["ok"] = True
                        log(f"  {bench['name']:<24} {e.name:<10} rep {rep}: wall {o.wall_s:7.3f} s  "
                            f"cpu {o.cpu_s:7.3f} s  rss {o.maxrss_kb / 1024:6.1f} MB  "
                            + "  ".join(f"{k}={s[k]:.1f}" for k in ("compile_ms", "instantiate_ms", "run_ms")
                                        if k in s))
                    samples.append(s)
            write(False)
    except KeyboardInterrupt:
        log("interrupted: writing partial results")
        info["loadavg_end"] = os.getloadavg()
        write(False)
        return 130
    info["loadavg_end"] = os.getloadavg()
    write(True)
    log(f"wrote {out_dir / 'results.md'}, {out_dir / 'results.json'}, {out_dir / 'chart.svg'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
