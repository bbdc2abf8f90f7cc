//! Shared by the wasm-smith based tests (`smith.rs`, `differential.rs`): the generator configuration
//! (WebAssembly 2.0 only, no imports, exports everything), deterministic input bytes, zero and drawn
//! arguments, and the failure report they end with.

use arbitrary::Unstructured;

pub fn config() -> wasm_smith::Config {
    wasm_smith::Config {
        // WebAssembly 2.0 only.
        exceptions_enabled: false,
        gc_enabled: false,
        tail_call_enabled: false,
        memory64_enabled: false,
        threads_enabled: false,
        relaxed_simd_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        shared_everything_threads_enabled: false,
        custom_descriptors_enabled: false,
        extended_const_enabled: false,
        compact_imports_enabled: false,
        multibyte_array_access_enabled: false,
        acquire_release_atomics_enabled: false,
        simd_enabled: true,
        max_memories: 1,
        max_imports: 0,
        min_funcs: 3,
        max_funcs: 24,
        max_instructions: 400,
        max_memory32_bytes: 16 << 16,
        // (For the tests that turn 64-bit memories on.)
        max_memory64_bytes: 16 << 16,
        export_everything: true,
        ..Default::default()
    }
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
    let mut rng = Rng::new(seed.wrapping_mul(multiplier));
    let data: Vec<u8> = (0..16 << 10).map(|_| (rng.next() >> 56) as u8).collect();
    let mut smith = wasm_smith::Module::new(config, &mut Unstructured::new(&data)).ok()?;
    smith.ensure_termination(2_000).ok()?;
    Some(smith.to_bytes())
}

/// xorshift64*: deterministic pseudo-random numbers from a non-zero state.
pub struct Rng(u64);

impl Rng {
    /// The generator for `seed`, any value (the state must not be zero: its low bit is set).
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

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

/// An argument of a drawn call, before it becomes an engine's value (the same for every engine).
#[derive(Clone, Copy, Debug)]
pub enum Arg {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    /// A null funcref.
    NullFunc,
    /// An externref: null, or a host reference with this payload.
    Extern(Option<u32>),
}

/// The arguments of one drawn call for parameters `params`: edge cases (0, ±1, the extremes, powers of
/// two, memory addresses near a page end, signed zeros, infinities, the canonical NaN) and random bits.
/// Floats keep to canonical NaNs so that every engine returns the same bits.
pub fn draw_args(rng: &mut Rng, params: impl IntoIterator<Item = weft::ValType>) -> Vec<Arg> {
    use weft::ValType;
    let int = |rng: &mut Rng| -> i64 {
        let r = rng.next();
        match r % 8 {
            0 => [0, 1, -1, 2, -2][(r >> 8) as usize % 5],
            1 => [i64::MIN, i64::MAX, i32::MIN as i64, i32::MAX as i64, u32::MAX as i64][(r >> 8) as usize % 5],
            2 => 1 << ((r >> 8) % 64),
            3 => 65536 * ((r >> 8) % 4) as i64 - ((r >> 16) % 9) as i64,
            4 => ((r >> 8) % 256) as i64,
            _ => (r >> 3) as i64,
        }
    };
    params
        .into_iter()
        .map(|t| {
            let r = rng.next();
            let float = [
                0.0,
                -0.0,
                1.0,
                -1.5,
                0.5,
                1e300,
                -1e-300,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
                4294967296.0,
                -2147483649.0,
            ][r as usize % 12];
            match t {
                ValType::I32 => Arg::I32(int(rng) as i32),
                ValType::I64 => Arg::I64(int(rng)),
                ValType::F32 if r % 16 == 15 => Arg::F32(((rng.next() >> 32) as u32 & !0x7f80_0000) | 0x3f00_0000),
                ValType::F32 => Arg::F32((float as f32).to_bits()),
                ValType::F64 if r % 16 == 15 => Arg::F64((rng.next() & !0x7ff0_0000_0000_0000) | 0x3fe0_0000_0000_0000),
                ValType::F64 => Arg::F64(float.to_bits()),
                ValType::V128 => Arg::V128(u128::from(rng.next()) << 64 | u128::from(rng.next())),
                ValType::FuncRef => Arg::NullFunc,
                ValType::ExternRef => Arg::Extern(r.is_multiple_of(2).then_some((r >> 32) as u32)),
            }
        })
        .collect()
}

/// An `Arg` as a weft value.
pub fn weft_val(a: Arg) -> weft::Val {
    use weft::Val;
    match a {
        Arg::I32(x) => Val::I32(x),
        Arg::I64(x) => Val::I64(x),
        Arg::F32(x) => Val::F32(x),
        Arg::F64(x) => Val::F64(x),
        Arg::V128(x) => Val::V128(x),
        Arg::NullFunc => Val::FuncRef(None),
        Arg::Extern(r) => Val::ExternRef(r),
    }
}

/// Bytes each memory may grow to (`StoreLimits`): the generator declares small memories, but a
/// 64-bit one without a maximum may be grown by any amount.
pub const MEMORY_LIMIT: u64 = 64 << 20;

/// What one module did: per export called (by name, in name order), its results or its trap (`None`
/// if it never instantiated).
pub type Outcomes = Option<Vec<(String, Result<Vec<weft::Val>, weft::Trap>)>>;

/// Instantiates a compiled module and calls every export with zero arguments: each call must end in
/// results or a trap. With `drawn_args`, every export is then called again, with arguments drawn by
/// `draw_args` from `Rng::new(seed)` (export by export, in name order), its outcome named `NAME (drawn)`.
/// `stats`: modules, calls, traps. With `time_limit`, an interrupt handle stops whatever still runs
/// after that long (modules whose fuel checks a mutation broke), so the engine needs
/// `Config::interruptible`.
pub fn run(
    engine: &weft::Engine,
    module: &weft::Module,
    what: &str,
    stats: &mut [u32; 3],
    time_limit: Option<std::time::Duration>,
    drawn_args: Option<u64>,
) -> Result<Outcomes, String> {
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
    let funcs: Vec<(String, weft::Func)> = instance
        .exports()
        .into_iter()
        .filter_map(|(name, ext)| if let Extern::Func(f) = ext { Some((name, f)) } else { None })
        .collect();
    let mut rng = drawn_args.map(Rng::new);
    let rounds = 1 + usize::from(rng.is_some());
    for round in 0..rounds {
        for (name, f) in &funcs {
            let ty = f.ty(&store);
            let (name, params): (String, Vec<Val>) = match rng.as_mut().filter(|_| round == 1) {
                Some(rng) => (
                    format!("{name} (drawn)"),
                    draw_args(rng, ty.params.iter().copied()).into_iter().map(weft_val).collect(),
                ),
                None => (name.clone(), ty.params.iter().map(|&t| zero(t)).collect()),
            };
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
    }
    Ok(Some(outcomes))
}

/// Fails the test if `failures` is not empty, listing the first ten (`what`: "failures",
/// "disagreements").
#[track_caller]
pub fn assert_none(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} {what}, first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}
