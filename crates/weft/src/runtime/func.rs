//! Functions: calling compiled code from the host, and host functions callable from compiled code.
//!
//! Both directions use the stencil ABI: `fn(fp, ctx, caller, 0, 0, 0) -> trap code`, arguments and
//! results in 8/16-byte slots at `fp`.

use super::store::{StoreInner, set_stack_limit};
use super::{Store, Val};
use crate::trap::Backtrace;
use crate::types::FuncType;
use crate::{Error, Trap};
use std::ptr::NonNull;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use weft_ops::trap;
use weft_ops::vm::{BACKTRACE_FRAMES, VmCtx, VmFuncRef};

type Entry = unsafe extern "C" fn(*mut u8, *mut VmCtx, *mut u8, u64, u64, u64, f64, f64, f64, f64, f64) -> u64;

/// A callable function (wasm or host), valid as long as its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Func(pub(crate) NonNull<VmFuncRef>);

pub(crate) type HostFn<T> = dyn Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error>;

/// A host function's record; its `funcref` is what tables and imports point to.
#[repr(C)]
pub(crate) struct HostFuncDyn<T> {
    funcref: VmFuncRef,
    store: *mut StoreInner<T>,
    ty: FuncType,
    func: Box<HostFn<T>>,
}

/// What a host function sees of its caller.
pub struct Caller<'a, T> {
    store: &'a mut StoreInner<T>,
    /// The calling instance, when called from wasm.
    vmctx: *mut VmCtx,
}

impl<T> Caller<'_, T> {
    pub fn data(&self) -> &T {
        &self.store.data
    }
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.store.data
    }
    /// Memory 0 of the calling instance (empty if it has none or the caller is the host).
    pub fn memory(&mut self) -> &mut [u8] {
        if self.vmctx.is_null() {
            return &mut [];
        }
        // SAFETY: the caller's VmCtx and its memory live in the store we borrow mutably.
        unsafe {
            let m = (*self.vmctx).memory;
            std::slice::from_raw_parts_mut((*m).base, (*m).len as usize)
        }
    }
    /// Calls `f` (e.g. back into the calling instance) from inside a host function.
    pub fn call(&mut self, f: Func, params: &[Val]) -> Result<Vec<Val>, Error> {
        let ty = self.store.engine.func_type(f.type_id() as u32);
        call_raw(self.store, f.0.as_ptr(), &ty, params)
    }
    /// Memory 0 of the caller together with the store's data (WASI needs both at once).
    pub fn memory_and_data(&mut self) -> (&mut [u8], &mut T) {
        let data = &mut self.store.data;
        if self.vmctx.is_null() {
            return (&mut [], data);
        }
        // SAFETY: as in `memory`; the memory and `data` are disjoint.
        let mem = unsafe {
            let m = (*self.vmctx).memory;
            std::slice::from_raw_parts_mut((*m).base, (*m).len as usize)
        };
        (mem, data)
    }
}

impl Func {
    /// A host function of type `ty`.
    pub fn new<T: 'static>(
        store: &mut Store<T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + 'static,
    ) -> Func {
        let type_id = store.inner.engine.type_id(&ty) as u64;
        let inner: *mut StoreInner<T> = &mut *store.inner;
        let mut host = Box::new(HostFuncDyn {
            funcref: VmFuncRef { code: host_trampoline::<T> as *const u8, ctx: std::ptr::null_mut(), type_id },
            store: inner,
            ty,
            func: Box::new(func),
        });
        host.funcref.ctx = &mut *host as *mut HostFuncDyn<T> as *mut u8;
        let ptr = NonNull::from(&host.funcref);
        store.inner.host_funcs.push(host);
        Func(ptr)
    }

    pub fn ty<T>(&self, store: &Store<T>) -> FuncType {
        // SAFETY: the store owning the function is borrowed.
        store.inner.engine.func_type(unsafe { self.0.as_ref() }.type_id as u32)
    }

    pub(crate) fn type_id(&self) -> u64 {
        // SAFETY: handles are only used with their (live) store.
        unsafe { self.0.as_ref() }.type_id
    }

    /// Calls the function with `params`, returning its results or the trap that stopped it.
    pub fn call<T>(&self, store: &mut Store<T>, params: &[Val]) -> Result<Vec<Val>, Error> {
        let ty = self.ty(store);
        call_raw(&mut store.inner, self.0.as_ptr(), &ty, params)
    }
}

/// Bytes of native stack kept free below compiled code for host functions and the runtime itself.
const NATIVE_STACK_RESERVE: usize = 256 << 10;
/// A generous bound on the native stack one wasm call level uses (call stencils push ~32 bytes).
const NATIVE_BYTES_PER_CALL: usize = 128;
/// Value-stack bytes kept free above the limit checked by `enter`, for host frames' results.
const VALUE_STACK_SLACK: usize = 64 << 10;

pub(crate) fn call_raw<T>(
    store: &mut StoreInner<T>,
    f: *const VmFuncRef,
    ty: &FuncType,
    params: &[Val],
) -> Result<Vec<Val>, Error> {
    if params.len() != ty.params.len() || params.iter().zip(ty.params.iter()).any(|(v, &t)| v.ty() != t) {
        return Err(Error::Usage(format!("wrong arguments for function of type {ty}")));
    }
    let write = |fp: *mut u8| {
        let mut off = 0usize;
        for v in params {
            // SAFETY: `call_slots` gives a frame of `frame_bytes`, which holds the parameters.
            unsafe { v.write(fp.add(off)) };
            off += v.ty().slot_bytes() as usize;
        }
    };
    let read = |fp: *const u8| {
        let mut results = Vec::with_capacity(ty.results.len());
        let mut off = 0usize;
        for &t in ty.results.iter() {
            // SAFETY: the callee wrote its results at fp (its frame holds at least them).
            results.push(unsafe { Val::read(t, fp.add(off)) });
            off += t.slot_bytes() as usize;
        }
        results
    };
    call_slots(store, f, ty.frame_bytes(), write, read)
}

/// Calls `f` with a frame of `frame_bytes` at the top of the value stack: `write` puts the arguments
/// in its slots, `read` takes the results from them. The caller has checked that `f`'s type is the
/// one the slots are written and read as.
pub(crate) fn call_slots<T, R>(
    store: &mut StoreInner<T>,
    f: *const VmFuncRef,
    frame_bytes: u32,
    write: impl FnOnce(*mut u8),
    read: impl FnOnce(*const u8) -> R,
) -> Result<R, Error> {
    if store.stack.is_empty() {
        let slots = store.engine.config().value_stack_bytes / 16;
        store.stack = vec![0u128; slots.max(VALUE_STACK_SLACK / 8)];
        store.stack_end = store.stack.as_mut_ptr() as usize + store.stack.len() * 16 - VALUE_STACK_SLACK;
    }
    let base = store.stack.as_mut_ptr() as *mut u8;
    // SAFETY: stack_next stays within the stack (checked against the end below).
    let fp = unsafe { base.add(store.stack_next) };
    // The frames below may use as much native stack as this thread has left: each call level takes at
    // most NATIVE_BYTES_PER_CALL of it and at least MIN_FRAME_BYTES of value stack.
    let native_levels = native_stack_left().saturating_sub(NATIVE_STACK_RESERVE) / NATIVE_BYTES_PER_CALL;
    let limit = store.stack_end.min(fp as usize + native_levels * weft_ops::vm::MIN_FRAME_BYTES as usize);
    if fp as usize + frame_bytes as usize > limit {
        return Err(Error::trap_kind(Trap::StackExhausted));
    }
    // (fp + frame_bytes is below the stack limit.)
    write(fp);
    let saved_limit = store.runtime.stack_limit.load(Relaxed);
    set_stack_limit(&store.runtime, limit as *mut u8);
    store.active += 1;
    let previous_guard = super::signals::enter(&store.guard);
    // SAFETY: `f` is a live funcref of this store whose code follows the stencil ABI; `fp` has room for
    // the frame (the callee checks the rest), and all state compiled code touches is owned by the store.
    let code = unsafe {
        let entry: Entry = std::mem::transmute((*f).code);
        entry(fp, (*f).ctx as *mut VmCtx, std::ptr::null_mut(), 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0)
    };
    super::signals::leave(previous_guard);
    store.active -= 1;
    set_stack_limit(&store.runtime, saved_limit);
    if code != trap::OK {
        let err = store.host_error.take();
        let mut kind = code & trap::KIND_MASK;
        // A pending interrupt nulls the stack limit: `enter` then reports the stack as exhausted.
        if kind == trap::STACK_EXHAUSTED && store.runtime.interrupt.load(SeqCst) != 0 {
            kind = trap::INTERRUPTED;
        }
        let err = match (kind, err) {
            (trap::HOST | trap::EXIT, Some(e)) => e,
            (c, _) => {
                // The callees the trap passed (recorded by call stencils), then the function called here.
                let rt = &store.runtime;
                let passed = if code & trap::RECORDED != 0 { rt.backtrace_len.load(Relaxed) as usize } else { 0 };
                let kept = passed.min(BACKTRACE_FRAMES);
                let culprits =
                    rt.backtrace[..kept].iter().map(|p| p.load(Relaxed) as *const VmFuncRef).chain(std::iter::once(f));
                // SAFETY: recorded funcrefs point into instances or host functions of this store.
                let frames: Vec<String> =
                    culprits.map(|p| unsafe { func_name::<T>(p) }.unwrap_or_else(|| "?".into())).collect();
                let func = frames.first().cloned();
                let backtrace = Backtrace { frames, omitted: (passed - kept) as u64 };
                Error::Trap { trap: Trap::from_code(c), func, detail: None, backtrace: Some(backtrace) }
            }
        };
        // The request is used up once the host that started wasm sees it (through nested host calls,
        // the inner trap comes back as the host function's error).
        if store.active == 0 && err.trap() == Some(Trap::Interrupted) {
            store.runtime.interrupt.store(0, SeqCst);
        }
        return Err(err);
    }
    Ok(read(fp))
}

/// The name of a function for trap messages: its name-section or export name, else `func[N]`.
///
/// # Safety
/// `f` is null or a live funcref of this store.
unsafe fn func_name<T>(f: *const VmFuncRef) -> Option<String> {
    if f.is_null() {
        return None;
    }
    // SAFETY: guaranteed by the caller; wasm funcrefs carry their instance's VmCtx.
    unsafe {
        if (*f).code == host_trampoline::<T> as *const u8 {
            return Some("<host function>".into());
        }
        let ctx = (*f).ctx as *const VmCtx;
        let inst = &*((*ctx).instance as *const super::instance::InstanceData);
        let m = &inst.module.inner;
        let offset = (*f).code as usize - m.code.base() as usize;
        let i = m.func_offsets.binary_search(&(offset as u32)).ok()?;
        let index = m.env.num_imported_funcs as usize + i;
        Some(m.names.get(index).cloned().flatten().unwrap_or_else(|| format!("func[{index}]")))
    }
}

/// Bytes of native stack this thread has left below the current frame.
fn native_stack_left() -> usize {
    let marker = 0u8;
    let here = &marker as *const u8 as usize;
    native_stack_low().map(|low| here.saturating_sub(low)).unwrap_or(1 << 20)
}

fn native_stack_low() -> Option<usize> {
    // pthread_getattr_np parses /proc/self/maps for the main thread: look it up once per thread.
    thread_local! {
        static LOW: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
    }
    if let Some(low) = LOW.with(|l| l.get()) {
        return Some(low);
    }
    let low = main_thread_stack_low().map(Some).unwrap_or_else(|| {
        // SAFETY: plain pthread queries on the current thread with a zeroed attr that we destroy.
        unsafe {
            let mut attr: libc::pthread_attr_t = std::mem::zeroed();
            if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
                return None;
            }
            let mut addr = std::ptr::null_mut();
            let mut size = 0usize;
            let rc = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
            libc::pthread_attr_destroy(&mut attr);
            (rc == 0).then_some(addr as usize)
        }
    })?;
    LOW.with(|l| l.set(Some(low)));
    Some(low)
}

/// The main thread's stack bound as glibc computes it (top of the initial stack minus RLIMIT_STACK),
/// without parsing /proc/self/maps the way pthread_getattr_np does for the main thread.
fn main_thread_stack_low() -> Option<usize> {
    unsafe extern "C" {
        static __libc_stack_end: *const libc::c_void;
    }
    // SAFETY: the gettid syscall and getpid have no preconditions; __libc_stack_end is a glibc
    // variable set before main; getrlimit writes into the struct we pass.
    unsafe {
        // (The raw syscall: in a static, LTO-linked binary the `gettid` wrapper can stay an
        // unresolved weak symbol, a call to address 0.)
        if libc::syscall(libc::SYS_gettid) != libc::getpid() as libc::c_long {
            return None;
        }
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_STACK, &mut limit) != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
            return None;
        }
        let top = (__libc_stack_end as usize).next_multiple_of(crate::codemem::page_size());
        // Keep a page of margin for the guard page glibc accounts for.
        top.checked_sub(limit.rlim_cur as usize)?.checked_add(crate::codemem::page_size())
    }
}

/// Entry point of every host function, called by compiled code like a wasm function.
unsafe extern "C" fn host_trampoline<T>(
    fp: *mut u8,
    ctx: *mut VmCtx,
    caller: *mut u8,
    _: u64,
    _: u64,
    _: u64,
    _: f64,
    _: f64,
    _: f64,
    _: f64,
    _: f64,
) -> u64 {
    // SAFETY: `ctx` is the HostFuncDyn<T> this trampoline was registered with, and its store is alive
    // (it owns the record). Compiled code holds no Rust references into the store while it runs.
    let host = unsafe { &*(ctx as *const HostFuncDyn<T>) };
    // SAFETY: the record's store pointer is its owning store, alive and not otherwise borrowed here.
    let store = unsafe { &mut *host.store };
    // Arguments and results on the stack when they fit (nearly always): no allocation per call.
    const INLINE: usize = 8;
    let (mut params_inline, mut results_inline) = ([Val::I32(0); INLINE], [Val::I32(0); INLINE]);
    let (mut params_heap, mut results_heap): (Vec<Val>, Vec<Val>);
    let params: &mut [Val] = match host.ty.params.len() {
        n if n <= INLINE => &mut params_inline[..n],
        n => {
            params_heap = vec![Val::I32(0); n];
            &mut params_heap[..]
        }
    };
    let mut off = 0usize;
    for (v, &t) in params.iter_mut().zip(host.ty.params.iter()) {
        // SAFETY: the caller placed the arguments at fp.
        *v = unsafe { Val::read(t, fp.add(off)) };
        off += t.slot_bytes() as usize;
    }
    let results: &mut [Val] = match host.ty.results.len() {
        n if n <= INLINE => &mut results_inline[..n],
        n => {
            results_heap = vec![Val::I32(0); n];
            &mut results_heap[..]
        }
    };
    for (v, &t) in results.iter_mut().zip(host.ty.results.iter()) {
        *v = Val::from_bits(t, 0);
    }
    // Nested calls back into wasm get frames above this one.
    let saved_next = store.stack_next;
    store.stack_next = (fp as usize - store.stack.as_ptr() as usize) + host.ty.frame_bytes() as usize;
    store.stack_next = store.stack_next.next_multiple_of(16);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (host.func)(Caller { store: &mut *store, vmctx: caller as *mut VmCtx }, params, results)
    }));
    store.stack_next = saved_next;
    match outcome {
        Ok(Ok(())) => {
            let mut off = 0usize;
            for (v, &t) in results.iter().zip(host.ty.results.iter()) {
                if v.ty() != t {
                    store.host_error =
                        Some(Error::Usage(format!("host function returned a {} where {t} was expected", v.ty())));
                    return trap::HOST;
                }
                // SAFETY: the caller's frame has room for the results at fp.
                unsafe { v.write(fp.add(off)) };
                off += t.slot_bytes() as usize;
            }
            trap::OK
        }
        Ok(Err(e)) => {
            let code = if matches!(e, Error::Exit(_)) { trap::EXIT } else { trap::HOST };
            store.host_error = Some(e);
            code
        }
        Err(_) => {
            store.host_error = Some(Error::Trap {
                trap: Trap::Host,
                func: None,
                detail: Some("host function panicked".into()),
                backtrace: None,
            });
            trap::HOST
        }
    }
}
