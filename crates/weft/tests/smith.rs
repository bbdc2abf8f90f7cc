//! Robustness against arbitrary valid modules: wasm-smith generates them (2.0 features, loops and calls
//! bounded by fuel), weft must compile every one, and instantiating it and calling every export (with
//! zero arguments, then with arguments drawn from the seed) must end in results or a trap — never a
//! panic, a crash or any other error. Seeds are fixed, so a failure names a seed that reproduces it
//! (`WEFT_SMITH_SEEDS=N` runs more, from seed `WEFT_FIRST_SEED`).

mod common;

use weft::*;

use common::{Outcomes, run};

fn check(engine: &Engine, seed: u64, stats: &mut [u32; 3]) -> Result<Outcomes, String> {
    let Some(wasm) = common::module(common::config(), seed, 0x9E37_79B9_7F4A_7C15) else { return Ok(None) };
    let module = Module::new(engine, &wasm).map_err(|e| format!("seed {seed}: valid module rejected: {e}"))?;
    run(engine, &module, &format!("seed {seed}"), stats, None, Some(seed))
}

/// Values compared by bits (funcrefs only by null-ness: they point into different stores).
fn same(a: &Outcomes, b: &Outcomes) -> bool {
    let key = |v: &Val| match v {
        Val::FuncRef(f) => Val::I32(f.is_some() as i32),
        other => *other,
    };
    match (a, b) {
        (Some(a), Some(b)) => {
            a.len() == b.len()
                && a.iter().zip(b).all(|((_, x), (_, y))| match (x, y) {
                    (Ok(x), Ok(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| key(p) == key(q)),
                    (Err(x), Err(y)) => x == y,
                    _ => false,
                })
        }
        (None, None) => true,
        _ => false,
    }
}

#[test]
fn arbitrary_valid_modules_compile_and_run_or_trap() {
    let seeds = common::seeds("WEFT_SMITH_SEEDS", 300);
    let count = seeds.end - seeds.start;
    // The two ways of checking memory bounds must agree on every result and every trap.
    let guarded = Engine::new(Config { guard_pages: true, ..Default::default() }).unwrap();
    let explicit = Engine::new(Config { guard_pages: false, ..Default::default() }).unwrap();
    let mut stats = [0u32; 3];
    let mut failures = Vec::new();
    for seed in seeds {
        match (check(&guarded, seed, &mut stats), check(&explicit, seed, &mut [0; 3])) {
            (Ok(a), Ok(b)) if !same(&a, &b) => {
                failures.push(format!("seed {seed}: guard pages and explicit checks disagree: {a:?} vs {b:?}"))
            }
            (Err(e), _) | (_, Err(e)) => failures.push(e),
            _ => {}
        }
    }
    println!("{} modules compiled, {} calls, {} of them trapped (per bounds-check mode)", stats[0], stats[1], stats[2]);
    common::assert_none("failures", &failures);
    // The generator really produced modules with functions to call.
    assert!(stats[0] as u64 > count / 2 && stats[1] as u64 > count / 2, "too few modules or calls: {stats:?}");
}

/// WebAssembly 3.0 mode on modules using 3.0's features (GC, exceptions, tail calls, typed function
/// references, several and 64-bit memories, threads, relaxed SIMD, extended constants). weft implements
/// few of them: each module must compile or be `Error::Unsupported` — never rejected as invalid (the
/// generator makes valid modules), never a panic — and what compiles must run every export to results
/// or a trap.
#[test]
fn wasm3_modules_compile_or_are_unsupported_never_crash() {
    let seeds = common::seeds("WEFT_SMITH_SEEDS", 300);
    let mut config = common::config();
    config.tail_call_enabled = true;
    config.memory64_enabled = true;
    config.threads_enabled = true;
    config.relaxed_simd_enabled = true;
    config.extended_const_enabled = true;
    config.max_memories = 2;
    // Half the seeds also with GC and exceptions, whose types and tags stop most modules early.
    let mut with_gc = config.clone();
    with_gc.gc_enabled = true;
    with_gc.exceptions_enabled = true;
    let engine = Engine::new(Config { version: WasmVersion::V3, ..Default::default() }).unwrap();
    let (mut stats, mut unsupported, mut failures) = ([0u32; 3], 0, Vec::new());
    for seed in seeds {
        let config = if seed % 2 == 0 { config.clone() } else { with_gc.clone() };
        let Some(wasm) = common::module(config, seed, 0xBF58_476D_1CE4_E5B9) else { continue };
        let module = match std::panic::catch_unwind(|| Module::new(&engine, &wasm)) {
            Err(_) => {
                failures.push(format!("seed {seed}: Module::new panicked"));
                continue;
            }
            Ok(Err(Error::Unsupported(_))) => {
                unsupported += 1;
                continue;
            }
            Ok(Err(e)) => {
                failures.push(format!("seed {seed}: valid 3.0 module rejected: {e}"));
                continue;
            }
            Ok(Ok(m)) => m,
        };
        if let Err(e) = run(&engine, &module, &format!("seed {seed}"), &mut stats, None, Some(seed)) {
            failures.push(e);
        }
    }
    let compiled = stats[0];
    println!(
        "{compiled} modules compiled and ran ({} calls, {} trapped), {unsupported} unsupported",
        stats[1], stats[2]
    );
    common::assert_none("failures", &failures);
    assert!(
        compiled > 0 && unsupported > 0,
        "the generator should produce both: {compiled} compiled, {unsupported} unsupported"
    );
}
