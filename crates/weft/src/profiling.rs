//! Telling `perf` about JIT-compiled code (`Config::profiling`).
//!
//! - `Profiling::PerfMap` appends `START SIZE NAME` lines to `/tmp/perf-<pid>.map`: `perf report` then
//!   names the samples in wasm functions.
//! - `Profiling::JitDump` writes `/tmp/jit-<pid>.dump` in perf's jitdump format (a header, then one
//!   `JIT_CODE_LOAD` record per function with its name, address and machine code) and maps the file
//!   executable once, so that `perf record` notes where it is. `perf inject --jit` turns each record into
//!   an ELF file, after which `perf report` and `perf annotate` show the wasm functions instruction by
//!   instruction. The records carry `CLOCK_MONOTONIC` timestamps: record with `perf record -k mono`.
//!
//! Profiling output is best effort: a failed write never fails a compile.

use std::fs::File;
use std::io::Write;
use std::sync::Mutex;

/// How compiled code is described to profilers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profiling {
    #[default]
    None,
    /// `/tmp/perf-<pid>.map`: function names for `perf report`.
    PerfMap,
    /// `/tmp/jit-<pid>.dump`: names and machine code, for `perf inject --jit` (see the module docs).
    JitDump,
}

/// Describes a module's functions, given as (name, code), to the profiler `how` asks for.
pub(crate) fn announce(how: Profiling, functions: &[(String, &[u8])]) {
    match how {
        Profiling::None => {}
        Profiling::PerfMap => write_perf_map(functions),
        Profiling::JitDump => {
            let mut dump = JIT_DUMP.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(file) = dump.get_or_insert_with(open_jit_dump) {
                // One write per module, not per function.
                let records: Vec<u8> = functions
                    .iter()
                    .flat_map(|(name, code)| code_load_record(&format!("wasm::{name}"), code))
                    .collect();
                let _ = file.write_all(&records);
            }
        }
    }
}

fn write_perf_map(functions: &[(String, &[u8])]) {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock();
    let path = format!("/tmp/perf-{}.map", std::process::id());
    let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(&path) else { return };
    let mut text = String::new();
    for (name, code) in functions {
        text.push_str(&format!("{:x} {:x} wasm::{name}\n", code.as_ptr() as usize, code.len()));
    }
    let _ = file.write_all(text.as_bytes());
}

/// The process's jitdump file: `None` before the first module, `Some(None)` if it could not be made.
static JIT_DUMP: Mutex<Option<Option<File>>> = Mutex::new(None);

const JITDUMP_MAGIC: u32 = 0x4A69_5444;
const JITDUMP_VERSION: u32 = 1;
const JITDUMP_HEADER_SIZE: u32 = 40;
const EM_X86_64: u32 = 62;
const JIT_CODE_LOAD: u32 = 0;

/// The path perf expects: `perf inject --jit` recognizes the file by this name in an mmap record.
pub fn jit_dump_path() -> String {
    format!("/tmp/jit-{}.dump", std::process::id())
}

fn open_jit_dump() -> Option<File> {
    let mut file = File::options().read(true).write(true).create(true).truncate(true).open(jit_dump_path()).ok()?;
    let mut header = Vec::with_capacity(JITDUMP_HEADER_SIZE as usize);
    for word in [JITDUMP_MAGIC, JITDUMP_VERSION, JITDUMP_HEADER_SIZE, EM_X86_64, 0, std::process::id()] {
        header.extend_from_slice(&word.to_le_bytes());
    }
    header.extend_from_slice(&monotonic_ns().to_le_bytes());
    header.extend_from_slice(&0u64.to_le_bytes()); // flags
    file.write_all(&header).ok()?;
    // perf learns where the dump is from this mapping's mmap event; it is never read through, and
    // executable only because perf ignores non-executable mappings. Kept for the process's life.
    use std::os::fd::AsRawFd;
    // SAFETY: maps one page of a file this process owns, read-only (never writable and executable at
    // once); nothing reads through the pointer, and the mapping is never unmapped, so no Rust
    // reference can outlive it.
    let mapped = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_EXEC,
            libc::MAP_PRIVATE,
            file.as_raw_fd(),
            0,
        )
    };
    (mapped != libc::MAP_FAILED).then_some(file)
}

/// One `JIT_CODE_LOAD` record: the function's name and machine code at its address.
fn code_load_record(name: &str, code: &[u8]) -> Vec<u8> {
    static CODE_INDEX: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let total = 16 + 40 + name.len() + 1 + code.len();
    let mut r = Vec::with_capacity(total);
    r.extend_from_slice(&JIT_CODE_LOAD.to_le_bytes());
    r.extend_from_slice(&(total as u32).to_le_bytes());
    r.extend_from_slice(&monotonic_ns().to_le_bytes());
    r.extend_from_slice(&std::process::id().to_le_bytes());
    // (The raw system call: glibc's `gettid` wrapper is a null weak symbol in a static binary.)
    // SAFETY: `SYS_gettid` takes no arguments and has no preconditions.
    let tid = unsafe { libc::syscall(libc::SYS_gettid) } as u32;
    r.extend_from_slice(&tid.to_le_bytes());
    let addr = code.as_ptr() as u64;
    r.extend_from_slice(&addr.to_le_bytes()); // vma
    r.extend_from_slice(&addr.to_le_bytes()); // code_addr
    r.extend_from_slice(&(code.len() as u64).to_le_bytes());
    r.extend_from_slice(&CODE_INDEX.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_le_bytes());
    r.extend_from_slice(name.as_bytes());
    r.push(0);
    r.extend_from_slice(code);
    r
}

/// `CLOCK_MONOTONIC` in nanoseconds, the clock of `perf record -k mono`.
fn monotonic_ns() -> u64 {
    read_clock(libc::CLOCK_MONOTONIC).as_nanos() as u64
}

/// The time on `clock` (zero if it cannot be read): jitdump timestamps here, and the compile's CPU
/// time in `CompileStats`.
pub(crate) fn read_clock(clock: libc::clockid_t) -> std::time::Duration {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `clock_gettime` only writes the `timespec` it is given, which lives on this stack.
    if unsafe { libc::clock_gettime(clock, &mut t) } != 0 {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the records of a jitdump file back: (name, code address, code).
    fn read_jit_dump(bytes: &[u8]) -> Vec<(String, u64, Vec<u8>)> {
        let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        assert_eq!((u32_at(0), u32_at(4), u32_at(8), u32_at(12)), (JITDUMP_MAGIC, 1, 40, EM_X86_64));
        assert_eq!(u32_at(20), std::process::id());
        let (mut at, mut records) = (40, Vec::new());
        while at < bytes.len() {
            let (id, size) = (u32_at(at), u32_at(at + 4) as usize);
            assert_eq!(id, JIT_CODE_LOAD);
            let (addr, len) = (u64_at(at + 32), u64_at(at + 40) as usize);
            assert_eq!(u64_at(at + 24), addr, "vma and code address agree");
            let name_end = at + 56 + bytes[at + 56..].iter().position(|&b| b == 0).unwrap();
            let name = String::from_utf8(bytes[at + 56..name_end].to_vec()).unwrap();
            assert_eq!(size, name_end + 1 + len - at, "record size of {name}");
            records.push((name, addr, bytes[name_end + 1..name_end + 1 + len].to_vec()));
            at += size;
        }
        records
    }

    #[test]
    fn jit_dump_records_each_function_with_its_code() {
        let engine = crate::Engine::new(crate::Config { profiling: Profiling::JitDump, ..Default::default() }).unwrap();
        let wat =
            r#"(module (func $first (result i32) i32.const 7) (func $second (param i32) (result i32) local.get 0))"#;
        let module = crate::Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
        let records = read_jit_dump(&std::fs::read(jit_dump_path()).unwrap());
        for (name, code) in module.function_code() {
            let found = records.iter().any(|(n, addr, bytes)| {
                *n == format!("wasm::{name}") && *addr == code.as_ptr() as u64 && bytes == code
            });
            assert!(found, "no record of {name} at its address with its code");
        }
    }
}
