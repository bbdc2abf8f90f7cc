//! The `wasi_snapshot_preview1` functions, one method each. Arguments are the raw wasm values; results
//! go to guest memory; the return value is the errno. Every path is resolved by cap-std beneath a
//! directory descriptor, so `..`, absolute paths and symlinks cannot leave a preopen.

use crate::abi::{self, Errno, Filestat, WasiResult, rights};
use crate::ctx::{DirEntry, DirHandle, Fd, Handle, WasiCtx, filetype_of};
use crate::mem::GuestMemory;
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, SystemTimeSpec};
use cap_std::fs::{Dir, OpenOptions};
use rustix::fd::{AsFd, BorrowedFd};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::time::Duration;

fn clock_id(id: u32) -> WasiResult<rustix::time::ClockId> {
    use rustix::time::ClockId;
    Ok(match id {
        abi::CLOCK_REALTIME => ClockId::Realtime,
        abi::CLOCK_MONOTONIC => ClockId::Monotonic,
        abi::CLOCK_PROCESS_CPUTIME => ClockId::ProcessCPUTime,
        abi::CLOCK_THREAD_CPUTIME => ClockId::ThreadCPUTime,
        _ => return Err(Errno::INVAL),
    })
}

fn timespec_ns(t: rustix::time::Timespec) -> u64 {
    (t.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(t.tv_nsec as u64)
}

fn clock_now(id: u32) -> WasiResult<u64> {
    Ok(timespec_ns(rustix::time::clock_gettime(clock_id(id)?)))
}

fn ts(sec: i64, nsec: i64) -> u64 {
    (sec as u64).wrapping_mul(1_000_000_000).wrapping_add(nsec as u64)
}

// `Stat`'s field types differ between targets, hence the casts.
#[allow(clippy::unnecessary_cast)]
fn filestat_of_stat(st: &rustix::fs::Stat) -> Filestat {
    use rustix::fs::FileType as T;
    let filetype = match T::from_raw_mode(st.st_mode as _) {
        T::RegularFile => abi::FILETYPE_REGULAR_FILE,
        T::Directory => abi::FILETYPE_DIRECTORY,
        T::Symlink => abi::FILETYPE_SYMBOLIC_LINK,
        T::CharacterDevice => abi::FILETYPE_CHARACTER_DEVICE,
        T::BlockDevice => abi::FILETYPE_BLOCK_DEVICE,
        T::Socket => abi::FILETYPE_SOCKET_STREAM,
        _ => abi::FILETYPE_UNKNOWN,
    };
    Filestat {
        dev: st.st_dev as u64,
        ino: st.st_ino as u64,
        filetype,
        nlink: st.st_nlink as u64,
        size: st.st_size as u64,
        atim: ts(st.st_atime as i64, st.st_atime_nsec as i64),
        mtim: ts(st.st_mtime as i64, st.st_mtime_nsec as i64),
        ctim: ts(st.st_ctime as i64, st.st_ctime_nsec as i64),
    }
}

fn filestat_of_metadata(md: &cap_std::fs::Metadata) -> Filestat {
    use cap_std::fs::MetadataExt;
    Filestat {
        dev: md.dev(),
        ino: md.ino(),
        filetype: filetype_of(md.file_type()),
        nlink: md.nlink(),
        size: md.len(),
        atim: ts(md.atime(), md.atime_nsec()),
        mtim: ts(md.mtime(), md.mtime_nsec()),
        ctim: ts(md.ctime(), md.ctime_nsec()),
    }
}

/// The times `fst_flags` asks for, as cap-std's "now or this instant".
fn time_specs(atim: u64, mtim: u64, fst: u16) -> WasiResult<(Option<SystemTimeSpec>, Option<SystemTimeSpec>)> {
    let one = |t: u64, set: u16, now: u16| -> WasiResult<Option<SystemTimeSpec>> {
        match (fst & set != 0, fst & now != 0) {
            (true, true) => Err(Errno::INVAL),
            (true, false) => {
                let st = std::time::SystemTime::UNIX_EPOCH + Duration::from_nanos(t);
                Ok(Some(SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(st))))
            }
            (false, true) => Ok(Some(SystemTimeSpec::SymbolicNow)),
            (false, false) => Ok(None),
        }
    };
    if fst & !(abi::FSTFLAGS_ATIM | abi::FSTFLAGS_ATIM_NOW | abi::FSTFLAGS_MTIM | abi::FSTFLAGS_MTIM_NOW) != 0 {
        return Err(Errno::INVAL);
    }
    Ok((one(atim, abi::FSTFLAGS_ATIM, abi::FSTFLAGS_ATIM_NOW)?, one(mtim, abi::FSTFLAGS_MTIM, abi::FSTFLAGS_MTIM_NOW)?))
}

fn to_fs_set_times(s: Option<SystemTimeSpec>) -> Option<fs_set_times::SystemTimeSpec> {
    s.map(|s| match s {
        SystemTimeSpec::SymbolicNow => fs_set_times::SystemTimeSpec::SymbolicNow,
        SystemTimeSpec::Absolute(t) => fs_set_times::SystemTimeSpec::Absolute(t.into_std()),
    })
}

fn host_stdio(n: u8) -> BorrowedFd<'static> {
    match n {
        0 => rustix::stdio::stdin(),
        1 => rustix::stdio::stdout(),
        _ => rustix::stdio::stderr(),
    }
}

/// Writes all of `buf` to a host descriptor (blocking streams may accept it in pieces).
fn write_all_fd(fd: BorrowedFd<'_>, mut buf: &[u8]) -> WasiResult<usize> {
    let total = buf.len();
    while !buf.is_empty() {
        match rustix::io::write(fd, buf) {
            Ok(0) => return Err(Errno::IO),
            Ok(n) => buf = &buf[n..],
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) if buf.len() < total => {
                let _ = e;
                return Ok(total - buf.len());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(total)
}

impl Handle {
    fn as_fd(&self) -> Option<BorrowedFd<'_>> {
        match self {
            Handle::HostStdio(n) => Some(host_stdio(*n)),
            Handle::File(f) => Some(f.as_fd()),
            Handle::Dir(d) => Some(d.dir.as_fd()),
            Handle::InputBytes(_) | Handle::Output(_) => None,
        }
    }
}

impl WasiCtx {
    // ---- args, environment -------------------------------------------------------------------------

    fn strings_get(list: &[Vec<u8>], mem: &mut GuestMemory, ptrs: u32, buf: u32) -> WasiResult<()> {
        let mut at = buf;
        for (i, s) in list.iter().enumerate() {
            mem.write_u32(ptrs.checked_add(i as u32 * 4).ok_or(Errno::FAULT)?, at)?;
            mem.write(at, s)?;
            mem.write(at + s.len() as u32, &[0])?;
            at += s.len() as u32 + 1;
        }
        Ok(())
    }

    fn strings_sizes(list: &[Vec<u8>], mem: &mut GuestMemory, count: u32, size: u32) -> WasiResult<()> {
        mem.write_u32(count, list.len() as u32)?;
        mem.write_u32(size, list.iter().map(|s| s.len() as u32 + 1).sum())
    }

    pub fn args_get(&mut self, mem: &mut GuestMemory, argv: u32, buf: u32) -> WasiResult<()> {
        Self::strings_get(&self.args, mem, argv, buf)
    }

    pub fn args_sizes_get(&mut self, mem: &mut GuestMemory, argc: u32, size: u32) -> WasiResult<()> {
        Self::strings_sizes(&self.args, mem, argc, size)
    }

    pub fn environ_get(&mut self, mem: &mut GuestMemory, environ: u32, buf: u32) -> WasiResult<()> {
        Self::strings_get(&self.env, mem, environ, buf)
    }

    pub fn environ_sizes_get(&mut self, mem: &mut GuestMemory, count: u32, size: u32) -> WasiResult<()> {
        Self::strings_sizes(&self.env, mem, count, size)
    }

    // ---- clocks, random, scheduling ----------------------------------------------------------------

    pub fn clock_res_get(&mut self, mem: &mut GuestMemory, id: u32, out: u32) -> WasiResult<()> {
        let res = timespec_ns(rustix::time::clock_getres(clock_id(id)?)).max(1);
        mem.write_u64(out, res)
    }

    pub fn clock_time_get(&mut self, mem: &mut GuestMemory, id: u32, _precision: u64, out: u32) -> WasiResult<()> {
        let now = clock_now(id)?;
        mem.write_u64(out, now)
    }

    pub fn random_get(&mut self, mem: &mut GuestMemory, buf: u32, len: u32) -> WasiResult<()> {
        let mut out = mem.slice_mut(buf, len)?;
        while !out.is_empty() {
            match rustix::rand::getrandom(&mut *out, rustix::rand::GetRandomFlags::empty()) {
                Ok(done) => out = &mut out[done..],
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    pub fn sched_yield(&mut self) -> WasiResult<()> {
        std::thread::yield_now();
        Ok(())
    }

    pub fn proc_raise(&mut self, _sig: u32) -> WasiResult<()> {
        Err(Errno::NOSYS)
    }

    // ---- descriptors ---------------------------------------------------------------------------------

    pub fn fd_advise(&mut self, fd: u32, offset: u64, len: u64, advice: u32) -> WasiResult<()> {
        use rustix::fs::Advice;
        let f = self.fd(fd)?;
        f.require(rights::FD_ADVISE)?;
        let advice = match advice as u8 {
            abi::ADVICE_NORMAL => Advice::Normal,
            abi::ADVICE_SEQUENTIAL => Advice::Sequential,
            abi::ADVICE_RANDOM => Advice::Random,
            abi::ADVICE_WILLNEED => Advice::WillNeed,
            abi::ADVICE_DONTNEED => Advice::DontNeed,
            abi::ADVICE_NOREUSE => Advice::NoReuse,
            _ => return Err(Errno::INVAL),
        };
        match &f.handle {
            Handle::File(file) => Ok(rustix::fs::fadvise(file, offset, std::num::NonZeroU64::new(len), advice)?),
            Handle::Dir(_) => Err(Errno::BADF),
            _ => Err(Errno::SPIPE),
        }
    }

    pub fn fd_allocate(&mut self, fd: u32, offset: u64, len: u64) -> WasiResult<()> {
        let f = self.fd(fd)?;
        f.require(rights::FD_ALLOCATE)?;
        match &f.handle {
            Handle::File(file) => {
                let end = offset.checked_add(len).ok_or(Errno::FBIG)?;
                if end > i64::MAX as u64 {
                    return Err(Errno::FBIG);
                }
                // posix_fallocate: extend the file if needed, never shrink it.
                if end > file.metadata().map_err(Errno::from)?.len() {
                    file.set_len(end)?;
                }
                Ok(())
            }
            Handle::Dir(_) => Err(Errno::BADF),
            _ => Err(Errno::SPIPE),
        }
    }

    pub fn fd_close(&mut self, fd: u32) -> WasiResult<()> {
        let slot = self.fds.get_mut(fd as usize).ok_or(Errno::BADF)?;
        slot.take().ok_or(Errno::BADF)?;
        while matches!(self.fds.last(), Some(None)) {
            self.fds.pop();
        }
        Ok(())
    }

    pub fn fd_datasync(&mut self, fd: u32) -> WasiResult<()> {
        let f = self.fd(fd)?;
        f.require(rights::FD_DATASYNC)?;
        match &f.handle {
            Handle::File(file) => Ok(file.sync_data()?),
            Handle::Dir(d) => Ok(rustix::fs::fdatasync(&d.dir)?),
            _ => Err(Errno::INVAL),
        }
    }

    pub fn fd_sync(&mut self, fd: u32) -> WasiResult<()> {
        let f = self.fd(fd)?;
        f.require(rights::FD_SYNC)?;
        match &f.handle {
            Handle::File(file) => Ok(file.sync_all()?),
            Handle::Dir(d) => Ok(rustix::fs::fsync(&d.dir)?),
            _ => Err(Errno::INVAL),
        }
    }

    pub fn fd_fdstat_get(&mut self, mem: &mut GuestMemory, fd: u32, out: u32) -> WasiResult<()> {
        let f = self.fd(fd)?;
        let (filetype, flags) = match &f.handle {
            Handle::Dir(_) => (abi::FILETYPE_DIRECTORY, 0),
            Handle::InputBytes(_) | Handle::Output(_) => (abi::FILETYPE_UNKNOWN, 0),
            h => {
                let host = h.as_fd().ok_or(Errno::BADF)?;
                let st = rustix::fs::fstat(host)?;
                (filestat_of_stat(&st).filetype, fdflags_of(host)?)
            }
        };
        mem.write(out, &abi::encode_fdstat(filetype, flags, f.base, f.inheriting))
    }

    pub fn fd_fdstat_set_flags(&mut self, fd: u32, flags: u32) -> WasiResult<()> {
        use rustix::fs::OFlags;
        let f = self.fd(fd)?;
        f.require(rights::FD_FDSTAT_SET_FLAGS)?;
        let flags = flags as u16;
        if flags & !(abi::FDFLAGS_APPEND | abi::FDFLAGS_NONBLOCK) != 0 {
            // The sync flags cannot be changed on an open descriptor (as on Linux).
            return Err(Errno::NOTSUP);
        }
        let host = match &f.handle {
            Handle::InputBytes(_) | Handle::Output(_) => return if flags == 0 { Ok(()) } else { Err(Errno::NOTSUP) },
            h => h.as_fd().ok_or(Errno::BADF)?,
        };
        let mut fl = rustix::fs::fcntl_getfl(host)?;
        fl.set(OFlags::APPEND, flags & abi::FDFLAGS_APPEND != 0);
        fl.set(OFlags::NONBLOCK, flags & abi::FDFLAGS_NONBLOCK != 0);
        Ok(rustix::fs::fcntl_setfl(host, fl)?)
    }

    pub fn fd_fdstat_set_rights(&mut self, fd: u32, base: u64, inheriting: u64) -> WasiResult<()> {
        let f = self.fd_mut(fd)?;
        // Rights can only be dropped, never gained.
        if base & !f.base != 0 || inheriting & !f.inheriting != 0 {
            return Err(Errno::NOTCAPABLE);
        }
        f.base = base;
        f.inheriting = inheriting;
        Ok(())
    }

    pub fn fd_filestat_get(&mut self, mem: &mut GuestMemory, fd: u32, out: u32) -> WasiResult<()> {
        let f = self.fd(fd)?;
        f.require(rights::FD_FILESTAT_GET)?;
        let st = match &f.handle {
            Handle::InputBytes(_) | Handle::Output(_) => Filestat::default(),
            h => filestat_of_stat(&rustix::fs::fstat(h.as_fd().ok_or(Errno::BADF)?)?),
        };
        mem.write(out, &st.encode())
    }

    pub fn fd_filestat_set_size(&mut self, fd: u32, size: u64) -> WasiResult<()> {
        let f = self.fd(fd)?;
        f.require(rights::FD_FILESTAT_SET_SIZE)?;
        match &f.handle {
            Handle::File(file) => Ok(file.set_len(size)?),
            Handle::Dir(_) => Err(Errno::ISDIR),
            _ => Err(Errno::INVAL),
        }
    }

    pub fn fd_filestat_set_times(&mut self, fd: u32, atim: u64, mtim: u64, fst: u32) -> WasiResult<()> {
        use fs_set_times::SetTimes;
        let f = self.fd(fd)?;
        f.require(rights::FD_FILESTAT_SET_TIMES)?;
        let (a, m) = time_specs(atim, mtim, fst as u16)?;
        let (a, m) = (to_fs_set_times(a), to_fs_set_times(m));
        match &f.handle {
            Handle::File(file) => Ok(SetTimes::set_times(file, a, m)?),
            Handle::Dir(d) => Ok(SetTimes::set_times(&d.dir, a, m)?),
            Handle::HostStdio(n) => Ok(SetTimes::set_times(&host_stdio(*n), a, m)?),
            _ => Err(Errno::INVAL),
        }
    }

    pub fn fd_read(&mut self, mem: &mut GuestMemory, fd: u32, iovs: u32, n: u32, nread: u32) -> WasiResult<()> {
        let iovs = mem.iovecs(iovs, n)?;
        let f = self.fd_mut(fd)?;
        f.require(rights::FD_READ)?;
        let mut total = 0u32;
        for (buf, len) in iovs {
            let out = mem.slice_mut(buf, len)?;
            let got = match &mut f.handle {
                Handle::HostStdio(n) => loop {
                    match rustix::io::read(host_stdio(*n), &mut *out) {
                        Err(rustix::io::Errno::INTR) => continue,
                        r => break r.map_err(Errno::from),
                    }
                },
                Handle::InputBytes(c) => c.read(out).map_err(Errno::from),
                Handle::File(file) => file.read(out).map_err(Errno::from),
                Handle::Dir(_) => Err(Errno::ISDIR),
                Handle::Output(_) => Err(Errno::BADF),
            };
            let got = match got {
                Ok(g) => g as u32,
                Err(e) if total == 0 => return Err(e),
                Err(_) => break,
            };
            total += got;
            if got < len {
                break;
            }
        }
        mem.write_u32(nread, total)
    }

    pub fn fd_pread(
        &mut self,
        mem: &mut GuestMemory,
        fd: u32,
        iovs: u32,
        n: u32,
        offset: u64,
        nread: u32,
    ) -> WasiResult<()> {
        let iovs = mem.iovecs(iovs, n)?;
        let f = self.fd(fd)?;
        f.require(rights::FD_READ | rights::FD_SEEK)?;
        let file = match &f.handle {
            Handle::File(file) => file,
            Handle::Dir(_) => return Err(Errno::ISDIR),
            _ => return Err(Errno::SPIPE),
        };
        let mut total = 0u32;
        for (buf, len) in iovs {
            let out = mem.slice_mut(buf, len)?;
            let got = match file.read_at(out, offset + total as u64) {
                Ok(g) => g as u32,
                Err(e) if total == 0 => return Err(e.into()),
                Err(_) => break,
            };
            total += got;
            if got < len {
                break;
            }
        }
        mem.write_u32(nread, total)
    }

    /// The bytes of a `ciovec` array, gathered (wasi-libc usually passes 1 or 2 buffers).
    fn gather(mem: &GuestMemory, iovs: u32, n: u32) -> WasiResult<Vec<u8>> {
        let mut data = Vec::new();
        for (buf, len) in mem.iovecs(iovs, n)? {
            data.extend_from_slice(mem.slice(buf, len)?);
        }
        Ok(data)
    }

    pub fn fd_write(&mut self, mem: &mut GuestMemory, fd: u32, iovs: u32, n: u32, nwritten: u32) -> WasiResult<()> {
        let data = Self::gather(mem, iovs, n)?;
        let f = self.fd_mut(fd)?;
        f.require(rights::FD_WRITE)?;
        let written = match &mut f.handle {
            Handle::HostStdio(n) => write_all_fd(host_stdio(*n), &data)?,
            Handle::Output(b) => {
                b.append(&data);
                data.len()
            }
            Handle::File(file) => {
                let mut done = 0;
                while done < data.len() {
                    match file.write(&data[done..]) {
                        Ok(0) => break,
                        Ok(k) => done += k,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) if done == 0 => return Err(e.into()),
                        Err(_) => break,
                    }
                }
                done
            }
            Handle::Dir(_) => return Err(Errno::ISDIR),
            Handle::InputBytes(_) => return Err(Errno::BADF),
        };
        mem.write_u32(nwritten, written as u32)
    }

    pub fn fd_pwrite(
        &mut self,
        mem: &mut GuestMemory,
        fd: u32,
        iovs: u32,
        n: u32,
        offset: u64,
        nwritten: u32,
    ) -> WasiResult<()> {
        let data = Self::gather(mem, iovs, n)?;
        let f = self.fd(fd)?;
        f.require(rights::FD_WRITE | rights::FD_SEEK)?;
        let file = match &f.handle {
            Handle::File(file) => file,
            Handle::Dir(_) => return Err(Errno::ISDIR),
            _ => return Err(Errno::SPIPE),
        };
        let written = file.write_at(&data, offset)?;
        mem.write_u32(nwritten, written as u32)
    }

    pub fn fd_seek(&mut self, mem: &mut GuestMemory, fd: u32, offset: i64, whence: u32, out: u32) -> WasiResult<()> {
        let f = self.fd_mut(fd)?;
        let pos = match whence as u8 {
            abi::WHENCE_SET => SeekFrom::Start(offset as u64),
            abi::WHENCE_CUR => SeekFrom::Current(offset),
            abi::WHENCE_END => SeekFrom::End(offset),
            _ => return Err(Errno::INVAL),
        };
        if whence as u8 == abi::WHENCE_SET && offset < 0 {
            return Err(Errno::INVAL);
        }
        // Querying the position needs only `fd_tell`.
        let needed = if matches!(pos, SeekFrom::Current(0)) { rights::FD_TELL } else { rights::FD_SEEK };
        let new = match &mut f.handle {
            Handle::File(file) => {
                if f.base & needed != needed {
                    return Err(Errno::NOTCAPABLE);
                }
                file.seek(pos)?
            }
            Handle::Dir(_) => return Err(Errno::BADF),
            _ => return Err(Errno::SPIPE),
        };
        mem.write_u64(out, new)
    }

    pub fn fd_tell(&mut self, mem: &mut GuestMemory, fd: u32, out: u32) -> WasiResult<()> {
        let f = self.fd_mut(fd)?;
        let pos = match &mut f.handle {
            Handle::File(file) => {
                if f.base & rights::FD_TELL == 0 {
                    return Err(Errno::NOTCAPABLE);
                }
                file.stream_position()?
            }
            Handle::Dir(_) => return Err(Errno::BADF),
            _ => return Err(Errno::SPIPE),
        };
        mem.write_u64(out, pos)
    }

    pub fn fd_prestat_get(&mut self, mem: &mut GuestMemory, fd: u32, out: u32) -> WasiResult<()> {
        match &self.fd(fd)?.handle {
            Handle::Dir(DirHandle { preopen: Some(name), .. }) => {
                let mut b = [0u8; 8];
                b[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
                mem.write(out, &b)
            }
            _ => Err(Errno::BADF),
        }
    }

    pub fn fd_prestat_dir_name(&mut self, mem: &mut GuestMemory, fd: u32, path: u32, len: u32) -> WasiResult<()> {
        match &self.fd(fd)?.handle {
            Handle::Dir(DirHandle { preopen: Some(name), .. }) => {
                if (len as usize) < name.len() {
                    return Err(Errno::NAMETOOLONG);
                }
                mem.write(path, name.as_bytes())
            }
            _ => Err(Errno::BADF),
        }
    }

    pub fn fd_readdir(
        &mut self,
        mem: &mut GuestMemory,
        fd: u32,
        buf: u32,
        len: u32,
        cookie: u64,
        used: u32,
    ) -> WasiResult<()> {
        mem.slice(buf, len)?;
        let f = self.fd_mut(fd)?;
        f.require(rights::FD_READDIR)?;
        let d = match &mut f.handle {
            Handle::Dir(d) => d,
            _ => return Err(Errno::NOTDIR),
        };
        if cookie == 0 || d.entries.is_none() {
            d.entries = Some(list_dir(&d.dir)?);
        }
        let entries = d.entries.as_ref().unwrap();
        // Grown as entries come: `len` may be as large as the guest's memory.
        let mut out = Vec::with_capacity((len as usize).min(64 << 10));
        for (i, e) in entries.iter().enumerate().skip(cookie.min(usize::MAX as u64) as usize) {
            if out.len() >= len as usize {
                break;
            }
            out.extend_from_slice(&abi::encode_dirent(i as u64 + 1, e.ino, e.name.len() as u32, e.filetype));
            out.extend_from_slice(&e.name);
        }
        // A full buffer tells the caller to retry with a larger one: the last entry may be cut short.
        out.truncate(len as usize);
        mem.write(buf, &out)?;
        mem.write_u32(used, out.len() as u32)
    }

    pub fn fd_renumber(&mut self, from: u32, to: u32) -> WasiResult<()> {
        self.fd(from)?;
        self.fd(to)?;
        if from != to {
            let f = self.fds[from as usize].take();
            self.fds[to as usize] = f;
        }
        Ok(())
    }

    // ---- paths ---------------------------------------------------------------------------------------

    pub fn path_create_directory(&mut self, mem: &mut GuestMemory, fd: u32, path: u32, len: u32) -> WasiResult<()> {
        let path = mem.path(path, len)?;
        Ok(self.dir(fd, rights::PATH_CREATE_DIRECTORY)?.create_dir(path)?)
    }

    pub fn path_remove_directory(&mut self, mem: &mut GuestMemory, fd: u32, path: u32, len: u32) -> WasiResult<()> {
        let path = mem.path(path, len)?;
        Ok(self.dir(fd, rights::PATH_REMOVE_DIRECTORY)?.remove_dir(path)?)
    }

    pub fn path_unlink_file(&mut self, mem: &mut GuestMemory, fd: u32, path: u32, len: u32) -> WasiResult<()> {
        let path = mem.path(path, len)?;
        let dir = self.dir(fd, rights::PATH_UNLINK_FILE)?;
        // A trailing slash names a directory: never unlink a file through it.
        if path.as_os_str().as_bytes().ends_with(b"/") {
            return match dir.symlink_metadata(&path) {
                Ok(md) if md.is_dir() => Err(Errno::ISDIR),
                Ok(_) => Err(Errno::NOTDIR),
                Err(e) => Err(e.into()),
            };
        }
        Ok(dir.remove_file(path)?)
    }

    pub fn path_filestat_get(
        &mut self,
        mem: &mut GuestMemory,
        fd: u32,
        flags: u32,
        path: u32,
        len: u32,
        out: u32,
    ) -> WasiResult<()> {
        let path = mem.path(path, len)?;
        let dir = self.dir(fd, rights::PATH_FILESTAT_GET)?;
        let md = if flags & abi::LOOKUPFLAGS_SYMLINK_FOLLOW != 0 {
            dir.metadata(path)?
        } else {
            dir.symlink_metadata(path)?
        };
        mem.write(out, &filestat_of_metadata(&md).encode())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_filestat_set_times(
        &mut self,
        mem: &mut GuestMemory,
        fd: u32,
        flags: u32,
        path: u32,
        len: u32,
        atim: u64,
        mtim: u64,
        fst: u32,
    ) -> WasiResult<()> {
        let path = mem.path(path, len)?;
        let dir = self.dir(fd, rights::PATH_FILESTAT_SET_TIMES)?;
        let (a, m) = time_specs(atim, mtim, fst as u16)?;
        if flags & abi::LOOKUPFLAGS_SYMLINK_FOLLOW != 0 {
            Ok(dir.set_times(path, a, m)?)
        } else {
            Ok(dir.set_symlink_times(path, a, m)?)
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_link(
        &mut self,
        mem: &mut GuestMemory,
        old_fd: u32,
        _old_flags: u32,
        old_path: u32,
        old_len: u32,
        new_fd: u32,
        new_path: u32,
        new_len: u32,
    ) -> WasiResult<()> {
        let old_path = mem.path(old_path, old_len)?;
        let new_path = mem.path(new_path, new_len)?;
        let src = self.dir(old_fd, rights::PATH_LINK_SOURCE)?;
        let dst = self.dir(new_fd, rights::PATH_LINK_TARGET)?;
        Ok(src.hard_link(old_path, dst, new_path)?)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_open(
        &mut self,
        mem: &mut GuestMemory,
        fd: u32,
        dirflags: u32,
        path: u32,
        len: u32,
        oflags: u32,
        base: u64,
        inheriting: u64,
        fdflags: u32,
        out: u32,
    ) -> WasiResult<()> {
        let path = mem.path(path, len)?;
        let (oflags, fdflags) = (oflags as u16, fdflags as u16);
        let parent = self.fd(fd)?;
        let dir = self.dir(fd, rights::PATH_OPEN)?;
        let mut needed = 0;
        if oflags & abi::OFLAGS_CREAT != 0 {
            needed |= rights::PATH_CREATE_FILE;
        }
        if oflags & abi::OFLAGS_TRUNC != 0 {
            needed |= rights::PATH_FILESTAT_SET_SIZE;
        }
        parent.require(needed)?;
        // A new descriptor gets what it asked for, within what the directory may hand down.
        let base = base & parent.inheriting;
        let inheriting = inheriting & parent.inheriting;
        let follow =
            if dirflags & abi::LOOKUPFLAGS_SYMLINK_FOLLOW != 0 { FollowSymlinks::Yes } else { FollowSymlinks::No };

        let handle = if oflags & abi::OFLAGS_DIRECTORY != 0 {
            if oflags & (abi::OFLAGS_CREAT | abi::OFLAGS_EXCL | abi::OFLAGS_TRUNC) != 0 {
                return Err(Errno::INVAL);
            }
            if base & rights::FD_WRITE != 0 || fdflags & abi::FDFLAGS_APPEND != 0 {
                return Err(Errno::ISDIR);
            }
            let d = match follow {
                FollowSymlinks::Yes => dir.open_dir(&path)?,
                FollowSymlinks::No => dir.open_dir_nofollow(&path)?,
            };
            Handle::Dir(DirHandle { dir: d, preopen: None, entries: None })
        } else {
            let read = base & (rights::FD_READ | rights::FD_READDIR) != 0;
            let mut write = base & (rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE) != 0
                || fdflags & abi::FDFLAGS_APPEND != 0;
            let mut opts = OpenOptions::new();
            if oflags & abi::OFLAGS_CREAT != 0 {
                // POSIX allows O_CREAT with O_RDONLY; the host API needs write access to create.
                write = true;
                if oflags & abi::OFLAGS_EXCL != 0 {
                    opts.create_new(true);
                } else {
                    opts.create(true);
                }
            }
            if oflags & abi::OFLAGS_TRUNC != 0 {
                write = true;
                opts.truncate(true);
            }
            opts.read(read || !write);
            opts.write(write);
            if fdflags & abi::FDFLAGS_APPEND != 0 {
                opts.append(true);
            }
            let mut custom = 0;
            if fdflags & abi::FDFLAGS_NONBLOCK != 0 {
                custom |= libc::O_NONBLOCK;
            }
            if fdflags & abi::FDFLAGS_DSYNC != 0 {
                custom |= libc::O_DSYNC;
            }
            if fdflags & abi::FDFLAGS_SYNC != 0 {
                custom |= libc::O_SYNC;
            }
            if fdflags & abi::FDFLAGS_RSYNC != 0 {
                custom |= libc::O_RSYNC;
            }
            cap_std::fs::OpenOptionsExt::custom_flags(&mut opts, custom);
            opts.follow(follow);
            // Read-only opens may name a directory (e.g. `open(".", O_RDONLY)`).
            opts.maybe_dir(!write);
            let file = dir.open_with(&path, &opts)?;
            if file.metadata()?.is_dir() {
                Handle::Dir(DirHandle { dir: Dir::from_std_file(file.into_std()), preopen: None, entries: None })
            } else {
                Handle::File(file.into_std())
            }
        };
        let base = match handle {
            Handle::Dir(_) => base & rights::DIR,
            _ => base & rights::FILE,
        };
        let new = self.insert(Fd { handle, base, inheriting })?;
        mem.write_u32(out, new)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_readlink(
        &mut self,
        mem: &mut GuestMemory,
        fd: u32,
        path: u32,
        len: u32,
        buf: u32,
        buf_len: u32,
        used: u32,
    ) -> WasiResult<()> {
        let path = mem.path(path, len)?;
        let dir = self.dir(fd, rights::PATH_READLINK)?;
        let target = dir.read_link_contents(path)?;
        let bytes = target.as_os_str().as_bytes();
        let n = bytes.len().min(buf_len as usize);
        mem.write(buf, &bytes[..n])?;
        mem.write_u32(used, n as u32)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path_rename(
        &mut self,
        mem: &mut GuestMemory,
        fd: u32,
        old_path: u32,
        old_len: u32,
        new_fd: u32,
        new_path: u32,
        new_len: u32,
    ) -> WasiResult<()> {
        let old_path = mem.path(old_path, old_len)?;
        let new_path = mem.path(new_path, new_len)?;
        let src = self.dir(fd, rights::PATH_RENAME_SOURCE)?;
        let dst = self.dir(new_fd, rights::PATH_RENAME_TARGET)?;
        Ok(src.rename(old_path, dst, new_path)?)
    }

    pub fn path_symlink(
        &mut self,
        mem: &mut GuestMemory,
        old_path: u32,
        old_len: u32,
        fd: u32,
        new_path: u32,
        new_len: u32,
    ) -> WasiResult<()> {
        let target = mem.path(old_path, old_len)?;
        let link = mem.path(new_path, new_len)?;
        let dir = self.dir(fd, rights::PATH_SYMLINK)?;
        // An absolute target could never be followed inside the sandbox; refuse it like wasmtime.
        if target.is_absolute() {
            return Err(Errno::PERM);
        }
        Ok(dir.symlink_contents(target, link)?)
    }

    // ---- poll ----------------------------------------------------------------------------------------

    pub fn poll_oneoff(
        &mut self,
        mem: &mut GuestMemory,
        subs: u32,
        events: u32,
        n: u32,
        nevents: u32,
    ) -> WasiResult<()> {
        if n == 0 {
            return Err(Errno::INVAL);
        }
        let bytes = n.checked_mul(abi::SUBSCRIPTION_SIZE).ok_or(Errno::FAULT)?;
        mem.slice(subs, bytes)?;
        mem.slice_mut(events, n.checked_mul(abi::EVENT_SIZE).ok_or(Errno::FAULT)?)?;

        struct Timer {
            userdata: u64,
            wait: Duration,
        }
        struct FdSub {
            userdata: u64,
            fd: u32,
            ty: u8,
        }
        let mut ready: Vec<[u8; 32]> = Vec::new();
        let mut timers = Vec::new();
        let mut fd_subs = Vec::new();
        for i in 0..n {
            let s = subs + i * abi::SUBSCRIPTION_SIZE;
            let userdata = mem.read_u64(s)?;
            match mem.read_u8(s + 8)? {
                abi::EVENTTYPE_CLOCK => {
                    let id = mem.read_u32(s + 16)?;
                    let timeout = mem.read_u64(s + 24)?;
                    let flags = mem.read_u16(s + 40)?;
                    let wait = match clock_now(id) {
                        Err(e) => {
                            ready.push(abi::encode_event(userdata, e, abi::EVENTTYPE_CLOCK, 0, 0));
                            continue;
                        }
                        Ok(now) if flags & abi::SUBCLOCKFLAGS_ABSTIME != 0 => timeout.saturating_sub(now),
                        Ok(_) => timeout,
                    };
                    timers.push(Timer { userdata, wait: Duration::from_nanos(wait) });
                }
                ty @ (abi::EVENTTYPE_FD_READ | abi::EVENTTYPE_FD_WRITE) => {
                    let fd = mem.read_u32(s + 16)?;
                    let err = match self.fd(fd) {
                        Err(e) => Some(e),
                        Ok(f) => f.require(rights::POLL_FD_READWRITE).err(),
                    };
                    match err {
                        Some(e) => ready.push(abi::encode_event(userdata, e, ty, 0, 0)),
                        None => fd_subs.push(FdSub { userdata, fd, ty }),
                    }
                }
                _ => return Err(Errno::INVAL),
            }
        }

        let earliest = timers.iter().map(|t| t.wait).min();
        if ready.is_empty() {
            // In-memory streams and regular files are always ready; others are polled on the host.
            let mut polled = Vec::new();
            let mut pfds = Vec::new();
            for s in &fd_subs {
                let f = self.fd(s.fd)?;
                let nbytes = match &f.handle {
                    Handle::InputBytes(c) if s.ty == abi::EVENTTYPE_FD_READ => {
                        c.get_ref().len() as u64 - c.position().min(c.get_ref().len() as u64)
                    }
                    Handle::File(file) if s.ty == abi::EVENTTYPE_FD_READ => {
                        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
                        let pos = rustix::fs::seek(file, rustix::fs::SeekFrom::Current(0)).unwrap_or(len);
                        len.saturating_sub(pos)
                    }
                    _ => 0,
                };
                match f.handle.host_pollable() {
                    None => ready.push(abi::encode_event(s.userdata, Errno::SUCCESS, s.ty, nbytes, 0)),
                    Some(host) => {
                        let flags = if s.ty == abi::EVENTTYPE_FD_READ {
                            rustix::event::PollFlags::IN
                        } else {
                            rustix::event::PollFlags::OUT
                        };
                        pfds.push(rustix::event::PollFd::from_borrowed_fd(host, flags));
                        polled.push((s, nbytes));
                    }
                }
            }
            if !pfds.is_empty() {
                // Host streams are polled too when something is already ready, but without waiting.
                let wait = if ready.is_empty() { earliest } else { Some(Duration::ZERO) };
                let timeout = wait.map(|d| rustix::time::Timespec {
                    tv_sec: d.as_secs().min(i64::MAX as u64) as _,
                    tv_nsec: d.subsec_nanos() as _,
                });
                loop {
                    match rustix::event::poll(&mut pfds, timeout.as_ref()) {
                        Err(rustix::io::Errno::INTR) => continue,
                        Err(e) => return Err(e.into()),
                        Ok(_) => break,
                    }
                }
                for (p, (s, nbytes)) in pfds.iter().zip(&polled) {
                    use rustix::event::PollFlags as P;
                    let r = p.revents();
                    if r.is_empty() {
                        continue;
                    }
                    let (err, flags) = if r.contains(P::NVAL) {
                        (Errno::BADF, 0)
                    } else if r.contains(P::ERR) {
                        (Errno::IO, 0)
                    } else if r.contains(P::HUP) {
                        (Errno::SUCCESS, abi::EVENTRWFLAGS_HANGUP)
                    } else {
                        (Errno::SUCCESS, 0)
                    };
                    ready.push(abi::encode_event(s.userdata, err, s.ty, *nbytes, flags));
                }
            } else if let (true, Some(d)) = (ready.is_empty(), earliest) {
                std::thread::sleep(d);
            }
        }
        if ready.is_empty() {
            // Nothing else happened: the earliest timers fired.
            if let Some(e) = earliest {
                for t in timers.iter().filter(|t| t.wait <= e) {
                    ready.push(abi::encode_event(t.userdata, Errno::SUCCESS, abi::EVENTTYPE_CLOCK, 0, 0));
                }
            }
        }
        for (i, e) in ready.iter().enumerate() {
            mem.write(events + i as u32 * abi::EVENT_SIZE, e)?;
        }
        mem.write_u32(nevents, ready.len() as u32)
    }
}

impl Handle {
    /// Host streams are polled; files, directories and in-memory streams are always ready.
    fn host_pollable(&self) -> Option<BorrowedFd<'static>> {
        match self {
            Handle::HostStdio(n) => Some(host_stdio(*n)),
            _ => None,
        }
    }
}

fn fdflags_of(fd: BorrowedFd<'_>) -> WasiResult<u16> {
    use rustix::fs::OFlags;
    let fl = rustix::fs::fcntl_getfl(fd)?;
    let mut out = 0;
    if fl.contains(OFlags::APPEND) {
        out |= abi::FDFLAGS_APPEND;
    }
    if fl.contains(OFlags::NONBLOCK) {
        out |= abi::FDFLAGS_NONBLOCK;
    }
    if fl.contains(OFlags::SYNC) {
        out |= abi::FDFLAGS_SYNC;
    } else if fl.contains(OFlags::DSYNC) {
        out |= abi::FDFLAGS_DSYNC;
    }
    if fl.contains(OFlags::RSYNC) && fl.contains(OFlags::SYNC) {
        out |= abi::FDFLAGS_RSYNC;
    }
    Ok(out)
}

/// The entries of `dir` for `fd_readdir`: `.` and `..` first (the inode of `..` is not looked up,
/// since the parent lies outside the capability; the directory's own inode stands in).
fn list_dir(dir: &Dir) -> WasiResult<Vec<DirEntry>> {
    let own = rustix::fs::fstat(dir)?.st_ino as u64;
    let mut out = vec![
        DirEntry { name: b".".to_vec(), ino: own, filetype: abi::FILETYPE_DIRECTORY },
        DirEntry { name: b"..".to_vec(), ino: own, filetype: abi::FILETYPE_DIRECTORY },
    ];
    for e in dir.entries()? {
        let e = e?;
        let filetype = e.file_type().map(filetype_of).unwrap_or(abi::FILETYPE_UNKNOWN);
        let ino = rustix::fs::DirEntryExt::ino(&e);
        out.push(DirEntry { name: e.file_name().as_bytes().to_vec(), ino, filetype });
    }
    Ok(out)
}
