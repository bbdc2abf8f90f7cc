//! `weft run` end to end: arguments, environment, preopens, exit statuses, traps, bad input, and one
//! short program of the benchmark corpus.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const WEFT: &str = env!("CARGO_BIN_EXE_weft");

fn program() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../weft-wasi/tests/programs/wasi_tests.wasm")
}

fn weft(args: &[&str]) -> Output {
    Command::new(WEFT).args(args).stdin(Stdio::null()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A failing run prints exactly one line on stderr, starting with `error:`.
fn assert_one_line_error(o: &Output, code: i32, contains: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.starts_with("error:") && err.contains(contains), "stderr: {err}");
}

#[test]
fn argv_env_and_options_after_the_module_go_to_the_program() {
    let p = program();
    let o = Command::new(WEFT)
        .args(["run", "--env", "WEFT_TEST=from flag", "--env", "FROM_HOST", "--env", "UNSET_ON_HOST_XYZ"])
        .arg(&p)
        .args(["args", "--dir", "x", "-v"])
        .env("FROM_HOST", "inherited")
        .env_remove("UNSET_ON_HOST_XYZ")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "argc: 5\nargv[0]: wasi_tests.wasm\nargv[1]: args\nargv[2]: --dir\nargv[3]: x\nargv[4]: -v\n\
         env: WEFT_TEST=from flag\nenv: FROM_HOST=inherited\ngetenv: from flag\n"
    );
}

#[test]
fn exit_statuses() {
    let p = program();
    let p = p.to_str().unwrap();
    assert_eq!(weft(&["run", p, "exit", "7"]).status.code(), Some(7));
    assert_eq!(weft(&["run", p, "exit", "0"]).status.code(), Some(0));
    assert_eq!(weft(&["run", p, "return", "3"]).status.code(), Some(3));
    assert_eq!(weft(&["run", p, "return", "0"]).status.code(), Some(0));
    let o = weft(&["run", p, "exit", "5"]);
    assert_eq!(text(&o.stdout), "exiting\n");
    assert!(o.stderr.is_empty());
}

#[test]
fn trap_is_one_line_and_exit_134() {
    let p = program();
    let o = weft(&["run", p.to_str().unwrap(), "trap"]);
    assert_eq!(text(&o.stdout), "before trap\n");
    assert_one_line_error(&o, 134, "unreachable");
}

#[test]
fn stdio_passes_through() {
    use std::io::Write;
    let mut child = Command::new(WEFT)
        .arg("run")
        .arg(program())
        .arg("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"abc\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stdout), "ABC\n\nstdin bytes: 4\n");
    assert_eq!(text(&o.stderr), "to stderr\n");
}

#[test]
fn dir_maps_host_to_guest_name() {
    let tmp = std::env::temp_dir().join(format!("weft-cli-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("root/sub")).unwrap();
    std::fs::write(tmp.join("root/inside.txt"), "x").unwrap();
    std::fs::write(tmp.join("secret.txt"), "x").unwrap();
    // The sandbox group expects the symlinks the library test creates; here only the preopen name and
    // a plain escape matter, so check those lines.
    let o = Command::new(WEFT)
        .arg("run")
        .arg("--dir")
        .arg(format!("{}::.", tmp.join("root").display()))
        .arg(program())
        .arg("sandbox")
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(out.contains("preopen: .\n"), "{out}");
    assert!(out.contains("open inside: 0\n"), "{out}");
    assert!(out.contains("open dotdot: 76\n"), "{out}");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn bad_input_is_one_line() {
    let p = program();
    let p = p.to_str().unwrap();
    assert_one_line_error(&weft(&["run", "/nonexistent/x.wasm"]), 1, "cannot read /nonexistent/x.wasm");
    assert_one_line_error(&weft(&["run", "--dir", "/nonexistent-dir-xyz", p, "args"]), 1, "/nonexistent-dir-xyz");
    assert_one_line_error(&weft(&["run", "--dir", "::x", p, "args"]), 1, "bad --dir");
    assert_one_line_error(&weft(&["run", "--env", "=v", p, "args"]), 1, "bad --env");
    assert_one_line_error(&weft(&["run", "--no-such-flag", p]), 2, "--no-such-flag");
    assert_one_line_error(&weft(&["run"]), 2, "required");
    let bad = std::env::temp_dir().join(format!("weft-cli-bad-{}.wasm", std::process::id()));
    std::fs::write(&bad, b"\0asm\x01\0\0\0\x99").unwrap();
    assert_one_line_error(&weft(&["run", bad.to_str().unwrap()]), 1, "invalid module");
    std::fs::write(&bad, br#"(module (import "env" "f" (func)) (func (export "_start")))"#).unwrap();
    assert_one_line_error(&weft(&["run", bad.to_str().unwrap()]), 1, "unknown import `env::f`");
    let _ = std::fs::remove_file(&bad);
}

#[test]
fn timeout_stops_an_endless_loop() {
    let spin = std::env::temp_dir().join(format!("weft-cli-spin-{}.wat", std::process::id()));
    std::fs::write(&spin, r#"(module (func (export "_start") (loop $l (br $l))))"#).unwrap();
    let started = std::time::Instant::now();
    let o = weft(&["run", "--timeout", "200ms", spin.to_str().unwrap()]);
    assert_one_line_error(&o, 134, "interrupted");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
    assert_one_line_error(&weft(&["run", "--timeout", "10", spin.to_str().unwrap()]), 2, "needs a unit");
    assert_one_line_error(&weft(&["run", "--timeout", "1..5s", spin.to_str().unwrap()]), 2, "not a duration");
    let _ = std::fs::remove_file(&spin);
    // A program that ends in time is not disturbed.
    let o = weft(&["run", "--timeout", "1h", program().to_str().unwrap(), "exit", "7"]);
    assert_eq!(o.status.code(), Some(7), "{}", text(&o.stderr));
}

#[test]
fn max_memory_caps_linear_memory() {
    let wat = std::env::temp_dir().join(format!("weft-cli-grow-{}.wat", std::process::id()));
    std::fs::write(
        &wat,
        r#"(module (memory 1) (func (export "g") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    )
    .unwrap();
    let w = wat.to_str().unwrap();
    let grow =
        |limit: &str, pages: &str| text(&weft(&["run", "--max-memory", limit, "--invoke", "g", w, pages]).stdout);
    assert_eq!(grow("1MiB", "15"), "1\n");
    assert_eq!(grow("1MiB", "16"), "-1\n");
    assert_one_line_error(
        &weft(&["run", "--max-memory", "1000", "--invoke", "g", w, "0"]),
        1,
        "exceeds the store's limit of 1000 bytes",
    );
    assert_one_line_error(&weft(&["run", "--max-memory", "1MB", w]), 2, "KiB, MiB or GiB");
    // A table too large to allocate is an error, not an allocation abort.
    std::fs::write(&wat, "(module (table 4000000000 funcref) (func (export \"_start\")))").unwrap();
    assert_one_line_error(&weft(&["run", w]), 1, "a table of 4000000000 elements exceeds the store's limit");
    let _ = std::fs::remove_file(&wat);
}

#[test]
fn wasm3_flag_enables_3_0_features() {
    // A tail call into a function using a second, 64-bit memory.
    let wat = std::env::temp_dir().join(format!("weft-cli-wasm3-{}.wat", std::process::id()));
    std::fs::write(
        &wat,
        r#"(module (memory 1) (memory $b i64 1)
             (func $f (param i32) (result i32) (i32.store $b (i64.const 8) (local.get 0)) (i32.load $b offset=8 (i64.const 0)))
             (func (export "t") (param i32) (result i32) (return_call $f (local.get 0))))"#,
    )
    .unwrap();
    let w = wat.to_str().unwrap();
    let o = weft(&["run", "--wasm3", "--invoke", "t", w, "5"]);
    assert_eq!(
        (o.status.code(), text(&o.stdout)),
        (
            Some(0),
            "5
"
            .to_string()
        ),
        "{}",
        text(&o.stderr)
    );
    assert_one_line_error(
        &weft(&["run", "--invoke", "t", w, "5"]),
        1,
        "uses WebAssembly 3.0 features: run with --wasm3",
    );
    assert_eq!(weft(&["compile", "--wasm3", w]).status.code(), Some(0));
    let _ = std::fs::remove_file(&wat);
}

#[test]
fn modules_without_wasi_still_run() {
    let fac = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fac.wat");
    let o = weft(&["run", "--invoke", "fac", fac.to_str().unwrap(), "20"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "2432902008176640000\n");
}

/// One cheap corpus program: Lua 5.4 computing fib(n) for a small n; the expectation is computed here.
#[test]
fn corpus_smoke_lua_fib() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/corpus");
    let wasm = corpus.join("out/wasm/lua54.wasm");
    assert!(wasm.exists(), "benchmark corpus missing at {}", corpus.display());
    fn fib(n: u64) -> u64 {
        if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
    }
    let n = 22;
    let o = Command::new(WEFT)
        .current_dir(&corpus)
        .args(["run", "--dir", "scripts/lua::.", "out/wasm/lua54.wasm", "fib.lua", &n.to_string()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), format!("fib({n}) = {}\n", fib(n)));
}

#[test]
fn poll_on_host_stdio() {
    use std::io::Write;
    let spawn = |args: &[&str]| {
        Command::new(WEFT)
            .arg("run")
            .arg(program())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut child = spawn(&["pollstdio"]);
    child.stdin.take().unwrap().write_all(b"data").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(text(&o.stdout), "poll stdio: 2\nstdin readable: 1 stdout writable: 1\n");
    // An open pipe without data: poll_oneoff waits for the timeout on the host fd.
    let mut child = spawn(&["pollstdio", "empty"]);
    let stdin = child.stdin.take().unwrap();
    let o = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(text(&o.stdout), "poll empty stdin: 0\nwaited 30ms: 1\n");
}

/// `--stats` prints the phase times and code size of the timed compile and the stencil counts (of a
/// second, counting compile), on `weft compile` and `weft run` alike.
#[test]
fn stats_print_times_and_stencil_counts() {
    let p = program();
    let p = p.to_str().unwrap();
    let field = |err: &str, name: &str| -> u64 {
        let line = err.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no `{name}` in: {err}"));
        line[name.len()..].trim().split(' ').next().unwrap().parse::<f64>().unwrap() as u64
    };
    for args in [&["compile", "--stats", "--single-threaded", p][..], &["run", "--stats", p, "exit", "0"]] {
        let o = weft(args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(field(&err, "machine code bytes:") > 0, "{err}");
        assert!(err.lines().any(|l| l.starts_with("parse+validate+emit:") && l.ends_with(" ms")), "{err}");
        // The listed counts (most used first) are part of the total.
        let total = field(&err, "stencils used:");
        let listed: Vec<u64> = err
            .lines()
            .skip_while(|l| !l.starts_with("stencils used:"))
            .skip(1)
            .map_while(|l| l.trim().split_once("  ").and_then(|(n, _)| n.parse().ok()))
            .collect();
        assert!(!listed.is_empty() && listed.windows(2).all(|w| w[0] >= w[1]), "{err}");
        assert!(total >= listed.iter().sum::<u64>() && total > 0, "{err}");
    }
}

/// `--profile perfmap` names each function in /tmp/perf-<pid>.map; `--profile jitdump` writes
/// /tmp/jit-<pid>.dump (perf's format: its magic, then a record naming each function); anything else
/// is a one-line error.
#[test]
fn profile_writes_perf_map_and_jit_dump() {
    let fac = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fac.wat");
    for (how, path) in [("perfmap", "/tmp/perf-{}.map"), ("jitdump", "/tmp/jit-{}.dump")] {
        let child = Command::new(WEFT)
            .args(["run", "--profile", how, "--invoke", "fac"])
            .arg(&fac)
            .arg("5")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let path = path.replace("{}", &child.id().to_string());
        let o = child.wait_with_output().unwrap();
        assert_eq!((o.status.code(), text(&o.stdout).as_str()), (Some(0), "120\n"), "{how}");
        let written = std::fs::read(&path).unwrap_or_else(|e| panic!("{how}: {path}: {e}"));
        let _ = std::fs::remove_file(&path);
        if how == "jitdump" {
            assert_eq!(&written[..4], &0x4A69_5444u32.to_le_bytes(), "jitdump magic");
        }
        // Names end a perf map line and are NUL-terminated in a jitdump record.
        let end = if how == "jitdump" { "\0" } else { "\n" };
        let named = |f: &str| written.windows(f.len() + 1).any(|w| w == [f.as_bytes(), end.as_bytes()].concat());
        assert!(named("wasm::fac") && named("wasm::fac_iter"), "{how}: functions not named in {path}");
    }
    assert_one_line_error(&weft(&["run", "--profile", "vtune", fac.to_str().unwrap()]), 1, "unknown --profile `vtune`");
}
