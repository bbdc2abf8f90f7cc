//! Values the compiler keeps in registers (the cached t0, the pinned locals p, q, x, y, u, v) keep their meaning
//! where the registers are shared or clobbered: across calls, around explicitly checked accesses (which
//! need the memlen register q lives in), after an i64 in t0 is wrapped and used as an address. And the
//! forms that fold an operand away: a load into the f64 binop consuming it, a constant address into
//! the offset, f64 immediates into a constant pool, and an f64 stored from f0 to an address in t0. A
//! value `local.tee` kept in a register is read back from its local when evicted, unless the local
//! changed. Accesses to a second memory (WebAssembly 3.0), which swap it into memory 0's registers,
//! and to 64-bit memories and tables, whose addresses and indices are reduced to 32 bits.
//! Each case runs with guard pages and with explicit bounds checks.

use weft::*;

fn engines() -> [Engine; 2] {
    [
        // Stencils counted: tests check which forms were used.
        Engine::new(Config { guard_pages: true, count_stencils: true, ..Default::default() }).unwrap(),
        Engine::new(Config { guard_pages: false, count_stencils: true, ..Default::default() }).unwrap(),
    ]
}

/// Instantiates `wat` (no imports) and calls `name` with `args`.
fn call(engine: &Engine, wat: &str, name: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
    let module = Module::new(engine, &wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    instance.get_func(name).unwrap().call(&mut store, args)
}

/// Instantiates `wat` (no imports) in WebAssembly 3.0 mode.
fn instantiate_wasm3(guard_pages: bool, wat: &str) -> (Store<()>, Instance) {
    let engine = Engine::new(Config { guard_pages, version: WasmVersion::V3, ..Default::default() }).unwrap();
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

// Two heavily used i32 locals (pinned as p and q) live across calls to a function that pins its own.
const ACROSS_CALLS: &str = r#"(module
  (func $clobber (param i32) (result i32) (local i32 i32)
    (local.set 1 (i32.mul (local.get 0) (i32.const 7)))
    (local.set 2 (i32.add (local.get 1) (local.get 1)))
    (local.set 1 (i32.xor (local.get 2) (local.get 1)))
    (local.set 2 (i32.sub (local.get 1) (local.get 2)))
    (i32.add (local.get 1) (local.get 2)))
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $clobber (local.get $i))))
      (local.set $acc (i32.add (local.get $acc) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"#;

#[test]
fn pinned_locals_survive_calls() {
    // The same sum computed on the host.
    let clobber = |x: i32| {
        let a = x.wrapping_mul(7);
        let b = a.wrapping_add(a);
        let a = b ^ a;
        let b = a.wrapping_sub(b);
        a.wrapping_add(b)
    };
    let expected = (0..100).fold(0i32, |acc, i| acc.wrapping_add(clobber(i)).wrapping_add(i));
    for engine in engines() {
        assert_eq!(call(&engine, ACROSS_CALLS, "sum", &[Val::I32(100)]).unwrap(), vec![Val::I32(expected)]);
    }
}

// Pinned locals used as addresses next to accesses that check bounds explicitly even with guard pages:
// an offset of 2^31 or more, SIMD loads, memory.size and memory.grow.
const EXPLICIT_ACCESSES: &str = r#"(module
  (memory 1)
  (data (i32.const 16) "\2a\00\00\00\07\00\00\00")
  (func (export "f") (param $a i32) (param $b i32) (result i32) (local $x i32)
    (local.set $x (i32.load (local.get $a)))
    (local.set $x (i32.add (local.get $x) (i32.load (local.get $b))))
    (local.set $x (i32.add (local.get $x) (i32x4.extract_lane 1 (v128.load (local.get $a)))))
    (local.set $x (i32.add (local.get $x) (memory.size)))
    (local.set $x (i32.add (local.get $x) (i32.load (local.get $a))))
    (local.set $x (i32.add (local.get $x) (i32.load (local.get $b))))
    (i32.add (local.get $x) (i32.add (local.get $a) (local.get $b))))
  (func (export "far") (param $a i32) (result i32) (local $b i32)
    (local.set $b (i32.add (local.get $a) (i32.const 4)))
    (local.set $b (i32.add (local.get $b) (i32.load (local.get $b))))
    (local.set $a (i32.add (local.get $a) (local.get $b)))
    (i32.load offset=0x80000000 (local.get $a))))"#;

#[test]
fn pinned_locals_and_explicit_bounds_checks_share_the_memlen_register() {
    for engine in engines() {
        // 42 + 7 + 7 (lane 1 at 16) + 1 page + 42 + 7 + (16 + 20)
        let r = call(&engine, EXPLICIT_ACCESSES, "f", &[Val::I32(16), Val::I32(20)]).unwrap();
        assert_eq!(r, vec![Val::I32(42 + 7 + 7 + 1 + 42 + 7 + 36)]);
        // The far access is out of bounds whatever the pinned registers hold.
        let err = call(&engine, EXPLICIT_ACCESSES, "far", &[Val::I32(16)]).unwrap_err();
        assert!(matches!(err, Error::Trap { trap: Trap::OutOfBoundsMemory, .. }), "{err:?}");
    }
}

// A caller with `q` pinned (two busy i32 locals) calls, directly, functions that pin nothing and access
// memory with explicit checks (SIMD always checks explicitly): with guard pages, the memlen register
// then arrives holding the caller's `q`, not the length. Found by the SIMD differential test (a
// false out-of-bounds trap).
const CALLEE_WITHOUT_Q: &str = r#"(module
  (memory 1)
  (func $last_lanes (param i32) (result i32) (i32x4.extract_lane 2 (v128.load (local.get 0))))
  (func $splat (param i32) (result i32) (i8x16.extract_lane_u 15 (v128.load8_splat offset=65000 (local.get 0))))
  (func (export "run") (param $a i32) (param $b i32) (result i32) (local $i i32) (local $acc i32)
    (i32.store (i32.const 65528) (i32.const 7))
    (i32.store8 (i32.const 65535) (i32.const 9))
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $last_lanes (local.get $a))))
      (local.set $acc (i32.add (local.get $acc) (call $splat (local.get $b))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $acc)))"#;

#[test]
fn explicit_checks_in_a_callee_see_the_length_not_the_callers_q() {
    for engine in engines() {
        // The last 16 bytes of the page (lane 2 = 7) and its last byte (9), each three times; `q`
        // (the loop counter or the sum) is far below both addresses.
        assert_eq!(
            call(&engine, CALLEE_WITHOUT_Q, "run", &[Val::I32(65520), Val::I32(535)]).unwrap(),
            vec![Val::I32(3 * (7 + 9))]
        );
        // One byte further is out of bounds.
        let err = call(&engine, CALLEE_WITHOUT_Q, "run", &[Val::I32(65521), Val::I32(535)]).unwrap_err();
        assert!(matches!(err, Error::Trap { trap: Trap::OutOfBoundsMemory, .. }), "{err:?}");
        let err = call(&engine, CALLEE_WITHOUT_Q, "run", &[Val::I32(65520), Val::I32(536)]).unwrap_err();
        assert!(matches!(err, Error::Trap { trap: Trap::OutOfBoundsMemory, .. }), "{err:?}");
    }
}

// WebAssembly 3.0's multiple memories: an access to memory 1 swaps it into the registers that hold
// memory 0 (and pinned local q), and swaps back. Pinned locals serve as addresses and values on both
// sides of the swap, an f64 load from memory 1 meets a binop that could fuse with it, and memory 1's
// bounds are its own: smaller than memory 0's, and checked even with guard pages.
const SECOND_MEMORY: &str = r#"(module
  (memory $m0 2)
  (memory $m1 1)
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32) (local $f f64)
    (loop $l
      (i32.store $m1 (i32.shl (local.get $i) (i32.const 2)) (i32.mul (local.get $i) (i32.const 3)))
      (i32.store $m0 (i32.shl (local.get $i) (i32.const 2)) (local.get $acc))
      (i32.store $m1 offset=4096 (local.get $i) (local.get $acc))
      (local.set $acc (i32.add (local.get $acc)
        (i32.add (i32.load $m1 (i32.shl (local.get $i) (i32.const 2))) (i32.load $m0 (i32.shl (local.get $i) (i32.const 2))))))
      (local.set $acc (i32.sub (local.get $acc) (i32.load8_u $m1 offset=4096 (local.get $i))))
      (f64.store $m1 offset=8192 (i32.shl (local.get $i) (i32.const 3)) (f64.convert_i32_u (local.get $i)))
      (local.set $f (f64.add (local.get $f) (f64.load $m1 offset=8192 (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $acc) (i32.trunc_f64_u (local.get $f))))
  (func (export "load0") (param i32) (result i32) (i32.load $m0 (local.get 0)))
  (func (export "load1") (param i32) (result i32) (i32.load $m1 (local.get 0)))
  (func (export "store1") (param i32) (i32.store $m1 (local.get 0) (i32.const 7)))
  (func (export "simd1") (param i32) (result i32) (i32x4.extract_lane 0 (v128.load $m1 (local.get 0))))
  (func (export "grow1") (result i32) (i32.add (memory.grow $m1 (i32.const 1)) (i32.mul (memory.size $m1) (i32.const 100)))))"#;

#[test]
fn a_second_memory_is_reached_through_its_own_base_and_bounds() {
    // The loop on the host: memory 0 at 4i gets the old sum, memory 1 at 4i gets 3i and its byte at
    // 4096 + i the old sum's low byte.
    let n = 200;
    let (mut acc, mut f) = (0i32, 0f64);
    for i in 0..n {
        acc = acc.wrapping_add(3 * i).wrapping_add(acc).wrapping_sub(acc as u8 as i32);
        f += i as f64;
    }
    let expected = acc.wrapping_add(f as u32 as i32);
    for guard_pages in [true, false] {
        let (mut store, instance) = instantiate_wasm3(guard_pages, SECOND_MEMORY);
        let mut call = |name: &str, args: &[Val]| instance.get_func(name).unwrap().call(&mut store, args);
        assert_eq!(call("run", &[Val::I32(n)]).unwrap(), vec![Val::I32(expected)], "guard pages: {guard_pages}");
        // 70000 is inside memory 0 (two pages) but not memory 1 (one page).
        assert_eq!(call("load0", &[Val::I32(70000)]).unwrap(), vec![Val::I32(0)]);
        for (name, arg) in [("load1", 70000), ("store1", 65533), ("simd1", 65530)] {
            let err = call(name, &[Val::I32(arg)]).unwrap_err();
            assert!(
                matches!(err, Error::Trap { trap: Trap::OutOfBoundsMemory, .. }),
                "{name}, guard pages: {guard_pages}: {err:?}"
            );
        }
        // Grown, memory 1 has room there.
        assert_eq!(call("grow1", &[]).unwrap(), vec![Val::I32(1 + 200)]);
        call("store1", &[Val::I32(70000)]).unwrap();
        assert_eq!(call("load1", &[Val::I32(70000)]).unwrap(), vec![Val::I32(7)]);
        assert_eq!(call("simd1", &[Val::I32(70000)]).unwrap(), vec![Val::I32(7)]);
    }
}

// WebAssembly 3.0's 64-bit memories and tables: an i64 address (here computed in t0) plus a 64-bit
// offset is checked and reduced to 32 bits in its slot, then accessed as in a 32-bit memory; an index
// into a 64-bit table is saturated to 32 bits. Sizes and `grow` results are i64.
const WIDE: &str = r#"(module
  (memory $m i64 1)
  (table $t i64 2 funcref)
  (elem (table $t) (i64.const 1) func $seven)
  (type $v (func (result i32)))
  (func $seven (result i32) (i32.const 7))
  (func (export "store_load") (param $a i64) (result i32) (local $i i32) (local $j i32)
    (local.set $i (i32.const 5))
    (local.set $j (i32.const 9))
    (i32.store (i64.add (local.get $a) (i64.const 8)) (i32.add (local.get $i) (local.get $j)))
    (i32.add (i32.load offset=8 (local.get $a)) (i32.mul (local.get $i) (local.get $j))))
  (func (export "far") (param $a i64) (result i32) (i32.load offset=0x100000000 (local.get $a)))
  (func (export "sizes") (result i64)
    (i64.add (memory.size) (i64.add (i64.mul (table.size $t) (i64.const 10)) (i64.mul (memory.grow (i64.const 0x1000000000)) (i64.const 100)))))
  (func (export "call") (param i64) (result i32) (call_indirect $t (type $v) (local.get 0))))"#;

#[test]
fn sixty_four_bit_memories_and_tables() {
    for guard_pages in [true, false] {
        let (mut store, instance) = instantiate_wasm3(guard_pages, WIDE);
        let mut call = |name: &str, args: &[Val]| instance.get_func(name).unwrap().call(&mut store, args);
        assert_eq!(call("store_load", &[Val::I64(100)]).unwrap(), vec![Val::I32(14 + 45)]);
        // The last 4 bytes of the page, then one byte further, then an address that only fits 64 bits.
        assert_eq!(call("store_load", &[Val::I64(65536 - 12)]).unwrap(), vec![Val::I32(14 + 45)]);
        for (name, a) in [("store_load", 65536 - 11), ("store_load", 1 << 40), ("store_load", -8), ("far", 0)] {
            let err = call(name, &[Val::I64(a)]).unwrap_err();
            assert!(
                matches!(err, Error::Trap { trap: Trap::OutOfBoundsMemory, .. }),
                "{name}({a}), guard pages: {guard_pages}: {err:?}"
            );
        }
        // 1 page + 2 elements * 10 + (-1) * 100: growing by 2^36 pages fails.
        assert_eq!(call("sizes", &[]).unwrap(), vec![Val::I64(1 + 20 - 100)]);
        assert_eq!(call("call", &[Val::I64(1)]).unwrap(), vec![Val::I32(7)]);
        for index in [2, 1 << 32 | 1, -1] {
            let err = call("call", &[Val::I64(index)]).unwrap_err();
            assert!(matches!(err, Error::Trap { trap: Trap::UndefinedElement, .. }), "call({index}): {err:?}");
        }
    }
}

// An i64 with a non-zero upper half, wrapped to i32 while cached in t0, then used as an address: stencils
// use registers as 64-bit addresses, so the compiler must zero-extend it.
const WRAPPED_ADDRESS: &str = r#"(module
  (memory 1)
  (data (i32.const 16) "\2a\00\00\00")
  (func (export "f") (param i64) (result i32)
    (i32.load (i32.wrap_i64 (i64.or (local.get 0) (i64.const 0x7fff00000000)))))
  (func (export "g") (param i64) (result i32) (local i32)
    (local.set 1 (i32.wrap_i64 (i64.or (local.get 0) (i64.const 0x7fff00000000))))
    (i32.add (i32.load (local.get 1)) (i32.add (i32.load (local.get 1)) (i32.load (local.get 1))))))"#;

#[test]
fn a_wrapped_i64_in_a_register_is_a_32_bit_address() {
    for engine in engines() {
        assert_eq!(call(&engine, WRAPPED_ADDRESS, "f", &[Val::I64(16)]).unwrap(), vec![Val::I32(42)]);
        assert_eq!(call(&engine, WRAPPED_ADDRESS, "g", &[Val::I64(16)]).unwrap(), vec![Val::I32(126)]);
        let err = call(&engine, WRAPPED_ADDRESS, "f", &[Val::I64(65536)]).unwrap_err();
        assert!(matches!(err, Error::Trap { trap: Trap::OutOfBoundsMemory, .. }), "{err:?}");
    }
}

// Two f64 locals (pinned as x and y) squared in place (`x * x`: both operands the same register) and
// kept across calls to a function that pins its own.
const F64_ACROSS_CALLS: &str = r#"(module
  (func $halve (param f64) (result f64) (local f64 f64)
    (local.set 1 (f64.mul (local.get 0) (f64.const 0.25)))
    (local.set 2 (f64.add (local.get 1) (local.get 1)))
    (local.set 1 (f64.sub (local.get 2) (local.get 1)))
    (f64.add (local.get 1) (local.get 1)))
  (func (export "run") (param $n i32) (result f64) (local $a f64) (local $b f64)
    (local.set $a (f64.const 1.5))
    (loop $l
      (local.set $b (f64.add (local.get $b) (f64.mul (local.get $a) (local.get $a))))
      (local.set $a (f64.add (call $halve (local.get $a)) (f64.const 1)))
      (local.set $b (f64.sub (local.get $b) (local.get $a)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f64.add (local.get $a) (local.get $b))))"#;

#[test]
fn pinned_f64_locals_survive_calls() {
    let (mut a, mut b) = (1.5f64, 0.0f64);
    for _ in 0..50 {
        b += a * a;
        let h = a * 0.25;
        let h2 = h + h;
        let h = h2 - h;
        a = (h + h) + 1.0;
        b -= a;
    }
    for engine in engines() {
        let r = call(&engine, F64_ACROSS_CALLS, "run", &[Val::I32(50)]).unwrap();
        assert_eq!(r, vec![Val::F64((a + b).to_bits())]);
    }
}

// Five heavily used f64 locals: four are pinned (x, y, u, v), the fifth lives in its slot. They are
// written by binops, a load, a copy from another pin and a constant; read by compares, a branch, a
// store and a call argument; and survive calls to a function that pins four f64 locals of its own.
const FOUR_F64_PINS: &str = r#"(module
  (memory 1)
  (func $mix (param f64) (result f64) (local f64 f64 f64 f64)
    (local.set 1 (f64.mul (local.get 0) (f64.const 0.5)))
    (local.set 2 (f64.add (local.get 1) (local.get 0)))
    (local.set 3 (f64.sub (local.get 2) (local.get 1)))
    (local.set 4 (f64.mul (local.get 3) (local.get 2)))
    (local.set 1 (f64.div (local.get 4) (f64.add (local.get 3) (f64.const 1))))
    (local.set 2 (f64.add (local.get 2) (local.get 1)))
    (local.set 3 (f64.add (local.get 3) (local.get 4)))
    (local.set 4 (f64.sub (local.get 4) (local.get 2)))
    (f64.add (f64.add (local.get 1) (local.get 2)) (f64.add (local.get 3) (local.get 4))))
  (func (export "run") (param $n i32) (result f64)
    (local $zr f64) (local $zi f64) (local $cr f64) (local $ci f64) (local $acc f64)
    (local.set $cr (f64.const -0.75))
    (local.set $ci (f64.const 0.125))
    (f64.store (i32.const 8) (f64.const 0.0625))
    (loop $l
      (local.set $acc (f64.add (local.get $zr) (local.get $zi)))
      (local.set $zr (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr)) (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
      (local.set $zi (f64.add (f64.mul (f64.mul (local.get $acc) (local.get $zi)) (f64.const 2)) (local.get $ci)))
      (if (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr)) (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4))
        (then (local.set $zr (f64.load (i32.const 8))) (local.set $zi (local.get $cr))))
      (local.set $cr (f64.add (local.get $cr) (f64.div (call $mix (local.get $ci)) (f64.const 1024))))
      (local.set $ci (f64.sub (local.get $ci) (f64.mul (local.get $acc) (f64.const 0.001))))
      (f64.store (i32.const 16) (local.get $zi))
      (local.set $acc (f64.add (local.get $acc) (f64.load (i32.const 16))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f64.add (f64.add (local.get $zr) (local.get $zi)) (f64.add (f64.add (local.get $cr) (local.get $ci)) (local.get $acc)))))"#;

#[test]
fn four_pinned_f64_locals_survive_calls_and_every_access_form() {
    let mix = |a: f64| {
        let (mut l1, mut l2, mut l3, mut l4);
        l1 = a * 0.5;
        l2 = l1 + a;
        l3 = l2 - l1;
        l4 = l3 * l2;
        l1 = l4 / (l3 + 1.0);
        l2 += l1;
        l3 += l4;
        l4 -= l2;
        (l1 + l2) + (l3 + l4)
    };
    let (mut zr, mut zi, mut cr, mut ci, mut acc) = (0.0f64, 0.0f64, -0.75f64, 0.125f64, 0.0f64);
    for _ in 0..200 {
        acc = zr + zi;
        zr = (zr * zr - zi * zi) + cr;
        zi = (acc * zi) * 2.0 + ci;
        if zr * zr + zi * zi > 4.0 {
            zr = 0.0625;
            zi = cr;
        }
        cr += mix(ci) / 1024.0;
        ci -= acc * 0.001;
        acc += zi;
    }
    let want = (zr + zi) + ((cr + ci) + acc);
    for engine in engines() {
        let r = call(&engine, FOUR_F64_PINS, "run", &[Val::I32(200)]).unwrap();
        assert_eq!(r, vec![Val::F64(want.to_bits())]);
    }
}

// f64 values competing for f0: an older value is only written to its slot when a newer one really
// takes the register. Covers the `acc + load` chain (the older value stays in f0), an older value
// used after a longer computation on top of it, a newer value stored to a local (the older stays in
// f0), a tee, and a call between (f0 is not preserved across it).
const F0_EVICTION: &str = r#"(module
  (memory 1)
  (func $id (param f64) (result f64) (local.get 0))
  (func (export "f") (param $a f64) (param $b f64) (param $c f64) (param $d f64) (param $e f64) (result f64)
    (local $t f64) (local $u f64)
    (f64.store (i32.const 0) (local.get $a))
    (f64.store (i32.const 8) (local.get $b))
    (f64.store (i32.const 16) (local.get $c))
    ;; chain: ((a + m[8]) + m[16]) + m[0]
    (local.set $t (f64.add (f64.add (f64.add (local.get $a) (f64.load (i32.const 8))) (f64.load (i32.const 16))) (f64.load (i32.const 0))))
    ;; older value under a longer computation: (a*b) - ((c*d) / (e + m[8]))
    (local.set $u (f64.sub (f64.mul (local.get $a) (local.get $b))
                           (f64.div (f64.mul (local.get $c) (local.get $d)) (f64.add (local.get $e) (f64.load (i32.const 8))))))
    (f64.mul (local.get $a) (local.get $e))           ;; older value in f0
    (local.set $d (f64.load (i32.const 16)))           ;; newer value straight into a local
    (local.set $t (f64.add (local.get $t) (f64.load (i32.const 16))))  ;; newer value, then an add
    (f64.sub (local.get $t))                           ;; older - t
    (f64.add (local.get $d))
    (local.tee $u (f64.add (local.get $u) (f64.load (i32.const 0))))
    (f64.add)
    (f64.mul (local.get $b) (local.get $c))
    (call $id (f64.load (i32.const 8)))               ;; f0 is not preserved across the call
    (f64.sub)
    (f64.add)
    (f64.add (local.get $u))))"#;

#[test]
fn f64_values_competing_for_f0() {
    let (a, b, c, d, e) = (1.5f64, -2.25, 3.125, 0.5, 7.75);
    let t = ((a + b) + c) + a;
    let u = (a * b) - ((c * d) / (e + b));
    let t = t + c;
    let first = a * e - t + c;
    let u = u + a;
    let acc = first + u;
    let expected = (acc + ((b * c) - b)) + u;
    let args: Vec<Val> = [a, b, c, d, e].iter().map(|&x| Val::F64(x.to_bits())).collect();
    for engine in engines() {
        assert_eq!(call(&engine, F0_EVICTION, "f", &args).unwrap(), vec![Val::F64(expected.to_bits())]);
    }
}

// f64 binops fused with the load of their second operand while the first is in f0 (`acc - m[a]`):
// the address in a pinned local, in t0 and in a slot, with an offset; the result to f0, a slot and a
// pinned f64 local; operand order kept for `sub`/`div`; and a fused load out of bounds still traps.
const LOAD_FUSED: &str = r#"(module
  (memory 1)
  (func (export "f") (param $n i32) (result f64)
    (local $i i32) (local $j i32) (local $k i32) (local $x f64) (local $y f64) (local $t f64) (local $u f64)
    (local.set $k (i32.const 16))
    (loop $fill
      (f64.store (local.get $i) (f64.convert_i32_u (i32.add (local.get $i) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 1024))))
    (local.set $i (i32.const 0))
    (loop $l
      ;; pinned address with an offset; the result stays in f0 for the next fused op (address in t0)
      (local.set $x (f64.div (f64.sub (f64.mul (local.get $x) (f64.const 0.5)) (f64.load offset=8 (local.get $i)))
                             (f64.load (i32.add (local.get $i) (local.get $k)))))
      ;; address in a slot (a rarely used local), result into a slot
      (local.set $t (f64.add (f64.mul (local.get $y) (local.get $y)) (f64.load offset=24 (local.get $j))))
      (local.set $u (f64.mul (f64.add (local.get $u) (f64.const 1)) (f64.load offset=32 (local.get $j))))
      (local.set $y (f64.sub (f64.sub (local.get $x) (local.get $t)) (f64.load (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (f64.add (f64.add (local.get $x) (local.get $y)) (f64.add (local.get $t) (local.get $u))))
  (func (export "oob") (param $a i32) (result f64)
    (f64.add (f64.mul (f64.convert_i32_u (local.get $a)) (f64.const 2)) (f64.load offset=65530 (local.get $a)))))"#;

#[test]
fn f64_binops_fused_with_a_load() {
    let m = |addr: u32| f64::from(addr + 3);
    let n = 512u32;
    let (mut x, mut y, mut t, mut u) = (0f64, 0f64, 0f64, 0f64);
    let (j, k) = (0u32, 16u32);
    for i in (0..n).step_by(8) {
        x = (x * 0.5 - m(i + 8)) / m(i + k);
        t = y * y + m(j + 24);
        u = (u + 1.0) * m(j + 32);
        y = (x - t) - m(i);
    }
    let expected = (x + y) + (t + u);
    for engine in engines() {
        let module = Module::new(&engine, &wat::parse_str(LOAD_FUSED).unwrap()).unwrap();
        let fused =
            |op: &str| module.stats().stencil_counts.iter().any(|(name, _)| name.ends_with(&format!("__{op}_load")));
        assert!(fused("f64_add") && fused("f64_sub") && fused("f64_mul") && fused("f64_div"), "fused forms not used");
        assert_eq!(call(&engine, LOAD_FUSED, "f", &[Val::I32(n as i32)]).unwrap(), vec![Val::F64(expected.to_bits())]);
        let trap = call(&engine, LOAD_FUSED, "oob", &[Val::I32(0)]).unwrap_err().trap();
        assert_eq!(trap, Some(Trap::OutOfBoundsMemory));
    }
}

// Accesses at constant addresses (C's globals: `i32.const 0` plus an offset), folded into the
// offset of the guarded forms: loads of each result kind, stores of each value kind, the fused f64
// form; and where the sum leaves the guarded range or the memory, the access still traps.
const CONST_ADDRESSES: &str = r#"(module
  (memory 1)
  (func (export "f") (param $v i32) (result i64) (local $i i32) (local $x f64) (local $y i64)
    (i32.store offset=100 (i32.const 4) (local.get $v))
    (i32.store8 (i32.const 200) (i32.const 0x1ff))
    (i64.store offset=8 (i32.const 200) (i64.extend_i32_u (i32.load (i32.const 104))))
    (f64.store (i32.const 300) (f64.convert_i32_s (local.get $v)))
    (local.set $x (f64.add (f64.load (i32.const 300)) (f64.load offset=300 (i32.const 0))))
    (local.set $i (i32.add (i32.load8_u (i32.const 200)) (i32.load16_s offset=6 (i32.const 100))))
    (local.set $y (i64.add (i64.load (i32.const 208)) (i64.trunc_f64_s (local.get $x))))
    (i64.add (local.get $y) (i64.extend_i32_s (local.get $i))))
  (func (export "load_oob") (result i32) (i32.load offset=65533 (i32.const 0)))
  (func (export "store_oob") (i64.store offset=8 (i32.const 65529) (i64.const 1)))
  (func (export "far") (result i32) (i32.load offset=0x7fffffff (i32.const 0x10)))
  (func (export "fused_oob") (result f64) (f64.add (f64.const 1) (f64.load offset=0x7fff0000 (i32.const 0)))))"#;

#[test]
fn constant_addresses() {
    let guarded = Module::new(&engines()[0], &wat::parse_str(CONST_ADDRESSES).unwrap()).unwrap();
    let forms =
        |prefix: &str| guarded.stats().stencil_counts.iter().filter(|(name, _)| name.starts_with(prefix)).count();
    assert!(
        forms("gi_") >= 4 && forms("gii__") >= 1 && forms("gir__") + forms("gis__") >= 1,
        "constant-address forms not used"
    );
    for v in [7i32, -3, 0x12345] {
        // 104..108 holds v; byte 200 holds 0xff; 208 holds v as u32; 300 holds v as f64.
        let x = 2.0 * f64::from(v);
        let i = 0xff + i32::from((v >> 16) as i16);
        let expected = i64::from(v as u32) + x as i64 + i64::from(i);
        for engine in engines() {
            assert_eq!(call(&engine, CONST_ADDRESSES, "f", &[Val::I32(v)]).unwrap(), vec![Val::I64(expected)]);
        }
    }
    for engine in engines() {
        for name in ["load_oob", "store_oob", "far", "fused_oob"] {
            let trap = call(&engine, CONST_ADDRESSES, name, &[]).unwrap_err().trap();
            assert_eq!(trap, Some(Trap::OutOfBoundsMemory), "{name}");
        }
    }
}

// f64 stores whose address is in t0 and value in f0: two registers, so one stencil reads both
// (`nbody`'s `v[i] += dx * mag`), in bounds and at the memory's end.
const STORE_FROM_REGISTERS: &str = r#"(module
  (memory 1)
  (func (export "f") (param $i i32) (param $a f64) (result f64)
    (f64.store (i32.add (local.get $i) (i32.const 8))
      (f64.add (f64.mul (local.get $a) (local.get $a)) (f64.load (i32.add (local.get $i) (i32.const 8)))))
    (f64.store offset=16 (i32.shl (local.get $i) (i32.const 1)) (f64.sqrt (local.get $a)))
    (f64.add (f64.load offset=8 (local.get $i)) (f64.load offset=16 (i32.shl (local.get $i) (i32.const 1)))))
  (func (export "oob") (param $i i32)
    (f64.store (i32.add (local.get $i) (i32.const 1)) (f64.neg (f64.convert_i32_s (local.get $i))))))"#;

#[test]
fn f64_stores_from_f0_to_an_address_in_t0() {
    for engine in engines() {
        let module = Module::new(&engine, &wat::parse_str(STORE_FROM_REGISTERS).unwrap()).unwrap();
        let both_registers = module.stats().stencil_counts.iter().any(|(name, _)| name.ends_with("rr__f64_store"));
        assert!(both_registers, "the register-register f64 store is not used");
        // Memory starts zeroed: 3 * 3 + 0, then sqrt(3).
        let r = call(&engine, STORE_FROM_REGISTERS, "f", &[Val::I32(40), Val::F64(3f64.to_bits())]).unwrap();
        assert_eq!(r, vec![Val::F64((9.0 + 3f64.sqrt()).to_bits())]);
        let trap = call(&engine, STORE_FROM_REGISTERS, "oob", &[Val::I32(65528)]).unwrap_err().trap();
        assert_eq!(trap, Some(Trap::OutOfBoundsMemory));
        assert!(call(&engine, STORE_FROM_REGISTERS, "oob", &[Val::I32(65527)]).is_ok());
    }
}

// `local.tee` keeps its value in t0/f0; evicted from there, the value is read from the local
// instead of being spilled, unless the local has been written since.
const TEED_VALUES: &str = r#"(module
  (func (export "i") (param $p i32) (result i32) (local $x i32) (local $y i32)
    (local.tee $x (i32.add (local.get $p) (i32.const 1)))
    (local.set $x (i32.mul (local.get $p) (i32.const 5)))
    (i32.add (local.get $x))
    (local.tee $y (i32.xor (local.get $p) (i32.const 3)))
    (local.set $y (i32.const 7))
    (i32.shl (local.get $p) (i32.const 3))
    (i32.sub)
    (i32.add (local.get $y))
    (i32.add))
  (func (export "f") (param $a f64) (result f64) (local $x f64) (local $y f64)
    (local.tee $x (f64.add (local.get $a) (f64.const 1)))
    (local.set $x (f64.mul (local.get $a) (f64.const 5)))
    (f64.add (local.get $x))
    (local.tee $y (f64.sub (local.get $a) (f64.const 3)))
    (local.set $y (f64.const 7))
    (f64.div (local.get $a) (f64.const 8))
    (f64.sub)
    (f64.add (local.get $y))
    (f64.mul)))"#;

#[test]
fn teed_values_leave_registers_through_their_local() {
    for p in [0i32, 11, -6] {
        let expected = (p + 1 + 5 * p) + ((p ^ 3) - (p << 3) + 7);
        let a = f64::from(p);
        let expected_f = ((a + 1.0) + 5.0 * a) * ((a - 3.0) - a / 8.0 + 7.0);
        for engine in engines() {
            assert_eq!(call(&engine, TEED_VALUES, "i", &[Val::I32(p)]).unwrap(), vec![Val::I32(expected)]);
            assert_eq!(
                call(&engine, TEED_VALUES, "f", &[Val::F64(a.to_bits())]).unwrap(),
                vec![Val::F64(expected_f.to_bits())]
            );
        }
    }
}

// f64 immediates are read from a constant pool after the function's code: as a binop's second
// operand, in a compare-and-branch, stored to memory, written to a pinned local; more distinct
// constants than the emitter's reuse window (8), each used more than once.
const POOLED_CONSTANTS: &str = r#"(module
  (memory 1)
  (func $g (param $a f64) (result f64) (f64.mul (local.get $a) (f64.const 0.5)))
  (func (export "f") (param $a f64) (result f64) (local $x f64) (local $i i32)
    (local.set $x (f64.const 2.5))
    (loop $l
      (local.set $x (f64.add (local.get $x) (f64.const 0.125)))
      (local.set $x (f64.mul (local.get $x) (f64.const 1.0009765625)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (f64.lt (local.get $x) (f64.const 100.25))))
    (f64.store (i32.const 64) (f64.const -7.75))
    (local.set $a (f64.add (local.get $a) (f64.load (i32.const 64))))
    (local.set $a (f64.sub (local.get $a) (f64.const 1)))
    (local.set $a (f64.sub (local.get $a) (f64.const 2)))
    (local.set $a (f64.sub (local.get $a) (f64.const 3)))
    (local.set $a (f64.sub (local.get $a) (f64.const 4)))
    (local.set $a (f64.sub (local.get $a) (f64.const 5)))
    (local.set $a (f64.sub (local.get $a) (f64.const 6)))
    (local.set $a (f64.sub (local.get $a) (f64.const 7)))
    (local.set $a (f64.sub (local.get $a) (f64.const 8)))
    (local.set $a (f64.sub (local.get $a) (f64.const 9)))
    (local.set $a (f64.div (local.get $a) (f64.const 1)))
    (local.set $a (f64.div (local.get $a) (f64.const 0.125)))
    (f64.add (f64.add (local.get $a) (call $g (local.get $x))) (f64.convert_i32_s (local.get $i)))))"#;

#[test]
fn f64_constants_come_from_the_pool() {
    let mut x = 2.5f64;
    let mut i = 0;
    loop {
        x = (x + 0.125) * 1.0009765625;
        i += 1;
        if x >= 100.25 {
            break;
        }
    }
    for a in [0.0f64, 3.5, -1e300] {
        let mut v = a + -7.75;
        for k in 1..=9 {
            v -= f64::from(k);
        }
        v = v / 1.0 / 0.125;
        let expected = (v + x * 0.5) + f64::from(i);
        for engine in engines() {
            let r = call(&engine, POOLED_CONSTANTS, "f", &[Val::F64(a.to_bits())]).unwrap();
            assert_eq!(r, vec![Val::F64(expected.to_bits())], "a = {a}");
        }
    }
}
