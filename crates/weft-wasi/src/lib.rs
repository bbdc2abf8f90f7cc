//! WASI preview1 (`wasi_snapshot_preview1`) for weft.
//!
//! ```no_run
//! let engine = weft::Engine::default();
//! let module = weft::Module::new(&engine, &std::fs::read("hello.wasm").unwrap()).unwrap();
//! let ctx = weft_wasi::WasiCtx::builder()
//!     .arg("hello.wasm")
//!     .env("HOME", "/")
//!     .preopened_dir("data", ".").unwrap()
//!     .build();
//! let mut store = weft::Store::new(&engine, ctx);
//! let imports = weft_wasi::link(&mut store, &module).unwrap();
//! let instance = weft::Instance::new(&mut store, &module, &imports).unwrap();
//! match instance.get_func("_start").unwrap().call(&mut store, &[]) {
//!     Ok(_) => {}                               // returned from _start: exit status 0
//!     Err(weft::Error::Exit(code)) => {}        // proc_exit(code)
//!     Err(trap) => {}
//! }
//! ```
//!
//! The program reaches the host file system only through the directories given to
//! [`WasiCtxBuilder::preopened_dir`]; every path is resolved by `cap-std` beneath such a directory, so
//! `..`, absolute paths and symlinks pointing outside fail with `ENOTCAPABLE` (or the errno the host
//! reports for the same escape) and touch nothing.
#![forbid(unsafe_code)]

pub mod abi;
mod calls;
mod ctx;
mod mem;

pub use ctx::{OutputBuffer, WasiCtx, WasiCtxBuilder};

use abi::{Errno, WasiResult};
use mem::GuestMemory;
use weft::{Caller, Extern, Func, FuncType, ImportKind, Linker, Module, Store, Val, ValType};

/// The import module name of WASI preview1.
pub const MODULE: &str = "wasi_snapshot_preview1";

type Handler = fn(&mut WasiCtx, &mut GuestMemory, &[Val]) -> Result<Errno, weft::Error>;

/// One `wasi_snapshot_preview1` function: name, parameter types, and whether it returns an errno.
struct Def {
    name: &'static str,
    params: &'static [ValType],
    returns_errno: bool,
    handler: Handler,
}

fn u(a: &[Val], i: usize) -> u32 {
    match a[i] {
        Val::I32(v) => v as u32,
        _ => 0,
    }
}

fn w(a: &[Val], i: usize) -> u64 {
    match a[i] {
        Val::I64(v) => v as u64,
        _ => 0,
    }
}

fn errno(r: WasiResult<()>) -> Result<Errno, weft::Error> {
    Ok(r.err().unwrap_or(Errno::SUCCESS))
}

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;

macro_rules! def {
    ($name:literal, [$($p:ident),*], |$c:ident, $m:ident, $a:ident| $body:expr) => {
        Def { name: $name, params: &[$($p),*], returns_errno: true, handler: |$c, $m, $a| errno($body) }
    };
}

#[rustfmt::skip]
fn defs() -> Vec<Def> {
    vec![
        def!("args_get", [I32, I32], |c, m, a| c.args_get(m, u(a, 0), u(a, 1))),
        def!("args_sizes_get", [I32, I32], |c, m, a| c.args_sizes_get(m, u(a, 0), u(a, 1))),
        def!("environ_get", [I32, I32], |c, m, a| c.environ_get(m, u(a, 0), u(a, 1))),
        def!("environ_sizes_get", [I32, I32], |c, m, a| c.environ_sizes_get(m, u(a, 0), u(a, 1))),
        def!("clock_res_get", [I32, I32], |c, m, a| c.clock_res_get(m, u(a, 0), u(a, 1))),
        def!("clock_time_get", [I32, I64, I32], |c, m, a| c.clock_time_get(m, u(a, 0), w(a, 1), u(a, 2))),
        def!("fd_advise", [I32, I64, I64, I32], |c, _m, a| c.fd_advise(u(a, 0), w(a, 1), w(a, 2), u(a, 3))),
        def!("fd_allocate", [I32, I64, I64], |c, _m, a| c.fd_allocate(u(a, 0), w(a, 1), w(a, 2))),
        def!("fd_close", [I32], |c, _m, a| c.fd_close(u(a, 0))),
        def!("fd_datasync", [I32], |c, _m, a| c.fd_datasync(u(a, 0))),
        def!("fd_fdstat_get", [I32, I32], |c, m, a| c.fd_fdstat_get(m, u(a, 0), u(a, 1))),
        def!("fd_fdstat_set_flags", [I32, I32], |c, _m, a| c.fd_fdstat_set_flags(u(a, 0), u(a, 1))),
        def!("fd_fdstat_set_rights", [I32, I64, I64], |c, _m, a| c.fd_fdstat_set_rights(u(a, 0), w(a, 1), w(a, 2))),
        def!("fd_filestat_get", [I32, I32], |c, m, a| c.fd_filestat_get(m, u(a, 0), u(a, 1))),
        def!("fd_filestat_set_size", [I32, I64], |c, _m, a| c.fd_filestat_set_size(u(a, 0), w(a, 1))),
        def!("fd_filestat_set_times", [I32, I64, I64, I32], |c, _m, a| c.fd_filestat_set_times(u(a, 0), w(a, 1), w(a, 2), u(a, 3))),
        def!("fd_pread", [I32, I32, I32, I64, I32], |c, m, a| c.fd_pread(m, u(a, 0), u(a, 1), u(a, 2), w(a, 3), u(a, 4))),
        def!("fd_prestat_get", [I32, I32], |c, m, a| c.fd_prestat_get(m, u(a, 0), u(a, 1))),
        def!("fd_prestat_dir_name", [I32, I32, I32], |c, m, a| c.fd_prestat_dir_name(m, u(a, 0), u(a, 1), u(a, 2))),
        def!("fd_pwrite", [I32, I32, I32, I64, I32], |c, m, a| c.fd_pwrite(m, u(a, 0), u(a, 1), u(a, 2), w(a, 3), u(a, 4))),
        def!("fd_read", [I32, I32, I32, I32], |c, m, a| c.fd_read(m, u(a, 0), u(a, 1), u(a, 2), u(a, 3))),
        def!("fd_readdir", [I32, I32, I32, I64, I32], |c, m, a| c.fd_readdir(m, u(a, 0), u(a, 1), u(a, 2), w(a, 3), u(a, 4))),
        def!("fd_renumber", [I32, I32], |c, _m, a| c.fd_renumber(u(a, 0), u(a, 1))),
        def!("fd_seek", [I32, I64, I32, I32], |c, m, a| c.fd_seek(m, u(a, 0), w(a, 1) as i64, u(a, 2), u(a, 3))),
        def!("fd_sync", [I32], |c, _m, a| c.fd_sync(u(a, 0))),
        def!("fd_tell", [I32, I32], |c, m, a| c.fd_tell(m, u(a, 0), u(a, 1))),
        def!("fd_write", [I32, I32, I32, I32], |c, m, a| c.fd_write(m, u(a, 0), u(a, 1), u(a, 2), u(a, 3))),
        def!("path_create_directory", [I32, I32, I32], |c, m, a| c.path_create_directory(m, u(a, 0), u(a, 1), u(a, 2))),
        def!("path_filestat_get", [I32, I32, I32, I32, I32], |c, m, a| c.path_filestat_get(m, u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4))),
        def!("path_filestat_set_times", [I32, I32, I32, I32, I64, I64, I32], |c, m, a| c.path_filestat_set_times(m, u(a, 0), u(a, 1), u(a, 2), u(a, 3), w(a, 4), w(a, 5), u(a, 6))),
        def!("path_link", [I32, I32, I32, I32, I32, I32, I32], |c, m, a| c.path_link(m, u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5), u(a, 6))),
        def!("path_open", [I32, I32, I32, I32, I32, I64, I64, I32, I32], |c, m, a| c.path_open(m, u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), w(a, 5), w(a, 6), u(a, 7), u(a, 8))),
        def!("path_readlink", [I32, I32, I32, I32, I32, I32], |c, m, a| c.path_readlink(m, u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5))),
        def!("path_remove_directory", [I32, I32, I32], |c, m, a| c.path_remove_directory(m, u(a, 0), u(a, 1), u(a, 2))),
        def!("path_rename", [I32, I32, I32, I32, I32, I32], |c, m, a| c.path_rename(m, u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4), u(a, 5))),
        def!("path_symlink", [I32, I32, I32, I32, I32], |c, m, a| c.path_symlink(m, u(a, 0), u(a, 1), u(a, 2), u(a, 3), u(a, 4))),
        def!("path_unlink_file", [I32, I32, I32], |c, m, a| c.path_unlink_file(m, u(a, 0), u(a, 1), u(a, 2))),
        def!("poll_oneoff", [I32, I32, I32, I32], |c, m, a| c.poll_oneoff(m, u(a, 0), u(a, 1), u(a, 2), u(a, 3))),
        Def { name: "proc_exit", params: &[I32], returns_errno: false, handler: |_c, _m, a| Err(weft::Error::Exit(u(a, 0) as i32)) },
        def!("proc_raise", [I32], |c, _m, a| c.proc_raise(u(a, 0))),
        def!("sched_yield", [], |c, _m, _a| c.sched_yield()),
        def!("random_get", [I32, I32], |c, m, a| c.random_get(m, u(a, 0), u(a, 1))),
        // Sockets: preview1 programs cannot create them, and weft hands none over.
        def!("sock_accept", [I32, I32, I32], |_c, _m, _a| Err(Errno::NOTSUP)),
        def!("sock_recv", [I32, I32, I32, I32, I32, I32], |_c, _m, _a| Err(Errno::NOTSUP)),
        def!("sock_send", [I32, I32, I32, I32, I32], |_c, _m, _a| Err(Errno::NOTSUP)),
        def!("sock_shutdown", [I32, I32], |_c, _m, _a| Err(Errno::NOTSUP)),
    ]
}

/// Names of every function this crate provides.
pub fn function_names() -> Vec<&'static str> {
    defs().iter().map(|d| d.name).collect()
}

/// The type WASI preview1 gives function `name`, if it is one.
pub fn function_type(name: &str) -> Option<FuncType> {
    defs().iter().find(|d| d.name == name).map(wasi_type)
}

/// Whether `module` imports anything from WASI preview1.
pub fn imports_wasi(module: &Module) -> bool {
    module.imports().iter().any(|i| i.module == MODULE)
}

/// The imports of `module`, in order, for a store whose data is the [`WasiCtx`].
pub fn link(store: &mut Store<WasiCtx>, module: &Module) -> anyhow::Result<Vec<Extern>> {
    link_with(store, module, |ctx| ctx)
}

/// The imports of `module` for a store whose data contains a [`WasiCtx`], reached through `get`.
/// Every import must be a `wasi_snapshot_preview1` function of the right type.
pub fn link_with<T: 'static>(
    store: &mut Store<T>,
    module: &Module,
    get: fn(&mut T) -> &mut WasiCtx,
) -> anyhow::Result<Vec<Extern>> {
    let defs = defs();
    let mut out = Vec::with_capacity(module.imports().len());
    for import in module.imports() {
        let what = format!("{}::{}", import.module, import.name);
        if import.module != MODULE {
            anyhow::bail!("unknown import `{what}`: weft provides only `{MODULE}`");
        }
        let Some(def) = defs.iter().find(|d| d.name == import.name) else {
            anyhow::bail!("unknown import `{what}`: not a WASI preview1 function");
        };
        let ty = wasi_type(def);
        let ImportKind::Func(type_index) = import.kind else {
            anyhow::bail!("import `{what}` must be a function");
        };
        let wanted = module.type_at(type_index);
        if *wanted != ty {
            anyhow::bail!("import `{what}` has type {wanted}, but WASI defines it as {ty}");
        }
        out.push(Extern::Func(wasi_func(store, def, get)));
    }
    Ok(out)
}

/// Defines every WASI preview1 function under `wasi_snapshot_preview1` in `linker`, for a store whose
/// data is the [`WasiCtx`].
pub fn add_to_linker(linker: &mut Linker<WasiCtx>, store: &mut Store<WasiCtx>) -> anyhow::Result<()> {
    add_to_linker_with(linker, store, |ctx| ctx)
}

/// [`add_to_linker`] for a store whose data contains a [`WasiCtx`], reached through `get`.
pub fn add_to_linker_with<T: 'static>(
    linker: &mut Linker<T>,
    store: &mut Store<T>,
    get: fn(&mut T) -> &mut WasiCtx,
) -> anyhow::Result<()> {
    for def in &defs() {
        let f = wasi_func(store, def, get);
        linker.define(MODULE, def.name, Extern::Func(f))?;
    }
    Ok(())
}

fn wasi_type(def: &Def) -> FuncType {
    FuncType::new(def.params.iter().copied(), if def.returns_errno { vec![I32] } else { vec![] })
}

/// The host function for one WASI definition.
fn wasi_func<T: 'static>(store: &mut Store<T>, def: &Def, get: fn(&mut T) -> &mut WasiCtx) -> Func {
    let (name, handler, returns_errno) = (def.name, def.handler, def.returns_errno);
    Func::new(store, wasi_type(def), move |mut caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
        let (memory, data) = caller.memory_and_data();
        let ctx = get(data);
        let mut mem = GuestMemory(memory);
        let trace = ctx.trace;
        let r = handler(ctx, &mut mem, params);
        if trace {
            let args: Vec<String> = params
                .iter()
                .map(|p| match p {
                    Val::I32(v) => v.to_string(),
                    Val::I64(v) => v.to_string(),
                    other => format!("{other:?}"),
                })
                .collect();
            match &r {
                Ok(e) => eprintln!("[wasi] {name}({}) -> {}", args.join(", "), e.0),
                Err(e) => eprintln!("[wasi] {name}({}) -> {e}", args.join(", ")),
            }
        }
        let e = r?;
        if returns_errno {
            results[0] = Val::I32(e.0 as i32);
        }
        Ok(())
    })
}
