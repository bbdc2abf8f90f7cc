//! Wasm function bodies -> stencils, in one linear pass over the operators.
//!
//! Every value has a frame slot fixed at compile time: params, then declared locals, then the operand
//! stack (8 bytes a slot, 16 for v128). An operator becomes one stencil whose holes are the frame
//! offsets of its sources and its result. Operand-stack entries are *lazy*: `local.get` and constants
//! push a reference, not a copy, and stencils read locals and immediates directly; an entry is copied
//! into its slot only when something needs it there (block boundaries, calls, a write to its local).
//! Two peepholes roll back the stencil just emitted: `local.set` retargets a producer's result straight
//! into the local, and a compare followed by `br_if`/`if` becomes one compare-and-branch stencil.
//! Branches move their values to the target's slots and jump; forward jumps wait on a `Label` chain.
//! The most referenced locals (two i32, four f64) are *pinned* in registers instead of their slots
//! (which are written only around calls, since callees do not preserve those registers).
//!
//! *Architecture invariant*: work per operator is O(1) amortized (plus O(arity) for moves, bounded by
//! one block-move stencil), with no per-operator heap allocation, so compile time is linear.

pub mod assemble;
pub mod emit;
mod simd;
mod skim;
mod visit;

use crate::Error;
use crate::types::*;
use emit::{CodeBuffer, Holes, Label};
use wasmparser::{FuncValidator, FunctionBody, Operator, ValidatorResources};
use weft_ops::vm::builtin;
use weft_stencils::id::{NONE, Variants};
use weft_stencils::{HoleKind, STENCILS, id};

/// What the translator needs to know about the module.
#[derive(Default)]
pub struct ModuleEnv {
    pub types: Vec<FuncType>,
    pub type_ids: Vec<u32>,
    pub funcs: Vec<u32>,
    pub num_imported_funcs: u32,
    pub tables: Vec<TableType>,
    pub num_imported_tables: u32,
    pub memories: Vec<MemoryType>,
    pub num_imported_memories: u32,
    pub globals: Vec<GlobalType>,
    pub num_imported_globals: u32,
    /// Memory accesses may skip bounds checks (guard pages catch them).
    pub guard_pages: bool,
    /// Every loop head checks for an interrupt (`Config::interruptible`).
    pub interruptible: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Block,
    Loop,
    If,
    Else,
}

#[derive(Clone, Copy)]
enum BlockSig {
    Empty,
    One(ValType),
    Func(u32),
}

impl BlockSig {
    fn params<'a>(&self, env: &'a ModuleEnv) -> &'a [ValType] {
        match self {
            BlockSig::Func(t) => &env.types[*t as usize].params,
            _ => &[],
        }
    }
    fn results<'a>(&'a self, env: &'a ModuleEnv) -> &'a [ValType] {
        match self {
            BlockSig::Empty => &[],
            BlockSig::One(t) => std::slice::from_ref(t),
            BlockSig::Func(t) => &env.types[*t as usize].results,
        }
    }
}

struct Control {
    kind: Kind,
    sig: BlockSig,
    /// Operand-stack length below the block's params.
    height: usize,
    /// End of a block/if, start of a loop.
    label: Label,
    /// Start of the else branch of an `if`.
    else_label: Label,
    /// `assign_log` length at the block's start: locals first written inside are not known to be
    /// written after it (see `LocalVar::assigned`).
    assign_mark: usize,
}

/// Where an operand-stack value lives right now.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Loc {
    /// In its own slot (`Operand::off`).
    Slot,
    /// Still in local N (valid until the local is written).
    Local(u32),
    /// A constant not yet written anywhere (raw bits).
    Const(u64),
    /// In the cached register of its class: t0 for integers, f0 for f64 (at most one entry each).
    Reg,
}

#[derive(Clone, Copy)]
struct Operand {
    ty: ValType,
    /// The operand's own slot, used when it must be materialized.
    off: u32,
    loc: Loc,
}

/// Which hole of a producer stencil receives its result when it goes to a slot.
#[derive(Clone, Copy)]
enum Dst {
    S1,
    S2,
}

impl Dst {
    /// Points this hole of `h` at frame offset `off`.
    fn set(self, h: &mut Holes, off: u32) {
        match self {
            Dst::S1 => h[HoleKind::S1] = off,
            Dst::S2 => h[HoleKind::S2] = off,
        }
    }
}

/// Where a stencil variant takes an operand from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Src {
    Slot(u32),
    /// Constant bits: `IMM` holds the low half, `IMM_HI` the high half.
    Imm(u64),
    Reg,
    /// Pinned local k: 0 `p` (i32, in t1), 1 `q` (i32, in the memlen register), 2 `x` and 3 `y`
    /// (f64, in f1 and f2).
    Pin(u8),
}

impl Src {
    /// The operand kind, as the variant tables index it.
    #[inline(always)]
    fn kind(self) -> usize {
        // A table lookup plus a select: as one `match` this became a jump table that mispredicted on
        // about every third operator.
        let base = match self {
            Src::Slot(_) => id::SRC_SLOT,
            Src::Imm(_) => id::SRC_IMM,
            Src::Reg => id::SRC_REG,
            Src::Pin(_) => id::SRC_P,
        };
        base + if let Src::Pin(k) = self { k as usize } else { 0 }
    }
}

// Operand and result kinds for the variant tables' accessors: a slot (`SRC_SLOT` and `OUT_SLOT` are
// both 0), the first i32 pin `p`, the first f64 pin `x`.
const SLOT: usize = id::SRC_SLOT;
const SRC_P: usize = id::SRC_P;
const SRC_X: usize = id::SRC_P + 2;
const _: () = assert!(id::SRC_SLOT == id::OUT_SLOT);

/// `LocalVar::pin` of a local in no register.
const NOT_PINNED: u8 = u8::MAX;

/// How many locals can be pinned: `p` (t1) and `q` (the memlen register, with guard pages only) for
/// i32 locals, `x`, `y`, `u`, `v` (f1 to f4) for f64 locals.
const PINS: usize = 6;
/// `pins` masks (bit k: pinned local k) of the i32 and the f64 pins.
const INT_PINS: u8 = 0b00_0011;
const F64_PINS: u8 = 0b11_1100;

/// The type a pinned local of pin `k` has.
fn pin_type(k: u8) -> ValType {
    if k < 2 { ValType::I32 } else { ValType::F64 }
}

/// The stencil that produced the operand on top of the stack, held back until anything else is
/// emitted (or a label bound) so that a peephole can still choose a better form for it: write a local
/// directly, write a slot instead of t0, or merge into a compare-and-branch.
#[derive(Clone, Copy)]
struct Producer {
    id: u16,
    holes: Holes,
    dst: Dst,
    /// The same operation with its result going to a slot (`id` itself unless it writes t0).
    slot_variant: u16,
    /// The operator's variants and the table index of its variant with these sources and a slot
    /// result (the other result kinds follow it), to find the form writing a pinned local.
    variants: &'static Variants,
    table_index: usize,
    /// Stack height with the result pushed.
    height: usize,
    /// The source kinds of its variant (`b` is `SRC_NONE` for one operand), to find the fused
    /// compare-and-branch forms (`fuse`) only when a branch consumes the result.
    srcs: (u8, u8),
    /// An f64 result that took f0 from an older stack entry (index, slot): the older value is written
    /// to its slot right before this stencil, unless the next operator consumes both (`acc + load`),
    /// in which case this result goes to its slot instead and the older value stays in f0.
    evict: Option<(usize, u32)>,
}

impl Producer {
    /// Fused compare-and-branch stencils (branch if true, branch if false) for this compare.
    fn fuse(&self) -> Option<(u16, u16)> {
        let (a, b) = (self.srcs.0 as usize, self.srcs.1 as usize);
        let v = self.variants;
        if b != id::SRC_NONE {
            let pair = (v.branch(true, a, b), v.branch(false, a, b));
            return (pair.0 != NONE).then_some(pair);
        }
        // (Compared by stencil id: the address of a `const` table is not guaranteed unique.)
        if v.unary(SLOT, SLOT) != id::op::i32_eqz.unary(SLOT, SLOT) {
            return None;
        }
        // `i32.eqz; br_if` branches when the operand is zero: `operand == 0` against an immediate 0
        // (see `emit_cond_branch`).
        match a {
            id::SRC_SLOT => Some((id::op::i32_eq.branch(true, id::SRC_SLOT, id::SRC_IMM), id::br_if)),
            id::SRC_REG => Some((id::op::i32_eq.branch(true, id::SRC_REG, id::SRC_IMM), id::br_if_r)),
            id::SRC_IMM => None,
            pin => {
                let k = (pin - id::SRC_P) as u8;
                Some((pin_stencil(k, &id::op::br_unless), pin_stencil(k, &id::op::br_if)))
            }
        }
    }

    /// Makes the held-back stencil write its result to frame offset `off` instead of a register.
    fn write_slot(&mut self, off: u32) {
        self.dst.set(&mut self.holes, off);
        self.id = self.slot_variant;
    }
}

/// A local (param or declared): its type and frame slot, and the translator's state for it, kept
/// together so that `local.get/set/tee` find all of it with one bounds check.
#[derive(Clone, Copy)]
struct LocalVar {
    ty: ValType,
    off: u32,
    /// Lazy references to it on the operand stack.
    refs: u32,
    /// Its pin in `FuncTranslator::pinned`, or `NOT_PINNED` (the lookup every local operand makes).
    pin: u8,
    /// Written on every path to here (params always), so it cannot read its initial zero. A
    /// conservative single-pass analysis on structured control flow: a write inside a block, `if` or
    /// `else` no longer counts after its `end` (one inside a loop does: only the fall-through leaves a
    /// loop's `end`). Declared locals read while not known to be written must be zeroed at entry
    /// (`FuncTranslator::zero_needed`).
    assigned: bool,
}

impl LocalVar {
    /// A local at frame offset `off`, not referenced or pinned yet (params are `assigned`).
    fn new(ty: ValType, off: u32, assigned: bool) -> LocalVar {
        LocalVar { ty, off, refs: 0, pin: NOT_PINNED, assigned }
    }
}

/// Reusable translation state (buffers survive across functions).
#[derive(Default)]
pub struct FuncTranslator {
    locals: Vec<LocalVar>,
    stack: Vec<Operand>,
    frames: Vec<Control>,
    stack_base: u32,
    /// Frame offset just past the top entry's slot (where the next push goes): `off_at(stack.len())`,
    /// kept rather than recomputed from the top entry on every push.
    top: u32,
    max_top: u32,
    /// Code after `br`, `return`, `unreachable`… until the enclosing `else`/`end`.
    dead: bool,
    /// Blocks opened inside dead code.
    dead_depth: u32,
    /// br_table: landing pad per target depth.
    pads: Vec<Option<u32>>,
    /// No lazy entry below this stack index (materializing scans from here).
    lazy_floor: usize,
    pending: Option<Producer>,
    /// The stack entry whose value is in t0.
    reg: Option<usize>,
    /// The stack entry whose value is in f0.
    freg: Option<usize>,
    /// By register class (t0, f0): the stack entry there and the (unpinned) local it equals since a
    /// `local.tee` kept it in the register. Evicted, it becomes a read of the local, not a spill.
    mirrors: [Option<(usize, u32)>; 2],
    /// The locals kept in registers for the whole function (their slots are only up to date around
    /// calls), by pin: `p` and `q` (i32), `x`, `y`, `u`, `v` (f64).
    pinned: [Option<u32>; PINS],
    /// The pinned local may differ from its slot (written since the last save or load on every path
    /// here), so a call must save it first.
    pin_dirty: [bool; PINS],
    /// References to each local in the body (to choose the pinned ones).
    local_uses: Vec<u32>,
    /// Scratch for `skim::count_local_ops`: where the candidate opcodes are.
    skim_positions: Vec<u32>,
    /// Locals that became `assigned`, in order, to undo at block ends: the first `assign_len` entries.
    assign_log: Vec<u32>,
    assign_len: usize,
    /// Per local: zeroed on entry (see `LocalVar::assigned`).
    zero_needed: Vec<bool>,
    guard_pages: bool,
    /// The function's shared trap exits of call stencils (`call_trapped`, `call_ref_trapped`),
    /// emitted after the body if some call jumps to them.
    trapped_direct: TrapExit,
    trapped_ref: TrapExit,
}

/// A stub after the function body that call stencils jump to when their callee trapped.
#[derive(Default)]
struct TrapExit {
    label: Option<Label>,
}

impl TrapExit {
    /// The label to jump to (the stub will be emitted).
    fn label(&mut self) -> &mut Label {
        self.label.get_or_insert_with(Label::new)
    }

    fn emit(&mut self, buf: &mut CodeBuffer, stencil: u16) {
        if let Some(mut label) = self.label.take() {
            buf.bind_here(&mut label);
            buf.emit_plain(stencil, &Holes::NONE);
        }
    }
}

/// The type of a memory's or table's addresses, sizes and page or element counts: i64 for a 64-bit
/// one (memory64), else i32.
fn index_type(wide: bool) -> ValType {
    if wide { ValType::I64 } else { ValType::I32 }
}

/// The value type named by an op-list type (evaluated at compile time: see `vt!`).
const fn vt(t: &str) -> ValType {
    match t.as_bytes() {
        b"i32" | b"u32" => ValType::I32,
        b"i64" | b"u64" => ValType::I64,
        b"f32" => ValType::F32,
        b"f64" => ValType::F64,
        _ => panic!("not an op-list type"),
    }
}

/// `vt` of a type token, as a constant (a call in the op tables was not always folded).
macro_rules! vt {
    ($t:ty) => {{
        const T: ValType = vt(stringify!($t));
        T
    }};
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Unop,
    Binop,
}

/// The simple-op table from the shared op list: operator -> (shape, stencil variants, result type).
#[inline(always)]
fn simple_op(op: &Operator) -> Option<(Shape, &'static Variants, ValType)> {
    macro_rules! shape {
        (unop) => {
            Shape::Unop
        };
        (unop_trap) => {
            Shape::Unop
        };
        (binop) => {
            Shape::Binop
        };
        (binop_trap) => {
            Shape::Binop
        };
    }
    macro_rules! table {
        ($($variant:ident $name:ident $shape:ident $in:ty => $out:ty;)*) => {
            match op {
                $(Operator::$variant => Some((shape!($shape), &id::op::$name, vt!($out))),)*
                _ => None,
            }
        };
    }
    weft_ops::for_each_simple_op!(table)
}

/// Calls `f` with the index of each `true` entry, skipping 16 `false` ones at a time (a function may
/// declare 50,000 locals and read a few).
fn for_each_set(flags: &[bool], mut f: impl FnMut(usize)) {
    for (i, chunk) in flags.chunks(16).enumerate() {
        // A fold without an early exit: a few vector ORs per chunk.
        if chunk.iter().fold(false, |any, &x| any | x) {
            for (j, &x) in chunk.iter().enumerate() {
                if x {
                    f(i * 16 + j);
                }
            }
        }
    }
}

/// Binops whose operands may be swapped (so a constant left operand can become the immediate).
#[inline(always)]
fn commutative(op: &Operator) -> bool {
    use Operator as O;
    matches!(
        op,
        O::I32Add
            | O::I32Mul
            | O::I32And
            | O::I32Or
            | O::I32Xor
            | O::I32Eq
            | O::I32Ne
            | O::I64Add
            | O::I64Mul
            | O::I64And
            | O::I64Or
            | O::I64Xor
            | O::I64Eq
            | O::I64Ne
    )
}

/// The offset from the context of global `index`'s cell when it is one of the defined globals kept in
/// the instance record (v128 ones are reached through `VmCtx::globals` all the same).
fn inline_global(env: &ModuleEnv, index: u32, ty: ValType) -> Option<u32> {
    let defined = index.checked_sub(env.num_imported_globals)?;
    crate::runtime::inline_global_offset(defined).filter(|_| ty != ValType::V128)
}

/// The stencil of pinned-local helper `op` (`id::op::from_s`, `to_s`, `br_if`…) for pin `k`.
fn pin_stencil(k: u8, op: &Variants) -> u16 {
    [op.pin_p, op.pin_q, op.pin_x, op.pin_y, op.pin_u, op.pin_v][k as usize]
}

/// Holes for sources `a` (and `b`).
fn source_holes(a: Src, b: Option<Src>) -> Holes {
    let mut h = Holes::NONE;
    if let Src::Slot(off) = a {
        h[HoleKind::S0] = off;
    }
    match b {
        Some(Src::Slot(off)) => h[HoleKind::S1] = off,
        Some(Src::Imm(imm)) => h = h.imm64(imm),
        _ => {}
    }
    h
}

/// Which state register caches values of this type, if any.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RegClass {
    Int,
    Float,
}

/// `FuncTranslator::mirrors` index of a value's register.
fn mirror_index(t: ValType) -> usize {
    (reg_class(t) == Some(RegClass::Float)) as usize
}

fn reg_class(t: ValType) -> Option<RegClass> {
    match t {
        ValType::I32 | ValType::I64 => Some(RegClass::Int),
        ValType::F64 => Some(RegClass::Float),
        _ => None,
    }
}

/// The form of binop `op` that loads its second operand (see `for_each_load_fusable_op`).
#[inline(always)]
fn load_fused(op: &Operator) -> Option<&'static Variants> {
    macro_rules! table {
        ($($variant:ident $name:ident $fused:ident;)*) => {
            match op {
                $(Operator::$variant => Some(&id::op::$fused),)*
                _ => None,
            }
        };
    }
    weft_ops::for_each_load_fusable_op!(table)
}

#[inline(always)]
fn load_op<'a>(op: &'a Operator<'_>) -> Option<(&'static Variants, ValType, &'a wasmparser::MemArg)> {
    macro_rules! table {
        ($($variant:ident $name:ident $m:ident => $r:ident $bytes:literal;)*) => {
            match op {
                $(Operator::$variant { memarg } => Some((&id::op::$name, vt!($r), memarg)),)*
                _ => None,
            }
        };
    }
    weft_ops::for_each_load_op!(table)
}

#[inline(always)]
fn store_op<'a>(op: &'a Operator<'_>) -> Option<(&'static Variants, &'a wasmparser::MemArg)> {
    macro_rules! table {
        ($($variant:ident $name:ident $v:ident => $m:ident $bytes:literal;)*) => {
            match op {
                $(Operator::$variant { memarg } => Some((&id::op::$name, memarg)),)*
                _ => None,
            }
        };
    }
    weft_ops::for_each_store_op!(table)
}

// Errors are `Box<Error>` throughout the translator: a result then fits one register, where the
// unboxed `Error` (56 bytes) made every `?` in the per-operator helpers go through memory.
impl FuncTranslator {
    #[allow(clippy::too_many_arguments)]
    pub fn translate(
        &mut self,
        env: &ModuleEnv,
        buf: &mut CodeBuffer,
        func_index: u32,
        body: &FunctionBody<'_>,
        fv: &mut FuncValidator<ValidatorResources>,
        strict_v2: Option<&[u8]>,
    ) -> Result<(), Box<Error>> {
        let ty = &env.types[env.funcs[func_index as usize] as usize];
        self.locals.clear();
        self.stack.clear();
        self.frames.clear();
        self.dead = false;
        self.dead_depth = 0;
        self.lazy_floor = 0;
        self.pending = None;
        self.reg = None;
        self.freg = None;
        self.mirrors = [None; 2];
        let (params_bytes, off) = self.declare_locals(ty, body, fv)?;
        self.guard_pages = env.guard_pages;
        self.trapped_direct = TrapExit::default();
        self.trapped_ref = TrapExit::default();
        self.pinned = self.choose_pinned(body)?;
        for (k, x) in self.pinned.into_iter().enumerate() {
            if let Some(x) = x {
                self.locals[x as usize].pin = k as u8;
            }
        }
        // Results are written to the frame base on return, so the frame holds at least them; and a
        // callee's frame must start at least MIN_FRAME_BYTES up (it starts at the first argument).
        self.stack_base = off.max(ty.frame_bytes()).max(weft_ops::vm::MIN_FRAME_BYTES);
        self.top = self.stack_base;
        self.max_top = self.stack_base;

        buf.emit_plain(id::enter_memory, &Holes::NONE);
        let enter = buf.emit_plain(id::enter, &Holes::NONE);
        buf.set_direct_entry(enter);
        // Declared locals start at zero. Which of them a read may see unwritten is known only after
        // the body: the entry jumps to a stub emitted after it that zeroes those and jumps back.
        let mut zeroing = Label::new();
        let body_start = if off > params_bytes {
            buf.emit(id::jump, &Holes::NONE, Some(&mut zeroing), None);
            Some(buf.pos())
        } else {
            None
        };
        // Room for every local (each is logged at most once at a time) and the spare slot a rewrite
        // writes without counting.
        self.assign_log.clear();
        self.assign_log.resize(self.locals.len() + 1, 0);
        self.assign_len = 0;
        self.zero_needed.clear();
        self.zero_needed.resize(self.locals.len(), false);
        for x in self.pinned.into_iter().flatten() {
            // Loaded into its register right here.
            self.read_local(x);
        }
        self.restore_pins(buf);
        self.frames.push(Control {
            kind: Kind::Block,
            sig: BlockSig::Func(env.funcs[func_index as usize]),
            height: 0,
            label: Label::new(),
            else_label: Label::new(),
            assign_mark: 0,
        });

        // A bare reader: the visitor answers its questions about the enclosing frame from the
        // validator's control stack (an `OperatorsReader` would keep a second one).
        let mut reader = body.get_binary_reader_for_operators()?;
        let mut visitor = visit::OperatorVisitor { translator: self, env, buf, validator: fv, strict_v2, offset: 0 };
        visit::visit_operators(&mut reader, &mut visitor)?;
        reader.finish_expression(&visitor)?;
        self.flush(buf);
        buf.shortcut_jump_pads();
        if let Some(body_start) = body_start {
            self.emit_zeroing(buf, &mut zeroing, body_start)?;
        }
        self.trapped_direct.emit(buf, id::call_trapped);
        self.trapped_ref.emit(buf, id::call_ref_trapped);
        buf.emit_const_pool();
        // The frame: locals plus the deepest operand; callees check their own frames.
        buf.repatch(id::enter, enter, HoleKind::S0, self.max_top)?;
        buf.check()?;
        Ok(())
    }

    /// Fills `locals` with the parameters and the declared locals (each at its frame offset) and
    /// declares them to the validator; returns the bytes of the parameters and of all locals.
    fn declare_locals(
        &mut self,
        ty: &FuncType,
        body: &FunctionBody<'_>,
        fv: &mut FuncValidator<ValidatorResources>,
    ) -> Result<(u32, u32), Box<Error>> {
        let mut off = 0u32;
        for &p in ty.params.iter() {
            self.locals.push(LocalVar::new(p, off, true));
            off += p.slot_bytes();
        }
        let params_bytes = off;
        let mut locals_reader = body.get_locals_reader()?;
        for _ in 0..locals_reader.get_count() {
            let offset = locals_reader.original_position();
            let (count, t) = locals_reader.read()?;
            fv.define_locals(offset, count, t)?;
            let t = ValType::from_wasmparser(t)?;
            // One bounds check for the group, then a fill the compiler vectorizes: a hostile module may
            // declare 50,000 locals in every function (bench/linearity.py, `declared-locals`).
            let size = t.slot_bytes();
            let end = u32::try_from(off as u64 + count as u64 * size as u64)
                .map_err(|_| Error::Compile("too many locals".into()))?;
            self.locals.extend((0..count).map(|k| LocalVar::new(t, off + k * size, false)));
            off = end;
        }
        Ok((params_bytes, off))
    }

    /// Picks the i32 and f64 locals with the most references (at least `MIN_PIN_USES`) to live in
    /// registers. The count skims the body bytes for `local.get/set/tee` opcodes instead of decoding
    /// them: an immediate that happens to look like one only skews the choice, never the code's meaning.
    fn choose_pinned(&mut self, body: &FunctionBody<'_>) -> Result<[Option<u32>; PINS], Box<Error>> {
        const MIN_PIN_USES: u32 = 3;
        let mut reader = body.get_binary_reader_for_operators()?;
        let bytes = reader.read_bytes(reader.bytes_remaining())?;
        self.local_uses.clear();
        self.local_uses.resize(self.locals.len(), 0);
        skim::count_local_ops(bytes, &mut self.local_uses, &mut self.skim_positions);
        // The most referenced locals of each pinned type, best first (two i32, four f64); `q` needs
        // the memlen register, free only with guard pages.
        let mut best = [None::<u32>; PINS];
        let uses = |x: Option<u32>| x.map_or(0, |x| self.local_uses[x as usize]);
        for (x, &n) in self.local_uses.iter().enumerate() {
            // The use count first: most locals of a function with many have few uses, and the scan
            // then reads only this array.
            if n < MIN_PIN_USES {
                continue;
            }
            let class = match self.locals[x].ty {
                ValType::I32 => 0..2,
                ValType::F64 => 2..PINS,
                _ => continue,
            };
            // Insertion into the class's ranking: from the first it beats, the rest move down one.
            let (mut candidate, mut inserted) = (Some(x as u32), false);
            for k in class {
                if inserted || n > uses(best[k]) {
                    candidate = std::mem::replace(&mut best[k], candidate);
                    inserted = true;
                    if candidate.is_none() {
                        break;
                    }
                }
            }
        }
        if !self.guard_pages {
            best[1] = None;
        }
        Ok(best)
    }

    /// Which pinned local operand `o` reads, if any.
    fn pin_of(&self, o: &Operand) -> Option<u8> {
        match o.loc {
            Loc::Local(x) => self.pin_index(x),
            _ => None,
        }
    }

    /// Local `x` is read here: if it may still hold its initial zero, its slot must be zeroed.
    #[inline]
    fn read_local(&mut self, x: u32) {
        // Without a branch: whether the local was assigned yet varies from read to read.
        let x = x as usize;
        self.zero_needed[x] |= !self.locals[x].assigned;
    }

    #[inline]
    fn write_local(&mut self, x: u32) {
        // Without a branch (first writes and rewrites interleave unpredictably): the entry is always
        // written, and counted only if the local is newly assigned.
        let local = &mut self.locals[x as usize];
        let fresh = !local.assigned;
        local.assigned = true;
        self.assign_log[self.assign_len] = x;
        self.assign_len += fresh as usize;
    }

    /// The stub the entry jumps to (`zeroing`): zeroes the locals in `zero_needed` and jumps back to
    /// `body_start`. With none to zero, the entry's jump goes straight to `body_start`.
    fn emit_zeroing(&mut self, buf: &mut CodeBuffer, zeroing: &mut Label, body_start: u32) -> Result<(), Box<Error>> {
        // Beyond this many slots, one loop is shorter than a store per slot.
        const MAX_SLOT_STORES: u32 = 16;
        let (mut slots, mut lo, mut hi) = (0, u32::MAX, 0);
        for_each_set(&self.zero_needed, |x| {
            let o = self.locals[x];
            slots += o.ty.slot_bytes() / 8;
            lo = lo.min(o.off);
            hi = hi.max(o.off + o.ty.slot_bytes());
        });
        if slots == 0 {
            buf.bind(zeroing, body_start);
            return Ok(());
        }
        buf.bind_here(zeroing);
        if slots <= MAX_SLOT_STORES {
            let locals = &self.locals;
            for_each_set(&self.zero_needed, |x| {
                let o = locals[x];
                for slot in (o.off..o.off + o.ty.slot_bytes()).step_by(8) {
                    buf.emit_plain(id::zero8, &Holes::NONE.s0(slot));
                }
            });
        } else {
            buf.emit_plain(id::zero_block, &Holes::NONE.s0(lo).n(hi - lo));
        }
        buf.emit(id::jump, &Holes::NONE, Some(&mut Label::at(body_start)), None);
        Ok(())
    }

    /// Forgets the writes logged since `mark` (leaving a block they may not all have happened in).
    fn unassign_to(&mut self, mark: usize) {
        for &x in &self.assign_log[mark..self.assign_len] {
            self.locals[x as usize].assigned = false;
        }
        self.assign_len = mark;
    }

    #[inline]
    fn pin_index(&self, x: u32) -> Option<u8> {
        let k = self.locals[x as usize].pin;
        (k != NOT_PINNED).then_some(k)
    }

    /// Writes the pinned locals to their slots (before calls, which do not preserve their registers).
    fn save_pins(&mut self, buf: &mut CodeBuffer) {
        self.save_pins_from(buf, 0)
    }

    /// Before a call stencil from `call_reloading_pins`, which saves the pinned i32 locals itself:
    /// writes the pinned f64 locals to their slots.
    fn save_float_pins(&mut self, buf: &mut CodeBuffer) {
        // (f64 pins are taken best first: without `x` there are none. The common case, per call.)
        if self.pinned[2].is_some() {
            self.save_pins_from(buf, 2)
        }
    }

    fn save_pins_from(&mut self, buf: &mut CodeBuffer, first: usize) {
        for k in first..PINS {
            if let (Some(x), true) = (self.pinned[k], self.pin_dirty[k]) {
                self.pin_dirty[k] = false;
                let s1 = self.locals[x as usize].off;
                self.emit(buf, pin_stencil(k as u8, &id::op::to_s), Holes::NONE.s1(s1));
            }
        }
    }

    /// Loads the pinned locals from their slots (on entry and after calls).
    fn restore_pins(&mut self, buf: &mut CodeBuffer) {
        self.restore_pins_from(buf, 0)
    }

    /// After a call stencil from `call_reloading_pins`: loads the pinned f64 locals.
    fn restore_float_pins(&mut self, buf: &mut CodeBuffer) {
        if self.pinned[2].is_some() {
            self.restore_pins_from(buf, 2)
        }
    }

    /// Of call stencil `family` (plain, with `p`, with `p` and `q`), the form that saves the pinned i32
    /// locals before the call and reloads them after it, with its `N`/`OFFSET` holes set to their slots.
    fn call_reloading_pins(&mut self, family: [u16; 3], h: &mut Holes) -> u16 {
        let off = |x: Option<u32>| x.map(|x| self.locals[x as usize].off);
        match (off(self.pinned[0]), off(self.pinned[1])) {
            (Some(p), None) => {
                h[HoleKind::N] = p;
                self.pin_dirty[0] = false;
                family[1]
            }
            (Some(p), Some(q)) => {
                (h[HoleKind::N], h[HoleKind::Offset]) = (p, q);
                self.pin_dirty[..2].fill(false);
                family[2]
            }
            (None, None) => family[0],
            (None, Some(_)) => unreachable!("q is pinned only with p (see choose_pinned)"),
        }
    }

    fn restore_pins_from(&mut self, buf: &mut CodeBuffer, first: usize) {
        for k in first..PINS {
            if let Some(x) = self.pinned[k] {
                let s0 = self.locals[x as usize].off;
                self.pin_dirty[k] = false;
                self.emit(buf, pin_stencil(k as u8, &id::op::from_s), Holes::NONE.s0(s0));
            }
        }
    }

    /// Around a stencil that checks bounds explicitly (and so reads memlen) against memory `mem`.
    /// With guard pages, `before` reloads memlen: nothing keeps the register up to date in that mode
    /// (`q` lives there, this function's or, from a direct caller or a callee that returned, another's),
    /// and only these rare explicitly checked accesses read it; with `q` pinned here, `before` saves it
    /// first and `after` restores it. (Without guard pages, `q` is never pinned and the register always
    /// holds memlen.) Memory `mem` > 0 is put in the state registers before (`select_memory`) and
    /// memory 0 back after: accesses to other memories than 0 are rare enough to pay two loads each.
    fn memlen_needed(&mut self, buf: &mut CodeBuffer, before: bool, mem: u32) {
        let q = self.pinned[1].map(|x| self.locals[x as usize].off);
        if before {
            if let Some(off) = q {
                self.pin_dirty[1] = false;
                self.emit(buf, pin_stencil(1, &id::op::to_s), Holes::NONE.s1(off));
            }
            if mem != 0 {
                self.emit(buf, id::select_memory, Holes::NONE.imm(mem));
            } else if self.guard_pages {
                self.emit(buf, id::reload_len, Holes::NONE);
            }
        } else {
            if mem != 0 {
                self.emit(buf, id::reload_len, Holes::NONE);
            }
            if let Some(off) = q {
                self.emit(buf, pin_stencil(1, &id::op::from_s), Holes::NONE.s0(off));
            }
        }
    }

    // ---- operand stack ---------------------------------------------------------------------------

    #[inline]
    fn top(&self) -> u32 {
        debug_assert_eq!(self.top, self.off_at(self.stack.len()));
        self.top
    }

    fn off_at(&self, height: usize) -> u32 {
        if height == 0 {
            self.stack_base
        } else {
            let o = self.stack[height - 1];
            o.off + o.ty.slot_bytes()
        }
    }

    /// Pushes a value that a stencil is about to write into its slot; returns the slot.
    #[inline]
    fn push(&mut self, ty: ValType) -> u32 {
        self.push_loc(ty, Loc::Slot)
    }

    #[inline(always)]
    fn push_loc(&mut self, ty: ValType, loc: Loc) -> u32 {
        let off = self.top();
        match loc {
            Loc::Slot => {}
            Loc::Local(x) => {
                self.locals[x as usize].refs += 1;
                self.lazy_floor = self.lazy_floor.min(self.stack.len());
            }
            Loc::Const(_) => self.lazy_floor = self.lazy_floor.min(self.stack.len()),
            Loc::Reg => {
                let index = self.stack.len();
                self.mirrors[mirror_index(ty)] = None;
                let slot = self.reg_slot(ty);
                debug_assert!(slot.is_none(), "a state register holds one value at a time");
                *slot = Some(index);
                self.lazy_floor = self.lazy_floor.min(self.stack.len());
            }
        }
        self.stack.push(Operand { ty, off, loc });
        self.top = off + ty.slot_bytes();
        self.max_top = self.max_top.max(self.top);
        off
    }

    /// Pops an operand wherever it lives.
    #[inline]
    fn pop_lazy(&mut self) -> Operand {
        let o = self.stack.pop().expect("validated code never underflows the operand stack");
        self.top = o.off;
        match o.loc {
            Loc::Local(x) => self.locals[x as usize].refs -= 1,
            Loc::Reg => *self.reg_slot(o.ty) = None,
            _ => {}
        }
        self.lazy_floor = self.lazy_floor.min(self.stack.len());
        o
    }

    /// Which stack entry the register caching values of type `ty` holds.
    fn reg_slot(&mut self, ty: ValType) -> &mut Option<usize> {
        match reg_class(ty) {
            Some(RegClass::Float) => &mut self.freg,
            _ => &mut self.reg,
        }
    }

    /// Pops an operand, first writing it into its own slot if it lives elsewhere.
    fn pop(&mut self, buf: &mut CodeBuffer) -> Result<Operand, Box<Error>> {
        let o = self.pop_lazy();
        self.write_own_slot(buf, &o, self.stack.len());
        Ok(Operand { loc: Loc::Slot, ..o })
    }

    /// Writes operand `o` (at stack index `index`, possibly just popped) into its own slot. A value in
    /// t0 that the last stencil produced is re-produced into the slot instead of being spilled.
    fn write_own_slot(&mut self, buf: &mut CodeBuffer, o: &Operand, index: usize) {
        match o.loc {
            Loc::Slot => {}
            Loc::Reg => {
                if let Some(p) = self.pending.as_mut().filter(|p| p.height == index + 1 && p.slot_variant != p.id) {
                    // Not emitted yet: let it write the slot instead of t0.
                    p.write_slot(o.off);
                    return;
                }
                self.emit_value_to(buf, o, o.off)
            }
            _ => self.emit_value_to(buf, o, o.off),
        }
    }

    /// Frees the register of `class`: the entry cached there goes to its slot.
    #[inline]
    fn spill_class(&mut self, buf: &mut CodeBuffer, class: RegClass) -> Result<(), Box<Error>> {
        match if class == RegClass::Float { self.freg } else { self.reg } {
            Some(i) => self.spill_entry(buf, i),
            None => Ok(()),
        }
    }

    /// Writes stack entry `i`, cached in a state register, to its slot (or, if a local holds the same
    /// value, makes it a read of that local).
    fn spill_entry(&mut self, buf: &mut CodeBuffer, i: usize) -> Result<(), Box<Error>> {
        let o = self.stack[i];
        if let Some(x) = self.mirror_of(o.ty, i) {
            self.mirrors[mirror_index(o.ty)] = None;
            *self.reg_slot(o.ty) = None;
            self.stack[i].loc = Loc::Local(x);
            self.locals[x as usize].refs += 1;
            self.lazy_floor = self.lazy_floor.min(i);
            return Ok(());
        }
        self.write_own_slot(buf, &o, i);
        self.stack[i].loc = Loc::Slot;
        *self.reg_slot(o.ty) = None;
        Ok(())
    }

    /// Frees both state registers (before calls and runtime helpers, which do not preserve them).
    fn spill_reg(&mut self, buf: &mut CodeBuffer) -> Result<(), Box<Error>> {
        self.spill_class(buf, RegClass::Int)?;
        self.spill_class(buf, RegClass::Float)
    }

    fn truncate_stack(&mut self, height: usize) {
        while self.stack.len() > height {
            self.pop_lazy();
        }
    }

    /// The frame offset a stencil can read the operand from, if it has one (constants have none).
    fn src(&self, o: &Operand) -> Option<u32> {
        match o.loc {
            Loc::Slot => Some(o.off),
            Loc::Local(x) if self.pin_index(x).is_some() => None,
            Loc::Local(x) => Some(self.locals[x as usize].off),
            Loc::Const(_) | Loc::Reg => None,
        }
    }

    /// A readable frame offset for the operand just popped, writing it into its slot if it has none.
    fn src_or_slot(&mut self, buf: &mut CodeBuffer, o: &Operand) -> Result<u32, Box<Error>> {
        self.slot_of(buf, o, self.stack.len())
    }

    /// A readable frame offset for popped operand `o`, which stood at stack `index`: its local's or its
    /// own slot, written first if the value lives elsewhere.
    fn slot_of(&mut self, buf: &mut CodeBuffer, o: &Operand, index: usize) -> Result<u32, Box<Error>> {
        match self.src(o) {
            Some(off) => Ok(off),
            None if o.loc == Loc::Reg
                && let Some(x) = self.mirror_of(o.ty, index) =>
            {
                Ok(self.locals[x as usize].off)
            }
            None => {
                self.write_own_slot(buf, o, index);
                Ok(o.off)
            }
        }
    }

    /// How a stencil reads popped operand `o`: from t0 if `reg_ok`, as an immediate if `imm_ok`, else
    /// from a slot (writing the value there first if it has none).
    /// `index` is where the operand stood on the stack (for the rollback of its producer).
    /// `pins` has bit k set when the stencil has forms reading pinned local k.
    fn source(
        &mut self,
        buf: &mut CodeBuffer,
        o: &Operand,
        index: usize,
        reg_ok: bool,
        imm_ok: bool,
        pins: u8,
    ) -> Result<Src, Box<Error>> {
        if o.loc == Loc::Reg && reg_ok {
            return Ok(Src::Reg);
        }
        // (A bit-cast may have retyped a pinned local's value: pinned forms read the pin's type.)
        if let Some(k) = self.pin_of(o)
            && pins & (1 << k) != 0
            && o.ty == pin_type(k)
        {
            return Ok(Src::Pin(k));
        }
        if imm_ok && let Some(imm) = Self::imm32(o) {
            return Ok(Src::Imm(imm));
        }
        Ok(Src::Slot(self.slot_of(buf, o, index)?))
    }

    /// The operand as a stencil immediate, if it is a constant that fits (see `FromImm` in the stencil
    /// source: i64 immediates are 32 bits sign-extended, f64 ones carry all 64 bits).
    fn imm32(o: &Operand) -> Option<u64> {
        let Loc::Const(bits) = o.loc else { return None };
        match o.ty {
            ValType::I32 | ValType::F32 => Some(bits as u32 as u64),
            ValType::I64 => i32::try_from(bits as i64).ok().map(|v| v as u32 as u64),
            ValType::F64 => Some(bits),
            _ => None,
        }
    }

    /// Writes the operand's value to frame offset `dst` without changing the compiler's view of it.
    fn emit_value_to(&mut self, buf: &mut CodeBuffer, o: &Operand, dst: u32) {
        match o.loc {
            Loc::Slot => self.copy(buf, o.ty, o.off, dst),
            Loc::Local(x) if self.pin_index(x).is_some() => {
                let k = self.pin_index(x).unwrap_or_default();
                self.emit(buf, pin_stencil(k, &id::op::to_s), Holes::NONE.s1(dst));
            }
            Loc::Local(x) => self.copy(buf, o.ty, self.locals[x as usize].off, dst),
            Loc::Reg => {
                let stencil = if reg_class(o.ty) == Some(RegClass::Float) { id::fspill } else { id::spill };
                self.emit(buf, stencil, Holes::NONE.s1(dst));
            }
            Loc::Const(bits) => {
                if o.ty == ValType::V128 {
                    unreachable!("v128 constants are materialized when pushed");
                }
                self.emit_const_to(buf, bits, matches!(o.ty, ValType::I32 | ValType::F32), dst);
            }
        }
    }

    /// Writes constant `bits` to the slot at `dst` (a 4-byte value if `narrow`, widened like every
    /// slot write): one `mov` of an immediate below 2^31, else a 4-byte immediate or a load from the
    /// constant pool.
    fn emit_const_to(&mut self, buf: &mut CodeBuffer, bits: u64, narrow: bool, dst: u32) {
        let stencil = if bits < 1 << 31 {
            id::const_u31
        } else if narrow {
            id::const32
        } else {
            id::const_k64
        };
        self.emit(buf, stencil, Holes::NONE.s0(dst).imm64(bits));
    }

    /// Writes every lazy entry into its slot (before control flow merges or a local it reads changes).
    fn materialize_all(&mut self, buf: &mut CodeBuffer) {
        for i in self.lazy_floor..self.stack.len() {
            self.materialize_entry(buf, i);
        }
        self.lazy_floor = self.stack.len();
    }

    /// Writes the top `n` entries into their slots.
    fn materialize_top(&mut self, buf: &mut CodeBuffer, n: usize) {
        for i in self.stack.len() - n..self.stack.len() {
            self.materialize_entry(buf, i);
        }
    }

    fn materialize_entry(&mut self, buf: &mut CodeBuffer, i: usize) {
        let o = self.stack[i];
        if o.loc != Loc::Slot {
            self.write_own_slot(buf, &o, i);
            match o.loc {
                Loc::Local(x) => self.locals[x as usize].refs -= 1,
                Loc::Reg => *self.reg_slot(o.ty) = None,
                _ => {}
            }
            self.stack[i].loc = Loc::Slot;
        }
    }

    /// The local that register entry `i` (of type `ty`) is known to equal.
    #[inline]
    fn mirror_of(&self, ty: ValType, i: usize) -> Option<u32> {
        self.mirrors[mirror_index(ty)].filter(|&(at, _)| at == i).map(|(_, x)| x)
    }

    /// Before local `x` is written: no lazy entry may still read it, and no register mirrors it.
    fn flush_local(&mut self, buf: &mut CodeBuffer, x: u32) {
        for m in &mut self.mirrors {
            if m.is_some_and(|(_, y)| y == x) {
                *m = None;
            }
        }
        if self.locals[x as usize].refs > 0 {
            // Materializing everything (not just x's readers) keeps this amortized O(1) per push.
            self.materialize_all(buf);
        }
    }

    // ---- emission --------------------------------------------------------------------------------

    /// Emits the held-back producer, if any. Everything that appends to or looks at the buffer goes
    /// through this first, so stencils keep their order.
    fn flush(&mut self, buf: &mut CodeBuffer) {
        if let Some(p) = &self.pending {
            if let Some((_, off)) = p.evict {
                buf.emit_plain(id::fspill, &Holes::NONE.s1(off));
            }
            buf.emit_plain(p.id, &p.holes);
            self.pending = None;
        }
    }

    /// Takes the held-back producer to emit it in a form that leaves f0 alone (writing a local, a
    /// pinned local or a branch): a value it was going to evict from f0 stays there.
    fn take_pending(&mut self) -> Option<Producer> {
        let p = self.pending.take()?;
        if let Some((i, _)) = p.evict {
            self.stack[i].loc = Loc::Reg;
            self.freg = Some(i);
            self.lazy_floor = self.lazy_floor.min(i);
        }
        Some(p)
    }

    fn emit(&mut self, buf: &mut CodeBuffer, stencil: u16, h: Holes) -> u32 {
        self.flush(buf);
        buf.emit_plain(stencil, &h)
    }

    /// Emits a stencil that produced the operand now on top of the stack (a peephole candidate).
    #[allow(clippy::too_many_arguments)]
    fn emit_producer(
        &mut self,
        buf: &mut CodeBuffer,
        stencil: u16,
        h: Holes,
        dst: Dst,
        slot_variant: u16,
        (variants, table_index): (&'static Variants, usize),
        srcs: (u8, u8),
        height: usize,
    ) {
        self.flush(buf);
        self.pending = Some(Producer {
            id: stencil,
            holes: h,
            dst,
            slot_variant,
            variants,
            table_index,
            height,
            srcs,
            evict: None,
        });
    }

    /// Emits operator variant `(a, b)` of `v`, its result pushed as `out` into t0 when a register
    /// variant exists for an integer result, else into its slot.
    #[allow(clippy::too_many_arguments)]
    fn emit_op(
        &mut self,
        buf: &mut CodeBuffer,
        v: &'static Variants,
        a: Src,
        b: Option<Src>,
        out: ValType,
        dst: Dst,
        offset: u32,
        guarded: bool,
    ) -> Result<(), Box<Error>> {
        let srcs = (a.kind(), b.map_or(id::SRC_NONE, Src::kind));
        let index = Variants::op_index(guarded, srcs.0, srcs.1, id::OUT_SLOT);
        let srcs = (srcs.0 as u8, srcs.1 as u8);
        let slot_variant = v.ops[index];
        let reg_variant = if reg_class(out).is_some() { v.ops[index + id::OUT_REG] } else { NONE };
        debug_assert!(slot_variant != NONE, "every operator has a slot-result variant for its sources");
        let mut h = source_holes(a, b);
        h[HoleKind::Offset] = offset;
        if reg_variant != NONE {
            // The register is taken by this result: the value cached there (not an operand) goes to
            // its slot. For f64 that is deferred (see `Producer::evict`) unless the older value's own
            // producer is still held back (it then writes its slot directly, at no cost). Not for an
            // f64.load, whose consumer may fuse with it (see `binop`): the older value stays in f0
            // until then (writing it from f0 later costs the same as the producer writing its slot).
            // Nor for a value equal to a local: it becomes a read of the local (`spill_entry`).
            let class = reg_class(out).expect("register result");
            let is_load = v.unary(SLOT, SLOT) == id::op::f64_load.unary(SLOT, SLOT);
            let evict = match self.freg {
                Some(i)
                    if class == RegClass::Float
                        && (is_load
                            || (self.pending.is_none_or(|p| p.height != i + 1)
                                && self.mirror_of(ValType::F64, i).is_none())) =>
                {
                    self.stack[i].loc = Loc::Slot;
                    self.freg = None;
                    Some((i, self.stack[i].off))
                }
                _ => {
                    self.spill_class(buf, class)?;
                    None
                }
            };
            self.push_loc(out, Loc::Reg);
            self.emit_producer(buf, reg_variant, h, dst, slot_variant, (v, index), srcs, self.stack.len());
            if let Some(p) = self.pending.as_mut() {
                p.evict = evict;
            }
            Ok(())
        } else {
            let off = self.push(out);
            dst.set(&mut h, off);
            self.emit_producer(buf, slot_variant, h, dst, slot_variant, (v, index), srcs, self.stack.len());
            Ok(())
        }
    }

    fn emit_jump(&mut self, buf: &mut CodeBuffer, stencil: u16, h: Holes, label: &mut Label) {
        self.flush(buf);
        buf.emit(stencil, &h, Some(label), None);
    }

    fn bind_here(&mut self, buf: &mut CodeBuffer, label: &mut Label) {
        self.flush(buf);
        // Other paths join here: they may have written the pinned locals.
        self.pin_dirty = [true; PINS];
        buf.bind_here(label);
    }

    /// The current end of the code, after any held-back producer.
    fn pos(&mut self, buf: &mut CodeBuffer) -> u32 {
        self.flush(buf);
        buf.pos()
    }

    fn copy(&mut self, buf: &mut CodeBuffer, ty: ValType, src: u32, dst: u32) {
        if src != dst {
            let stencil = if ty == ValType::V128 { id::copy128 } else { id::copy64 };
            self.emit(buf, stencil, Holes::NONE.s0(src).s1(dst));
        }
    }

    /// Branches to `label` when `cond` is non-zero (`when_true`) or zero; fuses with the compare that
    /// produced `cond` when it was the last stencil.
    fn emit_cond_branch(
        &mut self,
        buf: &mut CodeBuffer,
        cond: &Operand,
        when_true: bool,
        label: &mut Label,
    ) -> Result<(), Box<Error>> {
        if let Some(((brif, brunless), holes)) = self.take_fused_compare(cond) {
            self.emit_jump(buf, if when_true { brif } else { brunless }, holes, label);
            return Ok(());
        }
        // Branching when zero is `cond == 0` with an immediate 0: a stencil testing against a literal
        // 0 comes out of LLVM as `jne CONTINUE; jmp TARGET`, a taken jump on either path; the
        // compare-with-immediate stencil is `cmp; je TARGET`, falling through.
        let when_zero = |a: usize| id::op::i32_eq.branch(true, a, id::SRC_IMM);
        if cond.loc == Loc::Reg {
            let stencil = if when_true { id::br_if_r } else { when_zero(id::SRC_REG) };
            self.emit_jump(buf, stencil, Holes::NONE, label);
            return Ok(());
        }
        if let Some(k) = self.pin_of(cond).filter(|&k| pin_type(k) == ValType::I32) {
            let stencil = pin_stencil(k, if when_true { &id::op::br_if } else { &id::op::br_unless });
            self.emit_jump(buf, stencil, Holes::NONE, label);
            return Ok(());
        }
        let s0 = self.src_or_slot(buf, cond)?;
        let stencil = if when_true { id::br_if } else { when_zero(id::SRC_SLOT) };
        self.emit_jump(buf, stencil, Holes::NONE.s0(s0), label);
        Ok(())
    }

    /// Takes the held-back compare that produced `cond` (just popped) if a branch can do its work:
    /// returns its fused stencils (branch if true, branch if false) and holes; the compare itself is
    /// never emitted.
    fn take_fused_compare(&mut self, cond: &Operand) -> Option<((u16, u16), Holes)> {
        let p = self.pending.as_ref()?;
        if !matches!(cond.loc, Loc::Slot | Loc::Reg) || p.height != self.stack.len() + 1 {
            return None;
        }
        let (fuse, holes) = (p.fuse()?, p.holes);
        self.take_pending();
        Some((fuse, holes))
    }

    /// Moves the top `n` operands (wherever they live) to consecutive slots from `dst`, without changing
    /// the compiler's view of the stack (the moves may run on one path only). `dst` must not be above
    /// the first operand's slot. With `dst_may_hit_locals` (returns), values still in locals are first
    /// copied to their own slots, so an earlier move cannot overwrite a local a later one reads.
    fn emit_move(
        &mut self,
        buf: &mut CodeBuffer,
        n: usize,
        dst: u32,
        dst_may_hit_locals: bool,
    ) -> Result<(), Box<Error>> {
        if n == 0 {
            return Ok(());
        }
        let first = self.stack.len() - n;
        let base = self.stack[first].off;
        let bytes = self.top() - base;
        let prepare_all = n > 4 || (dst_may_hit_locals && n > 1);
        if prepare_all {
            for i in first..self.stack.len() {
                let o = self.stack[i];
                if o.loc != Loc::Slot && (n > 4 || matches!(o.loc, Loc::Local(_))) {
                    self.emit_value_to(buf, &o, o.off);
                }
            }
        }
        if n > 4 {
            if base != dst {
                self.emit(buf, id::copy_block, Holes::NONE.s0(base).s1(dst).n(bytes));
            }
            return Ok(());
        }
        for i in first..self.stack.len() {
            let mut o = self.stack[i];
            if prepare_all && matches!(o.loc, Loc::Local(_)) {
                o.loc = Loc::Slot;
            }
            self.emit_value_to(buf, &o, dst + (o.off - base));
        }
        Ok(())
    }

    // ---- control ---------------------------------------------------------------------------------

    fn label_arity(&self, env: &ModuleEnv, depth: u32) -> (usize, usize) {
        let i = self.frames.len() - 1 - depth as usize;
        let f = &self.frames[i];
        let n = if f.kind == Kind::Loop { f.sig.params(env).len() } else { f.sig.results(env).len() };
        (i, n)
    }

    /// Moves branch values into place and jumps to the label `depth` frames out.
    fn emit_br(&mut self, env: &ModuleEnv, buf: &mut CodeBuffer, depth: u32) -> Result<(), Box<Error>> {
        let (i, n) = self.label_arity(env, depth);
        if i == 0 {
            return self.emit_return(env, buf);
        }
        let dst = self.off_at(self.frames[i].height);
        self.emit_move(buf, n, dst, false)?;
        let mut label = self.frames[i].label;
        self.emit_jump(buf, id::jump, Holes::NONE, &mut label);
        self.frames[i].label = label;
        Ok(())
    }

    fn emit_return(&mut self, env: &ModuleEnv, buf: &mut CodeBuffer) -> Result<(), Box<Error>> {
        let n = self.frames[0].sig.results(env).len();
        self.emit_move(buf, n, 0, true)?;
        self.emit(buf, id::ret, Holes::NONE);
        Ok(())
    }

    fn block_sig(&self, bt: wasmparser::BlockType) -> Result<BlockSig, Box<Error>> {
        Ok(match bt {
            wasmparser::BlockType::Empty => BlockSig::Empty,
            wasmparser::BlockType::Type(t) => BlockSig::One(ValType::from_wasmparser(t)?),
            wasmparser::BlockType::FuncType(t) => BlockSig::Func(t),
        })
    }

    // ---- operators -------------------------------------------------------------------------------

    fn unop(&mut self, buf: &mut CodeBuffer, v: &'static Variants, out: ValType) -> Result<(), Box<Error>> {
        let a = self.pop_lazy();
        let pins = if v.unary(SRC_P, SLOT) != NONE { INT_PINS } else { 0 }
            | if v.unary(SRC_X, SLOT) != NONE { F64_PINS } else { 0 };
        let a = self.source(buf, &a, self.stack.len(), v.unary(id::SRC_REG, SLOT) != NONE, false, pins)?;
        self.emit_op(buf, v, a, None, out, Dst::S1, 0, false)
    }

    /// `load_fused`: the operator's form reading its second operand from memory (see
    /// `for_each_load_fusable_op`), if it has one.
    fn binop(
        &mut self,
        buf: &mut CodeBuffer,
        v: &'static Variants,
        out: ValType,
        swappable: bool,
        load_fused: Option<&'static Variants>,
    ) -> Result<(), Box<Error>> {
        let mut b = self.pop_lazy();
        let mut a = self.pop_lazy();
        if let Some(p) = self.pending.as_mut().filter(|p| b.loc == Loc::Reg && p.height == self.stack.len() + 2)
            && p.evict == Some((self.stack.len(), a.off))
        {
            if let Some(fused) = load_fused
                && p.variants.unary(SLOT, SLOT) == id::op::f64_load.unary(SLOT, SLOT)
            {
                // `a` in f0, `b` the held-back f64.load: one stencil loads and operates, `b` never
                // exists. (The load's address operand is still where the load would have read it.)
                let load = *p;
                self.pending = None;
                let address = match load.srcs.0 as usize {
                    id::SRC_SLOT => Src::Slot(load.holes[HoleKind::S0]),
                    id::SRC_REG => Src::Reg,
                    id::SRC_IMM => Src::Imm(0),
                    k => Src::Pin((k - id::SRC_P) as u8),
                };
                let guarded = load.table_index >= Variants::op_index(true, 0, 0, 0);
                return self.emit_op(buf, fused, address, None, out, Dst::S1, load.holes[HoleKind::Offset], guarded);
            }
            // `a` was about to leave f0 for `b`: `b` goes to its slot instead and `a` stays.
            p.evict = None;
            p.write_slot(b.off);
            a.loc = Loc::Reg;
            b.loc = Loc::Slot;
        }
        if swappable && Self::imm32(&a).is_some() && Self::imm32(&b).is_none() {
            std::mem::swap(&mut a, &mut b);
        }
        // Register forms exist for integer inputs (`rs` implies `sr` and `ri`).
        let reg_ok = v.binary(id::SRC_REG, SLOT, SLOT) != NONE;
        let at = self.stack.len();
        // Pinned forms exist for i32 and f64 inputs (both operands may be the same pinned local).
        let pins = if v.binary(SRC_P, SLOT, SLOT) != NONE { INT_PINS } else { 0 }
            | if v.binary(SRC_X, SLOT, SLOT) != NONE { F64_PINS } else { 0 };
        let a = self.source(buf, &a, at, reg_ok, false, pins)?;
        let b = self.source(buf, &b, at + 1, reg_ok && a != Src::Reg, true, pins)?;
        self.emit_op(buf, v, a, Some(b), out, Dst::S2, 0, false)
    }

    /// An operator whose operands and results are `pops` slots starting at the first operand, handled
    /// by runtime helper `which`.
    fn builtin(
        &mut self,
        buf: &mut CodeBuffer,
        which: u32,
        pops: usize,
        result: Option<ValType>,
        imm0: u32,
        imm1: u32,
    ) -> Result<(), Box<Error>> {
        self.materialize_top(buf, pops);
        self.spill_reg(buf)?;
        let mut first = self.top();
        for _ in 0..pops {
            first = self.pop_lazy().off;
        }
        if let Some(t) = result {
            self.push(t);
        }
        self.save_pins(buf);
        self.emit(buf, id::builtin, Holes::NONE.s0(first).imm(which).n(imm0).imm_hi(imm1));
        self.restore_pins(buf);
        Ok(())
    }

    /// `local.set` (and the first half of `local.tee`). Returns whether the value now lives only in the
    /// local (its producer was retargeted), so a tee must push a reference to the local.
    fn set_local(&mut self, buf: &mut CodeBuffer, x: u32, v: &Operand) -> Result<bool, Box<Error>> {
        if let Some(k) = self.pin_index(x) {
            return self.set_pinned(buf, x, k, v);
        }
        let local_off = self.locals[x as usize].off;
        if matches!(v.loc, Loc::Slot | Loc::Reg)
            && let Some(mut p) = self.pending.filter(|p| p.height == self.stack.len() + 1)
        {
            // Hold the producer back while readers of the old value copy it out, then let it
            // produce the new value directly into the local.
            self.take_pending();
            self.flush_local(buf, x);
            p.write_slot(local_off);
            self.emit(buf, p.id, p.holes);
            return Ok(true);
        }
        self.flush_local(buf, x);
        if v.loc != Loc::Local(x) {
            self.emit_value_to(buf, v, local_off);
        }
        Ok(false)
    }

    /// `set_local` for pinned local `x` (pin `k`): the value goes to its register.
    fn set_pinned(&mut self, buf: &mut CodeBuffer, x: u32, k: u8, v: &Operand) -> Result<bool, Box<Error>> {
        self.pin_dirty[k as usize] = true;
        if matches!(v.loc, Loc::Slot | Loc::Reg) {
            let pin_variant = |p: &Producer| p.variants.ops[p.table_index + id::OUT_P + k as usize];
            if let Some(p) = self.pending.filter(|p| p.height == self.stack.len() + 1 && pin_variant(p) != NONE) {
                // As in `set_local`: the producer writes the register itself, after old readers are
                // copied out.
                self.take_pending();
                self.flush_local(buf, x);
                self.emit(buf, pin_variant(&p), p.holes);
                return Ok(true);
            }
        }
        self.flush_local(buf, x);
        let (stencil, holes) = match v.loc {
            Loc::Local(y) if y == x => return Ok(false),
            Loc::Local(y) if self.pin_index(y).is_some() => {
                // From the other pinned local: through the value's own slot (rare).
                self.emit_value_to(buf, v, v.off);
                (&id::op::from_s, Holes::NONE.s0(v.off))
            }
            Loc::Local(y) => (&id::op::from_s, Holes::NONE.s0(self.locals[y as usize].off)),
            Loc::Slot => (&id::op::from_s, Holes::NONE.s0(v.off)),
            Loc::Reg => (&id::op::from_r, Holes::NONE),
            Loc::Const(bits) => (&id::op::from_i, Holes::NONE.imm64(bits)),
        };
        self.emit(buf, pin_stencil(k, stencil), holes);
        Ok(false)
    }

    /// Translates one operator. Inlined into each of the visitor's per-operator methods, where `op` is a
    /// known variant: the table lookups below then fold away, and only the matching path remains.
    #[inline(always)]
    pub(super) fn operator(
        &mut self,
        env: &ModuleEnv,
        buf: &mut CodeBuffer,
        op: &Operator<'_>,
    ) -> Result<(), Box<Error>> {
        use Operator as O;
        if self.dead && self.skip_dead(op) {
            return Ok(());
        }
        if let (O::I32Shl | O::I32ShrU | O::I32ShrS | O::I64Shl | O::I64ShrU | O::I64ShrS, Some(top)) =
            (op, self.stack.last())
            && let Loc::Const(k) = top.loc
            && self.shift_by_const(buf, op, k)?
        {
            return Ok(());
        }
        // An i32 in t0 is zero-extended (the register invariant): extending it is a retype. The
        // result no longer equals the i32 local t0 may mirror.
        if let (O::I64ExtendI32U, Some(top)) = (op, self.stack.last())
            && top.loc == Loc::Reg
        {
            self.mirrors[mirror_index(ValType::I64)] = None;
            return self.retype(buf, ValType::I64);
        }
        if let Some((shape, v, out)) = simple_op(op) {
            return match shape {
                Shape::Unop => self.unop(buf, v, out),
                Shape::Binop => self.binop(buf, v, out, commutative(op), load_fused(op)),
            };
        }
        if let Some((v, out, memarg)) = load_op(op) {
            return self.load(buf, env, v, out, memarg);
        }
        if let Some((v, memarg)) = store_op(op) {
            return self.store(buf, env, v, memarg);
        }
        self.other_operator(env, buf, op)
    }

    /// In dead code: whether `op` is skipped (everything but the `else`/`end` that ends it). Every
    /// operator that opens a frame counts, including those translated nowhere else (3.0's
    /// `try_table`: unsupported where it runs, but valid dead code).
    fn skip_dead(&mut self, op: &Operator<'_>) -> bool {
        use Operator as O;
        match op {
            O::Block { .. } | O::Loop { .. } | O::If { .. } | O::TryTable { .. } => {
                self.dead_depth += 1;
                true
            }
            O::Else | O::End if self.dead_depth == 0 => false,
            O::End => {
                self.dead_depth -= 1;
                true
            }
            _ => true,
        }
    }

    /// x86 shifts by a variable amount need it in cl, which costs a stencil four instructions to free
    /// up; a shift by a constant has a stencil specialized on the amount (one instruction). Returns
    /// whether `op` was translated so (not for a shift by 0 modulo the width, the generic stencil's).
    fn shift_by_const(&mut self, buf: &mut CodeBuffer, op: &Operator<'_>, k: u64) -> Result<bool, Box<Error>> {
        use Operator as O;
        let (bits, ty) = match op {
            O::I32Shl | O::I32ShrU | O::I32ShrS => (32, ValType::I32),
            O::I64Shl | O::I64ShrU | O::I64ShrS => (64, ValType::I64),
            _ => return Ok(false),
        };
        // The amount is taken modulo the width (wasm semantics).
        let k = k % bits;
        macro_rules! table {
            ($($name:ident $ty:ident $kind:ident $amount:literal;)*) => {
                match (op, k) {
                    $((table!(@op $ty $kind), $amount) => Some(&id::op::$name),)*
                    _ => None,
                }
            };
            (@op i32 shl) => { O::I32Shl };
            (@op i32 shr_u) => { O::I32ShrU };
            (@op i32 shr_s) => { O::I32ShrS };
            (@op i64 shl) => { O::I64Shl };
            (@op i64 shr_u) => { O::I64ShrU };
            (@op i64 shr_s) => { O::I64ShrS };
        }
        let Some(v) = weft_ops::for_each_const_shift!(table) else { return Ok(false) };
        self.pop_lazy();
        self.unop(buf, v, ty)?;
        Ok(true)
    }

    fn load(
        &mut self,
        buf: &mut CodeBuffer,
        env: &ModuleEnv,
        v: &'static Variants,
        out: ValType,
        memarg: &wasmparser::MemArg,
    ) -> Result<(), Box<Error>> {
        let (mem, offset) = self.access(buf, env, memarg, 0)?;
        let addr = self.pop_lazy();
        if let Some(ea) = self.const_address(&addr, mem, offset) {
            return self.emit_op(buf, v, Src::Imm(0), None, out, Dst::S1, ea, true);
        }
        let guarded = self.guarded(mem, offset);
        // Explicitly checked forms read memlen, which q may occupy: none reads q.
        let a = self.source(buf, &addr, self.stack.len(), true, false, if guarded { INT_PINS } else { 0b0001 })?;
        if guarded {
            return self.emit_op(buf, v, a, None, out, Dst::S1, offset, true);
        }
        self.memlen_needed(buf, true, mem);
        self.emit_op(buf, v, a, None, out, Dst::S1, offset, false)?;
        self.memlen_needed(buf, false, mem);
        Ok(())
    }

    fn store(
        &mut self,
        buf: &mut CodeBuffer,
        env: &ModuleEnv,
        v: &Variants,
        memarg: &wasmparser::MemArg,
    ) -> Result<(), Box<Error>> {
        let (mem, mut offset) = self.access(buf, env, memarg, 1)?;
        let value = self.pop_lazy();
        let addr = self.pop_lazy();
        let at = self.stack.len();
        let guarded = self.guarded(mem, offset);
        let pins = if guarded { INT_PINS } else { 0b0001 };
        // (A constant address is guarded: it implies guard pages and a smaller offset.)
        let a = match self.const_address(&addr, mem, offset) {
            Some(ea) => {
                offset = ea;
                Src::Imm(0)
            }
            None => self.source(buf, &addr, at, true, false, pins)?,
        };
        let value_pins = if v.store(false, SLOT, SRC_P) != NONE { pins } else { 0 }
            | if v.store(false, SLOT, SRC_X) != NONE { F64_PINS } else { 0 };
        // An f64 value in f0 and an address in t0 are two registers.
        let reg_ok = (a != Src::Reg || reg_class(value.ty) == Some(RegClass::Float))
            && v.store(false, SLOT, id::SRC_REG) != NONE;
        let val = self.source(buf, &value, at + 1, reg_ok, v.store(false, SLOT, id::SRC_IMM) != NONE, value_pins)?;
        let stencil = v.store(guarded, a.kind(), val.kind());
        debug_assert!(stencil != NONE, "every store has a form for its sources");
        let mut h = source_holes(a, Some(val));
        h[HoleKind::Offset] = offset;
        if !guarded {
            self.memlen_needed(buf, true, mem);
        }
        self.emit(buf, stencil, h);
        if !guarded {
            self.memlen_needed(buf, false, mem);
        }
        Ok(())
    }

    /// Control flow, variables, constants, calls and the rest: the operators without a table entry.
    #[inline(always)]
    fn other_operator(&mut self, env: &ModuleEnv, buf: &mut CodeBuffer, op: &Operator<'_>) -> Result<(), Box<Error>> {
        use Operator as O;
        match *op {
            O::Nop => {}
            O::Unreachable => {
                self.emit(buf, id::trap, Holes::NONE.imm(weft_ops::trap::UNREACHABLE as u32));
                self.dead = true;
            }
            O::Block { blockty } | O::Loop { blockty } => {
                let sig = self.block_sig(blockty)?;
                // Control flow may merge here: every value must be in its own slot.
                self.materialize_all(buf);
                let height = self.stack.len() - sig.params(env).len();
                let label = if matches!(op, O::Loop { .. }) {
                    self.pin_dirty = [true; PINS];
                    let head = Label::at(self.pos(buf));
                    if env.interruptible {
                        self.emit(buf, id::interrupt_check, Holes::NONE);
                    }
                    head
                } else {
                    Label::new()
                };
                let kind = if matches!(op, O::Loop { .. }) { Kind::Loop } else { Kind::Block };
                self.frames.push(Control {
                    kind,
                    sig,
                    height,
                    label,
                    else_label: Label::new(),
                    assign_mark: self.assign_len,
                });
            }
            O::If { blockty } => {
                let sig = self.block_sig(blockty)?;
                let cond = self.pop_lazy();
                let mut else_label = Label::new();
                match self.take_fused_compare(&cond) {
                    // The compare is merged into the branch, after the copies that materializing
                    // emits: its sources are above the stack or in locals, which those copies never write.
                    Some(((_, brunless), holes)) => {
                        self.materialize_all(buf);
                        self.emit_jump(buf, brunless, holes, &mut else_label);
                    }
                    None => {
                        self.materialize_all(buf);
                        self.emit_cond_branch(buf, &cond, false, &mut else_label)?;
                    }
                }
                let height = self.stack.len() - sig.params(env).len();
                self.frames.push(Control {
                    kind: Kind::If,
                    sig,
                    height,
                    label: Label::new(),
                    else_label,
                    assign_mark: self.assign_len,
                });
            }
            O::Else => {
                let i = self.frames.len() - 1;
                if !self.dead {
                    let n = self.frames[i].sig.results(env).len();
                    self.materialize_top(buf, n);
                    let mut label = self.frames[i].label;
                    self.emit_jump(buf, id::jump, Holes::NONE, &mut label);
                    self.frames[i].label = label;
                }
                let mut else_label = self.frames[i].else_label;
                self.bind_here(buf, &mut else_label);
                self.frames[i].else_label = else_label;
                self.frames[i].kind = Kind::Else;
                self.unassign_to(self.frames[i].assign_mark);
                let (height, sig) = (self.frames[i].height, self.frames[i].sig);
                self.truncate_stack(height);
                for &t in sig.params(env) {
                    self.push(t);
                }
                self.dead = false;
            }
            O::End => {
                let mut frame = self.frames.pop().expect("validated");
                if frame.kind != Kind::Loop {
                    self.unassign_to(frame.assign_mark);
                }
                // (The function's own results are moved by the return sequence, wherever they live.)
                if !self.dead && !self.frames.is_empty() {
                    let n = frame.sig.results(env).len();
                    self.materialize_top(buf, n);
                }
                if frame.kind == Kind::If {
                    self.bind_here(buf, &mut frame.else_label);
                }
                if frame.kind != Kind::Loop {
                    self.bind_here(buf, &mut frame.label);
                }
                if self.frames.is_empty() {
                    // The function's own end. Branches to the function's label were compiled as
                    // returns, so only the fall-through needs one.
                    if !self.dead {
                        self.frames.push(frame);
                        self.emit_return(env, buf)?;
                        self.frames.clear();
                    }
                    self.dead = false;
                    return Ok(());
                }
                self.truncate_stack(frame.height);
                for &t in frame.sig.results(env) {
                    self.push(t);
                }
                self.dead = false;
            }
            O::Br { relative_depth } => {
                self.emit_br(env, buf, relative_depth)?;
                self.dead = true;
            }
            O::BrIf { relative_depth } => {
                let cond = self.pop_lazy();
                let (i, n) = self.label_arity(env, relative_depth);
                let needs_move = i == 0
                    || (n > 0 && {
                        let o = self.stack[self.stack.len() - n];
                        o.loc != Loc::Slot || o.off != self.off_at(self.frames[i].height)
                    })
                    || (n > 1 && self.stack[self.stack.len() - n..].iter().any(|o| o.loc != Loc::Slot));
                if needs_move {
                    let mut skip = Label::new();
                    self.emit_cond_branch(buf, &cond, false, &mut skip)?;
                    self.emit_br(env, buf, relative_depth)?;
                    self.bind_here(buf, &mut skip);
                } else {
                    let mut label = self.frames[i].label;
                    self.emit_cond_branch(buf, &cond, true, &mut label)?;
                    self.frames[i].label = label;
                }
            }
            O::BrTable { ref targets } => {
                let index = self.pop_lazy();
                let (stencil, s0) = match self.source(buf, &index, self.stack.len(), true, false, INT_PINS)? {
                    Src::Reg => (id::br_table_r, 0),
                    Src::Pin(0) => (id::br_table_p, 0),
                    Src::Pin(_) => (id::br_table_q, 0),
                    Src::Slot(s0) => (id::br_table, s0),
                    Src::Imm(_) => unreachable!("no immediate form was offered"),
                };
                // Numbered within the function: the table follows its code (`emit_const_pool`).
                let table = buf.jump_tables.len() as u32;
                self.emit(buf, stencil, Holes::NONE.s0(s0).imm(table).n(targets.len()));
                self.pads.clear();
                self.pads.resize(self.frames.len(), None);
                let mut entries = Vec::with_capacity(targets.len() as usize + 1);
                for depth in targets.targets().chain(std::iter::once(Ok(targets.default()))) {
                    let depth = depth?;
                    let pad = match self.pads[depth as usize] {
                        Some(pad) => pad,
                        None => {
                            let pad = self.pos(buf);
                            self.emit_br(env, buf, depth)?;
                            if self.pos(buf) - pad == STENCILS[id::jump as usize].code().len() as u32 {
                                // No values to move: the entry can go to the jump's target.
                                buf.bare_jump_pads.push(pad);
                            }
                            self.pads[depth as usize] = Some(pad);
                            pad
                        }
                    };
                    entries.push(pad);
                }
                buf.jump_tables.push(entries);
                self.dead = true;
            }
            O::Return => {
                self.emit_return(env, buf)?;
                self.dead = true;
            }
            O::Call { function_index } => {
                let ty = &env.types[env.funcs[function_index as usize] as usize];
                let first = self.pop_args(buf, ty.params.len())?;
                self.spill_reg(buf)?;
                self.save_float_pins(buf);
                let mut h = Holes::NONE.s0(first).imm(function_index);
                self.flush(buf);
                if function_index < env.num_imported_funcs {
                    let stencil =
                        self.call_reloading_pins([id::call_import, id::call_import_p, id::call_import_pq], &mut h);
                    buf.emit(stencil, &h, Some(self.trapped_ref.label()), None);
                } else {
                    let stencil = self.call_reloading_pins([id::call, id::call_p, id::call_pq], &mut h);
                    buf.emit(stencil, &h, Some(self.trapped_direct.label()), Some(function_index));
                }
                self.restore_float_pins(buf);
                self.push_results(ty);
            }
            O::ReturnCall { function_index } => {
                let n = env.types[env.funcs[function_index as usize] as usize].params.len();
                // The arguments become the callee's parameters at the frame base (over our locals).
                self.emit_move(buf, n, 0, true)?;
                self.flush(buf);
                let h = Holes::NONE.imm(function_index);
                if function_index < env.num_imported_funcs {
                    buf.emit_plain(id::return_call_import, &h);
                } else {
                    buf.emit(id::return_call, &h, None, Some(function_index));
                }
                self.dead = true;
            }
            O::ReturnCallIndirect { type_index, table_index } => {
                self.table_index(buf, env, table_index, 0);
                // The index in its own slot above the arguments, which the move cannot overwrite.
                self.materialize_top(buf, 1);
                let s1 = self.pop_lazy().off;
                let n = env.types[type_index as usize].params.len();
                self.emit_move(buf, n, 0, true)?;
                let h = Holes::NONE.s1(s1).imm(table_index).imm_hi(env.type_ids[type_index as usize]);
                self.emit(buf, id::return_call_indirect, h);
                self.dead = true;
            }
            O::CallIndirect { type_index, table_index } => {
                self.table_index(buf, env, table_index, 0);
                let index = self.pop_lazy();
                let s1 = self.src_or_slot(buf, &index)?;
                let ty = &env.types[type_index as usize];
                let first = self.pop_args(buf, ty.params.len())?;
                self.spill_reg(buf)?;
                self.save_float_pins(buf);
                let mut h = Holes::NONE.s0(first).s1(s1).imm(table_index).imm_hi(env.type_ids[type_index as usize]);
                let stencil =
                    self.call_reloading_pins([id::call_indirect, id::call_indirect_p, id::call_indirect_pq], &mut h);
                self.flush(buf);
                buf.emit(stencil, &h, Some(self.trapped_ref.label()), None);
                self.restore_float_pins(buf);
                self.push_results(ty);
            }
            O::Drop => {
                self.pop_lazy();
            }
            O::Select | O::TypedSelect { .. } | O::TypedSelectMulti { .. } if self.select_to_register(buf)? => {}
            O::Select | O::TypedSelect { .. } | O::TypedSelectMulti { .. } => {
                self.pop(buf)?;
                self.pop(buf)?;
                let a = self.pop(buf)?;
                self.push(a.ty);
                let stencil = if a.ty == ValType::V128 { id::select128 } else { id::select64 };
                self.emit(buf, stencil, Holes::NONE.s0(a.off));
            }
            O::LocalGet { local_index } => {
                self.read_local(local_index);
                let ty = self.locals[local_index as usize].ty;
                self.push_loc(ty, Loc::Local(local_index));
            }
            O::LocalSet { local_index } => {
                self.write_local(local_index);
                let v = self.pop_lazy();
                self.set_local(buf, local_index, &v)?;
            }
            O::LocalTee { local_index } => {
                self.write_local(local_index);
                let v = self.pop_lazy();
                if v.loc == Loc::Reg && self.pin_index(local_index).is_none() {
                    // The next operator usually reads the value: it stays in its register (the
                    // local gets a copy), so that read does not wait on a store to the local.
                    self.flush_local(buf, local_index);
                    self.emit_value_to(buf, &v, self.locals[local_index as usize].off);
                    self.push_loc(v.ty, Loc::Reg);
                    self.mirrors[mirror_index(v.ty)] = Some((self.stack.len() - 1, local_index));
                    return Ok(());
                }
                let moved = self.set_local(buf, local_index, &v)?;
                match v.loc {
                    Loc::Const(_) => self.push_loc(v.ty, v.loc),
                    Loc::Slot if !moved => self.push(v.ty),
                    _ => self.push_loc(v.ty, Loc::Local(local_index)),
                };
            }
            O::GlobalGet { global_index } => {
                let t = env.globals[global_index as usize].content;
                let inline = inline_global(env, global_index, t);
                let h = Holes::NONE.imm(inline.unwrap_or(global_index));
                if matches!(t, ValType::I32 | ValType::I64) {
                    // Into t0: C's stack pointer is read, adjusted and written back.
                    self.spill_class(buf, RegClass::Int)?;
                    self.push_loc(t, Loc::Reg);
                    let stencil = match (t, inline.is_some()) {
                        (ValType::I32, false) => id::global_get32_r,
                        (ValType::I32, true) => id::global_get32_rc,
                        (_, false) => id::global_get64_r,
                        (_, true) => id::global_get64_rc,
                    };
                    self.emit(buf, stencil, h);
                } else {
                    let dst = self.push(t);
                    let stencil = match (t, inline.is_some()) {
                        (ValType::V128, _) => id::global_get128,
                        (_, false) => id::global_get64,
                        (_, true) => id::global_get64_c,
                    };
                    self.emit(buf, stencil, h.s0(dst));
                }
            }
            O::GlobalSet { global_index } => {
                let v = self.pop_lazy();
                let inline = inline_global(env, global_index, v.ty);
                let h = Holes::NONE.imm(inline.unwrap_or(global_index));
                // From t0 or an i32 pin when the value is there (stencils for integers only).
                let int = reg_class(v.ty) == Some(RegClass::Int);
                let (stencil, s0) =
                    match self.source(buf, &v, self.stack.len(), int, false, if int { INT_PINS } else { 0 })? {
                        Src::Reg => (if inline.is_some() { id::global_set_rc } else { id::global_set_r }, 0),
                        Src::Pin(k) => (
                            pin_stencil(k, if inline.is_some() { &id::op::global_set_c } else { &id::op::global_set }),
                            0,
                        ),
                        Src::Slot(s0) => match (v.ty, inline.is_some()) {
                            (ValType::V128, _) => (id::global_set128, s0),
                            (_, false) => (id::global_set64, s0),
                            (_, true) => (id::global_set64_c, s0),
                        },
                        Src::Imm(_) => unreachable!("no immediate form was offered"),
                    };
                self.emit(buf, stencil, h.s0(s0));
            }
            O::I32Const { value } => _ = self.push_loc(ValType::I32, Loc::Const(value as u32 as u64)),
            O::F32Const { value } => _ = self.push_loc(ValType::F32, Loc::Const(value.bits() as u64)),
            O::I64Const { value } => _ = self.push_loc(ValType::I64, Loc::Const(value as u64)),
            O::F64Const { value } => _ = self.push_loc(ValType::F64, Loc::Const(value.bits())),
            O::V128Const { value } => {
                let v = u128::from_le_bytes(*value.bytes());
                let dst = self.push(ValType::V128);
                for (i, half) in [v as u64, (v >> 64) as u64].into_iter().enumerate() {
                    self.emit_const_to(buf, half, false, dst + 8 * i as u32);
                }
            }
            // Bit-preserving conversions: the value already has the right bits, wherever it lives.
            O::I32WrapI64 => self.retype(buf, ValType::I32)?,
            O::I32ReinterpretF32 => self.retype(buf, ValType::I32)?,
            O::I64ReinterpretF64 => self.retype(buf, ValType::I64)?,
            O::F32ReinterpretI32 => self.retype(buf, ValType::F32)?,
            O::F64ReinterpretI64 => self.retype(buf, ValType::F64)?,
            O::MemorySize { mem } => {
                let dst = self.push(index_type(env.memories[mem as usize].memory64));
                let stencil = if mem == 0 { id::memory_size } else { id::memory_size_n };
                self.emit(buf, stencil, Holes::NONE.s0(dst).imm(mem));
            }
            // (The helpers take memory indices; wasmparser has checked that they exist.)
            O::MemoryGrow { mem } => self.builtin(
                buf,
                builtin::MEMORY_GROW,
                1,
                Some(index_type(env.memories[mem as usize].memory64)),
                mem,
                0,
            )?,
            O::MemoryFill { mem } => self.builtin(buf, builtin::MEMORY_FILL, 3, None, mem, 0)?,
            O::MemoryCopy { dst_mem, src_mem } => self.builtin(buf, builtin::MEMORY_COPY, 3, None, dst_mem, src_mem)?,
            O::MemoryInit { data_index, mem } => self.builtin(buf, builtin::MEMORY_INIT, 3, None, data_index, mem)?,
            O::DataDrop { data_index } => self.builtin(buf, builtin::DATA_DROP, 0, None, data_index, 0)?,
            O::TableGet { table } => {
                self.table_index(buf, env, table, 0);
                let i = self.pop(buf)?;
                let t = env.tables[table as usize].elem;
                self.push(t);
                self.emit(buf, id::table_get, Holes::NONE.s0(i.off).imm(table));
            }
            O::TableSet { table } => {
                self.table_index(buf, env, table, 1);
                self.pop(buf)?;
                let i = self.pop(buf)?;
                self.emit(buf, id::table_set, Holes::NONE.s0(i.off).imm(table));
            }
            O::TableSize { table } => {
                let dst = self.push(index_type(env.tables[table as usize].table64));
                self.emit(buf, id::table_size, Holes::NONE.s0(dst).imm(table));
            }
            O::TableGrow { table } => self.builtin(
                buf,
                builtin::TABLE_GROW,
                2,
                Some(index_type(env.tables[table as usize].table64)),
                table,
                0,
            )?,
            O::TableFill { table } => self.builtin(buf, builtin::TABLE_FILL, 3, None, table, 0)?,
            O::TableCopy { dst_table, src_table } => {
                self.builtin(buf, builtin::TABLE_COPY, 3, None, dst_table, src_table)?
            }
            O::TableInit { elem_index, table } => self.builtin(buf, builtin::TABLE_INIT, 3, None, elem_index, table)?,
            O::ElemDrop { elem_index } => self.builtin(buf, builtin::ELEM_DROP, 0, None, elem_index, 0)?,
            O::RefNull { hty } => {
                let t = ValType::from_ref(
                    wasmparser::RefType::new(true, hty).ok_or_else(|| Error::Unsupported("heap type".into()))?,
                )?;
                self.push_loc(t, Loc::Const(0));
            }
            O::RefIsNull => {
                let r = self.pop(buf)?;
                self.push(ValType::I32);
                self.emit(buf, id::ref_is_null, Holes::NONE.s0(r.off));
            }
            O::RefFunc { function_index } => {
                let dst = self.push(ValType::FuncRef);
                self.emit(buf, id::ref_func, Holes::NONE.s0(dst).imm(function_index));
            }
            // SIMD operators are looked up last: they are rare in most code.
            ref other => {
                if !self.simd_operator(buf, env, other)? {
                    return Err(Error::Unsupported(format!("operator {other:?}")).into());
                }
            }
        }
        Ok(())
    }

    /// `select` of i32, i64 or f64 values into t0/f0 with a conditional move (no branch to mispredict,
    /// no slot writes): the operands are read from their slots or locals, the condition from t0 or a
    /// slot. Returns false (nothing done) for other types.
    fn select_to_register(&mut self, buf: &mut CodeBuffer) -> Result<bool, Box<Error>> {
        let n = self.stack.len();
        let ty = self.stack[n - 2].ty;
        if !matches!(ty, ValType::I32 | ValType::I64 | ValType::F64) {
            return Ok(false);
        }
        let c = self.pop_lazy();
        let b = self.pop_lazy();
        let a = self.pop_lazy();
        let at = self.stack.len();
        let s0 = self.slot_of(buf, &a, at)?;
        let s1 = self.slot_of(buf, &b, at + 1)?;
        let cond_in_reg = c.loc == Loc::Reg;
        let s2 = if cond_in_reg { 0 } else { self.slot_of(buf, &c, at + 2)? };
        let class = if ty == ValType::F64 { RegClass::Float } else { RegClass::Int };
        // The result's register must be free (t0 is, when it held the condition: popped above).
        self.spill_class(buf, class)?;
        self.push_loc(ty, Loc::Reg);
        let stencil = match (ty, cond_in_reg) {
            (ValType::I32, true) => id::select32_r,
            (ValType::I32, false) => id::select32_s,
            (ValType::I64, true) => id::select64_r,
            (ValType::I64, false) => id::select64_s,
            (_, true) => id::fselect_r,
            (_, false) => id::fselect_s,
        };
        self.emit(buf, stencil, Holes::NONE.s0(s0).s1(s1).s2(s2));
        Ok(true)
    }

    /// Whether an access to memory `mem` with this offset may rely on guard pages (the guarded
    /// stencils take the offset as a signed 32-bit displacement; the reservation covers offsets below
    /// 2^31). Guarded stencils address memory 0, the one in the state registers.
    fn guarded(&self, mem: u32, offset: u32) -> bool {
        self.guard_pages && mem == 0 && offset <= i32::MAX as u32
    }

    /// For an access at constant address `addr` (C's global variables): the effective address, to
    /// be the offset of a guarded `i`-address form, if it fits one.
    fn const_address(&self, addr: &Operand, mem: u32, offset: u32) -> Option<u32> {
        let Loc::Const(c) = addr.loc else { return None };
        let ea = c as u32 as u64 + offset as u64;
        (addr.ty == ValType::I32 && self.guarded(mem, 0) && ea <= i32::MAX as u64).then_some(ea as u32)
    }

    /// The memory index and the offset of an access whose address is the operand `depth` entries
    /// below the top. For a 64-bit memory, the address is first checked and reduced to 32 bits in its
    /// slot, with the offset added (`address64`): the access then has offset 0 and proceeds as one to
    /// a 32-bit memory.
    pub(super) fn access(
        &mut self,
        buf: &mut CodeBuffer,
        env: &ModuleEnv,
        m: &wasmparser::MemArg,
        depth: usize,
    ) -> Result<(u32, u32), Box<Error>> {
        let wasmparser::MemArgTarget::Memory(mem) = m.target else {
            return Err(Error::Unsupported("GC array memory arguments".into()).into());
        };
        if !env.memories[mem as usize].memory64 {
            // (wasmparser checks that a 32-bit memory's offsets fit 32 bits.)
            let offset = u32::try_from(m.offset).map_err(|_| Error::Invalid("memory offset beyond 32 bits".into()))?;
            return Ok((mem, offset));
        }
        self.narrow_index(buf, depth, id::address64, Holes::NONE.imm64(m.offset));
        Ok((mem, 0))
    }

    /// Before an access to table `table` whose index is the operand `depth` entries below the top: a
    /// 64-bit table's index is reduced to 32 bits in its slot (`index64`), so the access proceeds as
    /// one to a 32-bit table.
    fn table_index(&mut self, buf: &mut CodeBuffer, env: &ModuleEnv, table: u32, depth: usize) {
        if env.tables[table as usize].table64 {
            self.narrow_index(buf, depth, id::index64, Holes::NONE);
        }
    }

    /// The i64 address or index `depth` entries below the top, in its own slot (`S0`), made an i32
    /// there by `stencil` (`address64`, `index64`).
    fn narrow_index(&mut self, buf: &mut CodeBuffer, depth: usize, stencil: u16, mut h: Holes) {
        let i = self.stack.len() - 1 - depth;
        self.materialize_entry(buf, i);
        h[HoleKind::S0] = self.stack[i].off;
        self.emit(buf, stencil, h);
        self.stack[i].ty = ValType::I32;
    }

    /// A bit-preserving conversion: same bits, new type. A value cached in a register of the other
    /// class (i64 <-> f64) goes through its slot.
    fn retype(&mut self, buf: &mut CodeBuffer, ty: ValType) -> Result<(), Box<Error>> {
        let i = self.stack.len() - 1;
        let o = self.stack[i];
        if o.loc == Loc::Reg && reg_class(o.ty) != reg_class(ty) {
            self.materialize_entry(buf, i);
        } else if o.loc == Loc::Reg && o.ty == ValType::I64 && ty == ValType::I32 {
            // Stencils use an i32 in t0 as a 64-bit address: its upper half must be zero.
            self.emit(buf, id::zext_r, Holes::NONE);
        }
        debug_assert_eq!(o.ty.slot_bytes(), ty.slot_bytes(), "a retype keeps the slot (and `top`)");
        self.stack[i].ty = ty;
        Ok(())
    }

    /// Pops call arguments (written into their slots); returns where the callee's frame starts.
    fn pop_args(&mut self, buf: &mut CodeBuffer, n: usize) -> Result<u32, Box<Error>> {
        self.materialize_top(buf, n);
        let mut first = self.top();
        for _ in 0..n {
            first = self.pop_lazy().off;
        }
        Ok(first)
    }

    fn push_results(&mut self, ty: &FuncType) {
        for &t in ty.results.iter() {
            self.push(t);
        }
        // The callee writes its results into its frame base: make sure they fit ours.
        let end = self.stack.len().checked_sub(ty.results.len()).map(|h| self.off_at(h)).unwrap_or(self.stack_base)
            + ty.frame_bytes();
        self.max_top = self.max_top.max(end);
    }
}
