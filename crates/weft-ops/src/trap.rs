//! Trap codes: what a stencil returns (in `rax`) when wasm execution must stop. 0 means "no trap".

pub const OK: u64 = 0;
pub const UNREACHABLE: u64 = 1;
pub const INT_DIV_BY_ZERO: u64 = 2;
pub const INT_OVERFLOW: u64 = 3;
pub const INVALID_CONVERSION: u64 = 4;
pub const OUT_OF_BOUNDS_MEMORY: u64 = 5;
pub const OUT_OF_BOUNDS_TABLE: u64 = 6;
pub const UNDEFINED_ELEMENT: u64 = 7;
pub const UNINITIALIZED_ELEMENT: u64 = 8;
pub const INDIRECT_CALL_TYPE_MISMATCH: u64 = 9;
pub const STACK_EXHAUSTED: u64 = 10;
/// A host function failed; its error is kept in the store.
pub const HOST: u64 = 11;
/// A host function asked the whole program to exit (WASI `proc_exit`).
pub const EXIT: u64 = 12;
pub const NULL_REFERENCE: u64 = 13;
pub const UNALIGNED_ATOMIC: u64 = 14;
/// An interrupt handle stopped the code (a loop found `VmRuntime::stack_limit` null).
pub const INTERRUPTED: u64 = 15;

/// Set on a trap code once a call stencil has started its backtrace (`VmRuntime::backtrace`); a trap
/// code without it comes straight from the function the host called.
pub const RECORDED: u64 = 1 << 16;
/// The trap kind without the `RECORDED` flag.
pub const KIND_MASK: u64 = RECORDED - 1;
