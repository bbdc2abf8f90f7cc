//! Cost of crossing the host/wasm boundary: `cargo bench -p weft --bench calls`.
//! `host_to_wasm/*` calls a two-argument wasm export through `Func::call` (values in `Val` vectors,
//! types checked per call) and through `TypedFunc::call` (checked once, arguments written straight
//! into frame slots); `wasm_to_host/*` runs a wasm loop of 1,000 calls to a host function made by
//! `Func::new` and by `Func::wrap`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use weft::*;

const WAT: &str = r#"(module
    (import "env" "host" (func $host (param i32 i32) (result i32)))
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "loop") (result i32) (local $i i32) (local $acc i32)
        (loop $l
            (local.set $acc (call $host (local.get $acc) (local.get $i)))
            (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 1000))))
        (local.get $acc)))"#;

fn instance(wrapped: bool) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let host = if wrapped {
        Func::wrap(&mut store, |a: i32, b: i32| a.wrapping_add(b))
    } else {
        Func::new(&mut store, FuncType::new([ValType::I32, ValType::I32], [ValType::I32]), |_, p, r| {
            let (Val::I32(a), Val::I32(b)) = (p[0], p[1]) else { unreachable!() };
            r[0] = Val::I32(a.wrapping_add(b));
            Ok(())
        })
    };
    let instance = Instance::new(&mut store, &module, &[Extern::Func(host)]).unwrap();
    (store, instance)
}

fn calls(c: &mut Criterion) {
    let (mut store, inst) = instance(false);
    let add = inst.get_func("add").unwrap();
    let typed = add.typed::<(i32, i32), i32, _>(&store).unwrap();
    let mut group = c.benchmark_group("host_to_wasm");
    group.bench_function("Func::call", |b| {
        b.iter(|| add.call(&mut store, &[Val::I32(black_box(1)), Val::I32(2)]).unwrap())
    });
    group.bench_function("TypedFunc::call", |b| b.iter(|| typed.call(&mut store, (black_box(1), 2)).unwrap()));
    group.finish();

    let mut group = c.benchmark_group("wasm_to_host_x1000");
    for (name, wrapped) in [("Func::new", false), ("Func::wrap", true)] {
        let (mut store, inst) = instance(wrapped);
        let looped = inst.get_typed_func::<(), i32, _>(&store, "loop").unwrap();
        group.bench_function(name, |b| b.iter(|| looped.call(&mut store, ()).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, calls);
criterion_main!(benches);
