//! Guard-page bounds checking: a guarded load or store out of bounds touches the inaccessible part of
//! its memory's reservation and faults; this handler turns that fault into an ordinary trap return.
//!
//! Only a fault whose PC lies in compiled code of the store running on this thread *and* whose address
//! lies in one of that store's guarded memory reservations is taken; anything else goes to the handler
//! that was installed before (so real crashes stay crashes). The faulting stencil is left by setting
//! the PC to the module's landing stencil (`return OUT_OF_BOUNDS_MEMORY`): guarded stencils never move
//! `rsp`, so its `ret` returns the trap code to the wasm function's caller like any other trap.

use std::cell::Cell;
use std::sync::Once;

/// What the handler needs about the wasm running on this thread; owned by the store.
#[derive(Default)]
pub(crate) struct GuardState {
    /// (start, end, landing address) of each module's code.
    pub code: Vec<(usize, usize, usize)>,
    /// (start, end) of each guarded memory reservation.
    pub memories: Vec<(usize, usize)>,
}

thread_local! {
    static ACTIVE: Cell<*const GuardState> = const { Cell::new(std::ptr::null()) };
}

/// Marks `state` as the wasm running on this thread; returns what was active before.
pub(crate) fn enter(state: *const GuardState) -> *const GuardState {
    ACTIVE.with(|a| a.replace(state))
}

pub(crate) fn leave(previous: *const GuardState) {
    ACTIVE.with(|a| a.set(previous));
}

static INSTALL: Once = Once::new();
static mut PREVIOUS: [std::mem::MaybeUninit<libc::sigaction>; 2] = [std::mem::MaybeUninit::uninit(); 2];

/// Installs the handler for SIGSEGV and SIGBUS once per process.
pub(crate) fn install() {
    INSTALL.call_once(|| {
        for (i, signal) in [libc::SIGSEGV, libc::SIGBUS].into_iter().enumerate() {
            // SAFETY: a zeroed sigaction is valid; we fill handler, flags and mask, and keep the
            // previous action (written once, here, before the handler can run) for chaining.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                let previous = (&raw mut PREVIOUS[i]).cast::<libc::sigaction>();
                libc::sigaction(signal, &action, previous);
            }
        }
    });
}

unsafe extern "C" fn handler(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let state = ACTIVE.try_with(|a| a.get()).unwrap_or(std::ptr::null());
    if !state.is_null() {
        // SAFETY: the kernel passes a valid siginfo and ucontext; `state` is the running store's guard
        // state, which outlives the wasm call that set it and is not modified while wasm code runs.
        unsafe {
            let uc = context as *mut libc::ucontext_t;
            let pc = (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] as usize;
            let addr = (*info).si_addr() as usize;
            let state = &*state;
            if let Some(&(_, _, landing)) = state.code.iter().find(|(start, end, _)| (*start..*end).contains(&pc))
                && state.memories.iter().any(|(start, end)| (*start..*end).contains(&addr))
            {
                (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] = landing as i64;
                return;
            }
        }
    }
    // Not a guarded access: let the previous handler (or the default action) deal with it.
    let i = if signal == libc::SIGSEGV { 0 } else { 1 };
    // SAFETY: PREVIOUS[i] was written by `install` before this handler was installed.
    unsafe {
        let previous = &*(&raw const PREVIOUS[i]).cast::<libc::sigaction>();
        if previous.sa_sigaction == libc::SIG_DFL || previous.sa_sigaction == libc::SIG_IGN {
            // Restore it and return: the instruction faults again and the default action applies.
            libc::sigaction(signal, previous, std::ptr::null_mut());
        } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(previous.sa_sigaction);
            f(signal, info, context);
        } else {
            let f: extern "C" fn(libc::c_int) = std::mem::transmute(previous.sa_sigaction);
            f(signal);
        }
    }
}
