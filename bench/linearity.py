#!/usr/bin/env python3
"""JIT bombs: does compile time stay linear in the module's size on adversarial shapes?

    python3 bench/linearity.py                                   # weft, every shape, 5 reps
    python3 bench/linearity.py --engines weft,winch,liftoff --reps 3 --shapes locals,nest

A baseline compiler is only fast to start if no input makes it superlinear: a module a hostile party
wrote must not stall the host. Each shape below is generated (as binary, by this script) at four sizes,
1x, 2x, 4x and 8x, and compiled single-threaded in a fresh process per rep (the engines and their
in-process CPU figure are those of bench/compile.py); medians are reported. The *exponent* is the
least-squares slope of log(CPU time) over log(wasm bytes): 1 is linear, 2 quadratic. weft fails the
run (exit 1) if a shape's exponent exceeds --max-exponent (1.3: leaves room for cache effects and
noise at the smallest size), or if a module it should compile is rejected.

Shapes aim at the parts of a one-pass copy-and-patch compiler whose work could depend on more than the
operator at hand: locals (pin choice counts uses), nesting depth (labels, join states), branch and
`br_table` fan-out, multi-value block results, call arity, the operand stack's depth, function count,
locals declared and never used.
Writes bench/results/linearity.md and linearity.json. Python 3.11, standard library only.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compile as C  # noqa: E402  (bench/compile.py: engine commands and their output parsers)
import run as R  # noqa: E402

# ---------------------------------------------------------------------------------------------------
# A minimal binary encoder: enough for one type section, functions, one export and their code.


def uleb(v: int) -> bytes:
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def sleb(v: int) -> bytes:
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        if (v == 0 and not b & 0x40) or (v == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items: list[bytes]) -> bytes:
    return uleb(len(items)) + b"".join(items)


def section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + uleb(len(payload)) + payload


I32, F64 = 0x7F, 0x7C


def functype(params: list[int], results: list[int]) -> bytes:
    return b"\x60" + vec([bytes([p]) for p in params]) + vec([bytes([r]) for r in results])


def module(types: list[bytes], funcs: list[int], bodies: list[tuple[list[tuple[int, int]], bytes]]) -> bytes:
    """`funcs`: each function's type index; `bodies`: (local declarations (count, type), code). The last
    function is exported as `f`."""
    code = []
    for locals_, body in bodies:
        b = vec([uleb(n) + bytes([t]) for n, t in locals_]) + body + END
        code.append(uleb(len(b)) + b)
    return (b"\0asm\1\0\0\0" + section(1, vec(types)) + section(3, vec([uleb(t) for t in funcs]))
            + section(7, vec([uleb(1) + b"f" + b"\x00" + uleb(len(funcs) - 1)]))
            + section(10, vec(code)))


def local_get(i): return b"\x20" + uleb(i)
def local_set(i): return b"\x21" + uleb(i)
def i32_const(v): return b"\x41" + sleb(v)
def br_if(depth): return b"\x0d" + uleb(depth)
def br_table(targets, default): return b"\x0e" + vec([uleb(t) for t in targets]) + uleb(default)
def call(f): return b"\x10" + uleb(f)


END, BLOCK, LOOP, IF, ELSE = b"\x0b", b"\x02\x40", b"\x03\x40", b"\x04\x40", b"\x05"
I32_ADD, I32_EQ, DROP, F64_ADD, F64_MUL = b"\x6a", b"\x46", b"\x1a", b"\xa0", b"\xa2"
UNARY = [functype([I32], [I32])]

# ---------------------------------------------------------------------------------------------------
# The shapes: name -> (base size n, what it stresses, generator n -> module bytes).


def locals_(n):
    # n locals (wasm allows 50,000), each read and written once, in scattered order.
    body = b"".join(local_get((i * 7919) % n + 1) + local_get(0) + I32_ADD + local_set((i * 104729) % n + 1)
                    for i in range(n))
    return module(UNARY, [0], [([(n, I32)], body + local_get(1))])


def nest(n):
    return module(UNARY, [0], [([], BLOCK * n + local_get(0) + br_table(list(range(n)), 0) + END * n + i32_const(0))])


def nest_br_if(n):
    body = b"".join(BLOCK + local_get(0) + br_if(i) for i in range(n)) + END * n + i32_const(0)
    return module(UNARY, [0], [([], body)])


def nest_if_else(n):
    # Nested if/else: every `else` restores the state at its `if`, every `end` joins two.
    body = (local_get(0) + IF + local_get(1) + i32_const(1) + I32_ADD + local_set(1) + ELSE) * n
    body += (local_get(1) + i32_const(3) + I32_ADD + local_set(1) + END) * n
    return module(UNARY, [0], [([(1, I32)], body + local_get(1))])


def nest_loops(n):
    # Nested loops over a body with 1,000 locals live: pins are chosen per function, loop heads join.
    body = LOOP * (n // 10) + b"".join(local_get(i % 1000 + 1) + local_get(0) + I32_ADD + local_set(i % 1000 + 1)
                                       for i in range(n))
    body += local_get(0) + br_if(0) + END * (n // 10) + local_get(1)
    return module(UNARY, [0], [([(1000, I32)], body)])


def if_chain(n):
    body = b"".join(local_get(0) + i32_const(i) + I32_EQ + IF + local_get(1) + i32_const(1) + I32_ADD + local_set(1)
                    + ELSE + local_get(1) + i32_const(3) + I32_ADD + local_set(1) + END for i in range(n))
    return module(UNARY, [0], [([(1, I32)], body + local_get(1))])


def br_tables(n):
    # n / 1000 reachable br_tables of 1,000 targets each.
    one = local_get(0) + IF + local_get(0) + br_table([0] * 1000, 1) + END
    return module(UNARY, [0], [([], BLOCK + one * (n // 1000) + END + i32_const(0))])


def block_results(n):
    # A block with 100 results left by n / 100 `br_if`s: each branch moves 100 values.
    k = 100
    types = UNARY + [functype([], [I32] * k)]
    arm = i32_const(1) * k + local_get(0) + br_if(0) + DROP * k
    body = b"\x02" + sleb(1) + arm * (n // k) + i32_const(1) * k + END + DROP * (k - 1)
    return module(types, [0], [([], body)])


def call_arity(n):
    k = 200
    types = UNARY + [functype([I32] * k, [I32])]
    body = (local_get(0) * k + call(0) + DROP) * (n // k) + i32_const(0)
    return module(types, [1, 0], [([], local_get(0)), ([], body)])


def stack_depth(n):
    return module(UNARY, [0], [([], local_get(0) * n + I32_ADD * (n - 1))])


def f64_chain(n):
    # f64 arithmetic over 64 f64 locals: the float register cache and the f64 pinned locals.
    types = [functype([F64], [F64])]
    body = b"".join(local_get(i % 64 + 1) + local_get(0) + (F64_ADD if i % 2 else F64_MUL) + local_set((i * 7) % 64 + 1)
                    for i in range(n))
    return module(types, [0], [([(64, F64)], body + local_get(1))])


def declared_locals(n):
    # n functions, each declaring 49,999 i32 locals it never uses (the most wasm allows with one
    # parameter): 10 bytes of body, and per-local work in the compiler multiplied by 49,999.
    return module(UNARY, [0] * n, [([(49999, I32)], local_get(0))] * n)


def functions(n):
    return module(UNARY, [0] * n, [([], local_get(0) + i32_const(i) + I32_ADD) for i in range(n)])


SHAPES = {
    "locals": (6000, "n i32 locals, each read and written once", locals_),
    "nest": (8000, "n nested blocks, one br_table to every depth", nest),
    "nest-br_if": (10000, "n nested blocks, a br_if to the outermost at each", nest_br_if),
    "nest-if-else": (10000, "n nested if/else", nest_if_else),
    "nest-loops": (20000, "n/10 nested loops around n updates of 1,000 locals", nest_loops),
    "if-chain": (10000, "n if/else in sequence", if_chain),
    "br_tables": (40000, "n/1000 br_tables of 1,000 targets", br_tables),
    "block-results": (40000, "a block of 100 results, n/100 br_ifs out of it", block_results),
    "call-arity": (40000, "n/200 calls with 200 arguments", call_arity),
    "stack-depth": (20000, "n values on the operand stack, then n-1 adds", stack_depth),
    "f64-chain": (20000, "n f64 updates of 64 f64 locals", f64_chain),
    "functions": (5000, "n one-line functions", functions),
    "declared-locals": (125, "n functions declaring 49,999 unused locals each", declared_locals),
}
SCALES = [1, 2, 4, 8]


def exponent(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(y) over log(x)."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx, my = statistics.fmean(p[0] for p in pts), statistics.fmean(p[1] for p in pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engines", default="weft", help="comma-separated, from bench/compile.py: " + ",".join(C.ENGINES))
    ap.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated: " + ",".join(SHAPES))
    ap.add_argument("--max-exponent", type=float, default=1.3)
    C.add_common_args(ap, timeout=120)
    args = ap.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    C.WEFT_NOPGO = Path(args.weft_nopgo).resolve()
    ctx = R.make_ctx(args)
    engines, absent = C.select_engines(ctx, args.engines, log)
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    for s in shapes:
        if s not in SHAPES:
            sys.exit(f"unknown shape {s!r}; known: {', '.join(SHAPES)}")

    info = R.machine_info([])
    results: dict = {}
    failed = []  # (engine, what)
    with tempfile.TemporaryDirectory(prefix="weft-linearity-") as tmp:
        for shape in shapes:
            base, _, make = SHAPES[shape]
            sizes = []
            for scale in SCALES:
                path = Path(tmp) / f"{shape}-{scale}.wasm"
                path.write_bytes(make(base * scale))
                sizes.append((scale, path))
            samples: dict = {}
            for rep in range(args.reps):
                for scale, path in sizes:
                    k = rep % len(engines)
                    for name, _ in engines[k:] + engines[:k]:
                        o = R.run_command(C.ENGINES[name][1](ctx, str(path)), ctx.corpus, args.timeout)
                        st = C.ENGINES[name][2](o.stderr.decode(errors="replace"))
                        key = (name, scale)
                        if o.exit_code == 0 and "cpu_ms" in st:
                            samples.setdefault(key, []).append(st["cpu_ms"])
                        else:
                            err = " / ".join(o.stderr.decode(errors="replace").strip().splitlines()[-2:])
                            samples.setdefault(key, [])
                            if rep == 0:
                                log(f"  {shape} x{scale} {name}: FAIL exit {o.exit_code}: {err[:200]}")
                                failed.append((name, f"{shape} x{scale}: exit {o.exit_code}: {err[:200]}"))
            row = {"bytes": {s: p.stat().st_size for s, p in sizes}, "engines": {}}
            for name, _ in engines:
                med = {s: statistics.median(samples[(name, s)]) for s, _ in sizes if samples.get((name, s))}
                e = exponent([(row["bytes"][s], t) for s, t in med.items()]) if len(med) == len(sizes) else None
                row["engines"][name] = {"cpu_ms": med, "exponent": e}
                log(f"{shape:<14} {name:<10} " + " ".join(f"x{s}:{t:8.2f}ms" for s, t in med.items())
                    + (f"  exponent {e:.2f}" if e is not None else "  (failed)"))
            results[shape] = row

    names = [n for n, _ in engines]
    label = {n: C.ENGINES[n][0] for n in C.ENGINES}
    L = []
    w = L.append
    w("# Compile time against module size on adversarial shapes (JIT bombs)")
    w("")
    w(f"`{' '.join(['python3 bench/linearity.py', *(sys.argv[1:] if argv is None else argv)])}` — each shape "
      f"at 1x, 2x, 4x and 8x its base size, {args.reps} rep(s), a fresh process per compile, single-threaded; "
      "median CPU time of the compile (the in-process figure of bench/compile.py).")
    w("")
    w(f"- date: {info['date']}; CPU: {info['cpu']}, {info['logical_cpus']} logical CPUs; {info['os']}")
    for n, v in engines:
        w(f"- {label[n]}: {v}")
    for n, why in absent.items():
        w(f"- {label[n]}: **skipped**: {why}")
    w("")
    w("**Exponent**: slope of log(time) over log(wasm bytes) across the four sizes (1: linear, 2: quadratic). "
      f"weft fails the run above {args.max_exponent}.")
    w("")
    w("| shape | what | wasm KB (1x / 8x) | " + " | ".join(f"{label[n]}: ms 1x / 8x, exponent" for n in names)
      + " | µs per wasm KB at 8x: " + ", ".join(label[n] for n in names) + " |")
    w("|---|---|---|" + "---|" * (len(names) + 1))
    superlinear = []
    for shape, row in results.items():
        cells = []
        for n in names:
            d = row["engines"][n]
            t, e = d["cpu_ms"], d["exponent"]
            if e is None:
                cells.append("FAIL")
                continue
            cells.append(f"{t[1]:.2f} / {t[8]:.2f}, **{e:.2f}**")
            if n.startswith("weft") and e > args.max_exponent:
                superlinear.append(f"{shape} ({label[n]}): exponent {e:.2f}")
        per_kb = [row["engines"][n]["cpu_ms"].get(8) for n in names]
        per_kb = ", ".join("—" if t is None else f"{1e3 * t / (row['bytes'][8] / 1e3):.0f}" for t in per_kb)
        w(f"| {shape} | {SHAPES[shape][1]} | {row['bytes'][1] / 1e3:.0f} / {row['bytes'][8] / 1e3:.0f} | "
          + " | ".join(cells) + f" | {per_kb} |")
    w("")
    w("For scale, weft compiles the corpus's sqlite at about 13 µs per KB (bench/results/compile.md). A shape "
      "can be linear and still costly per byte: `declared-locals` is the case (every engine's work grows with "
      "the locals a function declares, used or not).")
    w("")
    if failed:
        w("Failed compiles (first rep):")
        w("")
        for n, what in failed:
            w(f"- {label[n]}: {what}")
        w("")
    verdict = superlinear + [f"{label[n]}: {what}" for n, what in failed if n.startswith("weft")]
    w("Verdict: " + ("every shape linear for weft." if not verdict else "**" + "; ".join(verdict) + "**"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "linearity.md").write_text("\n".join(L) + "\n")
    (out / "linearity.json").write_text(json.dumps({"machine": info, "absent": absent, "reps": args.reps,
                                                    "results": results}, indent=1))
    print("\n".join(L))
    return 1 if verdict else 0


if __name__ == "__main__":
    sys.exit(main())
