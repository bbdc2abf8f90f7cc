//! What a stencil is at build time: code bytes plus holes (relocation records we patch at JIT time).

/// What fills a hole. The names are the extern symbols stencils use (see `weft-stencils/stencils`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoleKind {
    /// The next stencil (fall-through). A trailing `jmp CONTINUE` is removed.
    Continue,
    /// A branch target.
    Target,
    /// A directly called wasm function.
    Callee,
    S0,
    S1,
    S2,
    Imm,
    ImmHi,
    N,
    Offset,
    /// Read-only data copied into the code buffer; the addend is an offset into the shared data blob.
    Data,
    /// An f64 immediate (`IMM` | `IMM_HI` << 32), read rip-relatively from the function's constant pool.
    Const64,
    /// The start of `br_table` `IMM`'s jump table (its targets' addresses), placed after the
    /// function's code.
    JumpTable,
}

/// How a hole may be used, which decides which instruction may precede it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoleClass {
    /// Must be the rel32 of a `jmp` (E9) or `jcc` (0F 8x): a `call` would grow the native stack per op.
    Jump,
    /// Must be the rel32 of a `call` (E8).
    Call,
    /// A 32-bit absolute immediate or displacement.
    Value,
    /// A rel32 to read-only data.
    Data,
}

impl HoleKind {
    pub const ALL: [(&'static str, HoleKind); 12] = [
        ("CONTINUE", HoleKind::Continue),
        ("TARGET", HoleKind::Target),
        ("CALLEE", HoleKind::Callee),
        ("S0", HoleKind::S0),
        ("S1", HoleKind::S1),
        ("S2", HoleKind::S2),
        ("IMM", HoleKind::Imm),
        ("IMM_HI", HoleKind::ImmHi),
        ("N", HoleKind::N),
        ("OFFSET", HoleKind::Offset),
        ("K64", HoleKind::Const64),
        ("JTAB", HoleKind::JumpTable),
    ];

    pub fn from_symbol(name: &str) -> Option<HoleKind> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    pub fn class(self) -> HoleClass {
        match self {
            HoleKind::Continue | HoleKind::Target => HoleClass::Jump,
            HoleKind::Callee => HoleClass::Call,
            HoleKind::Data | HoleKind::Const64 | HoleKind::JumpTable => HoleClass::Data,
            _ => HoleClass::Value,
        }
    }
}

/// How the patched value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reloc {
    /// R_X86_64_32: value must fit in u32.
    Abs32,
    /// R_X86_64_32S: value must fit in i32 (it is sign-extended by the instruction).
    Abs32S,
    /// R_X86_64_PC32 / PLT32: target - site, must fit in i32.
    Rel32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hole {
    pub offset: u32,
    pub kind: HoleKind,
    pub reloc: Reloc,
    pub addend: i64,
}

#[derive(Clone, Debug)]
pub struct Stencil {
    pub name: String,
    pub code: Vec<u8>,
    pub holes: Vec<Hole>,
}

#[derive(Clone, Debug, Default)]
pub struct StencilSet {
    pub stencils: Vec<Stencil>,
    /// Read-only sections the stencils reference (float constants, masks), concatenated.
    pub data: Vec<u8>,
}

impl StencilSet {
    pub fn get(&self, name: &str) -> Option<&Stencil> {
        self.stencils.iter().find(|s| s.name == name)
    }
}
