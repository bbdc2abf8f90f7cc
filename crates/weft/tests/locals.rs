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
