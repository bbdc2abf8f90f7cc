//! The store: owner of all runtime objects, plus the value stack and call-depth state that compiled code
//! shares (`VmRuntime`). Handles (`Memory`, `Table`, `Global`, `Func`) point into it.

use super::func::HostFuncDyn;
use super::{Func, GlobalInstance, Instance, MemoryInstance, TableInstance, Val};
use crate::types::*;
use crate::{Engine, Error};
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering::SeqCst};
use weft_ops::vm::VmRuntime;

pub struct Store<T> {
    pub(crate) inner: Box<StoreInner<T>>,
}

// Boxed elements on purpose: compiled code holds raw pointers to them, which must survive the Vecs
// growing.
#[allow(clippy::vec_box)]
pub(crate) struct StoreInner<T> {
    pub engine: Engine,
    pub data: T,
    pub instances: Vec<Box<super::instance::InstanceData>>,
    pub memories: Vec<Box<MemoryInstance>>,
    pub tables: Vec<Box<TableInstance>>,
    pub globals: Vec<Box<GlobalInstance>>,
    pub host_funcs: Vec<Box<HostFuncDyn<T>>>,
    /// Shared with interrupt handles, which may outlive the store.
    pub runtime: Arc<VmRuntime>,
    /// Frames of running wasm calls; 16-byte aligned.
    pub stack: Vec<u128>,
    /// The value stack's own end (less slack for host frames); `VmRuntime::stack_limit` may be lower.
    pub stack_end: usize,
    /// First free byte of `stack` for the next call from the host.
    pub stack_next: usize,
    /// Nesting of host -> wasm entries (0 = no wasm running).
    pub active: u32,
    /// Why the last `trap::HOST` happened.
    pub host_error: Option<Error>,
    /// Code and memory ranges the guard-page signal handler accepts faults in.
    pub guard: super::signals::GuardState,
    pub limits: StoreLimits,
}

/// Caps on what the modules of one store may allocate: a memory or table that would start larger
/// fails to be created (instantiation fails with `Error::ResourceLimit`), and `memory.grow`/`table.grow`
/// beyond them return -1, as when the system runs out of memory. Each memory and table is capped on
/// its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreLimits {
    /// Bytes of one linear memory (default 4 GiB: everything a 32-bit memory can address).
    pub max_memory_bytes: u64,
    /// Elements of one table (default `MAX_TABLE_ELEMENTS`).
    pub max_table_elements: u64,
}

impl Default for StoreLimits {
    fn default() -> StoreLimits {
        StoreLimits { max_memory_bytes: 4 << 30, max_table_elements: super::MAX_TABLE_ELEMENTS }
    }
}

impl<T> Store<T> {
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            inner: Box::new(StoreInner {
                engine: engine.clone(),
                data,
                instances: Vec::new(),
                memories: Vec::new(),
                tables: Vec::new(),
                globals: Vec::new(),
                host_funcs: Vec::new(),
                runtime: Arc::new(VmRuntime {
                    stack_limit: AtomicPtr::default(),
                    backtrace: std::array::from_fn(|_| AtomicPtr::default()),
                    backtrace_len: AtomicU32::new(0),
                    interrupt: AtomicU32::new(0),
                }),
                stack: Vec::new(),
                stack_end: 0,
                stack_next: 0,
                active: 0,
                host_error: None,
                guard: Default::default(),
                limits: StoreLimits::default(),
            }),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub fn data(&self) -> &T {
        &self.inner.data
    }

    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    pub fn limits(&self) -> StoreLimits {
        self.inner.limits
    }

    /// Caps the memories and tables of this store, those that exist (already larger ones keep their
    /// size but cannot grow) and those created later.
    pub fn set_limits(&mut self, limits: StoreLimits) {
        self.inner.limits = limits;
        for m in &mut self.inner.memories {
            m.limit_pages = limits.max_memory_bytes / super::WASM_PAGE;
        }
        for t in &mut self.inner.tables {
            t.max_elements = limits.max_table_elements;
        }
    }

    /// A handle that stops this store's wasm code from any thread (a watchdog, a timeout).
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle { runtime: self.inner.runtime.clone() }
    }
}

/// Stops the wasm code of one store from another thread: the code traps with [`Trap::Interrupted`] at
/// its next function entry or, in modules compiled with [`Config::interruptible`], at its next loop
/// iteration. A request made while no wasm runs stops the next call; it is used up when a call that
/// the host made returns with the trap. Code blocked in a host function (a WASI read) stops when it
/// returns to wasm.
///
/// [`Trap::Interrupted`]: crate::Trap::Interrupted
/// [`Config::interruptible`]: crate::Config::interruptible
#[derive(Clone)]
pub struct InterruptHandle {
    runtime: Arc<VmRuntime>,
}

impl InterruptHandle {
    pub fn interrupt(&self) {
        // The flag first: a host entry that installs a new limit re-checks it afterwards (`set_stack_limit`),
        // so one of the two writes of the limit is the last, and it is null.
        self.runtime.interrupt.store(1, SeqCst);
        self.runtime.stack_limit.store(std::ptr::null_mut(), SeqCst);
    }

    /// Interrupts once `delay` has passed, from a thread of its own, unless the returned timer is
    /// dropped first: a time limit around whatever the store runs meanwhile.
    pub fn interrupt_after(&self, delay: std::time::Duration) -> InterruptTimer {
        let (cancel, cancelled) = std::sync::mpsc::channel::<()>();
        let handle = self.clone();
        std::thread::spawn(move || {
            if cancelled.recv_timeout(delay) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                handle.interrupt();
            }
        });
        InterruptTimer { _cancel: cancel }
    }
}

/// A pending [`InterruptHandle::interrupt_after`]; dropping it cancels the interrupt if it has not
/// happened yet.
pub struct InterruptTimer {
    _cancel: std::sync::mpsc::Sender<()>,
}

/// Installs the limit that compiled code checks, unless an interrupt is pending (then null, which fails
/// every check).
pub(crate) fn set_stack_limit(runtime: &VmRuntime, limit: *mut u8) {
    runtime.stack_limit.store(limit, SeqCst);
    if runtime.interrupt.load(SeqCst) != 0 {
        runtime.stack_limit.store(std::ptr::null_mut(), SeqCst);
    }
}

/// Anything a module can import or export.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Extern {
    Func(Func),
    Table(Table),
    Memory(Memory),
    Global(Global),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory(pub(crate) NonNull<MemoryInstance>);
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Table(pub(crate) NonNull<TableInstance>);
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Global(pub(crate) NonNull<GlobalInstance>);

// Handles are only dereferenced with the store that owns their object borrowed (the `store` argument),
// which is what keeps them valid; they carry no lifetime of their own, as in Wasmtime.
impl Memory {
    pub fn new<T>(store: &mut Store<T>, ty: MemoryType) -> Result<Memory, Error> {
        let guarded = store.inner.engine.config().guard_pages;
        let mut m = MemoryInstance::new(ty, guarded, store.inner.limits.max_memory_bytes)?;
        if guarded {
            store.inner.guard.memories.push(m.reservation());
        }
        let ptr = NonNull::from(&mut *m);
        store.inner.memories.push(m);
        Ok(Memory(ptr))
    }
    pub fn ty<T>(&self, _store: &Store<T>) -> MemoryType {
        // SAFETY: the store owning the memory is borrowed.
        let m = unsafe { self.0.as_ref() };
        MemoryType { limits: Limits { min: m.pages(), max: m.ty.limits.max }, memory64: m.ty.memory64 }
    }
    pub fn data<'a, T>(&self, _store: &'a Store<T>) -> &'a [u8] {
        // SAFETY: the store owning the memory is borrowed for 'a.
        unsafe { self.0.as_ref() }.data()
    }
    pub fn data_mut<'a, T>(&self, _store: &'a mut Store<T>) -> &'a mut [u8] {
        // SAFETY: the store owning the memory is mutably borrowed for 'a.
        unsafe { (*self.0.as_ptr()).data_mut() }
    }
    pub fn grow<T>(&self, _store: &mut Store<T>, delta: u64) -> Option<u64> {
        // SAFETY: the store owning the memory is mutably borrowed.
        unsafe { (*self.0.as_ptr()).grow(delta) }
    }
}

impl Table {
    pub fn new<T>(store: &mut Store<T>, ty: TableType, init: Val) -> Result<Table, Error> {
        let mut t = TableInstance::new(ty, init.to_bits() as u64, store.inner.limits.max_table_elements)?;
        let ptr = NonNull::from(&mut *t);
        store.inner.tables.push(t);
        Ok(Table(ptr))
    }
    pub fn ty<T>(&self, _store: &Store<T>) -> TableType {
        // SAFETY: the store owning the table is borrowed.
        let t = unsafe { self.0.as_ref() };
        TableType { elem: t.ty.elem, limits: Limits { min: t.size(), max: t.ty.limits.max }, table64: t.ty.table64 }
    }
    pub fn size<T>(&self, _store: &Store<T>) -> u64 {
        // SAFETY: as in `ty`.
        unsafe { self.0.as_ref() }.size()
    }
    pub fn get<T>(&self, _store: &Store<T>, index: u64) -> Option<Val> {
        // SAFETY: as in `ty`.
        let t = unsafe { self.0.as_ref() };
        t.elems.get(index as usize).map(|&bits| Val::from_bits(t.ty.elem, bits as u128))
    }
}

impl Global {
    pub fn new<T>(store: &mut Store<T>, ty: GlobalType, value: Val) -> Result<Global, Error> {
        if value.ty() != ty.content {
            return Err(Error::Usage(format!("global of type {} initialized with a {}", ty.content, value.ty())));
        }
        let bits = value.to_bits();
        let mut g = Box::new(GlobalInstance::new(ty, bits));
        let ptr = NonNull::from(&mut *g);
        store.inner.globals.push(g);
        Ok(Global(ptr))
    }
    pub fn ty<T>(&self, _store: &Store<T>) -> GlobalType {
        // SAFETY: the store owning the global is borrowed.
        unsafe { self.0.as_ref() }.ty
    }
    pub fn get<T>(&self, _store: &Store<T>) -> Val {
        // SAFETY: as in `ty`.
        let g = unsafe { self.0.as_ref() };
        Val::from_bits(g.ty.content, g.cell[0] as u128 | (g.cell[1] as u128) << 64)
    }
}

impl<T> Store<T> {
    pub(crate) fn push_instance(&mut self, data: Box<super::instance::InstanceData>) -> Instance {
        let ptr = NonNull::from(&*data);
        self.inner.instances.push(data);
        Instance(ptr)
    }
}
