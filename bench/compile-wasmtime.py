#!/usr/bin/env python3
"""Compile a module with Wasmtime (PyPI `wasmtime`) and nothing else, as `wasmtime-py.py --compile-only`
does (same strategy setting, parallel compilation off, no cache), printing on stderr
  compile_ms=<wall> cpu_ms=<CPU time of the compiling thread> bytes=<n>
The thread's CPU time is insensitive to other load on the machine (compilation runs on this thread).

  python3 compile-wasmtime.py --compiler cranelift|winch FILE.wasm
"""
import sys, time
import wasmtime
from wasmtime import _ffi as ffi

STRATEGY = {"auto": 0, "cranelift": 1, "winch": 2}  # wasmtime_strategy_t

def main(argv):
    compiler = "cranelift"
    if argv[:1] == ["--compiler"]:
        compiler, argv = argv[1], argv[2:]
    path = argv[0]
    cfg = wasmtime.Config()
    ffi.wasmtime_config_strategy_set(cfg.ptr(), STRATEGY[compiler])
    cfg.parallel_compilation = False
    engine = wasmtime.Engine(cfg)
    data = open(path, "rb").read()
    c0, t0 = time.thread_time(), time.perf_counter()
    wasmtime.Module(engine, data)
    t1, c1 = time.perf_counter(), time.thread_time()
    print(f"compile_ms={1e3 * (t1 - t0):.2f} cpu_ms={1e3 * (c1 - c0):.2f} bytes={len(data)}", file=sys.stderr)

if __name__ == "__main__":
    main(sys.argv[1:])
