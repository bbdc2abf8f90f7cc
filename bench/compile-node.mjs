// Compile a module with V8 and nothing else: prints "compile_ms=<wall> cpu_ms=<process CPU> bytes=<n>" on stderr.
// usage: node [V8 flags] compile-node.mjs module.wasm
// With --no-wasm-lazy-compilation every function is compiled before WebAssembly.compile resolves;
// with --single-threaded all of it happens on the main thread. One compile per process: V8's native
// module cache would serve a second compile of the same bytes.
import { readFileSync } from 'node:fs';
import process, { argv, stderr } from 'node:process';
import { performance } from 'node:perf_hooks';

const bytes = readFileSync(argv[2]);
const c0 = process.cpuUsage();
const t0 = performance.now();
await WebAssembly.compile(bytes);
const t1 = performance.now();
const c = process.cpuUsage(c0); // whole process, microseconds; one thread with --single-threaded
stderr.write(`compile_ms=${(t1 - t0).toFixed(2)} cpu_ms=${((c.user + c.system) / 1e3).toFixed(2)} bytes=${bytes.length}\n`);
