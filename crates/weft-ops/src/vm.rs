//! The memory layout that compiled code reads and writes. Stencils and the runtime both compile this one
//! file, so field offsets cannot disagree; `#[repr(C)]` keeps them stable across the two crates.
//!
//! *Architecture invariant*: a pointer stored here stays valid for as long as any instance that can reach it
//! is alive (the store owns every object and frees nothing before it is dropped).

use core::sync::atomic::{AtomicPtr, AtomicU32};

/// A linear memory as seen by compiled code. `base` never moves: the runtime reserves the whole maximum up
/// front and only commits pages on `memory.grow`.
#[repr(C)]
pub struct VmMemory {
    pub base: *mut u8,
    /// Accessible bytes (pages * 64 KiB).
    pub len: u64,
}

/// A table: `len` elements of 8 bytes. A funcref element is a `*const VmFuncRef` (0 = null); an externref
/// element is the host's non-zero handle (0 = null).
#[repr(C)]
pub struct VmTable {
    pub elems: *mut u64,
    pub len: u64,
}

/// A callable function: its entry code, the context it runs with (a `VmCtx` for wasm functions, the host
/// function's record for host functions) and its canonical signature id (never 0).
#[repr(C)]
pub struct VmFuncRef {
    pub code: *const u8,
    pub ctx: *mut u8,
    pub type_id: u64,
}

/// State shared by every instance of a store while wasm runs. Its fields are atomics because an
/// interrupt handle on another thread writes `stack_limit`; compiled code reads and writes them with
/// plain moves (a relaxed access), so they cost nothing over raw pointers.
#[repr(C)]
pub struct VmRuntime {
    /// No frame may extend past this. Every call advances the frame pointer by at least
    /// `MIN_FRAME_BYTES`, and the host sets the limit from the native stack left as well, so this one
    /// check bounds both the value stack and the native stack. Null while an interrupt is pending: every
    /// function entry then fails the check, and loops compiled to be interruptible test for null.
    pub stack_limit: AtomicPtr<u8>,
    /// The functions a trap passed on its way out, innermost first: each call stencil the trap code
    /// passes records its callee here (the first `BACKTRACE_FRAMES`) and counts it in
    /// `backtrace_len`. Only trap paths write them.
    pub backtrace: [AtomicPtr<VmFuncRef>; BACKTRACE_FRAMES],
    pub backtrace_len: AtomicU32,
    /// Non-zero once an interrupt was requested and not yet delivered as a trap.
    pub interrupt: AtomicU32,
}

/// Functions a trap's backtrace names; the frames beyond are only counted.
pub const BACKTRACE_FRAMES: usize = 32;

/// A runtime helper called from a stencil. `sp` points at the operator's first operand slot; results are
/// written back there. Returns a trap code (0 = continue).
pub type Builtin = unsafe extern "C" fn(ctx: *mut VmCtx, sp: *mut u8, imm0: u32, imm1: u32) -> u64;

/// Per-instance context, passed to every stencil in `rsi`.
#[repr(C)]
pub struct VmCtx {
    /// Memory 0, or a zero-length memory when the module has none.
    pub memory: *mut VmMemory,
    /// Global cells (16 bytes each, so a v128 fits), imports first. (The runtime places the cells of
    /// the first defined globals right after this struct; compiled code also reaches those directly.)
    pub globals: *const *mut u8,
    /// Tables, imports first.
    pub tables: *const *mut VmTable,
    /// Every function of the instance, imports first; `ref.func` hands out pointers into this array.
    pub funcs: *const VmFuncRef,
    pub runtime: *const VmRuntime,
    /// Runtime helpers, indexed by the `builtin` stencil's immediate.
    pub builtins: *const Builtin,
    /// The runtime's instance record (opaque to compiled code; builtins use it).
    pub instance: *mut u8,
    /// Every memory, imports first (`memories[0] == memory`). Compiled code reaches memory 0 through
    /// `memory` and the state registers; the others (multi-memory) through here.
    pub memories: *const *mut VmMemory,
}

/// Bytes per operand slot. A v128 takes two slots.
pub const SLOT: usize = 8;

/// Every function's frame starts at least this far above its caller's, so call depth is bounded by the
/// value-stack limit.
pub const MIN_FRAME_BYTES: u32 = 16;

/// Indices into `VmCtx::builtins` (the `builtin` stencil's first immediate).
pub mod builtin {
    pub const MEMORY_GROW: u32 = 0;
    pub const MEMORY_FILL: u32 = 1;
    pub const MEMORY_COPY: u32 = 2;
    pub const MEMORY_INIT: u32 = 3;
    pub const DATA_DROP: u32 = 4;
    pub const TABLE_GROW: u32 = 5;
    pub const TABLE_FILL: u32 = 6;
    pub const TABLE_COPY: u32 = 7;
    pub const TABLE_INIT: u32 = 8;
    pub const ELEM_DROP: u32 = 9;
    pub const COUNT: usize = 10;
}
