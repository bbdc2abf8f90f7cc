//! Executable memory for compiled code: mapped read+write, filled, then flipped to read+execute. Memory is
//! never writable and executable at once; it is unmapped when the owning module is dropped.

use std::ptr::NonNull;

pub struct CodeMemory {
    ptr: NonNull<u8>,
    len: usize,
    mapped: usize,
}

// SAFETY: after `new` returns, the mapping is read-only and only read (executed) through shared refs.
unsafe impl Send for CodeMemory {}
// SAFETY: as above; no interior mutability.
unsafe impl Sync for CodeMemory {}

impl CodeMemory {
    /// Maps `len` bytes read+write, lets `fill` write all of them, then makes them read+execute.
    pub fn build(len: usize, fill: impl FnOnce(&mut [u8])) -> std::io::Result<CodeMemory> {
        let page = page_size();
        let mapped = len.max(1).div_ceil(page) * page;
        // Every byte is written right away: MAP_POPULATE faults the pages in with one call instead of
        // one page fault per page (about a fifth of `finalize` on large modules).
        // SAFETY: anonymous private mapping; arguments are valid; the result is checked.
        let ptr = unsafe {
            libc::mmap(std::ptr::null_mut(), mapped, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE, -1, 0)
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let ptr = ptr as *mut u8;
        // SAFETY: the mapping is `mapped >= len` bytes, writable, and ours alone until `build` returns.
        fill(unsafe { std::slice::from_raw_parts_mut(ptr, len) });
        // SAFETY: flips our own mapping; from here on it is never written again.
        if unsafe { libc::mprotect(ptr as *mut _, mapped, libc::PROT_READ | libc::PROT_EXEC) } != 0 {
            let err = std::io::Error::last_os_error();
            // SAFETY: unmapping the mapping we just created.
            unsafe { libc::munmap(ptr as *mut _, mapped) };
            return Err(err);
        }
        Ok(CodeMemory { ptr: NonNull::new(ptr).unwrap(), len, mapped })
    }

    pub fn base(&self) -> *const u8 {
        self.ptr.as_ptr()
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping is readable and `len` bytes long for our whole lifetime.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        // SAFETY: we own the mapping; no code from it runs once its module is gone.
        unsafe { libc::munmap(self.ptr.as_ptr() as *mut _, self.mapped) };
    }
}

pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
}
