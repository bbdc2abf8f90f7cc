//! weft: a WebAssembly engine whose only code generator is a copy-and-patch JIT.
//!
//! ```no_run
//! let engine = weft::Engine::default();
//! let module = weft::Module::new(&engine, &std::fs::read("fac.wasm").unwrap()).unwrap();
//! let mut store = weft::Store::new(&engine, ());
//! let instance = weft::Instance::new(&mut store, &module, &[]).unwrap();
//! let fac = instance.get_typed_func::<i64, i64, _>(&store, "fac").unwrap();
//! assert_eq!(fac.call(&mut store, 20).unwrap(), 2432902008176640000);
//! ```
#![warn(clippy::undocumented_unsafe_blocks)]
#![deny(unsafe_op_in_unsafe_fn)]

mod codemem;
pub(crate) mod compiler;
mod engine;
mod error;
mod jit_debug;
mod module;
mod profiling;
mod runtime;
mod trap;
pub mod types;

pub use engine::{Config, Engine, WasmVersion};
pub use error::Error;
pub use module::{CompileStats, Export, ExportKind, Import, ImportKind, Module};
pub use profiling::{Profiling, jit_dump_path};
pub use runtime::{
    Caller, Extern, Func, Global, Instance, InterruptHandle, InterruptTimer, Linker, MAX_TABLE_ELEMENTS, Memory, Store,
    StoreLimits, Table, Val, WASM_PAGE,
};
pub use runtime::{HostResult, IntoFunc, TypedFunc, WasmList, WasmTy};
pub use trap::{Backtrace, Trap};
pub use types::{FuncType, GlobalType, Limits, MemoryType, TableType, ValType};
