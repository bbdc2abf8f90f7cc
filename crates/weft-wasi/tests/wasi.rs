//! WASI behaviour, through the library API: `tests/programs/wasi_tests.c` (compiled to the checked-in
//! `wasi_tests.wasm` by `tests/programs/build.sh`) runs one group of checks per argv[1] and prints one
//! line per check; each test compares that output with the expectation written here.

use std::path::{Path, PathBuf};
use weft_wasi::{OutputBuffer, WasiCtx};

const PROGRAM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs/wasi_tests.wasm");

struct Outcome {
    exit: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], env: &[(&str, &str)], dir: Option<&Path>, stdin: &[u8]) -> Outcome {
    let engine = weft::Engine::default();
    let module = weft::Module::new(&engine, &std::fs::read(PROGRAM).unwrap()).unwrap();
    let (out, err) = (OutputBuffer::new(), OutputBuffer::new());
    let mut b = WasiCtx::builder()
        .arg("wasi_tests.wasm")
        .args(args)
        .stdin_bytes(stdin)
        .stdout_buffer(out.clone())
        .stderr_buffer(err.clone());
    for (k, v) in env {
        b = b.env(k, v);
    }
    if let Some(dir) = dir {
        b = b.preopened_dir(dir, ".").unwrap();
    }
    let mut store = weft::Store::new(&engine, b.build());
    let imports = weft_wasi::link(&mut store, &module).unwrap();
    let instance = weft::Instance::new(&mut store, &module, &imports).unwrap();
    let exit = match instance.get_func("_start").unwrap().call(&mut store, &[]) {
        Ok(_) => 0,
        Err(weft::Error::Exit(code)) => code,
        Err(e) => panic!("wasi_tests {args:?} failed: {e}"),
    };
    let text = |b: &OutputBuffer| String::from_utf8(b.contents()).unwrap();
    Outcome { exit, stdout: text(&out), stderr: text(&err) }
}

/// A fresh empty directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("weft-wasi-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn assert_lines(actual: &str, expected: &str) {
    let expected: Vec<&str> = expected.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let actual: Vec<&str> = actual.lines().collect();
    for (i, (a, e)) in actual.iter().zip(&expected).enumerate() {
        assert_eq!(a, e, "line {} differs; whole output:\n{}", i + 1, actual.join("\n"));
    }
    assert_eq!(actual.len(), expected.len(), "line count differs; whole output:\n{}", actual.join("\n"));
}

#[test]
fn args_and_environment() {
    let o = run(&["args", "two words", "-x", "ünï"], &[("WEFT_TEST", "yes"), ("EMPTY", ""), ("EQ", "a=b")], None, b"");
    assert_eq!(o.exit, 0);
    assert_lines(
        &o.stdout,
        "argc: 5
         argv[0]: wasi_tests.wasm
         argv[1]: args
         argv[2]: two words
         argv[3]: -x
         argv[4]: ünï
         env: WEFT_TEST=yes
         env: EMPTY=
         env: EQ=a=b
         getenv: yes",
    );
}

#[test]
fn empty_args_and_environment() {
    let engine = weft::Engine::default();
    let module = weft::Module::new(&engine, &std::fs::read(PROGRAM).unwrap()).unwrap();
    let err = OutputBuffer::new();
    let mut store = weft::Store::new(&engine, WasiCtx::builder().stderr_buffer(err.clone()).build());
    let imports = weft_wasi::link(&mut store, &module).unwrap();
    let instance = weft::Instance::new(&mut store, &module, &imports).unwrap();
    // argc 0: the program prints its usage and returns 2.
    let r = instance.get_func("_start").unwrap().call(&mut store, &[]);
    assert!(matches!(r, Err(weft::Error::Exit(2))), "{r:?}");
    assert!(String::from_utf8(err.contents()).unwrap().starts_with("usage:"));
}

#[test]
fn exit_codes() {
    assert_eq!(run(&["exit", "7"], &[], None, b"").exit, 7);
    assert_eq!(run(&["exit", "0"], &[], None, b"").exit, 0);
    assert_eq!(run(&["return", "9"], &[], None, b"").exit, 9);
    assert_eq!(run(&["return", "0"], &[], None, b"").exit, 0);
}

#[test]
fn stdin_stdout_stderr() {
    let o = run(&["cat"], &[], None, b"hello, stdin\nline two");
    assert_eq!(o.exit, 0);
    assert_eq!(o.stdout, "HELLO, STDIN\nLINE TWO\nstdin bytes: 21\n");
    assert_eq!(o.stderr, "to stderr\n");
}

#[test]
fn files_and_directories() {
    let tmp = TempDir::new("files");
    let o = run(&["files"], &[], Some(&tmp.0), b"");
    assert_eq!(o.exit, 0, "stderr: {}", o.stderr);
    assert_lines(
        &o.stdout,
        "open create: 0
         write: 12
         read on write-only: errno 8
         read: 5
         data: hello
         seek cur: 5
         seek end-3: 9
         read tail: 3
         tail: ld
         read at eof: 0
         seek set 6: 6
         write mid: 5
         pread: 12
         pread data: hello WORLD
         pwrite: 1
         pread 1: 1
         first: H
         seek negative: errno 28
         position after pwrite: 11
         fd_tell: 0
         tell: 11
         fstat: 0
         size: 12 regular: 1
         ftruncate 5: 0
         size: 5
         ftruncate 100: 0
         size: 100
         fsync: 0
         fdatasync: 0
         fadvise: 0
         fallocate: 0
         size: 4096
         read closed: errno 8
         append flag: 1
         append write: 2
         size: 4098
         clear append: 0
         append flag: 0
         open excl existing: errno 20
         open missing: errno 44
         open trailing slash: errno 54
         open through file: errno 54
         mkdir: 0
         mkdir again: errno 20
         open dir for write: errno 31
         open dir O_DIRECTORY: 0
         open file O_DIRECTORY: errno 54
         mkdir sub: 0
         list d: ../d ./d f1/f f2/f sub/d
         rmdir nonempty: errno 55
         unlink dir: errno 31
         rmdir file: errno 54
         rename: 0
         stat old name: errno 44
         stat new name: 0
         rename into subdir: 0
         moved size: 4098
         rename dir over nonempty dir: errno 55
         link: 0
         stat link: 0
         nlink: 2
         symlink: 0
         readlink: 2
         target: f3
         readlink short: 1
         readlink on file: errno 28
         lstat: 0
         is link: 1
         stat through link: 0
         is regular: 1
         open nofollow link: errno 32
         symlink absolute: errno 63
         list d again: ../d ./d f2/f f2link/f f3/f lnk/l sub/d
         utimensat: 0
         stat times: 0
         atime: 1000.000000000 mtime: 2000.000000500
         set mtime now: 0
         stat times: 0
         atime kept: 1 mtime recent: 1
         set both atim flags: 28
         set both now: 0
         stat times: 0
         both recent: 1
         futimens: 0
         atime: 3000 mtime: 4000
         utimensat nofollow: 0
         link mtime: 6000
         target mtime: 4000
         renumber: 0
         read renumbered: 4
         data: AAAA
         read old number: errno 8
         renumber bad: 8
         fdstat: 0
         filetype: 4 can read: 1 can write: 1
         drop read right: 0
         read without right: 76
         seek with right: 0
         regain read right: 76
         fdstat preopen: 0
         filetype: 3
         seek stdout: errno 70
         big entries: 302
         rmdir big: 0
         unlink f2link: 0
         unlink lnk: 0
         unlink abs: errno 44
         rmdir sub: 0
         rmdir d: 0
         list root: ../d ./d",
    );
    // Everything the program created, it removed.
    assert_eq!(std::fs::read_dir(&tmp.0).unwrap().count(), 0);
}

#[test]
fn sandbox_escapes_fail_and_touch_nothing() {
    use std::os::unix::fs::symlink;
    let tmp = TempDir::new("sandbox");
    let root = tmp.0.join("root");
    let secret = tmp.0.join("secret.txt");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(&secret, "secret\n").unwrap();
    std::fs::write(root.join("inside.txt"), "inside\n").unwrap();
    symlink(&secret, root.join("escape_abs")).unwrap();
    symlink("../secret.txt", root.join("escape_rel")).unwrap();
    symlink("..", root.join("escape_dir")).unwrap();
    symlink("../created.txt", root.join("escape_new")).unwrap();
    let snapshot = |p: &Path| {
        // Directory times are left out: the program may create and remove its own symlink in root.
        let mut v: Vec<String> = walk(p)
            .into_iter()
            .map(|(path, md)| if md.is_dir() { path } else { format!("{path} {} {:?}", md.len(), md.modified().ok()) })
            .collect();
        v.sort();
        v
    };
    let before = snapshot(&tmp.0);

    let o = run(&["sandbox"], &[], Some(&root), b"");
    assert_eq!(o.exit, 0, "stderr: {}", o.stderr);
    assert_lines(
        &o.stdout,
        "prestat: 0
         prestat name: 0
         preopen: .
         prestat 4: 8
         open inside: 0
         open dotdot: 76
         open absolute: 76
         open sub/../..: 76
         open sub/../inside: 0
         open symlink abs: 76
         open symlink rel: 76
         open through symlink dir: 76
         open symlink nofollow: 32
         create through dangling symlink: 76
         create dotdot: 76
         truncate dotdot: 76
         open dir dotdot: 76
         open sub: 0
         open sub/../inside from sub: 76
         stat dotdot: 76
         stat symlink followed: 76
         stat symlink itself: 0
         mkdir dotdot: 76
         mkdir absolute: 76
         mkdir through symlink: 76
         rmdir dotdot: 76
         unlink dotdot: 76
         unlink through symlink dir: 76
         rename out: 76
         rename in: 76
         link out: 76
         link in: 76
         symlink absolute target: 63
         symlink outside: 76
         symlink dotdot target: 0
         open new dotdot symlink: 76
         unlink new symlink: 0
         readlink dotdot: 76
         set times dotdot: 76
         set times through symlink: 76
         libc fopen ../secret.txt: errno 76
         libc fopen /etc/passwd: errno 44
         libc open escape_abs: errno 76
         libc opendir ..: errno 76",
    );
    // Nothing outside (or inside) the preopen was created, removed, written or re-timed.
    assert_eq!(snapshot(&tmp.0), before);
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "secret\n");
    assert!(!Path::new("/tmp/weft-escape-dir").exists());
}

/// Every WASI function, called 1,000 times with hostile arguments: pointers and lengths at and past
/// the end of memory, sizes that wrap, random descriptors, flags, offsets and memory contents. Each
/// call must return an errno or exit: a host panic (which weft turns into a `host function panicked`
/// trap) or any other error fails the test (as a hang would stall it), and nothing beside the
/// preopened directory may change.
#[test]
fn hostile_arguments_are_errors_not_crashes() {
    let tmp = TempDir::new("hostile");
    let (root, outside) = (tmp.0.join("root"), tmp.0.join("outside"));
    std::fs::create_dir_all(root.join("dir")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(root.join("file"), "inside\n").unwrap();
    std::fs::write(outside.join("keep"), "outside\n").unwrap();
    let snapshot = || {
        walk(&outside)
            .into_iter()
            .map(|(path, md)| format!("{path} {} {:?}", md.len(), md.modified().ok()))
            .collect::<Vec<_>>()
    };
    let before = snapshot();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const PAGE: u64 = 65536;
    let engine = weft::Engine::default();
    let (mut errnos, mut exits) = (0, 0);
    for name in weft_wasi::function_names() {
        let ty = weft_wasi::function_type(name).unwrap();
        // `(func (param …) (result …))`: the import's type and, without `(func` and `)`, the wrapper's.
        let sig = ty.to_string();
        let args: String = (0..ty.params.len()).map(|i| format!("(local.get {i})")).collect();
        let wat = format!(
            r#"(module (import "wasi_snapshot_preview1" "{name}" {sig}) (memory (export "memory") 1)
                 (func (export "call") {} (call 0 {args})))"#,
            &sig[5..sig.len() - 1]
        );
        let module = weft::Module::new(&engine, &wat::parse_str(&wat).unwrap()).unwrap();
        let ctx = WasiCtx::builder()
            .arg("hostile")
            .stdin_bytes(*b"input")
            .stdout_buffer(OutputBuffer::new())
            .stderr_buffer(OutputBuffer::new());
        let mut store = weft::Store::new(&engine, ctx.preopened_dir(&root, ".").unwrap().build());
        let imports = weft_wasi::link(&mut store, &module).unwrap();
        let instance = weft::Instance::new(&mut store, &module, &imports).unwrap();
        let call = instance.get_func("call").unwrap();
        let memory = instance
            .exports()
            .into_iter()
            .find_map(|(_, e)| if let weft::Extern::Memory(m) = e { Some(m) } else { None })
            .unwrap();
        for k in 0..1000 {
            if k % 50 == 0 {
                // Random structures (iovecs, subscriptions, paths) everywhere, re-drawn now and then;
                // poll_oneoff's stay zero, so that its clock subscriptions do not sleep.
                let random = name != "poll_oneoff";
                memory
                    .data_mut(&mut store)
                    .chunks_mut(8)
                    .for_each(|c| c.copy_from_slice(&if random { next() } else { 0 }.to_le_bytes()));
            }
            let params: Vec<weft::Val> = ty
                .params
                .iter()
                .map(|t| {
                    let (r, small) = (next(), next() % 16);
                    // Descriptors and flags, the preopen (3), in memory, at and past its end, wrapping.
                    let v = match r % 8 {
                        0 => 0,
                        1 | 2 => small,
                        3 => 3,
                        4 => r >> 48,
                        5 => PAGE - small,
                        6 => PAGE + small,
                        _ => u64::MAX - small,
                    };
                    match t {
                        weft::ValType::I64 if r % 16 == 15 => weft::Val::I64((r >> 1) as i64),
                        weft::ValType::I64 => weft::Val::I64(v as i64),
                        _ => weft::Val::I32(v as i32),
                    }
                })
                .collect();
            match call.call(&mut store, &params) {
                Ok(_) => errnos += 1,
                Err(weft::Error::Exit(_)) => exits += 1,
                Err(e) => panic!("{name}{params:?}: {e}"),
            }
        }
    }
    println!("{errnos} calls returned an errno, {exits} exited");
    assert!(errnos > 40_000 && exits > 500, "{errnos} {exits}");
    assert_eq!(snapshot(), before, "something outside the preopen changed");
    assert_eq!(std::fs::read_to_string(outside.join("keep")).unwrap(), "outside\n");
}

/// Every path under `dir` (symlinks not followed) with its metadata, relative to `dir`.
fn walk(dir: &Path) -> Vec<(String, std::fs::Metadata)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let md = std::fs::symlink_metadata(e.path()).unwrap();
            if md.is_dir() {
                stack.push(e.path());
            }
            out.push((e.path().strip_prefix(dir).unwrap().display().to_string(), md));
        }
    }
    out
}

#[test]
fn clocks_random_poll() {
    let tmp = TempDir::new("clocks");
    let o = run(&["clocks"], &[], Some(&tmp.0), b"");
    assert_eq!(o.exit, 0, "stderr: {}", o.stderr);
    assert_lines(
        &o.stdout,
        "realtime plausible: 1
         monotonic: 1
         getres: 0
         res positive: 1
         nanosleep: 0
         slept 20ms: 1
         clock_nanosleep abs: 0
         slept until: 1
         process cputime: 0
         thread cputime: 0
         bad clock: 28
         bad clock res: 28
         getentropy: 0
         random differs: 1
         sched_yield: 0
         proc_raise: 52
         sock_shutdown: 58
         poll file: 1
         revents in: 1
         poll timeout: 0
         waited 15ms: 1
         poll_oneoff: 0
         events: 1 userdata: 1 type: 0 error: 0
         poll_oneoff none: 28
         poll_oneoff bad fd: 0
         events: 1 error: 8",
    );
}

#[test]
fn every_preview1_function_is_provided() {
    let names = weft_wasi::function_names();
    for f in [
        "args_get",
        "args_sizes_get",
        "environ_get",
        "environ_sizes_get",
        "clock_res_get",
        "clock_time_get",
        "fd_advise",
        "fd_allocate",
        "fd_close",
        "fd_datasync",
        "fd_fdstat_get",
        "fd_fdstat_set_flags",
        "fd_fdstat_set_rights",
        "fd_filestat_get",
        "fd_filestat_set_size",
        "fd_filestat_set_times",
        "fd_pread",
        "fd_prestat_get",
        "fd_prestat_dir_name",
        "fd_pwrite",
        "fd_read",
        "fd_readdir",
        "fd_renumber",
        "fd_seek",
        "fd_sync",
        "fd_tell",
        "fd_write",
        "path_create_directory",
        "path_filestat_get",
        "path_filestat_set_times",
        "path_link",
        "path_open",
        "path_readlink",
        "path_remove_directory",
        "path_rename",
        "path_symlink",
        "path_unlink_file",
        "poll_oneoff",
        "proc_exit",
        "proc_raise",
        "sched_yield",
        "random_get",
        "sock_accept",
        "sock_recv",
        "sock_send",
        "sock_shutdown",
    ] {
        assert!(names.contains(&f), "{f} missing");
    }
    assert_eq!(names.len(), 46);
}

#[test]
fn link_errors_are_clear() {
    let engine = weft::Engine::default();
    let link = |wat: &str| {
        let module = weft::Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
        let mut store = weft::Store::new(&engine, WasiCtx::builder().build());
        weft_wasi::link(&mut store, &module).map(|_| ()).unwrap_err().to_string()
    };
    assert_eq!(
        link(r#"(module (import "env" "f" (func)))"#),
        "unknown import `env::f`: weft provides only `wasi_snapshot_preview1`"
    );
    assert_eq!(
        link(r#"(module (import "wasi_snapshot_preview1" "nope" (func)))"#),
        "unknown import `wasi_snapshot_preview1::nope`: not a WASI preview1 function"
    );
    assert_eq!(
        link(r#"(module (import "wasi_snapshot_preview1" "fd_close" (func (param i64) (result i32))))"#),
        "import `wasi_snapshot_preview1::fd_close` has type (func (param i64) (result i32)), but WASI defines it as (func (param i32) (result i32))"
    );
}

/// Guest pointers outside memory are EFAULT, not a crash; proc_exit's code survives the call stack.
#[test]
fn raw_calls_from_wat() {
    let wat = r#"
      (module
        (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (memory (export "memory") 1)
        (data (i32.const 16) "\18\00\00\00\03\00\00\00hi\n")
        (func (export "bad_iovec") (result i32)
          (call $fd_write (i32.const 1) (i32.const 65530) (i32.const 1) (i32.const 0)))
        (func (export "bad_result_ptr") (result i32)
          (call $sizes (i32.const 65535) (i32.const 0)))
        (func (export "write_hi") (result i32)
          (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))
        (func $deep (param i32)
          (if (i32.eqz (local.get 0)) (then (call $exit (i32.const 42))))
          (call $deep (i32.sub (local.get 0) (i32.const 1))))
        (func (export "exit_deep") (call $deep (i32.const 100))))"#;
    let engine = weft::Engine::default();
    let module = weft::Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let out = OutputBuffer::new();
    let mut store = weft::Store::new(&engine, WasiCtx::builder().stdout_buffer(out.clone()).build());
    let imports = weft_wasi::link(&mut store, &module).unwrap();
    let instance = weft::Instance::new(&mut store, &module, &imports).unwrap();
    let call = |store: &mut weft::Store<WasiCtx>, name: &str| instance.get_func(name).unwrap().call(store, &[]);
    assert_eq!(call(&mut store, "bad_iovec").unwrap(), vec![weft::Val::I32(21)]);
    assert_eq!(call(&mut store, "bad_result_ptr").unwrap(), vec![weft::Val::I32(21)]);
    assert_eq!(call(&mut store, "write_hi").unwrap(), vec![weft::Val::I32(0)]);
    assert_eq!(out.contents(), b"hi\n");
    assert!(matches!(call(&mut store, "exit_deep"), Err(weft::Error::Exit(42))));
}

/// A module importing both WASI and a host function of its own, linked by name through a `Linker`.
#[test]
fn wasi_and_host_functions_through_a_linker() {
    let engine = weft::Engine::default();
    let wat = r#"(module
        (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
        (import "env" "answer" (func $answer (result i32)))
        (memory (export "memory") 1)
        (data (i32.const 16) "the answer is *\n")
        (func (export "_start")
            (i32.store8 (i32.const 30) (call $answer))
            (i32.store (i32.const 0) (i32.const 16))
            (i32.store (i32.const 4) (i32.const 16))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;
    let module = weft::Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let out = OutputBuffer::new();
    let mut store = weft::Store::new(&engine, WasiCtx::builder().stdout_buffer(out.clone()).build());
    let mut linker = weft::Linker::new();
    weft_wasi::add_to_linker(&mut linker, &mut store).unwrap();
    linker.func_wrap(&mut store, "env", "answer", || b'B' as i32).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    instance.get_typed_func::<(), (), _>(&store, "_start").unwrap().call(&mut store, ()).unwrap();
    assert_eq!(String::from_utf8(out.contents()).unwrap(), "the answer is B\n");
}
