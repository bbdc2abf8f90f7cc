//! Runs the rustc that cargo runs on the stencil source, with the flags that make stencils patchable.

use crate::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct CompileOptions {
    /// `$RUSTC` from cargo: the build needs no other compiler.
    pub rustc: PathBuf,
    pub target: String,
    /// CPU baseline (x86-64-v2: SSE4.1 rounding, POPCNT); the engine checks it at startup.
    pub target_cpu: String,
}

/// Compiles `source` (a `#![no_std]` library) to a relocatable object file at `out`, returning its bytes.
pub fn compile(opts: &CompileOptions, source: &Path, out: &Path) -> Result<Vec<u8>, Error> {
    let output = Command::new(&opts.rustc)
        .args(["--edition=2024", "--crate-type=lib", "--emit=obj", "--crate-name=weft_stencils_obj"])
        .arg("--target")
        .arg(&opts.target)
        .arg("-o")
        .arg(out)
        .arg(source)
        .args([
            "-C",
            "opt-level=3",
            // No unwinding out of stencils: a panic path would need the panic runtime.
            "-C",
            "panic=abort",
            // Non-PIC: holes become 32-bit immediates and rel32 jumps, not GOT loads.
            "-C",
            "relocation-model=static",
            // Small code model: 4-byte holes instead of 10-byte movabs.
            "-C",
            "code-model=small",
            "-C",
            "debuginfo=0",
            "-C",
            "force-unwind-tables=no",
            // One object file, one `.text.<name>` section per stencil.
            "-C",
            "codegen-units=1",
            // Switch jump tables would need absolute data relocations.
            "-C",
            "llvm-args=-min-jump-table-entries=1000000",
        ])
        .arg("-C")
        .arg(format!("target-cpu={}", opts.target_cpu))
        // The stencil source is not part of the workspace's lint policy; keep build logs quiet.
        .args(["--cap-lints", "allow"])
        // The build environment must not leak into stencil codegen (e.g. a developer's -C target-cpu=native).
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .map_err(|source| Error::Spawn { rustc: opts.rustc.display().to_string(), source })?;
    if !output.status.success() {
        return Err(Error::Rustc { stderr: String::from_utf8_lossy(&output.stderr).into_owned() });
    }
    Ok(std::fs::read(out)?)
}
