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

/// A stencil: (offset, length) ranges into flat generated arrays (no pointers, so no load-time
/// relocations); read through the methods.
#[derive(Debug)]
pub struct Stencil {
    name: (u32, u32),
    code: (u32, u32),
    holes: (u32, u32),
}

impl Stencil {
    pub fn name(&self) -> &'static str {
        &NAMES[self.name.0 as usize..][..self.name.1 as usize]
    }
    pub fn code(&self) -> &'static [u8] {
        &CODE[self.code.0 as usize..][..self.code.1 as usize]
    }
    pub fn holes(&self) -> &'static [Hole] {
        &HOLES[self.holes.0 as usize..][..self.holes.1 as usize]
    }
}

/// The holes of stencil `id` that `copy_and_patch` leaves to the caller: `TARGET`, `CALLEE` and data.
#[inline]
pub fn fixups(id: u16) -> &'static [Hole] {
    let (start, end) = FIXUP_RANGES[id as usize];
    &FIXUP_HOLES[start as usize..end as usize]
}

/// Values for a stencil's value holes.
#[derive(Clone, Copy, Default)]
pub struct Holes {
    pub s0: u32,
    pub s1: u32,
    pub s2: u32,
    pub imm: u32,
    pub imm_hi: u32,
    pub n: u32,
    pub offset: u32,
}

/// Writes `value` at `c[at..at + 4]`; whether it fits an unsigned 32-bit hole.
#[inline(always)]
fn put_abs32(c: &mut [u8], at: usize, value: i64) -> bool {
    c[at..at + 4].copy_from_slice(&(value as u32).to_le_bytes());
    value as u32 as i64 == value
}

/// Writes `value` at `c[at..at + 4]`; whether it fits a signed 32-bit hole.
#[inline(always)]
fn put_abs32s(c: &mut [u8], at: usize, value: i64) -> bool {
    c[at..at + 4].copy_from_slice(&(value as i32).to_le_bytes());
    value as i32 as i64 == value
}

/// Appends `bytes` to `code` and returns them, in place, for patching.
#[inline(always)]
fn append<'c, const N: usize>(code: &'c mut Vec<u8>, bytes: &[u8; N]) -> &'c mut [u8; N] {
    let start = code.len();
    code.extend_from_slice(bytes);
    (&mut code[start..]).try_into().expect("exactly N bytes were appended")
}

include!(concat!(env!("OUT_DIR"), "/stencils_generated.rs"));

/// Looks a stencil up by name (for tests and tools; the compiler uses `id::*`).
pub fn by_name(name: &str) -> Option<&'static Stencil> {
    STENCILS.iter().find(|s| s.name() == name)
}
