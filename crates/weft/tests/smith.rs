//! Robustness against arbitrary valid modules: wasm-smith generates them (2.0 features, loops and calls
//! bounded by fuel), weft must compile every one, and instantiating it and calling every export must end
//! in results or a trap — never a panic, a crash or any other error. Seeds are fixed, so a failure names
//! a seed that reproduces it (`WEFT_SMITH_SEEDS=N` runs more).

use arbitrary::Unstructured;
use weft::*;

fn config() -> wasm_smith::Config {
    let mut c = wasm_smith::Config::default();
    // WebAssembly 2.0 only.
    c.exceptions_enabled = false;
    c.gc_enabled = false;
    c.tail_call_enabled = false;
    c.memory64_enabled = false;
    c.threads_enabled = false;
    c.relaxed_simd_enabled = false;
    c.custom_page_sizes_enabled = false;
    c.wide_arithmetic_enabled = false;
    c.shared_everything_threads_enabled = false;
    c.custom_descriptors_enabled = false;
    c.extended_const_enabled = false;
    c.compact_imports_enabled = false;
    c.multibyte_array_access_enabled = false;
    c.acquire_release_atomics_enabled = false;
    c.simd_enabled = true;
    c.max_memories = 1;
    c.max_imports = 0;
    c.min_funcs = 3;
    c.max_funcs = 24;
    c.max_instructions = 400;
    c.max_memory32_bytes = 16 << 16;
    c.export_everything = true;
    c
}

/// xorshift64*: deterministic input bytes for wasm-smith.
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

fn zero(t: ValType) -> Val {
    match t {
        ValType::I32 => Val::I32(0),
        ValType::I64 => Val::I64(0),
        ValType::F32 => Val::F32(0),
        ValType::F64 => Val::F64(0),
        ValType::V128 => Val::V128(0),
        ValType::FuncRef => Val::FuncRef(None),
        ValType::ExternRef => Val::ExternRef(None),
    }
}

/// What one module did: per export call, its results or its trap (`None` if it never instantiated).
type Outcomes = Option<Vec<Result<Vec<Val>, Trap>>>;

fn check(engine: &Engine, seed: u64, stats: &mut [u32; 3]) -> Result<Outcomes, String> {
    let data = bytes(seed, 16 << 10);
    let mut u = Unstructured::new(&data);
    let Ok(mut smith) = wasm_smith::Module::new(config(), &mut u) else { return Ok(None) };
    if smith.ensure_termination(2_000).is_err() {
        return Ok(None);
    }
    let wasm = smith.to_bytes();
    let module = Module::new(engine, &wasm).map_err(|e| format!("seed {seed}: valid module rejected: {e}"))?;
    stats[0] += 1;
    let mut store = Store::new(engine, ());
    let instance = match Instance::new(&mut store, &module, &[]) {
        Ok(i) => i,
        Err(Error::Trap { .. }) => return Ok(None),
        Err(e) => return Err(format!("seed {seed}: instantiation failed without a trap: {e}")),
    };
    let mut outcomes = Vec::new();
    for (name, ext) in instance.exports() {
        let Extern::Func(f) = ext else { continue };
        let params: Vec<Val> = f.ty(&store).params.iter().map(|&t| zero(t)).collect();
        stats[1] += 1;
        match f.call(&mut store, &params) {
            Ok(results) => outcomes.push(Ok(results)),
            Err(Error::Trap { trap, .. }) => {
                stats[2] += 1;
                outcomes.push(Err(trap));
            }
            Err(e) => return Err(format!("seed {seed}: export `{name}` failed without a trap: {e}")),
        }
    }
    Ok(Some(outcomes))
}

/// Values compared by bits (funcrefs only by null-ness: they point into different stores).
fn same(a: &Outcomes, b: &Outcomes) -> bool {
    let key = |v: &Val| match v {
        Val::FuncRef(f) => Val::I32(f.is_some() as i32),
        other => *other,
    };
    match (a, b) {
        (Some(a), Some(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Ok(x), Ok(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| key(p) == key(q)),
            (Err(x), Err(y)) => x == y,
            _ => false,
        }),
        (None, None) => true,
        _ => false,
    }
}

#[test]
fn arbitrary_valid_modules_compile_and_run_or_trap() {
    let seeds: u64 = std::env::var("WEFT_SMITH_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    // The two ways of checking memory bounds must agree on every result and every trap.
    let guarded = Engine::new(Config { guard_pages: true, ..Default::default() }).unwrap();
    let explicit = Engine::new(Config { guard_pages: false, ..Default::default() }).unwrap();
    let mut stats = [0u32; 3];
    let mut failures = Vec::new();
    for seed in 0..seeds {
        match (check(&guarded, seed, &mut stats), check(&explicit, seed, &mut [0; 3])) {
            (Ok(a), Ok(b)) if !same(&a, &b) => failures.push(format!("seed {seed}: guard pages and explicit checks disagree: {a:?} vs {b:?}")),
            (Err(e), _) | (_, Err(e)) => failures.push(e),
            _ => {}
        }
    }
    println!("{} modules compiled, {} calls, {} of them trapped (per bounds-check mode)", stats[0], stats[1], stats[2]);
    assert!(failures.is_empty(), "{} failures, first ones:\n{}", failures.len(), failures.iter().take(10).cloned().collect::<Vec<_>>().join("\n"));
    // The generator really produced modules with functions to call.
    assert!(stats[0] as u64 > seeds / 2 && stats[1] as u64 > seeds / 2, "too few modules or calls: {stats:?}");
}
