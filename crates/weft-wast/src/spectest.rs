//! The `spectest` host module that spec scripts import from.

use weft::*;

pub fn exports(store: &mut Store<()>) -> Vec<(String, Extern)> {
    let mut out = Vec::new();
    let func = |store: &mut Store<()>, name: &str, params: Vec<ValType>| {
        let f = Func::new(store, FuncType::new(params, []), |_, _, _| Ok(()));
        (name.to_string(), Extern::Func(f))
    };
    out.push(func(store, "print", vec![]));
    out.push(func(store, "print_i32", vec![ValType::I32]));
    out.push(func(store, "print_i64", vec![ValType::I64]));
    out.push(func(store, "print_f32", vec![ValType::F32]));
    out.push(func(store, "print_f64", vec![ValType::F64]));
    out.push(func(store, "print_i32_f32", vec![ValType::I32, ValType::F32]));
    out.push(func(store, "print_f64_f64", vec![ValType::F64, ValType::F64]));
    let mut global = |name: &str, ty: ValType, v: Val| {
        let g = Global::new(store, GlobalType { content: ty, mutable: false }, v).expect("spectest global");
        out.push((name.to_string(), Extern::Global(g)));
    };
    global("global_i32", ValType::I32, Val::I32(666));
    global("global_i64", ValType::I64, Val::I64(666));
    global("global_f32", ValType::F32, Val::F32(666.6f32.to_bits()));
    global("global_f64", ValType::F64, Val::F64(666.6f64.to_bits()));
    // `table64` (a 64-bit table) is the 3.0 suite's addition.
    for (name, table64) in [("table", false), ("table64", true)] {
        let ty = TableType { elem: ValType::FuncRef, limits: Limits { min: 10, max: Some(20) }, table64 };
        let table = Table::new(store, ty, Val::FuncRef(None)).expect("spectest table");
        out.push((name.into(), Extern::Table(table)));
    }
    let memory = Memory::new(store, MemoryType { limits: Limits { min: 1, max: Some(2) }, memory64: false })
        .expect("spectest memory");
    out.push(("memory".into(), Extern::Memory(memory)));
    out
}
