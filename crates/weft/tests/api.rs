//! The embedding API end to end: calls both ways, traps, limits, linking.

use weft::*;

fn module(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, &wat::parse_str(wat).unwrap()).unwrap()
}

#[test]
fn host_functions_are_called_with_arguments_and_memory() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "env" "add" (func $add (param i32 i64) (result i64)))
            (import "env" "peek" (func $peek (param i32) (result i32)))
            (memory (export "mem") 1)
            (data (i32.const 16) "\2a")
            (func (export "go") (result i64) (call $add (i32.const 40) (i64.const 2)))
            (func (export "peek16") (result i32) (call $peek (i32.const 16))))"#,
    );
    let mut store = Store::new(&engine, 0u32);
    let add = Func::new(&mut store, FuncType::new([ValType::I32, ValType::I64], [ValType::I64]), |mut c, p, r| {
        *c.data_mut() += 1;
        let (Val::I32(a), Val::I64(b)) = (p[0], p[1]) else { unreachable!() };
        r[0] = Val::I64(a as i64 + b);
        Ok(())
    });
    let peek = Func::new(&mut store, FuncType::new([ValType::I32], [ValType::I32]), |mut c, p, r| {
        let Val::I32(addr) = p[0] else { unreachable!() };
        r[0] = Val::I32(c.memory()[addr as usize] as i32);
        Ok(())
    });
    let inst = Instance::new(&mut store, &m, &[Extern::Func(add), Extern::Func(peek)]).unwrap();
    assert_eq!(inst.get_func("go").unwrap().call(&mut store, &[]).unwrap(), vec![Val::I64(42)]);
    assert_eq!(inst.get_func("peek16").unwrap().call(&mut store, &[]).unwrap(), vec![Val::I32(42)]);
    assert_eq!(*store.data(), 1);
}

#[test]
fn host_errors_and_nested_calls_back_into_wasm() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "env" "fail" (func $fail))
            (import "env" "twice" (func $twice (param i32) (result i32)))
            (func (export "double") (param i32) (result i32) (i32.add (local.get 0) (local.get 0)))
            (func (export "quad") (param i32) (result i32) (call $twice (call $twice (local.get 0))))
            (func (export "boom") (call $fail)))"#,
    );
    let mut store = Store::new(&engine, None::<Func>);
    let fail = Func::new(&mut store, FuncType::new([], []), |_, _, _| Err(Error::Usage("host says no".into())));
    // `twice` calls back into the instance's own `double` export (re-entrancy).
    let twice = Func::new(&mut store, FuncType::new([ValType::I32], [ValType::I32]), |mut c, p, r| {
        let double = c.data().expect("set after instantiation");
        r[0] = c.call(double, p)?[0];
        Ok(())
    });
    let inst = Instance::new(&mut store, &m, &[Extern::Func(fail), Extern::Func(twice)]).unwrap();
    *store.data_mut() = inst.get_func("double");
    let err = inst.get_func("boom").unwrap().call(&mut store, &[]).unwrap_err();
    assert!(err.to_string().contains("host says no"), "{err}");
    assert_eq!(inst.get_func("quad").unwrap().call(&mut store, &[Val::I32(5)]).unwrap(), vec![Val::I32(20)]);
}

#[test]
fn traps_are_typed_and_name_the_function() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (memory 1)
            (table 2 funcref)
            (func $div (param i32) (result i32) (i32.div_u (i32.const 7) (local.get 0)))
            (func (export "div") (param i32) (result i32) (call $div (local.get 0)))
            (func (export "oob") (result i32) (i32.load (i32.const 65535)))
            (func (export "null") (call_indirect (i32.const 1)))
            (func (export "unreachable") unreachable)
            (func $r (export "recurse") (call $r)))"#,
    );
    let mut store = Store::new(&engine, ());
    let inst = Instance::new(&mut store, &m, &[]).unwrap();
    let call = |store: &mut Store<()>, name: &str, args: &[Val]| inst.get_func(name).unwrap().call(store, args);
    let e = call(&mut store, "div", &[Val::I32(0)]).unwrap_err();
    assert_eq!(e.trap(), Some(Trap::IntegerDivideByZero));
    assert!(e.to_string().contains("in function `div`"), "{e}");
    assert_eq!(call(&mut store, "div", &[Val::I32(2)]).unwrap(), vec![Val::I32(3)]);
    assert_eq!(call(&mut store, "oob", &[]).unwrap_err().trap(), Some(Trap::OutOfBoundsMemory));
    assert_eq!(call(&mut store, "null", &[]).unwrap_err().trap(), Some(Trap::UninitializedElement));
    assert_eq!(call(&mut store, "unreachable", &[]).unwrap_err().trap(), Some(Trap::Unreachable));
    assert_eq!(call(&mut store, "recurse", &[]).unwrap_err().trap(), Some(Trap::StackExhausted));
    // The store is still usable after every kind of trap.
    assert_eq!(call(&mut store, "div", &[Val::I32(7)]).unwrap(), vec![Val::I32(1)]);
}

#[test]
fn deep_recursion_on_a_small_thread_stack_traps_instead_of_crashing() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module (func $r (export "r") (param i64) (result i64) (i64.add (call $r (local.get 0)) (i64.const 1))))"#,
    );
    let handle = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            let mut store = Store::new(&engine, ());
            let inst = Instance::new(&mut store, &m, &[]).unwrap();
            inst.get_func("r").unwrap().call(&mut store, &[Val::I64(0)]).unwrap_err().trap()
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), Some(Trap::StackExhausted));
}

#[test]
fn link_errors_are_reported_before_any_code_runs() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module (import "env" "f" (func (param i32))) (func $s (call 0 (i32.const 1))) (start $s))"#,
    );
    let mut store = Store::new(&engine, ());
    let wrong = Func::new(&mut store, FuncType::new([ValType::I64], []), |_, _, _| panic!("must not run"));
    assert!(matches!(Instance::new(&mut store, &m, &[Extern::Func(wrong)]), Err(Error::Link(_))));
    assert!(matches!(Instance::new(&mut store, &m, &[]), Err(Error::Link(_))));
}

#[test]
fn malformed_and_invalid_modules_are_errors() {
    let engine = Engine::default();
    for bytes in [&b""[..], b"\0asm", b"\0asm\x01\0\0\0\x01\x05", b"not wasm at all"] {
        assert!(matches!(Module::new(&engine, bytes), Err(Error::Invalid(_))), "{bytes:?}");
    }
    let invalid = wat::parse_str("(module (func (result i32) (i64.const 1)))").unwrap();
    assert!(matches!(Module::new(&engine, &invalid), Err(Error::Invalid(_))));
}

#[test]
fn memory_grows_and_is_visible_to_the_host() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module (memory (export "m") 1 3)
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
            (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1))))"#,
    );
    let mut store = Store::new(&engine, ());
    let inst = Instance::new(&mut store, &m, &[]).unwrap();
    let Some(Extern::Memory(mem)) = inst.get_export("m") else { panic!() };
    let grow = inst.get_func("grow").unwrap();
    assert_eq!(grow.call(&mut store, &[Val::I32(1)]).unwrap(), vec![Val::I32(1)]);
    assert_eq!(grow.call(&mut store, &[Val::I32(2)]).unwrap(), vec![Val::I32(-1)]);
    inst.get_func("store").unwrap().call(&mut store, &[Val::I32(65536 + 4), Val::I32(0x01020304)]).unwrap();
    assert_eq!(&mem.data(&store)[65540..65544], &[4, 3, 2, 1]);
    assert_eq!(mem.data(&store).len(), 2 * 65536);
}

/// The compiler's own dispatch of common opcodes (`compiler::visit::visit_operators`) must agree with
/// wasmparser's: overlong LEBs decode the same, encodings it leaves to wasmparser still work, and an
/// operator after the function's final `end` is the same error.
#[test]
fn uncommon_encodings_and_operators_after_the_end() {
    let engine = Engine::default();
    let header = b"\0asm\x01\0\0\0";
    // (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add), both immediates
    // as two-byte LEBs.
    let mut overlong = header.to_vec();
    overlong.extend_from_slice(b"\x01\x06\x01\x60\x01\x7f\x01\x7f\x03\x02\x01\x00\x07\x05\x01\x01f\x00\x00");
    overlong.extend_from_slice(b"\x0a\x0b\x01\x09\x00\x20\x80\x00\x41\x81\x00\x6a\x0b");
    let m = Module::new(&engine, &overlong).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Instance::new(&mut store, &m, &[]).unwrap();
    assert_eq!(inst.get_func("f").unwrap().call(&mut store, &[Val::I32(41)]).unwrap(), vec![Val::I32(42)]);

    // A block typed by a type index goes to wasmparser.
    let m = module(
        &engine,
        r#"(module
            (type $t (func (param i32) (result i32)))
            (memory 1)
            (func (export "g") (param i32) (result i32)
                (i32.store offset=8 align=4 (i32.const 0) (i32.const 5))
                (local.get 0)
                (block (type $t) (i32.load offset=8 align=4 (i32.const 0)) (i32.mul))))"#,
    );
    let mut store = Store::new(&engine, ());
    let inst = Instance::new(&mut store, &m, &[]).unwrap();
    assert_eq!(inst.get_func("g").unwrap().call(&mut store, &[Val::I32(3)]).unwrap(), vec![Val::I32(15)]);
    // So does a memarg whose flags byte names a memory index (0x40 | align 2, memory 0, offset 8):
    // an encoding of WebAssembly 3.0 (multi-memory), which 2.0 reads as an alignment of 2^66. Each
    // version decodes it as wasmparser with that version's features does (a mutated module found
    // weft's 2.0 mode reading it as 3.0: tests/mutated.rs).
    let mut indexed = header.to_vec();
    indexed.extend_from_slice(b"\x01\x05\x01\x60\x00\x01\x7f\x03\x02\x01\x00\x05\x03\x01\x00\x01");
    indexed.extend_from_slice(b"\x0a\x0a\x01\x08\x00\x41\x00\x28\x42\x00\x08\x0b");
    let validate = |features| wasmparser::Validator::new_with_features(features).validate_all(&indexed).is_ok();
    assert!(!validate(wasmparser::WasmFeatures::WASM2) && validate(wasmparser::WasmFeatures::WASM3));
    assert!(matches!(Module::new(&engine, &indexed), Err(Error::Invalid(_))));
    let v3 = Engine::new(Config { version: WasmVersion::V3, ..Default::default() }).unwrap();
    Module::new(&v3, &indexed).unwrap();
    // An alignment above the natural one is invalid, whichever path decodes it.
    let misaligned = wat::parse_str("(module (memory 1) (func (drop (i32.load align=8 (i32.const 0)))))").unwrap();
    assert!(matches!(Module::new(&engine, &misaligned), Err(Error::Invalid(_))));

    // (func end nop): the `nop` follows the function's final `end`.
    let mut trailing = header.to_vec();
    trailing.extend_from_slice(b"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a\x05\x01\x03\x00\x0b\x01");
    match Module::new(&engine, &trailing) {
        Err(Error::Invalid(msg)) => assert!(msg.contains("operators remaining after end of function"), "{msg}"),
        other => panic!("expected an invalid-module error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn br_table_jump_tables_follow_each_function_wherever_it_lands() {
    // Jump tables sit after their function's code (after its f64 constants) and hold absolute target
    // addresses, rebased when the functions are laid out: in place on one thread, or copied from
    // per-thread buffers in parallel. Several functions, tables of several sizes, one function with
    // constants in front of its two tables, indices past the end (the default).
    let wat = r#"(module
        (func $small (export "small") (param i32) (result i32)
            (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 10))) (return (i32.const 11)))
            (i32.const 12))
        (func (export "with_pool") (param i32) (result f64)
            (block (block (br_table 1 0 1 0 (local.get 0))) (return (f64.const 1.5)))
            (block (block (br_table 0 1 (i32.shr_u (local.get 0) (i32.const 1))))
                (return (f64.add (f64.const 2.25) (f64.convert_i32_u (local.get 0)))))
            (f64.const 8.0625))
        (func (export "loop") (param $n i32) (result i32) (local $acc i32)
            (loop $top
                (block $b (block $a
                    (br_table $a $b $a (i32.and (local.get $n) (i32.const 3))))
                    (local.set $acc (i32.add (local.get $acc) (i32.const 100))))
                (local.set $acc (i32.add (local.get $acc) (call $small (i32.rem_u (local.get $n) (i32.const 4)))))
                (br_if $top (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $acc)))"#;
    let args = [0, 1, 2, 3, 7, u32::MAX];
    let small = [10, 11, 12, 12, 12, 12];
    let with_pool = [2.25, 1.5, 8.0625, 1.5, 1.5, 1.5];
    // n = 10..1, n & 3 = 2 1 0 3 2 1 0 3 2 1: +100 unless it is 1, then + small(n % 4).
    let looped = 112 + 11 + 110 + 112 + 112 + 11 + 110 + 112 + 112 + 11;
    for parallel_compilation in [false, true] {
        let engine = Engine::new(Config { parallel_compilation, ..Default::default() }).unwrap();
        let m = module(&engine, wat);
        let mut store = Store::new(&engine, ());
        let inst = Instance::new(&mut store, &m, &[]).unwrap();
        let mut call =
            |name: &str, arg: u32| inst.get_func(name).unwrap().call(&mut store, &[Val::I32(arg as i32)]).unwrap();
        for (i, &arg) in args.iter().enumerate() {
            assert_eq!(call("small", arg), vec![Val::I32(small[i])], "small({arg}), parallel: {parallel_compilation}");
            let want = vec![Val::F64(f64::to_bits(with_pool[i]))];
            assert_eq!(call("with_pool", arg), want, "with_pool({arg}), parallel: {parallel_compilation}");
        }
        assert_eq!(call("loop", 10), vec![Val::I32(looped)], "parallel: {parallel_compilation}");
    }
}

/// Dead code is skipped up to the `end` that closes it, so every operator that opens a frame must be
/// counted there, also 3.0's `try_table`, which weft does not run (a mutated module found the miss: the
/// `try_table`'s `end` closed the dead region early, and the compiler's operand stack fell out of step).
#[test]
fn dead_code_with_frames_weft_does_not_translate() {
    let engine = Engine::new(Config { version: WasmVersion::V3, ..Default::default() }).unwrap();
    let dead = r#"(module (func (export "f") (result i32)
        (block (result i32) (br 0 (i32.const 7))
          (try_table (block (nop)) (drop (i32.const 1)))
          (i32.const 2))))"#;
    let m = module(&engine, dead);
    let mut store = Store::new(&engine, ());
    let inst = Instance::new(&mut store, &m, &[]).unwrap();
    assert_eq!(inst.get_func("f").unwrap().call(&mut store, &[]).unwrap(), vec![Val::I32(7)]);
    // Where it runs, it is an error, not a crash.
    let live = wat::parse_str(r#"(module (func (try_table (nop))))"#).unwrap();
    assert!(matches!(Module::new(&engine, &live), Err(Error::Unsupported(_))));
}

#[test]
fn store_limits_cap_memories_and_tables() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (memory (export "mem") 2)
            (table $t 1 funcref)
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
            (func (export "tgrow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0))))"#,
    );
    let call = |store: &mut Store<()>, inst: &Instance, name: &str, n: i32| {
        inst.get_func(name).unwrap().call(store, &[Val::I32(n)]).unwrap()[0]
    };

    // Below the initial size: instantiation fails with an error, not an allocation abort.
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits { max_memory_bytes: WASM_PAGE, ..Default::default() });
    let err = Instance::new(&mut store, &m, &[]).unwrap_err();
    assert!(matches!(err, Error::ResourceLimit(_)) && err.to_string().contains("exceeds the store's limit"), "{err}");

    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits { max_memory_bytes: 4 * WASM_PAGE, max_table_elements: 3 });
    let inst = Instance::new(&mut store, &m, &[]).unwrap();
    assert_eq!(call(&mut store, &inst, "grow", 3), Val::I32(-1));
    assert_eq!(call(&mut store, &inst, "grow", 2), Val::I32(2));
    assert_eq!(call(&mut store, &inst, "grow", 1), Val::I32(-1));
    assert_eq!(call(&mut store, &inst, "tgrow", 3), Val::I32(-1));
    assert_eq!(call(&mut store, &inst, "tgrow", 2), Val::I32(1));
    // Lowering the limits caps what exists: no more growth, the size stays.
    store.set_limits(StoreLimits { max_memory_bytes: WASM_PAGE, ..store.limits() });
    assert_eq!(call(&mut store, &inst, "grow", 0), Val::I32(4));
    assert_eq!(call(&mut store, &inst, "grow", 1), Val::I32(-1));
    let Some(Extern::Memory(mem)) = inst.get_export("mem") else { panic!("no memory export") };
    assert_eq!(mem.grow(&mut store, 1), None);
    assert_eq!(mem.data(&store).len() as u64, 4 * WASM_PAGE);

    // A table whose initial size alone exceeds the default limit (it would need 32 GB).
    let huge = module(&engine, "(module (table 4000000000 funcref))");
    let err = Instance::new(&mut Store::new(&engine, ()), &huge, &[]).unwrap_err();
    assert!(err.to_string().contains("a table of 4000000000 elements exceeds the store's limit of 10000000"), "{err}");
}

/// The trap names the innermost function however it was reached: each kind of call records its
/// callee on the way out (through the function's shared trap exit).
#[test]
fn traps_name_the_innermost_function_through_every_kind_of_call() {
    let engine = Engine::default();
    let a = module(
        &engine,
        r#"(module
            (type $t (func (param i32) (result i32)))
            (table 1 funcref) (elem (i32.const 0) $inner)
            (func $inner (export "inner") (param i32) (result i32) (i32.div_u (i32.const 7) (local.get 0)))
            (func $middle (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0)))
            ;; Local 0 lives in a register across the calls (the pinned-local forms of the call stencils).
            (func (export "direct") (param i32) (result i32) (i32.add (call $inner (local.get 0)) (local.get 0)))
            (func (export "indirect") (param i32) (result i32) (i32.add (call $middle (local.get 0)) (local.get 0))))"#,
    );
    let b = module(
        &engine,
        r#"(module
            (import "a" "inner" (func $imported (param i32) (result i32)))
            (func (export "via_import") (param i32) (result i32) (call $imported (local.get 0))))"#,
    );
    let mut store = Store::new(&engine, ());
    let ia = Instance::new(&mut store, &a, &[]).unwrap();
    let inner = ia.get_export("inner").unwrap();
    let ib = Instance::new(&mut store, &b, &[inner]).unwrap();
    let frames = |names: &[&str]| Some(Backtrace { frames: names.iter().map(|n| n.to_string()).collect(), omitted: 0 });
    for (inst, name, backtrace) in [
        (&ia, "direct", frames(&["inner", "direct"])),
        (&ia, "indirect", frames(&["inner", "middle", "indirect"])),
        (&ib, "via_import", frames(&["inner", "via_import"])),
    ] {
        let f = inst.get_func(name).unwrap();
        let e = f.call(&mut store, &[Val::I32(0)]).unwrap_err();
        assert_eq!(e.trap(), Some(Trap::IntegerDivideByZero), "{name}: {e}");
        assert!(e.to_string().contains("in function `inner` (wasm backtrace: inner <- "), "{name}: {e}");
        let Error::Trap { backtrace: bt, .. } = &e else { unreachable!() };
        assert_eq!(*bt, backtrace, "{name}");
        assert_eq!(
            f.call(&mut store, &[Val::I32(7)]).unwrap(),
            vec![Val::I32(if name == "via_import" { 1 } else { 8 })],
            "{name}"
        );
    }
}

#[test]
fn deep_backtraces_keep_their_innermost_frames_and_count_the_rest() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module (func $rec (export "rec") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then unreachable) (else (call $rec (i32.sub (local.get 0) (i32.const 1)))))))"#,
    );
    let mut store = Store::new(&engine, ());
    let rec = Instance::new(&mut store, &m, &[]).unwrap().get_func("rec").unwrap();
    for (depth, kept, omitted) in [(0u64, 1, 0), (3, 4, 0), (31, 32, 0), (32, 33, 0), (1000, 33, 968)] {
        let e = rec.call(&mut store, &[Val::I32(depth as i32)]).unwrap_err();
        let Error::Trap { trap: Trap::Unreachable, backtrace: Some(bt), .. } = &e else { panic!("{e:?}") };
        assert_eq!((bt.frames.len(), bt.omitted), (kept, omitted), "depth {depth}");
        assert!(bt.frames.iter().all(|f| f == "rec"));
        if depth == 1000 {
            assert!(e.to_string().ends_with("(wasm backtrace: rec (x32) <- (968 more) <- rec)"), "{e}");
        }
    }
}

#[test]
fn typed_calls_and_wrapped_host_functions() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "env" "mul" (func $mul (param i64 i64) (result i64)))
            (import "env" "log" (func $log (param i32)))
            (import "env" "fail" (func $fail (param f64) (result f64)))
            (import "env" "swap" (func $swap (param f32 i32) (result i32 f32)))
            (memory (export "mem") 1)
            (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
            (func (export "mix") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
                (local.get 3) (local.get 2) (local.get 1) (local.get 0))
            (func (export "mul") (param i64) (result i64) (call $mul (local.get 0) (local.get 0)))
            (func (export "log") (param i32) (call $log (local.get 0)) (i32.store (i32.const 0) (local.get 0)))
            (func (export "fail") (result f64) (call $fail (f64.const 1.5)))
            (func (export "swap") (result i32 f32) (call $swap (f32.const 2.5) (i32.const 7)))
            (func (export "div") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0))))"#,
    );
    let mut store = Store::new(&engine, Vec::<i32>::new());
    let mul = Func::wrap(&mut store, |a: i64, b: i64| a.wrapping_mul(b));
    let log = Func::wrap(&mut store, |mut caller: Caller<'_, Vec<i32>>, x: i32| caller.data_mut().push(x));
    let fail = Func::wrap(&mut store, |x: f64| -> Result<f64, Error> {
        if x > 1.0 { Err(Error::Usage("too big".into())) } else { Ok(x) }
    });
    let swap = Func::wrap(&mut store, |a: f32, b: i32| (b, a));
    let imports = [mul, log, fail, swap].map(Extern::Func);
    let inst = Instance::new(&mut store, &m, &imports).unwrap();

    let add = inst.get_typed_func::<(i32, i32), i32, _>(&store, "add").unwrap();
    assert_eq!(add.call(&mut store, (40, 2)).unwrap(), 42);
    assert_eq!(add.call(&mut store, (i32::MAX, 1)).unwrap(), i32::MIN);
    // u32 and i32 are both i32: the bits pass unchanged.
    let add_u = inst.get_typed_func::<(u32, u32), u32, _>(&store, "add").unwrap();
    assert_eq!(add_u.call(&mut store, (u32::MAX, 2)).unwrap(), 1);
    let mix = inst.get_typed_func::<(i32, i64, f32, f64), (f64, f32, i64, i32), _>(&store, "mix").unwrap();
    let (d, f, l, i) = mix.call(&mut store, (-1, -2, -3.5, f64::NAN)).unwrap();
    assert!(d.is_nan() && f == -3.5 && l == -2 && i == -1);
    // A NaN's payload survives (bits, not values, go through the slots).
    let nan = f32::from_bits(0x7fa0_0001);
    assert_eq!(mix.call(&mut store, (0, 0, nan, 0.0)).unwrap().1.to_bits(), 0x7fa0_0001);

    assert_eq!(inst.get_typed_func::<i64, i64, _>(&store, "mul").unwrap().call(&mut store, 12).unwrap(), 144);
    let log_f = inst.get_typed_func::<i32, (), _>(&store, "log").unwrap();
    log_f.call(&mut store, 5).unwrap();
    log_f.call(&mut store, 6).unwrap();
    assert_eq!(store.data(), &vec![5, 6]);
    let err = inst.get_typed_func::<(), f64, _>(&store, "fail").unwrap().call(&mut store, ()).unwrap_err();
    assert!(err.to_string().contains("too big"), "{err}");
    assert_eq!(
        inst.get_typed_func::<(), (i32, f32), _>(&store, "swap").unwrap().call(&mut store, ()).unwrap(),
        (7, 2.5)
    );

    // Traps come back as from `Func::call`, and the store stays usable.
    let div = inst.get_typed_func::<i32, i32, _>(&store, "div").unwrap();
    assert_eq!(div.call(&mut store, 0).unwrap_err().trap(), Some(Trap::IntegerDivideByZero));
    assert_eq!(div.call(&mut store, 1).unwrap(), 1);

    // A wrong signature is an error when the typed function is made, not a bad call later.
    for e in [
        inst.get_typed_func::<(i32, i64), i32, _>(&store, "add").err(),
        inst.get_typed_func::<(i32, i32), (), _>(&store, "add").err(),
        inst.get_typed_func::<i32, i32, _>(&store, "nope").err(),
    ] {
        assert!(matches!(e, Some(Error::Usage(_))), "{e:?}");
    }
    assert_eq!(mul.ty(&store), FuncType::new([ValType::I64, ValType::I64], [ValType::I64]));
}

/// Host functions with more parameters and results than the trampoline keeps on its stack (8).
#[test]
fn host_functions_with_many_parameters_and_results() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "env" "many" (func $many (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i64 i64 i64 i64 i64 i64 i64 i64 i64)))
            (func (export "go") (result i64)
                (call $many (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)
                            (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9) (i32.const 10))
                (i64.add) (i64.add) (i64.add) (i64.add) (i64.add) (i64.add) (i64.add) (i64.add)))"#,
    );
    let mut store = Store::new(&engine, ());
    let ty = FuncType::new([ValType::I32; 10], [ValType::I64; 9]);
    let many = Func::new(&mut store, ty, |_, p, r| {
        let sum: i64 = p.iter().map(|v| if let Val::I32(x) = v { *x as i64 } else { 0 }).sum();
        for (i, out) in r.iter_mut().enumerate() {
            *out = Val::I64(sum * (i as i64 + 1));
        }
        Ok(())
    });
    let inst = Instance::new(&mut store, &m, &[Extern::Func(many)]).unwrap();
    // 55 * (1 + 2 + ... + 9)
    assert_eq!(inst.get_func("go").unwrap().call(&mut store, &[]).unwrap(), vec![Val::I64(55 * 45)]);
}

#[test]
fn a_linker_resolves_imports_by_name() {
    let engine = Engine::default();
    let lib = module(
        &engine,
        r#"(module (global (export "base") i32 (i32.const 100)) (func (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2))))"#,
    );
    let app = module(
        &engine,
        r#"(module
            (import "lib" "twice" (func $twice (param i32) (result i32)))
            (import "env" "offset" (func $offset (param i32) (result i32)))
            (import "lib" "base" (global $base i32))
            (func (export "run") (param i32) (result i32) (call $offset (call $twice (i32.add (local.get 0) (global.get $base))))))"#,
    );
    let mut store = Store::new(&engine, 1000i32);
    let mut linker = Linker::new();
    let lib_instance = linker.instantiate(&mut store, &lib).unwrap();
    linker.instance("lib", lib_instance).unwrap();
    // Missing: a link error naming the import, before anything runs.
    let err = linker.instantiate(&mut store, &app).unwrap_err();
    assert!(matches!(&err, Error::Link(m) if m.contains("`env::offset` is not defined")), "{err}");
    linker.func_wrap(&mut store, "env", "offset", |caller: Caller<'_, i32>, x: i32| x + *caller.data()).unwrap();
    let run = linker.instantiate(&mut store, &app).unwrap().get_typed_func::<i32, i32, _>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 1).unwrap(), (1 + 100) * 2 + 1000);
    // A name is defined once; a wrong type is caught by instantiation's checks.
    assert!(matches!(linker.func_wrap(&mut store, "env", "offset", |x: i32| x), Err(Error::Usage(_))));
    let mut other = Linker::new();
    other.instance("lib", lib_instance).unwrap();
    other.func_wrap(&mut store, "env", "offset", |x: i64| x).unwrap();
    assert!(matches!(other.instantiate(&mut store, &app), Err(Error::Link(_))));
}

/// WebAssembly 3.0 tail calls: a chain of a million `return_call`s runs in constant stack, also
/// through tables and imports (the spec's return_call*.wast scripts pass as well).
#[test]
fn tail_calls_run_in_constant_stack() {
    let engine = Engine::new(Config { version: WasmVersion::V3, ..Default::default() }).unwrap();
    let m = module(
        &engine,
        r#"(module
            (import "env" "host_add" (func $host_add (param i64 i64) (result i64)))
            (type $t (func (param i64 i64) (result i64)))
            (table 2 funcref) (elem (i32.const 0) $even $odd)
            ;; Locals beyond the parameters: the callee's parameters overwrite the caller's locals.
            (func $even (param $n i64) (param $acc i64) (result i64) (local $tmp i64)
                (local.set $tmp (i64.add (local.get $acc) (i64.const 1)))
                (if (result i64) (i64.eqz (local.get $n))
                    (then (local.get $acc))
                    (else (return_call $odd (i64.sub (local.get $n) (i64.const 1)) (local.get $tmp)))))
            (func $odd (param $n i64) (param $acc i64) (result i64)
                (if (result i64) (i64.eqz (local.get $n))
                    (then (i64.sub (i64.const 0) (local.get $acc)))
                    (else (return_call_indirect (type $t) (i64.sub (local.get $n) (i64.const 1)) (local.get $acc) (i32.const 0)))))
            (func (export "even") (param i64) (result i64) (return_call $even (local.get 0) (i64.const 0)))
            ;; Arguments in swapped order of the caller's own parameters: the moves must not clobber.
            (func (export "swap_sub") (param i64 i64) (result i64) (return_call $sub (local.get 1) (local.get 0)))
            (func $sub (param i64 i64) (result i64) (i64.sub (local.get 0) (local.get 1)))
            (func (export "via_host") (param i64) (result i64) (return_call $host_add (local.get 0) (i64.const 2)))
            (func (export "bad_index") (result i64) (return_call_indirect (type $t) (i64.const 0) (i64.const 0) (i32.const 5))))"#,
    );
    // A thread stack far too small for a million frames.
    let handle = std::thread::Builder::new()
        .stack_size(512 << 10)
        .spawn(move || {
            let mut store = Store::new(&engine, ());
            let host_add = Func::wrap(&mut store, |a: i64, b: i64| a + b);
            let inst = Instance::new(&mut store, &m, &[Extern::Func(host_add)]).unwrap();
            let even = inst.get_typed_func::<i64, i64, _>(&store, "even").unwrap();
            assert_eq!(even.call(&mut store, 1_000_000).unwrap(), 500_000);
            assert_eq!(even.call(&mut store, 1_000_001).unwrap(), -500_001);
            let swap_sub = inst.get_typed_func::<(i64, i64), i64, _>(&store, "swap_sub").unwrap();
            assert_eq!(swap_sub.call(&mut store, (10, 3)).unwrap(), -7);
            assert_eq!(
                inst.get_typed_func::<i64, i64, _>(&store, "via_host").unwrap().call(&mut store, 40).unwrap(),
                42
            );
            let bad = inst.get_typed_func::<(), i64, _>(&store, "bad_index").unwrap();
            assert_eq!(bad.call(&mut store, ()).unwrap_err().trap(), Some(Trap::UndefinedElement));
        })
        .unwrap();
    handle.join().unwrap();
}
