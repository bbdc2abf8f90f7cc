//! Everything that exists while modules run: the store and the objects it owns (instances, memories,
//! tables, globals, host functions), calls in and out of compiled code, and the builtins compiled code
//! calls back into.
//!
//! *Architecture invariant*: every object compiled code can reach is boxed and owned by the `Store`,
//! which frees nothing before it is dropped, so raw pointers in `VmCtx` stay valid.

mod builtins;
mod func;
mod global;
mod instance;
mod linker;
mod memory;
mod signals;
mod store;
mod table;
mod typed;
mod values;

pub use func::{Caller, Func};
pub use global::GlobalInstance;
pub use instance::Instance;
pub(crate) use instance::inline_global_offset;
pub use linker::Linker;
pub use memory::{MemoryInstance, WASM_PAGE};
pub use store::{Extern, Global, InterruptHandle, InterruptTimer, Memory, Store, StoreLimits, Table};
pub use table::{MAX_TABLE_ELEMENTS, TableInstance};
pub use typed::{HostResult, IntoFunc, TypedFunc, WasmList, WasmTy};
pub use values::Val;

pub(crate) fn install_signal_handlers() {
    signals::install();
}
