//! The stencil tables generated at build time from `stencils/stencils.rs`, and the types describing them.
//!
//! A stencil is machine code with holes. The JIT copies `code` and, for each `Hole`, writes
//! `value(kind) + addend` (minus the hole's own address for `Rel32`) at `offset`.

/// What fills a hole (the extern symbol the stencil source used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoleKind {
    Continue,
    Target,
    Callee,
    S0,
    S1,
    S2,
    Imm,
    ImmHi,
    N,
    Offset,
    Data,
}

/// How a hole is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reloc {
    Abs32,
    Abs32S,
    Rel32,
}

#[derive(Clone, Copy, Debug)]
pub struct Hole {
    pub offset: u32,
    pub kind: HoleKind,
    pub reloc: Reloc,
    pub addend: i64,
}

#[derive(Debug)]
pub struct Stencil {
    pub name: &'static str,
    pub code: &'static [u8],
    pub holes: &'static [Hole],
}

include!(concat!(env!("OUT_DIR"), "/stencils_generated.rs"));

/// Looks a stencil up by name (for tests and tools; the compiler uses `id::*`).
pub fn by_name(name: &str) -> Option<&'static Stencil> {
    STENCILS.iter().find(|s| s.name == name)
}
