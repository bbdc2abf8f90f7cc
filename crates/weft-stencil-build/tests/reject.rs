//! The stencil build must refuse every stencil it cannot copy and patch safely, naming the stencil and
//! the reason. Each case compiles a tiny stencil source with the real rustc and runs `extract` on it.

use std::path::PathBuf;
use weft_stencil_build::{CompileOptions, Error, HoleKind, compile, extract};

const PRELUDE: &str = r#"
#![no_std]
#![allow(non_upper_case_globals, unused)]
unsafe extern "C" {
    static S0: u8;
    fn CONTINUE(fp: *mut u8, ctx: *mut u8, mem: *mut u8, len: u64, t0: u64, t1: u64) -> u64;
    fn CALLEE(fp: *mut u8, ctx: *mut u8, mem: *mut u8, len: u64, t0: u64, t1: u64) -> u64;
}
"#;

fn options() -> CompileOptions {
    CompileOptions {
        rustc: std::env::var_os("RUSTC").map(PathBuf::from).unwrap_or_else(|| "rustc".into()),
        target: "x86_64-unknown-linux-gnu".into(),
        target_cpu: "x86-64-v2".into(),
    }
}

fn build(name: &str, body: &str, extra_flags: &[&str]) -> Result<weft_stencil_build::StencilSet, Error> {
    let dir = std::env::temp_dir().join(format!("weft-stencil-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("s.rs");
    std::fs::write(&src, format!("{PRELUDE}\n{body}")).unwrap();
    let obj = dir.join("s.o");
    let bytes = if extra_flags.is_empty() {
        compile(&options(), &src, &obj)?
    } else {
        // Deliberately wrong flags, to produce relocations the extractor must refuse.
        let status = std::process::Command::new(options().rustc)
            .args([
                "--edition=2024",
                "--crate-type=lib",
                "--emit=obj",
                "-C",
                "opt-level=3",
                "-C",
                "panic=abort",
                "--cap-lints",
                "allow",
                "-o",
            ])
            .arg(&obj)
            .arg(&src)
            .args(extra_flags)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read(&obj).unwrap()
    };
    extract(&bytes)
}

fn rejected(name: &str, body: &str, flags: &[&str], reason: &str) {
    match build(name, body, flags) {
        Err(Error::Unusable { stencil, reason: r }) => {
            assert!(r.contains(reason), "stencil `{stencil}` rejected for `{r}`, expected `{reason}`");
        }
        Err(other) => panic!("unexpected error: {other}"),
        Ok(set) => panic!("stencil accepted: {:?}", set.stencils.iter().map(|s| &s.name).collect::<Vec<_>>()),
    }
}

#[test]
fn a_good_stencil_is_accepted_and_its_trailing_jump_dropped() {
    let set = build(
        "good",
        r#"#[unsafe(no_mangle)] pub unsafe extern "C" fn add(fp: *mut u8, c: *mut u8, m: *mut u8, l: u64, a: u64, b: u64) -> u64 {
            unsafe { let s = (&raw const S0) as usize; *(fp.add(s) as *mut u32) += *(fp.add(s + 8) as *const u32); CONTINUE(fp, c, m, l, a, b) }
        }"#,
        &[],
    )
    .unwrap();
    let add = set.get("add").unwrap();
    assert!(
        add.holes.iter().all(|h| h.kind == HoleKind::S0),
        "the trailing CONTINUE hole must be gone: {:?}",
        add.holes
    );
    assert_ne!(add.code.last(), None);
    assert!(add.code.len() < 20, "add is a few instructions: {:?}", add.code);
}

#[test]
fn continuation_reached_by_call_is_rejected() {
    rejected(
        "call",
        r#"#[unsafe(no_mangle)] pub unsafe extern "C" fn bad(fp: *mut u8, c: *mut u8, m: *mut u8, l: u64, a: u64, b: u64) -> u64 {
            unsafe { CONTINUE(fp, c, m, l, a, b) + 1 }
        }"#,
        &[],
        "reached by a `call`",
    );
}

/// `return_call`: the callee is reached by the stencil's final `jmp`, and returns to its caller.
#[test]
fn a_tail_call_to_callee_is_accepted() {
    let set = build(
        "tail",
        r#"#[unsafe(no_mangle)] pub unsafe extern "C" fn tail(fp: *mut u8, c: *mut u8, m: *mut u8, l: u64, a: u64, b: u64) -> u64 {
            unsafe { CALLEE(fp, c, m, l, a, b) }
        }"#,
        &[],
    )
    .unwrap();
    assert!(set.get("tail").unwrap().holes.iter().any(|h| h.kind == HoleKind::Callee));
}

#[test]
fn callee_used_other_than_by_call_or_jmp_is_rejected() {
    rejected(
        "callee_value",
        r#"#[unsafe(no_mangle)] pub unsafe extern "C" fn bad(fp: *mut u8, c: *mut u8, m: *mut u8, l: u64, a: u64, b: u64) -> u64 {
            unsafe { *(fp as *mut usize) = CALLEE as usize; CONTINUE(fp, c, m, l, a, b) }
        }"#,
        &[],
        "must be the target of a `call` or a tail-call `jmp`",
    );
}

#[test]
fn undefined_symbol_that_is_no_hole_is_rejected() {
    rejected(
        "undef",
        r#"unsafe extern "C" { fn memcpy_like(p: *mut u8); }
        #[unsafe(no_mangle)] pub unsafe extern "C" fn bad(fp: *mut u8, c: *mut u8, m: *mut u8, l: u64, a: u64, b: u64) -> u64 {
            unsafe { memcpy_like(fp); CONTINUE(fp, c, m, l, a, b) }
        }"#,
        &[],
        "neither a hole nor a helper",
    );
}

#[test]
fn panic_machinery_is_rejected() {
    rejected(
        "panic",
        r#"#[unsafe(no_mangle)] pub unsafe extern "C" fn bad(fp: *mut u8, c: *mut u8, m: *mut u8, l: u64, a: u64, b: u64) -> u64 {
            let table = [1u64, 2, 3];
            unsafe { *(fp as *mut u64) = table[l as usize]; CONTINUE(fp, c, m, l, a, b) }
        }"#,
        &[],
        "panic machinery",
    );
}

#[test]
fn data_with_relocations_is_rejected() {
    rejected(
        "reloc-data",
        r#"#[inline(never)] extern "C" fn one() -> u64 { 1 }
        #[inline(never)] extern "C" fn two() -> u64 { 2 }
        static TABLE: [extern "C" fn() -> u64; 2] = [one, two];
        #[unsafe(no_mangle)] pub unsafe extern "C" fn bad(fp: *mut u8, c: *mut u8, m: *mut u8, l: u64, a: u64, b: u64) -> u64 {
            unsafe { *(fp as *mut u64) = TABLE[(l & 1) as usize](); CONTINUE(fp, c, m, l, a, b) }
        }"#,
        &[],
        "relocations",
    );
}

#[test]
fn writable_data_is_rejected() {
    rejected(
        "writable",
        r#"static mut COUNTER: u64 = 0;
        #[unsafe(no_mangle)] pub unsafe extern "C" fn bad(fp: *mut u8, c: *mut u8, m: *mut u8, l: u64, a: u64, b: u64) -> u64 {
            unsafe { COUNTER += l; *(fp as *mut u64) = COUNTER; CONTINUE(fp, c, m, l, a, b) }
        }"#,
        &[],
        "writable data",
    );
}

#[test]
fn got_relocations_from_pic_code_are_rejected() {
    rejected(
        "pic",
        r#"#[unsafe(no_mangle)] pub unsafe extern "C" fn bad(fp: *mut u8, c: *mut u8, m: *mut u8, l: u64, a: u64, b: u64) -> u64 {
            unsafe { let s = (&raw const S0) as usize; *(fp as *mut usize) = s; CONTINUE(fp, c, m, l, a, b) }
        }"#,
        &["-C", "relocation-model=pic"],
        "unknown relocation type",
    );
}

#[test]
fn the_real_stencils_build() {
    // The engine's own stencil source goes through the same rules (also checked by the build itself).
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../weft-stencils/stencils/stencils.rs");
    let obj = std::env::temp_dir().join(format!("weft-stencils-real-{}.o", std::process::id()));
    let set = extract(&compile(&options(), &src, &obj).unwrap()).unwrap();
    assert!(set.get("ss_s__i32_add").is_some() && set.get("call_indirect").is_some());
}
