//! The copy-and-patch emitter: appends stencils to a thread's code buffer, one function after the
//! other, and fills their holes.
//!
//! Positions are offsets into the function's code. Branches inside the function are rel32 and so
//! position-independent; unresolved ones form a chain through their own 4 bytes (each holds the
//! previous unresolved site), so forward branches cost no allocation. What points outside the function
//! (calls, the shared read-only data) is recorded as a fixup and resolved when `assemble` lays the
//! functions out, as are the absolute addresses in the `br_table` jump tables that follow the
//! function's code (after its f64 constants).

use crate::codemem::{CodeArena, CodeMemory};
pub use weft_stencils::Holes;
use weft_stencils::{EMIT_SLACK, Hole, HoleKind, Reloc, STENCILS, id};

const NO_SITE: u32 = u32::MAX;

/// A branch target: resolved (position known) or a chain of sites waiting for it.
#[derive(Clone, Copy, Debug)]
pub struct Label {
    pos: Option<u32>,
    chain: u32,
}

impl Label {
    pub fn new() -> Label {
        Label { pos: None, chain: NO_SITE }
    }
    pub fn at(pos: u32) -> Label {
        Label { pos: Some(pos), chain: NO_SITE }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("value {value} does not fit a {reloc:?} hole of stencil `{stencil}`")]
pub struct PatchError {
    pub stencil: &'static str,
    pub value: i64,
    pub reloc: Reloc,
}

/// A function's code (a range of its `CodeBuffer`) and what `assemble` must patch in it. Positions
/// are relative to the function's start.
#[derive(Default)]
pub struct FuncCode {
    /// Which of the compiling threads' buffers holds the code (see `assemble`), and where.
    pub buffer: usize,
    pub code: std::ops::Range<usize>,
    /// Bytes of instructions at the start of `code`; its constant pool and jump tables follow.
    pub insn_len: u32,
    /// Where direct calls enter (past `enter_memory`: their caller passes memory 0 in registers).
    pub direct_entry: u32,
    /// rel32 sites referring to the shared read-only data, with their offset into it (incl. addend).
    pub data_sites: Vec<(u32, i64)>,
    /// rel32 call sites and the function index they call.
    pub call_sites: Vec<(u32, u32)>,
    /// The function's `br_table` jump tables: 8-byte entries holding target positions, to which
    /// `assemble` adds the function's address.
    pub jump_tables: std::ops::Range<u32>,
}

/// Appends the functions compiled on one thread to one buffer, a mapping that can become the code
/// memory itself: `take_function` hands out a range of it, not a copy (see `assemble`).
pub struct CodeBuffer {
    /// `code[..end]` is emitted; the rest is room for stencils, which may write up to `EMIT_SLACK`
    /// bytes past their end.
    code: CodeArena,
    end: usize,
    /// Where the current function starts in `code`: positions (`pos`, labels, sites) count from here.
    func_start: usize,
    data_sites: Vec<(u32, i64)>,
    call_sites: Vec<(u32, u32)>,
    /// The current function's `FuncCode::direct_entry`.
    direct_entry: u32,
    /// The current function's `br_table` targets (landing pad positions, one array per `br_table`),
    /// placed after its code by `emit_const_pool`, and the rel32 sites reading them: (site, addend,
    /// index into `jump_tables`).
    pub jump_tables: Vec<Vec<u32>>,
    table_sites: Vec<(u32, i32, u32)>,
    /// Where the current function's jump tables are, once emitted (see `FuncCode::jump_tables`).
    tables_at: std::ops::Range<u32>,
    /// `br_table` landing pads (code offsets) that are a bare `jump` (see `shortcut_jump_pads`).
    pub bare_jump_pads: Vec<u32>,
    /// Stencil counts, for `--stats` (kept across functions); empty unless counting was asked for.
    pub counts: Vec<u32>,
    /// The first value that did not fit its hole (see `emit`).
    error: Option<Box<PatchError>>,
    /// The current function's f64 constants (`Const64` holes), placed after its code by
    /// `emit_const_pool`, and the rel32 sites reading them: (site, addend, index into `pool`).
    pool: Vec<u64>,
    pool_sites: Vec<(u32, i32, u32)>,
    /// Where the current function's constant pool (and its padding) starts, once emitted.
    pool_at: Option<usize>,
}

/// Functions start 16-byte aligned; the gaps are int3.
const FUNC_ALIGN: usize = 16;
const INT3: u8 = 0xCC;

impl CodeBuffer {
    /// A buffer with room reserved for about `capacity` bytes of code (address space only: pages are
    /// backed as they are written), counting the stencils it emits if `count_stencils`.
    pub fn new(capacity: usize, count_stencils: bool) -> CodeBuffer {
        let code = CodeArena::new(capacity + EMIT_SLACK).unwrap_or_else(|_| out_of_memory(capacity));
        CodeBuffer {
            code,
            end: 0,
            func_start: 0,
            data_sites: Vec::new(),
            call_sites: Vec::new(),
            direct_entry: 0,
            table_sites: Vec::new(),
            jump_tables: Vec::new(),
            tables_at: 0..0,
            bare_jump_pads: Vec::new(),
            counts: if count_stencils { vec![0; STENCILS.len()] } else { Vec::new() },
            error: None,
            pool: Vec::new(),
            pool_sites: Vec::new(),
            pool_at: None,
        }
    }

    /// All code emitted so far (`FuncCode::code` ranges index it).
    pub fn bytes(&self) -> &[u8] {
        &self.code[..self.end]
    }

    /// The code emitted so far, writable (for `assemble`'s patches).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.code[..self.end]
    }

    /// Appends raw bytes (the image header's read-only data).
    pub fn append(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        self.code[self.end..self.end + bytes.len()].copy_from_slice(bytes);
        self.end += bytes.len();
    }

    /// The buffer as code memory: its first `bytes().len()` bytes become executable, in place.
    pub fn into_code(self) -> std::io::Result<CodeMemory> {
        self.code.into_code(self.end)
    }

    /// Starts the next function, aligned.
    pub fn begin_function(&mut self) {
        let start = self.end.next_multiple_of(FUNC_ALIGN);
        self.reserve(start - self.end);
        self.code[self.end..start].fill(INT3);
        self.end = start;
        self.func_start = start;
    }

    /// Direct calls of the current function enter at `pos`.
    pub fn set_direct_entry(&mut self, pos: u32) {
        self.direct_entry = pos;
    }

    /// Hands over the function emitted since `begin_function` (the site lists keep their capacity),
    /// and forgets its error, if any (reported by `check` or abandoned with the failed function).
    pub fn take_function(&mut self) -> FuncCode {
        let f = FuncCode {
            buffer: 0,
            code: self.func_start..self.end,
            insn_len: (self.pool_at.take().unwrap_or(self.end) - self.func_start) as u32,
            direct_entry: std::mem::take(&mut self.direct_entry),
            data_sites: self.data_sites.clone(),
            call_sites: self.call_sites.clone(),
            jump_tables: std::mem::replace(&mut self.tables_at, 0..0),
        };
        self.data_sites.clear();
        self.call_sites.clear();
        self.table_sites.clear();
        self.jump_tables.clear();
        self.tables_at = 0..0;
        self.bare_jump_pads.clear();
        self.pool.clear();
        self.pool_sites.clear();
        self.error = None;
        self.func_start = self.end;
        f
    }

    /// Makes sure there is room for `extra` more bytes plus the slack a stencil may write.
    #[inline(always)]
    fn reserve(&mut self, extra: usize) {
        if self.code.len() < self.end + extra + EMIT_SLACK {
            self.grow(extra);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, extra: usize) {
        let len = (self.end + extra + EMIT_SLACK).max(2 * self.code.len());
        self.code.grow(len).unwrap_or_else(|_| out_of_memory(len));
    }

    /// The 4 bytes at function position `site`.
    fn site(&mut self, site: u32) -> &mut [u8] {
        let at = self.func_start + site as usize;
        &mut self.code[at..at + 4]
    }

    pub fn pos(&self) -> u32 {
        (self.end - self.func_start) as u32
    }

    /// Appends stencil `id`, patching value holes from `h`, jump holes towards `target` and recording
    /// the call hole as a call of function `callee`. Returns the stencil's start.
    /// A value that does not fit its hole is recorded (see `check`), not returned: callers need no
    /// branch per stencil, and the code emitted after it is thrown away with the error.
    ///
    /// Never inlined (nor is `emit_plain`): the profile-guided build inlined it into each of the
    /// translator's hundred-odd emitting paths, and the copies did not fit the instruction cache. Out
    /// of line, sqlite's compile runs 3% more instructions but has 38% fewer I-cache misses (cachegrind)
    /// and takes about 5% less time (pgo/README.md).
    #[inline(never)]
    pub fn emit(&mut self, id: u16, h: &Holes, target: Option<&mut Label>, callee: Option<u32>) -> u32 {
        self.emit_inline(id, h, target, callee)
    }

    /// `emit` of a stencil without jump or call holes (most of them): a copy of it specialized for no
    /// label and no callee, with fewer live values and so fewer registers to save.
    #[inline(never)]
    pub fn emit_plain(&mut self, id: u16, h: &Holes) -> u32 {
        self.emit_inline(id, h, None, None)
    }

    #[inline(always)]
    fn emit_inline(&mut self, id: u16, h: &Holes, mut target: Option<&mut Label>, callee: Option<u32>) -> u32 {
        if let Some(count) = self.counts.get_mut(id as usize) {
            *count += 1;
        }
        self.reserve(0);
        let start = self.pos();
        match weft_stencils::copy_and_patch(id, &mut self.code, self.end, h) {
            Some((len, fixups)) => {
                self.end += len;
                if !fixups.is_empty() {
                    let holes = fixups.holes();
                    if let ([hole], Some(label)) = (holes, target.as_deref_mut())
                        && hole.kind == HoleKind::Target
                    {
                        // A jump or branch, the common case of `emit`: linked here, not in `fix_up`.
                        self.link(start + hole.offset, label);
                    } else {
                        self.fix_up(start, holes, target, callee, h);
                    }
                }
            }
            None => self.record_patch_error(id, start, h),
        }
        start
    }

    /// The first value that did not fit its hole since the last check, if any.
    pub fn check(&mut self) -> Result<(), PatchError> {
        match self.error.take() {
            Some(e) => Err(*e),
            None => Ok(()),
        }
    }

    #[cold]
    fn record_patch_error(&mut self, id: u16, start: u32, h: &Holes) {
        if self.error.is_none() {
            self.error = Some(Box::new(Self::patch_error(id, start, h)));
        }
    }

    /// Links the jump holes of the stencil just emitted at `start` and records its call and data holes.
    /// (Out of line: most stencils have none, and the common path of `emit` stays short.)
    #[inline(never)]
    fn fix_up(&mut self, start: u32, fixups: &[Hole], mut target: Option<&mut Label>, callee: Option<u32>, h: &Holes) {
        for hole in fixups {
            let site = start + hole.offset;
            match hole.kind {
                HoleKind::Data => self.data_sites.push((site, hole.addend)),
                HoleKind::Const64 => self.pool_site(site, hole.addend, h.get_imm64()),
                HoleKind::JumpTable => self.table_sites.push((site, hole.addend as i32, h[HoleKind::Imm])),
                HoleKind::Target => {
                    let label = target.as_deref_mut().expect("stencil with a TARGET hole emitted without a label");
                    self.link(site, label);
                }
                HoleKind::Callee => {
                    self.call_sites.push((site, callee.expect("stencil with a CALLEE hole emitted without a callee")));
                }
                _ => unreachable!("copy_and_patch fills value and CONTINUE holes"),
            }
        }
    }

    /// Records rel32 `site` as reading f64 constant `bits`, sharing an entry with a recent use of the
    /// same bits (a bounded search keeps functions with many distinct constants linear).
    fn pool_site(&mut self, site: u32, addend: i64, bits: u64) {
        const RECENT: usize = 8;
        let recent = self.pool.len().saturating_sub(RECENT);
        let index = match self.pool[recent..].iter().position(|&b| b == bits) {
            Some(i) => recent + i,
            None => {
                self.pool.push(bits);
                self.pool.len() - 1
            }
        };
        self.pool_sites.push((site, addend as i32, index as u32));
    }

    /// Appends the function's constant pool and then its jump tables after its code (8-byte aligned,
    /// int3 before them) and points the sites reading them there. Call once the function's code is
    /// complete and every label is bound.
    pub fn emit_const_pool(&mut self) {
        if self.pool.is_empty() && self.jump_tables.is_empty() {
            return;
        }
        self.pool_at = Some(self.end);
        let start = self.end.next_multiple_of(8);
        let entries: usize = self.jump_tables.iter().map(Vec::len).sum();
        let bytes = 8 * (self.pool.len() + entries);
        self.reserve(start - self.end + bytes);
        self.code[self.end..start].fill(INT3);
        for (i, bits) in self.pool.iter().enumerate() {
            self.code[start + 8 * i..start + 8 * (i + 1)].copy_from_slice(&bits.to_le_bytes());
        }
        self.end = start + 8 * self.pool.len();
        let pool_pos = (start - self.func_start) as i64;
        for k in 0..self.pool_sites.len() {
            let (site, addend, index) = self.pool_sites[k];
            self.write_rel(site, pool_pos + 8 * index as i64 + addend as i64);
        }
        // Entries are absolute addresses (a `br_table` jumps through one load, with no add on the
        // way): here the targets' positions, which `assemble` rebases once the function has its place.
        let tables_start = self.pos();
        let mut table_pos = Vec::with_capacity(self.jump_tables.len());
        for t in 0..self.jump_tables.len() {
            table_pos.push(self.pos());
            for (i, &target) in self.jump_tables[t].iter().enumerate() {
                let at = self.end + 8 * i;
                self.code[at..at + 8].copy_from_slice(&(target as u64).to_le_bytes());
            }
            self.end += 8 * self.jump_tables[t].len();
        }
        self.tables_at = tables_start..self.pos();
        for k in 0..self.table_sites.len() {
            let (site, addend, index) = self.table_sites[k];
            self.write_rel(site, table_pos[index as usize] as i64 + addend as i64);
        }
        self.pool.clear();
        self.pool_sites.clear();
        self.jump_tables.clear();
        self.table_sites.clear();
    }

    /// The error for the first value hole of stencil `id` (emitted at `start`) that `h` does not fit.
    #[cold]
    fn patch_error(id: u16, start: u32, h: &Holes) -> PatchError {
        let stencil = &STENCILS[id as usize];
        for hole in stencil.holes() {
            let Some(value) = h.get(hole.kind) else { continue };
            let value = value as i64;
            if let Err(e) = encode(stencil.name(), start + hole.offset, hole.reloc, value + hole.addend) {
                return e;
            }
        }
        unreachable!("copy_and_patch reported a value that fits every hole")
    }

    /// Re-patches value hole `kind` of the stencil emitted at `start` (e.g. a frame size known only at
    /// the end of the function).
    pub fn repatch(&mut self, id: u16, start: u32, kind: HoleKind, value: u32) -> Result<(), PatchError> {
        let stencil = &STENCILS[id as usize];
        for hole in stencil.holes().iter().filter(|h| h.kind == kind) {
            self.patch(stencil.name(), start + hole.offset, hole.reloc, value as i64 + hole.addend)?;
        }
        Ok(())
    }

    fn patch(&mut self, stencil: &'static str, site: u32, reloc: Reloc, value: i64) -> Result<(), PatchError> {
        let bytes = encode(stencil, site, reloc, value)?;
        self.site(site).copy_from_slice(&bytes);
        Ok(())
    }

    /// Points the rel32 at `site` to `label`, or queues it on the label's chain.
    fn link(&mut self, site: u32, label: &mut Label) {
        match label.pos {
            Some(pos) => self.write_rel32(site, pos),
            None => {
                let chain = label.chain;
                self.site(site).copy_from_slice(&chain.to_le_bytes());
                label.chain = site;
            }
        }
    }

    /// Points the rel32 of a jump or call at `site` to `target` (relative to the end of the rel32).
    fn write_rel32(&mut self, site: u32, target: u32) {
        self.write_rel(site, target as i64 - 4);
    }

    /// Writes `to - site` at `site`: a rel32 whose relocation addend is already in `to`.
    fn write_rel(&mut self, site: u32, to: i64) {
        self.site(site).copy_from_slice(&((to - site as i64) as i32).to_le_bytes());
    }

    /// Binds `label` to `pos`, resolving every queued site.
    pub fn bind(&mut self, label: &mut Label, pos: u32) {
        let mut site = label.chain;
        while site != NO_SITE {
            let next = u32::from_le_bytes((*self.site(site)).try_into().unwrap());
            self.write_rel32(site, pos);
            site = next;
        }
        label.chain = NO_SITE;
        label.pos = Some(pos);
    }

    /// Points `br_table` entries whose landing pad is a bare `jump` stencil (`bare_jump_pads`: no
    /// values to move) at the jump's target, saving a jump per dispatch. Call once every label of the
    /// function is bound.
    pub fn shortcut_jump_pads(&mut self) {
        if self.bare_jump_pads.is_empty() {
            return;
        }
        const JMP_REL32: u8 = 0xE9;
        debug_assert!(
            matches!(STENCILS[id::jump as usize].code(), [JMP_REL32, _, _, _, _]),
            "the jump stencil is one jmp rel32"
        );
        self.bare_jump_pads.sort_unstable();
        let code = &self.code[self.func_start..self.end];
        for table in &mut self.jump_tables {
            for entry in table.iter_mut() {
                if self.bare_jump_pads.binary_search(entry).is_ok() {
                    let pad = *entry as usize;
                    let rel = i32::from_le_bytes(code[pad + 1..pad + 5].try_into().unwrap());
                    *entry = (pad as i64 + 5 + rel as i64) as u32;
                }
            }
        }
        self.bare_jump_pads.clear();
    }

    /// Binds `label` to the current end of the buffer.
    pub fn bind_here(&mut self, label: &mut Label) {
        let pos = self.pos();
        self.bind(label, pos);
    }
}

/// Like a `Vec` that cannot grow: the process aborts with a message.
#[cold]
fn out_of_memory(bytes: usize) -> ! {
    std::alloc::handle_alloc_error(std::alloc::Layout::array::<u8>(bytes).unwrap_or(std::alloc::Layout::new::<u8>()))
}

/// The 4 bytes hole `reloc` at `site` holds for `value`, if it fits.
fn encode(stencil: &'static str, site: u32, reloc: Reloc, value: i64) -> Result<[u8; 4], PatchError> {
    let error = || PatchError { stencil, value, reloc };
    Ok(match reloc {
        Reloc::Abs32 => u32::try_from(value).map_err(|_| error())?.to_le_bytes(),
        Reloc::Abs32S => i32::try_from(value).map_err(|_| error())?.to_le_bytes(),
        Reloc::Rel32 => i32::try_from(value - site as i64).map_err(|_| error())?.to_le_bytes(),
    })
}
