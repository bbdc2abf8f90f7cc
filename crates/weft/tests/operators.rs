//! Operators the compiler translates specially when an operand is a constant agree with wasm's
//! semantics for every constant. (The spec suite mostly passes such operands as arguments, so these
//! forms would go untested there.)

use weft::*;

/// Shifts by a constant have a stencil per amount: every amount of every i32 and i64 shift, including
/// 0 and amounts at or past the width (taken modulo the width), from a local and from a register.
#[test]
fn shifts_by_every_constant_amount() {
    let engine = Engine::default();
    let values: [i64; 6] = [0, 1, -1, i64::MIN + 1, 0x0123_4567_89ab_cdef, 0x7654_3210_fedc_ba98];
    for (ty, bits) in [("i32", 64 / 2), ("i64", 64)] {
        let mut amounts: Vec<i64> = (0..bits + 3).collect();
        amounts.extend([2 * bits + 5, -1, if bits == 32 { i32::MAX.into() } else { (1 << 33) + 3 }]);
        let mut funcs = String::new();
        for op in ["shl", "shr_u", "shr_s"] {
            for &k in &amounts {
                // The shifted value in a local's slot, and in the cached register (the result of an add).
                funcs += &format!(
                    "(func (export \"{op} {k} local\") (param $x {ty}) (result {ty}) ({ty}.{op} (local.get $x) ({ty}.const {k})))\n\
                     (func (export \"{op} {k} register\") (param $x {ty}) (result {ty}) ({ty}.{op} ({ty}.add (local.get $x) ({ty}.const 0)) ({ty}.const {k})))\n"
                );
            }
        }
        let module = Module::new(&engine, &wat::parse_str(format!("(module {funcs})")).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        for op in ["shl", "shr_u", "shr_s"] {
            for &k in &amounts {
                for &x in &values {
                    let n = k as u32; // wrapping_shl/shr take the amount modulo the width, as wasm does
                    let (arg, want) = if bits == 32 {
                        let x = x as i32;
                        let r = match op {
                            "shl" => x.wrapping_shl(n),
                            "shr_u" => (x as u32).wrapping_shr(n) as i32,
                            _ => x.wrapping_shr(n),
                        };
                        (Val::I32(x), Val::I32(r))
                    } else {
                        let r = match op {
                            "shl" => x.wrapping_shl(n),
                            "shr_u" => (x as u64).wrapping_shr(n) as i64,
                            _ => x.wrapping_shr(n),
                        };
                        (Val::I64(x), Val::I64(r))
                    };
                    for form in ["local", "register"] {
                        let name = format!("{op} {k} {form}");
                        let got = instance.get_func(&name).unwrap().call(&mut store, &[arg]).unwrap();
                        assert_eq!(got, vec![want], "{ty}.{op} by {k} ({form}) of {x:#x}");
                    }
                }
            }
        }
    }
}

/// i32 and i64 globals are read into the cached register and written from it, from a pinned local
/// and from a slot. An i32 global read into the register is zero-extended: used as an address, a
/// value with the top bit set is out of bounds (sign-extended, it would reach below linear memory).
#[test]
fn globals_through_the_register_and_pinned_locals() {
    let engine = Engine::default();
    let wat = r#"(module
      (memory 1)
      (global $g (mut i32) (i32.const 0))
      (global $h (mut i64) (i64.const 0))
      (func (export "prologue") (param $n i32) (result i32)
        (local $sp i32)
        ;; C's frame setup and teardown; $sp is used often enough to be pinned.
        (global.set $g (local.tee $sp (i32.sub (global.get $g) (local.get $n))))
        (i32.store (local.get $sp) (i32.const 7))
        (i32.store offset=4 (local.get $sp) (i32.load (local.get $sp)))
        (global.set $g (i32.add (local.get $sp) (local.get $n)))
        (global.get $g))
      (func (export "set pinned") (param $x i32) (result i32)
        (local $y i32)
        (local.set $y (i32.add (local.get $x) (local.get $x)))
        (local.set $y (i32.add (local.get $y) (local.get $y)))
        (local.set $y (i32.add (local.get $y) (local.get $y)))
        (global.set $g (local.get $y))
        (global.get $g))
      (func (export "set slot") (param $x i32) (result i32)
        (local $a i32) (local $b i32) (local $c i32)
        (local.set $a (local.get $x)) (local.set $b (local.get $a)) (local.set $c (local.get $b))
        (local.set $a (local.get $c)) (local.set $b (local.get $a)) (local.set $c (local.get $b))
        (global.set $g (local.get $c))
        (global.get $g))
      (func (export "load at g") (param $x i32) (result i32)
        (global.set $g (local.get $x))
        (i32.load (global.get $g)))
      (func (export "i64") (param $x i64) (result i64)
        (global.set $h (i64.add (local.get $x) (i64.const 1)))
        (i64.sub (global.get $h) (i64.const 2))))"#;
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let mut call = |name: &str, arg: Val| instance.get_func(name).unwrap().call(&mut store, &[arg]);
    call("load at g", Val::I32(0x1000)).unwrap();
    assert_eq!(call("prologue", Val::I32(32)).unwrap(), vec![Val::I32(0x1000)]);
    for x in [0, 1, -1, i32::MIN, 0x1234_5678] {
        assert_eq!(call("set pinned", Val::I32(x)).unwrap(), vec![Val::I32(x.wrapping_mul(8))], "{x:#x}");
        assert_eq!(call("set slot", Val::I32(x)).unwrap(), vec![Val::I32(x)], "{x:#x}");
    }
    for x in [0, -1, i64::MIN, i64::MAX, 0x1234_5678_9abc_def0] {
        assert_eq!(call("i64", Val::I64(x)).unwrap(), vec![Val::I64(x.wrapping_sub(1))], "{x:#x}");
    }
    assert_eq!(call("load at g", Val::I32(8)).unwrap(), vec![Val::I32(0)]);
    for x in [-4, -16, i32::MIN, 0x10000] {
        let err = call("load at g", Val::I32(x)).unwrap_err();
        assert!(matches!(err, Error::Trap { trap: Trap::OutOfBoundsMemory, .. }), "load at {x:#x}: {err}");
    }
}

/// The first defined globals live in the instance record (compiled code reaches them at a fixed
/// offset from its context), the rest in boxes of their own. Both kinds are read and written by the
/// module, by another module importing them, and seen by the host through the exports.
#[test]
fn globals_in_the_instance_record_and_beyond() {
    let engine = Engine::default();
    // Six mutable globals, more than the instance record holds; "bump" adds to each through the
    // register (integers), a slot (floats) or a pinned local.
    let exporter = r#"(module
      (global $a (export "a") (mut i32) (i32.const 1))
      (global $b (export "b") (mut i64) (i64.const 2))
      (global $c (export "c") (mut f64) (f64.const 3))
      (global $d (export "d") (mut f32) (f32.const 4))
      (global $e (export "e") (mut i32) (i32.const 5))
      (global $f (export "f") (mut i64) (i64.const 6))
      (func (export "bump") (param $n i32) (local $k i32)
        (local.set $k (i32.add (local.get $n) (local.get $n)))
        (local.set $k (i32.add (local.get $k) (local.get $n)))
        (global.set $a (i32.add (global.get $a) (local.get $n)))
        (global.set $b (i64.add (global.get $b) (i64.extend_i32_u (local.get $n))))
        (global.set $c (f64.add (global.get $c) (f64.convert_i32_u (local.get $n))))
        (global.set $d (f32.add (global.get $d) (f32.convert_i32_u (local.get $n))))
        (global.set $e (local.get $k))
        (global.set $f (i64.add (global.get $f) (i64.extend_i32_u (local.get $k))))))"#;
    let importer = r#"(module
      (import "m" "a" (global $a (mut i32)))
      (import "m" "f" (global $f (mut i64)))
      (global $own (mut i32) (i32.const 100))
      (func (export "mix") (result i32)
        (global.set $a (i32.mul (global.get $a) (i32.const 10)))
        (global.set $f (i64.sub (global.get $f) (i64.const 1)))
        (global.set $own (i32.add (global.get $own) (global.get $a)))
        (global.get $own)))"#;
    let mut store = Store::new(&engine, ());
    let m1 = Module::new(&engine, &wat::parse_str(exporter).unwrap()).unwrap();
    let i1 = Instance::new(&mut store, &m1, &[]).unwrap();
    let export = |name: &str| i1.get_export(name).unwrap();
    let m2 = Module::new(&engine, &wat::parse_str(importer).unwrap()).unwrap();
    let i2 = Instance::new(&mut store, &m2, &[export("a"), export("f")]).unwrap();
    i1.get_func("bump").unwrap().call(&mut store, &[Val::I32(7)]).unwrap();
    assert_eq!(i2.get_func("mix").unwrap().call(&mut store, &[]).unwrap(), vec![Val::I32(180)]);
    i1.get_func("bump").unwrap().call(&mut store, &[Val::I32(1)]).unwrap();
    let global = |name: &str| match export(name) {
        Extern::Global(g) => g.get(&store),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(global("a"), Val::I32(81));
    assert_eq!(global("b"), Val::I64(10));
    assert_eq!(global("c"), Val::F64(11f64.to_bits()));
    assert_eq!(global("d"), Val::F32(12f32.to_bits()));
    assert_eq!(global("e"), Val::I32(3));
    assert_eq!(global("f"), Val::I64(6 + 21 - 1 + 3));
}

/// `i64.extend_i32_u` of a value in the cached register emits nothing (the register holds an i32
/// zero-extended): the value is right whatever its top bit, also when the register mirrored an i32
/// local that is later read as itself.
#[test]
fn extend_u_of_a_register_value() {
    let engine = Engine::default();
    let wat = r#"(module
      (func (export "reg") (param $x i32) (result i64)
        (i64.extend_i32_u (i32.add (local.get $x) (i32.const 1))))
      (func (export "tee") (param $x i32) (result i64)
        (local $y i32)
        (i64.add
          (i64.extend_i32_u (local.tee $y (i32.add (local.get $x) (i32.const 1))))
          (i64.extend_i32_s (local.get $y))))
      (func (export "spilled") (param $x i32) (result i64)
        (local $y i32)
        (i64.extend_i32_u (local.tee $y (i32.sub (local.get $x) (i32.const 1))))
        (i32.load8_u (i32.const 0))
        (drop)
        (i64.shl (i64.extend_i32_u (local.get $y)) (i64.const 1))
        (i64.add)))"#;
    let module = Module::new(
        &engine,
        &wat::parse_str(wat.replace("(func (export \"reg\")", "(memory 1) (func (export \"reg\")")).unwrap(),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    for x in [0i32, 1, -1, -2, i32::MAX, i32::MIN, 0x7fff_fffe] {
        let mut call = |name: &str| instance.get_func(name).unwrap().call(&mut store, &[Val::I32(x)]).unwrap();
        let y = x.wrapping_add(1);
        assert_eq!(call("reg"), vec![Val::I64(i64::from(y as u32))], "reg {x:#x}");
        assert_eq!(call("tee"), vec![Val::I64(i64::from(y as u32).wrapping_add(i64::from(y)))], "tee {x:#x}");
        let z = u64::from(x.wrapping_sub(1) as u32);
        assert_eq!(call("spilled"), vec![Val::I64((z + (z << 1)) as i64)], "spilled {x:#x}");
    }
}

/// `select` picks its first operand when the condition is non-zero, for every operand type, with each
/// operand a constant or computed, under conditions the compiler may fuse with the select or test as
/// "is zero" (`i32.eqz`, `i32.eq` with 0, `ref.is_null`, a compare) as well as a plain i32. wasmi 2.0.0
/// picks the wrong operand for some of these shapes (an `is zero` condition, one operand computed), so
/// the differential test cannot vouch for weft on them: this test does, against the spec's rule.
#[test]
fn select_picks_by_the_condition_for_every_shape() {
    let engine = Engine::default();
    let types = ["i32", "i64", "f32", "f64"];
    // Conditions on $x and $r; `truth` below gives each one's value, in the same order.
    let conditions = [
        "(i32.eqz (local.get $x))",
        "(i32.eq (local.get $x) (i32.const 0))",
        "(i32.ne (local.get $x) (i32.const 0))",
        "(ref.is_null (local.get $r))",
        "(local.get $x)",
        "(i32.lt_s (local.get $x) (i32.const 1))",
    ];
    let widen = |ty: &str| match ty {
        "i32" => "(local.get $x)",
        "i64" => "(i64.extend_i32_s (local.get $x))",
        "f32" => "(f32.convert_i32_s (local.get $x))",
        _ => "(f64.convert_i32_s (local.get $x))",
    };
    let mut funcs = String::new();
    for ty in types {
        for (c, cond) in conditions.iter().enumerate() {
            for shape in 0..4 {
                let first = if shape & 1 == 0 {
                    format!("({ty}.const 9)")
                } else {
                    format!("({ty}.add {} ({ty}.const 3))", widen(ty))
                };
                let second = if shape & 2 == 0 {
                    format!("({ty}.const -5)")
                } else {
                    format!("({ty}.sub {} ({ty}.const 4))", widen(ty))
                };
                funcs += &format!(
                    "(func (export \"{ty} {c} {shape}\") (param $x i32) (param $r externref) (result {ty}) (select {first} {second} {cond}))\n"
                );
            }
        }
    }
    let module = Module::new(&engine, &wat::parse_str(format!("(module {funcs})")).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    for x in [0i32, 1, -7, i32::MIN] {
        for r in [None, Some(0), Some(7)] {
            // Each of `conditions`, evaluated.
            let truth = [x == 0, x == 0, x != 0, r.is_none(), x != 0, x < 1];
            for ty in types {
                let value = |v: i64| match ty {
                    "i32" => Val::I32(v as i32),
                    "i64" => Val::I64(v),
                    "f32" => Val::F32((v as f32).to_bits()),
                    _ => Val::F64((v as f64).to_bits()),
                };
                // i32 arithmetic wraps; the others see x exactly (f32 rounds like the wasm conversion).
                let add = |k: i64| if ty == "i32" { i64::from(x.wrapping_add(k as i32)) } else { i64::from(x) + k };
                for (c, &holds) in truth.iter().enumerate() {
                    for shape in 0..4 {
                        let first = if shape & 1 == 0 { value(9) } else { value(add(3)) };
                        let second = if shape & 2 == 0 { value(-5) } else { value(add(-4)) };
                        let name = format!("{ty} {c} {shape}");
                        let got = instance
                            .get_func(&name)
                            .unwrap()
                            .call(&mut store, &[Val::I32(x), Val::ExternRef(r)])
                            .unwrap();
                        assert_eq!(
                            got,
                            vec![if holds { first } else { second }],
                            "`{name}`: {} with x = {x}, r = {r:?}",
                            conditions[c]
                        );
                    }
                }
            }
        }
    }
}
