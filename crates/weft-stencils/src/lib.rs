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
    /// The f64 `IMM | IMM_HI << 32`, in the function's constant pool (a rel32 to it).
    Const64,
    /// `br_table` `IMM`'s jump table, after the function's code (a rel32 to it).
    JumpTable,
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

/// Values for a stencil's value holes (`S0`..`OFFSET`): built with the setters (`Holes::NONE.s0(x)`),
/// read and written by kind (`h[HoleKind::S1]`).
///
/// An array in the order the emit table's `Patch::field` numbers the kinds (`value_index`), so that
/// `copy_and_patch` indexes it as it is: read from named fields, it was first copied into such an
/// array for every stencil (1.6% of the instructions of a compile, sqlite). The last element is a
/// spare that stays zero, so that the index is masked rather than bounds-checked and the padding
/// patches write a zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Holes([u32; 8]);

/// Where `Holes` keeps the value of a value-hole kind (`None` for the other kinds). The stencil
/// build numbers `Patch::field` the same way.
pub const fn value_index(kind: HoleKind) -> Option<usize> {
    Some(match kind {
        HoleKind::S0 => 0,
        HoleKind::S1 => 1,
        HoleKind::S2 => 2,
        HoleKind::Imm => 3,
        HoleKind::ImmHi => 4,
        HoleKind::N => 5,
        HoleKind::Offset => 6,
        _ => return None,
    })
}

macro_rules! setters {
    ($($name:ident: $kind:ident),*) => {
        $(
            #[doc = concat!("With the `", stringify!($kind), "` hole's value set to `value`.")]
            #[inline(always)]
            pub const fn $name(mut self, value: u32) -> Holes {
                self.0[value_index(HoleKind::$kind).unwrap()] = value;
                self
            }
        )*
    };
}

impl Holes {
    /// All values zero.
    pub const NONE: Holes = Holes([0; 8]);

    setters!(s0: S0, s1: S1, s2: S2, imm: Imm, imm_hi: ImmHi, n: N, offset: Offset);

    /// With a 64-bit constant in `IMM` (low half) and `IMM_HI` (high half).
    #[inline(always)]
    pub const fn imm64(self, bits: u64) -> Holes {
        self.imm(bits as u32).imm_hi((bits >> 32) as u32)
    }

    /// The 64-bit constant `imm64` set.
    pub fn get_imm64(&self) -> u64 {
        self[HoleKind::Imm] as u64 | (self[HoleKind::ImmHi] as u64) << 32
    }

    /// The value of hole kind `kind`, if it is a value hole.
    pub fn get(&self, kind: HoleKind) -> Option<u32> {
        value_index(kind).map(|i| self.0[i])
    }
}

impl std::ops::Index<HoleKind> for Holes {
    type Output = u32;
    /// Panics for a kind that is not a value hole.
    #[inline(always)]
    fn index(&self, kind: HoleKind) -> &u32 {
        &self.0[value_index(kind).expect("a value hole")]
    }
}

impl std::ops::IndexMut<HoleKind> for Holes {
    #[inline(always)]
    fn index_mut(&mut self, kind: HoleKind) -> &mut u32 {
        &mut self.0[value_index(kind).expect("a value hole")]
    }
}

/// One value hole of a stencil: `values[field] + addend` goes to `at`, as an unsigned or signed
/// 32-bit number.
#[derive(Clone, Copy)]
struct Patch {
    at: u8,
    field: u8,
    signed: bool,
    addend: i32,
}

/// How to emit one stencil (see `copy_and_patch`).
struct Emit {
    /// Start of its bytes in `EMIT_CODE`.
    code: u32,
    len: u16,
    /// Its first value holes, padded with patches writing a zero just past its end (where the next
    /// stencil goes): 90% of the stencils emitted have at most two value holes (sqlite), and a fixed
    /// count needs no loop, whose exit mispredicted. (Three cost 1.4% more instructions per compile.)
    patches: [Patch; 2],
    /// Its other value holes: a range of `PATCHES` (usually empty).
    more_patches: (u32, u32),
    /// Its range of `FIXUP_HOLES`.
    fixups: (u32, u32),
}

/// Room `copy_and_patch` needs in `code` past `at`: it copies whole blocks and may overwrite up to
/// this many bytes; patches are at most 255 bytes in (offsets are `u8`).
pub const EMIT_SLACK: usize = 320;
/// What is copied unconditionally: 95% of the stencils emitted are no longer (sqlite).
const FIRST_COPY: usize = 32;
const _: () = assert!(MAX_STENCIL_LEN < 256 && 256 <= 8 * FIRST_COPY && 256 + 4 <= EMIT_SLACK);

/// Writes stencil `id` at `code[at..]` with its value holes (`S0`..`OFFSET`) filled from `v` (its
/// `CONTINUE` holes are resolved in the table); returns its length and the holes left to the caller
/// (`TARGET`, `CALLEE` and data holes), or `None` if a value does not fit its hole.
/// `code` must reach `EMIT_SLACK` bytes past `at`, which may all be overwritten.
///
/// The same straight path for every stencil (a fixed-size copy, two value patches, the fit checks
/// without branches) keeps the emitter free of mispredicted branches and its code small (a generated
/// match with an arm per stencil missed in both).
#[inline(always)]
pub fn copy_and_patch(id: u16, code: &mut [u8], at: usize, v: &Holes) -> Option<(usize, Fixups)> {
    let e = &EMITS[id as usize];
    let len = e.len as usize;
    let out: &mut [u8; EMIT_SLACK] = (&mut code[at..at + EMIT_SLACK]).try_into().unwrap();
    let from: &[u8; EMIT_SLACK] = EMIT_CODE[e.code as usize..][..EMIT_SLACK].try_into().unwrap();
    // Fixed-size blocks, inline: a `memcpy` call for the rare long stencil would make every caller
    // save and restore all callee-saved registers.
    const B: usize = FIRST_COPY;
    out[..B].copy_from_slice(&from[..B]);
    if len > B {
        out[B..2 * B].copy_from_slice(&from[B..2 * B]);
        if len > 2 * B {
            out[2 * B..4 * B].copy_from_slice(&from[2 * B..4 * B]);
            if len > 4 * B {
                out[4 * B..8 * B].copy_from_slice(&from[4 * B..8 * B]);
            }
        }
    }
    let values = &v.0;
    // Bits above the low 32 of `value + bias`, where the bias maps the hole's range onto 0..2^32.
    let mut overflow = 0u64;
    let mut apply = |p: &Patch| {
        let value = values[p.field as usize & 7] as i64 + p.addend as i64;
        let at = p.at as usize;
        out[at..at + 4].copy_from_slice(&(value as u32).to_le_bytes());
        overflow |= (value + ((p.signed as i64) << 31)) as u64 >> 32;
    };
    e.patches.iter().for_each(&mut apply);
    if e.more_patches.0 != e.more_patches.1 {
        PATCHES[e.more_patches.0 as usize..e.more_patches.1 as usize].iter().for_each(&mut apply);
    }
    (overflow == 0).then_some((len, Fixups(e.fixups)))
}

/// The holes `copy_and_patch` leaves to its caller: a range of the table, sliced only when not empty
/// (95% of the stencils emitted have none: sqlite), which saves the slice's bounds checks.
#[derive(Clone, Copy)]
pub struct Fixups((u32, u32));

impl Fixups {
    #[inline(always)]
    pub fn is_empty(self) -> bool {
        self.0.0 == self.0.1
    }

    #[inline(always)]
    pub fn holes(self) -> &'static [Hole] {
        &FIXUP_HOLES[self.0.0 as usize..self.0.1 as usize]
    }
}

include!(concat!(env!("OUT_DIR"), "/stencils_generated.rs"));

/// Looks a stencil up by name (for tests and tools; the compiler uses `id::*`).
pub fn by_name(name: &str) -> Option<&'static Stencil> {
    STENCILS.iter().find(|s| s.name() == name)
}
