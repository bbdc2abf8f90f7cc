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
    let m = module(&engine, r#"(module (func $r (export "r") (param i64) (result i64) (i64.add (call $r (local.get 0)) (i64.const 1))))"#);
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
    let m = module(&engine, r#"(module (import "env" "f" (func (param i32))) (func $s (call 0 (i32.const 1))) (start $s))"#);
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
