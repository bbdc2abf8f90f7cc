//! Robustness against malformed and invalid modules: valid wasm-smith modules, mutated (bits flipped,
//! bytes overwritten, inserted, deleted, the module cut short). weft decodes the common operators
//! itself (`compiler::visit`) before wasmparser's validator sees them, so this checks that its fast
//! path agrees with wasmparser's own `validate_all` (2.0 mode with 2.0's features, 3.0 mode with
//! 3.0's), and that nothing panics:
//! - a module wasmparser rejects, weft must reject too (with an error: accepting it would run code
//!   no validator checked);
//! - a module wasmparser accepts, weft must compile.
//!
//! - a module both accept, weft must run: instantiating it and calling every export ends in results
//!   or a trap. A mutation can break wasm-smith's fuel checks, so an interrupt stops any module
//!   still running after `TIME_LIMIT`.
//!
//! The second is waived only for WebAssembly 2.0's stricter encodings, which weft checks and wasmparser
//! does not (a memory limit in an over-long LEB, a non-zero `memory.size`/`memory.grow` byte), and for
//! `Error::Unsupported`; each such case is counted and printed. Seeds are fixed
//! (`WEFT_MUTATED_SEEDS=N` runs more, from seed `WEFT_FIRST_SEED`).

mod common;

use common::Rng;
use weft::*;

/// A number below `n`.
fn below(rng: &mut Rng, n: usize) -> usize {
    (rng.next() % n as u64) as usize
}

/// One to four edits of `bytes` from `from` on: a bit flipped, a byte overwritten, inserted or
/// deleted, or (with `cut`) the rest cut off.
fn edit(bytes: &mut Vec<u8>, from: usize, cut: bool, rng: &mut Rng) {
    for _ in 0..1 + below(rng, 4) {
        if bytes.len() <= from {
            bytes.push(rng.next() as u8);
            continue;
        }
        let at = from + below(rng, bytes.len() - from);
        let (bit, byte) = (below(rng, 8), rng.next() as u8);
        match below(rng, if cut { 8 } else { 7 }) {
            0..=2 => bytes[at] ^= 1 << bit,
            3 | 4 => bytes[at] = byte,
            5 => bytes.insert(at, byte),
            6 => drop(bytes.remove(at)),
            _ => bytes.truncate(at.max(from + 1)),
        }
    }
}

fn read_leb(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        value |= ((b & 0x7f) as u32) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn leb(mut v: u32, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        out.push(b | if v != 0 { 0x80 } else { 0 });
        if v == 0 {
            return;
        }
    }
}

/// Half the time anywhere in the module after its header (mostly breaking its framing); otherwise
/// inside one function body, whose size and the code section's are then rewritten, so the module
/// still frames and the edit reaches the operator decoder.
fn mutate(wasm: &mut Vec<u8>, rng: &mut Rng) {
    if below(rng, 2) == 0 || !mutate_body(wasm, rng) {
        edit(wasm, 8, true, rng);
    }
}

fn mutate_body(wasm: &mut Vec<u8>, rng: &mut Rng) -> bool {
    let mut pos = 8;
    while pos < wasm.len() {
        let (id, start) = (wasm[pos], pos);
        pos += 1;
        let Some(size) = read_leb(wasm, &mut pos) else { return false };
        let (payload, end) = (pos, pos + size as usize);
        if id != 10 || end > wasm.len() {
            pos = end;
            continue;
        }
        let mut bodies = Vec::new();
        let Some(count) = read_leb(wasm, &mut pos) else { return false };
        for _ in 0..count {
            let Some(len) = read_leb(wasm, &mut pos) else { return false };
            bodies.push(wasm.get(pos..pos + len as usize).map(<[u8]>::to_vec));
            pos += len as usize;
        }
        let Some(mut bodies) = bodies.into_iter().collect::<Option<Vec<_>>>().filter(|b| !b.is_empty()) else {
            return false;
        };
        let k = below(rng, bodies.len());
        edit(&mut bodies[k], 0, false, rng);
        let mut section = Vec::new();
        leb(bodies.len() as u32, &mut section);
        for b in &bodies {
            leb(b.len() as u32, &mut section);
            section.extend_from_slice(b);
        }
        let mut out = wasm[..start].to_vec();
        out.push(10);
        leb(section.len() as u32, &mut out);
        out.extend_from_slice(&section);
        out.extend_from_slice(&wasm[end.max(payload)..]);
        *wasm = out;
        return true;
    }
    false
}

/// How long one accepted mutant may run: its instantiation and all its export calls.
const TIME_LIMIT: std::time::Duration = std::time::Duration::from_millis(20);

#[derive(Default)]
struct Counts {
    checks: u32,
    rejected_by_both: u32,
    accepted_by_both: u32,
    stricter: u32,
    unsupported: u32,
    /// Of the accepted mutants that weft ran: modules, export calls, traps (interrupts included).
    ran: [u32; 3],
    interrupted: u32,
}

fn check(
    engine: &Engine,
    features: wasmparser::WasmFeatures,
    wasm: &[u8],
    what: &str,
    counts: &mut Counts,
) -> Result<(), String> {
    let reference = wasmparser::Validator::new_with_features(features).validate_all(wasm);
    let compiled = Module::new(engine, wasm);
    // Module::new turns a compiler panic into this error; it must not pass for a rejection.
    if let Err(e @ Error::Compile(_)) = &compiled {
        return Err(format!("{what}: {e}"));
    }
    counts.checks += 1;
    match (compiled, reference) {
        (Err(_), Err(_)) => counts.rejected_by_both += 1,
        (Ok(_), Err(e)) => return Err(format!("{what}: weft accepted a module wasmparser rejects: {e}")),
        (Err(Error::Unsupported(_)), Ok(_)) => counts.unsupported += 1,
        (Err(e @ Error::Invalid(_)), Ok(_)) if stricter_v2(&e) => counts.stricter += 1,
        (Err(e), Ok(_)) => return Err(format!("{what}: weft rejected a module wasmparser accepts: {e}")),
        (Ok(module), Ok(_)) => {
            counts.accepted_by_both += 1;
            // A mutation can turn a definition into an import, which nothing here provides.
            if module.imports().is_empty() {
                let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    common::run(engine, &module, what, &mut counts.ran, Some(TIME_LIMIT), None)
                }))
                .map_err(|_| format!("{what}: running it panicked"))??;
                counts.interrupted += ran.iter().flatten().filter(|(_, r)| r == &Err(Trap::Interrupted)).count() as u32;
            }
        }
    }
    Ok(())
}

/// The encodings WebAssembly 2.0 calls malformed and wasmparser (which reads 3.0's) accepts.
fn stricter_v2(e: &Error) -> bool {
    let text = e.to_string();
    text.contains("integer representation too long") || text.contains("zero byte expected")
}

#[test]
fn mutated_modules_are_rejected_exactly_when_wasmparser_rejects_them() {
    let seeds = common::seeds("WEFT_MUTATED_SEEDS", 400);
    // Each version against wasmparser with that version's features (3.0 reads more encodings).
    let engines = [
        (
            Engine::new(Config { version: WasmVersion::V2, interruptible: true, ..Default::default() }).unwrap(),
            wasmparser::WasmFeatures::WASM2,
            "2.0",
        ),
        (
            Engine::new(Config { version: WasmVersion::V3, interruptible: true, ..Default::default() }).unwrap(),
            wasmparser::WasmFeatures::WASM3,
            "3.0",
        ),
    ];
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    for seed in seeds {
        let Some(valid) = common::module(common::config(), seed, 0xD6E8_FEB8_6659_FD93) else { continue };
        let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // Several mutants per module: generating is slower than mutating.
        for k in 0..8 {
            let mut wasm = valid.clone();
            mutate(&mut wasm, &mut rng);
            for (engine, features, version) in &engines {
                if let Err(e) =
                    check(engine, *features, &wasm, &format!("{version}: seed {seed} mutant {k}"), &mut counts)
                {
                    // WEFT_MUTATED_DUMP=DIR keeps the failing modules, for `weft compile` or a reduction.
                    if let Some(dir) = std::env::var_os("WEFT_MUTATED_DUMP") {
                        std::fs::write(std::path::Path::new(&dir).join(format!("seed{seed}-mutant{k}.wasm")), &wasm)
                            .unwrap();
                    }
                    failures.push(e);
                }
            }
        }
    }
    let c = &counts;
    println!(
        "{} checks (mutants x 2 versions): {} rejected by both, {} accepted by both, {} rejected only by weft's 2.0 encoding checks, {} unsupported",
        c.checks, c.rejected_by_both, c.accepted_by_both, c.stricter, c.unsupported
    );
    println!(
        "ran {} accepted mutants: {} export calls, {} trapped, {} of them interrupted after {TIME_LIMIT:?}",
        c.ran[0], c.ran[1], c.ran[2], c.interrupted
    );
    common::assert_none("failures", &failures);
    // Mutation must produce both kinds, or the test checks little.
    assert!(
        c.rejected_by_both > c.checks / 10 && c.accepted_by_both > c.checks / 20,
        "too one-sided: {} rejected, {} accepted",
        c.rejected_by_both,
        c.accepted_by_both
    );
}
