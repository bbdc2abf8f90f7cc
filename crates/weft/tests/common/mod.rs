//! Shared by the wasm-smith based tests (`smith.rs`, `differential.rs`): the generator configuration
//! (WebAssembly 2.0 only, no imports, exports everything), deterministic input bytes, zero arguments.

use arbitrary::Unstructured;

pub fn config() -> wasm_smith::Config {
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
    // (For the tests that turn 64-bit memories on.)
    c.max_memory64_bytes = 16 << 16;
    c.export_everything = true;
    c
}

/// The seeds a randomized test runs: `count` of them (the environment variable `count_var`, else
/// `default`), from `WEFT_FIRST_SEED` (else 0), so that a long run can cover seeds no earlier run did.
pub fn seeds(count_var: &str, default: u64) -> std::ops::Range<u64> {
    let var = |name: &str| std::env::var(name).ok().and_then(|s| s.parse::<u64>().ok());
    let first = var("WEFT_FIRST_SEED").unwrap_or(0);
    first..first + var(count_var).unwrap_or(default)
}

/// The module wasm-smith builds for `seed` (input bytes from xorshift64*, the seed scrambled by
/// `multiplier`), with loops and calls bounded by fuel; `None` if the generator gave up.
pub fn module(config: wasm_smith::Config, seed: u64, multiplier: u64) -> Option<Vec<u8>> {
    let mut rng = Rng(seed.wrapping_mul(multiplier) | 1);
    let data: Vec<u8> = (0..16 << 10).map(|_| (rng.next() >> 56) as u8).collect();
    let mut smith = wasm_smith::Module::new(config, &mut Unstructured::new(&data)).ok()?;
    smith.ensure_termination(2_000).ok()?;
    Some(smith.to_bytes())
}

/// xorshift64*: deterministic pseudo-random numbers from a non-zero state.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

pub fn zero(t: weft::ValType) -> weft::Val {
    use weft::{Val, ValType};
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

/// Bytes each memory may grow to (`StoreLimits`): the generator declares small memories, but a
/// 64-bit one without a maximum may be grown by any amount.
pub const MEMORY_LIMIT: u64 = 64 << 20;

/// What one module did: per export called (by name, in name order), its results or its trap (`None`
/// if it never instantiated).
pub type Outcomes = Option<Vec<(String, Result<Vec<weft::Val>, weft::Trap>)>>;

/// Instantiates a compiled module and calls every export with zero arguments: each call must end in
/// results or a trap. `stats`: modules, calls, traps. With `time_limit`, an interrupt handle stops
/// whatever still runs after that long (modules whose fuel checks a mutation broke), so the engine
/// needs `Config::interruptible`.
pub fn run(engine: &weft::Engine, module: &weft::Module, what: &str, stats: &mut [u32; 3], time_limit: Option<std::time::Duration>) -> Result<Outcomes, String> {
    use weft::{Error, Extern, Instance, Store, Val};
    stats[0] += 1;
    let mut store = Store::new(engine, ());
    store.set_limits(weft::StoreLimits { max_memory_bytes: MEMORY_LIMIT, ..Default::default() });
    // A timer per run of wasm (the instantiation's start function, then each call): an interrupt is
    // used up by the call it stops, so one timer for all would leave the calls after it unbounded.
    let arm = |store: &Store<()>| time_limit.map(|limit| store.interrupt_handle().interrupt_after(limit));
    let timer = arm(&store);
    let instance = match Instance::new(&mut store, module, &[]) {
        Ok(i) => i,
        Err(Error::Trap { .. }) => return Ok(None),
        // A mutated limit can ask for a table or memory beyond the store's limits: refused, not run.
        Err(Error::ResourceLimit(_)) => return Ok(None),
        Err(e) => return Err(format!("{what}: instantiation failed without a trap or a resource limit: {e}")),
    };
    drop(timer);
    let mut outcomes = Vec::new();
    for (name, ext) in instance.exports() {
        let Extern::Func(f) = ext else { continue };
        let params: Vec<Val> = f.ty(&store).params.iter().map(|&t| zero(t)).collect();
        stats[1] += 1;
        let _timer = arm(&store);
        match f.call(&mut store, &params) {
            Ok(results) => outcomes.push((name, Ok(results))),
            Err(Error::Trap { trap, .. }) => {
                stats[2] += 1;
                outcomes.push((name, Err(trap)));
            }
            Err(e) => return Err(format!("{what}: export `{name}` failed without a trap: {e}")),
        }
    }
    Ok(Some(outcomes))
}
