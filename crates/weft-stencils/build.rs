//! Compiles `stencils/stencils.rs` with cargo's own rustc and turns the object file into Rust tables.
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let target = std::env::var("TARGET").unwrap();
    println!("cargo:rerun-if-changed=stencils");
    println!("cargo:rerun-if-changed=../weft-ops/src");
    println!("cargo:rerun-if-changed=hot-stencils.txt");
    if !target.starts_with("x86_64-") || !target.contains("linux") {
        panic!("weft's stencils are only built for x86_64 Linux so far; target `{target}` is not supported");
    }
    let opts = weft_stencil_build::CompileOptions {
        rustc: std::env::var_os("RUSTC").map(PathBuf::from).unwrap_or_else(|| "rustc".into()),
        target: target.clone(),
        target_cpu: "x86-64-v2".into(),
    };
    let obj = out_dir.join("stencils.o");
    let result = weft_stencil_build::compile(&opts, &manifest.join("stencils/stencils.rs"), &obj)
        .and_then(|bytes| weft_stencil_build::extract(&bytes));
    let mut set = match result {
        Ok(set) => set,
        Err(e) => {
            eprintln!("error: weft stencil build failed: {e}");
            std::process::exit(1);
        }
    };
    // Stencil ids (and so the order of the emit tables) follow `hot-stencils.txt`: the most emitted
    // first, from counts over the benchmark corpus (`bench/hot-stencils.sh`), so those share cache
    // lines and pages (about 2% of compile time on sqlite, also with a list made without it). The
    // others follow by name. A stale list only costs speed.
    let hot = std::fs::read_to_string(manifest.join("hot-stencils.txt")).unwrap_or_default();
    let rank: std::collections::HashMap<&str, usize> = hot.lines().enumerate().map(|(i, n)| (n, i)).collect();
    set.stencils.sort_by_key(|s| rank.get(s.name.as_str()).copied().unwrap_or(usize::MAX));
    std::fs::write(out_dir.join("stencils_generated.rs"), weft_stencil_build::write(&set)).unwrap();
}
