//! Declared locals start at zero. Functions with many locals zero only those the compiler cannot
//! prove written before read (a conservative pass over the structured control flow): each case here
//! reads a local that is written on some paths only, or only in a block already left, and must see 0.
//! Runs with guard pages and with explicit bounds checks.

use weft::*;

const MAYBE_WRITTEN: &str = r#"(module
  (func (export "f") (param $c i32) (result i64)
    (local $a i64) (local $b i64) (local $d i64) (local $e i64) (local $g i64)
    (local $h i64) (local $i i64) (local $j i64) (local $k i64) (local $l i64)
    ;; written in the then-branch only
    (if (local.get $c) (then (local.set $a (i64.const 1))))
    ;; written inside a block that a branch may leave first
    (block $out
      (br_if $out (local.get $c))
      (local.set $b (i64.const 2)))
    ;; written in both arms (still treated as maybe-unwritten: must read the written value)
    (if (local.get $c) (then (local.set $d (i64.const 4))) (else (local.set $d (i64.const 8))))
    ;; written in a loop body before a read after the loop: definitely written
    (loop $l (local.set $e (i64.const 16)))
    ;; written only after being read
    (local.set $g (i64.add (local.get $g) (i64.const 32)))
    ;; never written
    (i64.add (local.get $a)
      (i64.add (local.get $b)
        (i64.add (local.get $d)
          (i64.add (local.get $e)
            (i64.add (local.get $g) (local.get $l))))))))"#;

#[test]
fn locals_that_may_be_read_before_written_are_zero() {
    for guard_pages in [true, false] {
        let engine = Engine::new(Config { guard_pages, ..Default::default() }).unwrap();
        let module = Module::new(&engine, &wat::parse_str(MAYBE_WRITTEN).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let f = instance.get_func("f").unwrap();
        // Run twice per condition: the second call's frame reuses the first one's stack memory,
        // so a local that was not zeroed would show the earlier call's value.
        for (c, expected) in [(1, 1 + 4 + 16 + 32), (0, 2 + 8 + 16 + 32), (1, 1 + 4 + 16 + 32), (0, 2 + 8 + 16 + 32)] {
            assert_eq!(f.call(&mut store, &[Val::I32(c)]).unwrap(), vec![Val::I64(expected)], "c = {c}");
        }
    }
}

/// A function declaring 49,999 locals (the most wasm allows beside one parameter), in groups of
/// different types, reading a few before writing them. The compiler keeps per-local state for all of
/// them and finds the few to zero by skipping unread stretches 16 at a time: the reads sit on both
/// sides of those boundaries, far apart (one `zero_block` over the span) and close together (a
/// store per slot).
fn many_locals(reads: &[u32]) -> String {
    // Locals 20002..=29999 are the i64 group.
    let is_i64 = |x: &u32| (20002..=29999).contains(x);
    let body: String = reads
        .iter()
        .map(|x| {
            if is_i64(x) {
                format!("(i64.add (local.get {x}))")
            } else {
                format!("(i64.add (i64.extend_i32_u (local.get {x})))")
            }
        })
        .collect();
    let writes: String =
        reads.iter().map(|x| format!("(local.set {x} ({}.const 7))", if is_i64(x) { "i64" } else { "i32" })).collect();
    // The text format has no count: the binary encoder groups the repeated types.
    let (i32s, i64s, more_i32s) = ("i32 ".repeat(20001), "i64 ".repeat(9998), "i32 ".repeat(20000));
    format!(
        r#"(module (func (export "f") (param $c i32) (result i64)
             (local {i32s}) (local {i64s}) (local {more_i32s})
             (i64.const 0) {body}
             {writes}))"#
    )
}

#[test]
fn functions_with_tens_of_thousands_of_locals_zero_the_ones_they_read() {
    // The value stack a call may use is bounded by the native stack left to the thread too (see
    // `call_raw`): a test thread's 2 MiB would not admit this 400 KB frame.
    std::thread::Builder::new().stack_size(32 << 20).spawn(run_many_locals).unwrap().join().unwrap();
}

fn run_many_locals() {
    for reads in [&[1u32, 15, 16, 17, 31, 32][..], &[1, 16, 20001, 20002, 25000, 30000, 49999]] {
        let engine = Engine::new(Config::default()).unwrap();
        let wat = many_locals(reads);
        let module = Module::new(&engine, &wat::parse_str(&wat).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let f = instance.get_func("f").unwrap();
        // The second call's frame reuses the first's memory, where the locals were set to 7.
        for _ in 0..2 {
            assert_eq!(f.call(&mut store, &[Val::I32(0)]).unwrap(), vec![Val::I64(0)], "reads {reads:?}");
        }
    }
}
