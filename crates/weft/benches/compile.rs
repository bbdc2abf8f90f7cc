//! Compile throughput of the corpus's largest modules: `cargo bench -p weft --bench compile`.
//! The corpus is read from `../shared/bench/corpus` next to the repository (or `$WEFT_BENCH_CORPUS`);
//! a missing module is skipped. Criterion reports bytes of wasm per second.
//!
//! `validate/*` times wasmparser's own `Validator::validate_all` on the same bytes: its reader and its
//! validator. weft's compile uses the validator but mostly its own decoding loop (`compiler::visit`),
//! so this is more than validation costs weft (see bench/README.md).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::PathBuf;

fn corpus() -> PathBuf {
    match std::env::var_os("WEFT_BENCH_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/corpus"),
    }
}

fn compile(c: &mut Criterion) {
    // Single-threaded, like the peers in bench/compile.py.
    let engine = weft::Engine::new(weft::Config { parallel_compilation: false, ..Default::default() }).expect("engine");
    let mut group = c.benchmark_group("compile");
    group.sample_size(20);
    for name in ["sqlite_bench", "lua54", "minilua"] {
        let path = corpus().join("out/wasm").join(format!("{name}.wasm"));
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("skipping {}: not found", path.display());
            continue;
        };
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("weft/{name}"), |b| {
            b.iter(|| weft::Module::new(&engine, &bytes).expect("compiles"))
        });
        group.bench_function(format!("validate/{name}"), |b| {
            b.iter(|| {
                wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM2)
                    .validate_all(&bytes)
                    .expect("valid")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);
