//! Bounds-checked access to the caller's linear memory. A guest pointer outside memory is `EFAULT`.

use crate::abi::{Errno, WasiResult};

pub struct GuestMemory<'a>(pub &'a mut [u8]);

impl GuestMemory<'_> {
    fn range(&self, ptr: u32, len: u32) -> WasiResult<std::ops::Range<usize>> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::FAULT)?;
        if end > self.0.len() {
            return Err(Errno::FAULT);
        }
        Ok(start..end)
    }

    pub fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let r = self.range(ptr, len)?;
        Ok(&self.0[r])
    }

    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.0[r])
    }

    pub fn write(&mut self, ptr: u32, bytes: &[u8]) -> WasiResult<()> {
        self.slice_mut(ptr, bytes.len() as u32)?.copy_from_slice(bytes);
        Ok(())
    }

    pub fn read_u8(&self, ptr: u32) -> WasiResult<u8> {
        Ok(self.slice(ptr, 1)?[0])
    }

    pub fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        Ok(u16::from_le_bytes(self.slice(ptr, 2)?.try_into().unwrap()))
    }

    pub fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        Ok(u32::from_le_bytes(self.slice(ptr, 4)?.try_into().unwrap()))
    }

    pub fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        Ok(u64::from_le_bytes(self.slice(ptr, 8)?.try_into().unwrap()))
    }

    pub fn write_u32(&mut self, ptr: u32, v: u32) -> WasiResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub fn write_u64(&mut self, ptr: u32, v: u64) -> WasiResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// The `(buf, buf_len)` pairs of an `iovec`/`ciovec` array, each checked against memory.
    pub fn iovecs(&self, iovs: u32, count: u32) -> WasiResult<Vec<(u32, u32)>> {
        let bytes = count.checked_mul(8).ok_or(Errno::FAULT)?;
        self.range(iovs, bytes)?;
        let mut out = Vec::with_capacity(count as usize);
        for i in 0..count {
            let buf = self.read_u32(iovs + i * 8)?;
            let len = self.read_u32(iovs + i * 8 + 4)?;
            self.range(buf, len)?;
            out.push((buf, len));
        }
        Ok(out)
    }

    /// A path argument: bytes as given (WASI paths need not be UTF-8).
    pub fn path(&self, ptr: u32, len: u32) -> WasiResult<std::path::PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        let bytes = self.slice(ptr, len)?;
        if bytes.contains(&0) {
            return Err(Errno::INVAL);
        }
        Ok(std::path::PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
}
