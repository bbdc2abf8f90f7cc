//! Prints how often each stencil is emitted compiling the given modules, most used first, as
//! `name count` lines. `bench/hot-stencils.sh` writes `crates/weft-stencils/hot-stencils.txt` from it.
//!
//!     cargo run --release -p weft --example stencil_counts -- a.wasm b.wasm

use std::collections::HashMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = weft::Engine::new(weft::Config { count_stencils: true, ..Default::default() })?;
    let mut totals: HashMap<&'static str, u64> = HashMap::new();
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
        let module = weft::Module::new(&engine, &bytes).map_err(|e| format!("{path}: {e}"))?;
        for &(name, n) in &module.stats().stencil_counts {
            *totals.entry(name).or_default() += u64::from(n);
        }
    }
    let mut totals: Vec<_> = totals.into_iter().filter(|&(_, n)| n > 0).collect();
    // Ties by name, so the output (and the file made from it) is deterministic.
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (name, n) in totals {
        println!("{name} {n}");
    }
    Ok(())
}
