//! Linear memories. The whole maximum size is reserved up front (PROT_NONE) and pages are committed on
//! growth, so `base` never moves and compiled code may keep it in a register between calls.
//!
//! With guard pages (the default) every memory reserves `GUARDED_RESERVATION`, so an out-of-bounds
//! access faults and `signals` turns the fault into a trap; with explicit checks (`Config::guard_pages`
//! off) the access stencils compare `ea + size` with `len` and the reservation is only the maximum size.

use crate::Error;
use crate::codemem::page_size;
use crate::types::MemoryType;
use weft_ops::vm::VmMemory;

pub const WASM_PAGE: u64 = 65536;
/// 4 GiB: the most a 32-bit memory can address, and weft's limit for 64-bit memories too (their
/// accesses reduce the address to 32 bits once checked: `address64`; growing past it fails, as
/// `memory.grow` may).
const MAX_PAGES: u64 = 65536;

pub struct MemoryInstance {
    pub(crate) vm: VmMemory,
    pub(crate) ty: MemoryType,
    reserved: usize,
    /// The store's cap in pages (`StoreLimits`); growth beyond it fails (`memory.grow` returns -1).
    pub(crate) limit_pages: u64,
}

/// With guard pages, every memory reserves this much: a u32 address plus an offset below 2^31 plus an
/// access size always lands inside, so an out-of-bounds access faults instead of touching anything.
pub const GUARDED_RESERVATION: usize = 8 << 30;

impl MemoryInstance {
    pub fn new(ty: MemoryType, guarded: bool, limit_bytes: u64) -> Result<Box<MemoryInstance>, Error> {
        let limit_pages = limit_bytes / WASM_PAGE;
        if ty.limits.min > limit_pages {
            return Err(Error::ResourceLimit(format!(
                "a memory of {} pages exceeds the store's limit of {limit_bytes} bytes",
                ty.limits.min
            )));
        }
        let max_pages = ty.limits.max.unwrap_or(MAX_PAGES).min(MAX_PAGES);
        let reserved = if guarded { GUARDED_RESERVATION } else { ((max_pages * WASM_PAGE) as usize).max(page_size()) };
        // SAFETY: a fresh anonymous PROT_NONE reservation; checked below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                reserved,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(Error::ResourceLimit(format!("cannot reserve {reserved} bytes for a linear memory")));
        }
        let mut mem =
            Box::new(MemoryInstance { vm: VmMemory { base: base as *mut u8, len: 0 }, ty, reserved, limit_pages });
        if mem.grow(ty.limits.min).is_none() {
            return Err(Error::ResourceLimit(format!("cannot allocate {} pages of linear memory", ty.limits.min)));
        }
        Ok(mem)
    }

    /// The whole reserved address range (accessible or not).
    pub(crate) fn reservation(&self) -> (usize, usize) {
        (self.vm.base as usize, self.vm.base as usize + self.reserved)
    }

    pub fn pages(&self) -> u64 {
        self.vm.len / WASM_PAGE
    }

    pub fn max_pages(&self) -> u64 {
        self.ty.limits.max.unwrap_or(MAX_PAGES).min(MAX_PAGES)
    }

    /// Grows by `delta` pages; returns the old size in pages, or None (memory unchanged).
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        // (Growing by 0 succeeds even above a limit that was lowered later.)
        if delta == 0 {
            return Some(old);
        }
        if new > self.max_pages() || new > self.limit_pages {
            return None;
        }
        let new_len = (new * WASM_PAGE) as usize;
        debug_assert!(new_len <= self.reserved);
        // SAFETY: [base, base + new_len) lies inside our reservation.
        let rc = unsafe { libc::mprotect(self.vm.base as *mut _, new_len, libc::PROT_READ | libc::PROT_WRITE) };
        if rc != 0 {
            return None;
        }
        self.vm.len = new_len as u64;
        Some(old)
    }

    pub fn data(&self) -> &[u8] {
        // SAFETY: the first `len` bytes are committed and readable.
        unsafe { std::slice::from_raw_parts(self.vm.base, self.vm.len as usize) }
    }

    pub fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: the first `len` bytes are committed and writable; `&mut self` makes this view unique.
        unsafe { std::slice::from_raw_parts_mut(self.vm.base, self.vm.len as usize) }
    }
}

impl Drop for MemoryInstance {
    fn drop(&mut self) {
        // SAFETY: we own the reservation.
        unsafe { libc::munmap(self.vm.base as *mut _, self.reserved) };
    }
}
