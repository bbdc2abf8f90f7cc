//! The stencil build: `compile` (rustc -> object file), `extract` (object file -> validated `StencilSet`),
//! `write` (StencilSet -> Rust source). `weft-stencils/build.rs` runs the three in a row.
//!
//! *Architecture invariant*: every stencil that leaves `extract` is safe to copy and patch: its only
//! unknowns are known holes, each continuation is reached by `jmp`/`jcc` (never `call`), and it touches no
//! writable data. Anything else is a build error naming the stencil and the reason.

mod compile;
mod extract;
mod model;
mod write;

pub use compile::{CompileOptions, compile};
pub use extract::extract;
pub use model::{Hole, HoleClass, HoleKind, Reloc, Stencil, StencilSet};
pub use write::write;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("running {rustc}: {source}")]
    Spawn { rustc: String, source: std::io::Error },
    #[error("rustc failed to compile the stencils:\n{stderr}")]
    Rustc { stderr: String },
    #[error("reading the stencil object file: {0}")]
    Object(#[from] object::Error),
    #[error("stencil `{stencil}`: {reason}")]
    Unusable { stencil: String, reason: String },
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}
