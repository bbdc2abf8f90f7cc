//! Instantiation: link imports (with the spec's type checks), create the module's own memories, tables
//! and globals, build the `VmCtx`, apply active segments in order, run the start function.

use super::builtins::{in_bounds, index_value};
use super::func::call_raw;
use super::store::{Extern, Global, Memory, Table};
use super::{Func, GlobalInstance, MemoryInstance, Store, TableInstance, Val};
use crate::module::{ConstExpr, ConstOp, ExportKind, ImportKind, SegmentMode};
use crate::types::*;
use crate::{Error, Module, Trap};
use std::collections::HashMap;
use std::ptr::NonNull;
use weft_ops::vm::{Builtin, VmCtx, VmFuncRef, VmMemory, VmTable};

/// An instantiated module; valid as long as its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance(pub(crate) NonNull<InstanceData>);

/// The first `INLINE_GLOBALS` globals a module defines live in the instance record right after its
/// `VmCtx`, so compiled code reaches them at a fixed offset from the context (one load for C's stack
/// pointer in every prologue, instead of three through `VmCtx::globals`).
pub(crate) const INLINE_GLOBALS: usize = 4;

/// Where defined global `defined_index` (counted from the first non-imported one) lives relative to
/// the `VmCtx`, if it is one of the inline ones.
pub(crate) fn inline_global_offset(defined_index: u32) -> Option<u32> {
    let i = defined_index as usize;
    (i < INLINE_GLOBALS).then(|| {
        (std::mem::offset_of!(InstanceData, inline_globals) - std::mem::offset_of!(InstanceData, vmctx)
            + i * std::mem::size_of::<GlobalInstance>()
            + std::mem::offset_of!(GlobalInstance, cell)) as u32
    })
}

#[repr(C)]
pub(crate) struct InstanceData {
    pub vmctx: VmCtx,
    /// Cells of the first defined globals (see `inline_global_offset`); their `Global` handles point
    /// here. Must follow `vmctx`, in this `repr(C)` order.
    pub inline_globals: [GlobalInstance; INLINE_GLOBALS],
    pub module: Module,
    pub funcs: Box<[VmFuncRef]>,
    pub globals: Box<[*mut u8]>,
    pub global_handles: Box<[NonNull<GlobalInstance>]>,
    pub tables: Box<[*mut VmTable]>,
    pub table_handles: Box<[NonNull<TableInstance>]>,
    pub memories: Box<[NonNull<MemoryInstance>]>,
    /// `VmCtx::memories`: each memory's `VmMemory`, in `memories`' order.
    vm_memories: Box<[*mut VmMemory]>,
    /// Element segments' references; emptied by `elem.drop` and after active initialization.
    pub elems: Vec<Box<[u64]>>,
    pub data_dropped: Vec<bool>,
    pub exports: HashMap<String, Extern>,
    _empty_memory: Box<VmMemory>,
}

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import order.
    pub fn new<T>(store: &mut Store<T>, module: &Module, imports: &[Extern]) -> Result<Instance, Error> {
        let m = &module.inner;
        // Signature ids are per engine: a module only runs in stores of its own engine.
        if !std::sync::Arc::ptr_eq(&m.engine.inner, &store.inner.engine.inner) {
            return Err(Error::Usage("the module was compiled by a different engine than the store's".into()));
        }
        if imports.len() != m.imports.len() {
            return Err(Error::Link(format!("module needs {} imports, {} given", m.imports.len(), imports.len())));
        }
        let mut funcs = Vec::with_capacity(m.env.funcs.len());
        let mut globals = Vec::new();
        let mut global_handles = Vec::new();
        let mut tables = Vec::new();
        let mut table_handles = Vec::new();
        let mut memories = Vec::new();
        for (import, ext) in m.imports.iter().zip(imports) {
            let what = || format!("{}::{}", import.module, import.name);
            match (&import.kind, ext) {
                (ImportKind::Func(t), Extern::Func(f)) => {
                    if f.type_id() != m.env.type_ids[*t as usize] as u64 {
                        return Err(Error::Link(format!("{}: function type mismatch", what())));
                    }
                    // SAFETY: `f` belongs to this store.
                    let r = unsafe { f.0.as_ref() };
                    funcs.push(VmFuncRef { code: r.code, ctx: r.ctx, type_id: r.type_id });
                }
                (ImportKind::Table(t), Extern::Table(h)) => {
                    let actual = h.ty(store);
                    if actual.elem != t.elem || actual.table64 != t.table64 || !limits_match(actual.limits, t.limits) {
                        return Err(Error::Link(format!("{}: table type mismatch", what())));
                    }
                    // SAFETY: `h` belongs to this store; the VmTable lives as long as the store.
                    tables.push(unsafe { &mut (*h.0.as_ptr()).vm } as *mut VmTable);
                    table_handles.push(h.0);
                }
                (ImportKind::Memory(t), Extern::Memory(h)) => {
                    let actual = h.ty(store);
                    if actual.memory64 != t.memory64 || !limits_match(actual.limits, t.limits) {
                        return Err(Error::Link(format!("{}: memory type mismatch", what())));
                    }
                    memories.push(h.0);
                }
                (ImportKind::Global(t), Extern::Global(h)) => {
                    if h.ty(store) != *t {
                        return Err(Error::Link(format!("{}: global type mismatch", what())));
                    }
                    // SAFETY: `h` belongs to this store.
                    globals.push(unsafe { (*h.0.as_ptr()).cell.as_mut_ptr() } as *mut u8);
                    global_handles.push(h.0);
                }
                _ => return Err(Error::Link(format!("{}: incompatible import type", what()))),
            }
        }

        let mut data = Box::new(InstanceData {
            vmctx: VmCtx {
                memory: std::ptr::null_mut(),
                globals: std::ptr::null(),
                tables: std::ptr::null(),
                funcs: std::ptr::null(),
                runtime: std::sync::Arc::as_ptr(&store.inner.runtime),
                builtins: super::builtins::BUILTINS.as_ptr() as *const Builtin,
                instance: std::ptr::null_mut(),
                memories: std::ptr::null(),
            },
            // (Unused slots keep this placeholder.)
            inline_globals: std::array::from_fn(|_| {
                GlobalInstance::new(GlobalType { content: ValType::I32, mutable: false }, 0)
            }),
            module: module.clone(),
            funcs: Box::new([]),
            globals: Box::new([]),
            global_handles: Box::new([]),
            tables: Box::new([]),
            table_handles: Box::new([]),
            memories: Box::new([]),
            vm_memories: Box::new([]),
            elems: Vec::new(),
            data_dropped: vec![false; m.datas.len()],
            exports: HashMap::new(),
            _empty_memory: Box::new(VmMemory { base: std::ptr::NonNull::dangling().as_ptr(), len: 0 }),
        });
        let ctx: *mut VmCtx = &mut data.vmctx;
        data.vmctx.instance = &mut *data as *mut InstanceData as *mut u8;
        let code_base = m.code.base();
        let code_range = (
            code_base as usize,
            code_base as usize + m.code.bytes().len(),
            code_base as usize + m.oob_landing as usize,
        );
        if !store.inner.guard.code.contains(&code_range) {
            store.inner.guard.code.push(code_range);
        }
        for (i, &off) in m.func_offsets.iter().enumerate() {
            let index = m.env.num_imported_funcs as usize + i;
            // SAFETY: offsets produced by the compiler lie inside the code memory.
            let code = unsafe { code_base.add(off as usize) };
            funcs.push(VmFuncRef {
                code,
                ctx: ctx as *mut u8,
                type_id: m.env.type_ids[m.env.funcs[index] as usize] as u64,
            });
        }
        data.funcs = funcs.into_boxed_slice();
        data.vmctx.funcs = data.funcs.as_ptr();

        // Globals are initialized in order; an initializer may read earlier (imported) globals.
        for (i, init) in m.global_inits.iter().enumerate() {
            let ty = m.env.globals[m.env.num_imported_globals as usize + i];
            let value = eval_const(init, &globals, &data.funcs)?;
            let g = match data.inline_globals.get_mut(i) {
                Some(g) => {
                    *g = GlobalInstance::new(ty, value);
                    NonNull::from(g)
                }
                None => Global::new(store, ty, Val::from_bits(ty.content, value))?.0,
            };
            // SAFETY: `g` is in this instance's (boxed, never moved) record or freshly created in this store.
            globals.push(unsafe { (*g.as_ptr()).cell.as_mut_ptr() } as *mut u8);
            global_handles.push(g);
        }
        for (t, init) in m.env.tables[m.env.num_imported_tables as usize..].iter().zip(&m.table_inits) {
            // An initializer may read the globals (all initialized by now) and take functions' references.
            let init = match init {
                Some(e) => Val::from_bits(t.elem, eval_const(e, &globals, &data.funcs)?),
                None => Val::null(t.elem).unwrap(),
            };
            let h = Table::new(store, *t, init)?;
            // SAFETY: freshly created in this store.
            tables.push(unsafe { &mut (*h.0.as_ptr()).vm } as *mut VmTable);
            table_handles.push(h.0);
        }
        for mt in &m.env.memories[m.env.num_imported_memories as usize..] {
            memories.push(Memory::new(store, *mt)?.0);
        }
        data.globals = globals.into_boxed_slice();
        data.global_handles = global_handles.into_boxed_slice();
        data.tables = tables.into_boxed_slice();
        data.table_handles = table_handles.into_boxed_slice();
        data.memories = memories.into_boxed_slice();
        data.vmctx.globals = data.globals.as_ptr();
        data.vmctx.tables = data.tables.as_ptr();
        // SAFETY: the memories live in this store.
        data.vm_memories =
            data.memories.iter().map(|mem| unsafe { &mut (*mem.as_ptr()).vm } as *mut VmMemory).collect();
        data.vmctx.memories = data.vm_memories.as_ptr();
        data.vmctx.memory = match data.vm_memories.first() {
            Some(&mem) => mem,
            None => &mut *data._empty_memory,
        };

        for e in &m.exports {
            let ext = match e.kind {
                ExportKind::Func => Extern::Func(Func(NonNull::from(&data.funcs[e.index as usize]))),
                ExportKind::Table => Extern::Table(Table(data.table_handles[e.index as usize])),
                ExportKind::Memory => Extern::Memory(Memory(data.memories[e.index as usize])),
                ExportKind::Global => Extern::Global(Global(data.global_handles[e.index as usize])),
            };
            data.exports.insert(e.name.clone(), ext);
        }

        // Segments: evaluate every element segment, then apply active ones in order (elements before data);
        // a failure traps after the earlier segments took effect, as the spec says.
        let mut elems = Vec::with_capacity(m.elems.len());
        for seg in &m.elems {
            let items = seg
                .items
                .iter()
                .map(|e| eval_const(e, &data.globals, &data.funcs).map(|v| v as u64))
                .collect::<Result<Box<[u64]>, _>>()?;
            elems.push(items);
        }
        data.elems = elems;
        let instance = store.push_instance(data);
        // SAFETY: just pushed into the store, which keeps it alive; no other reference is live.
        let data = unsafe { &mut *instance.0.as_ptr() };
        for (i, seg) in m.elems.iter().enumerate() {
            match &seg.mode {
                SegmentMode::Active { index, offset } => {
                    // SAFETY: the table lives in this store.
                    let table = unsafe { &mut *data.table_handles[*index as usize].as_ptr() };
                    let offset = index_value(eval_const(offset, &data.globals, &data.funcs)? as u64, table.ty.table64);
                    let items = std::mem::take(&mut data.elems[i]);
                    if !in_bounds(offset, items.len() as u64, table.size()) {
                        return Err(Error::trap_kind(Trap::OutOfBoundsTable));
                    }
                    table.elems[offset as usize..offset as usize + items.len()].copy_from_slice(&items);
                }
                SegmentMode::Declared => data.elems[i] = Box::new([]),
                SegmentMode::Passive => {}
            }
        }
        for (i, seg) in m.datas.iter().enumerate() {
            if let SegmentMode::Active { index, offset } = &seg.mode {
                // SAFETY: the memory lives in this store.
                let mem = unsafe { &mut *data.memories[*index as usize].as_ptr() };
                let offset = index_value(eval_const(offset, &data.globals, &data.funcs)? as u64, mem.ty.memory64);
                if !in_bounds(offset, seg.bytes.len() as u64, mem.vm.len) {
                    return Err(Error::trap_kind(Trap::OutOfBoundsMemory));
                }
                mem.data_mut()[offset as usize..offset as usize + seg.bytes.len()].copy_from_slice(&seg.bytes);
                data.data_dropped[i] = true;
            }
        }
        if let Some(start) = m.start {
            let f = &data.funcs[start as usize] as *const VmFuncRef;
            let ty = module.func_type(start).clone();
            call_raw(&mut store.inner, f, &ty, &[])?;
        }
        Ok(instance)
    }

    pub fn get_export(&self, name: &str) -> Option<Extern> {
        // SAFETY: the instance lives as long as its store, which the caller still holds.
        unsafe { self.0.as_ref() }.exports.get(name).copied()
    }

    pub fn get_func(&self, name: &str) -> Option<Func> {
        match self.get_export(name)? {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The exported function `name` as a [`TypedFunc`](super::TypedFunc) of type `P -> R`.
    pub fn get_typed_func<P: super::WasmList, R: super::WasmList, T>(
        &self,
        store: &Store<T>,
        name: &str,
    ) -> Result<super::TypedFunc<P, R>, Error> {
        self.get_func(name).ok_or_else(|| Error::Usage(format!("no exported function `{name}`")))?.typed(store)
    }

    pub fn exports(&self) -> Vec<(String, Extern)> {
        // SAFETY: as in `get_export`.
        let data = unsafe { self.0.as_ref() };
        let mut v: Vec<_> = data.exports.iter().map(|(k, v)| (k.clone(), *v)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    pub fn module(&self) -> &Module {
        // SAFETY: as in `get_export`.
        &unsafe { self.0.as_ref() }.module
    }
}

/// Import subtyping on limits: at least as large, and a maximum no larger than required.
fn limits_match(actual: Limits, required: Limits) -> bool {
    actual.min >= required.min
        && match required.max {
            None => true,
            Some(rmax) => actual.max.is_some_and(|amax| amax <= rmax),
        }
}

fn eval_const(expr: &ConstExpr, globals: &[*mut u8], funcs: &[VmFuncRef]) -> Result<u128, Error> {
    let mut stack: Vec<u128> = Vec::with_capacity(2);
    for op in expr.iter() {
        let v = match *op {
            ConstOp::I32(v) => v as u32 as u128,
            ConstOp::I64(v) => v as u64 as u128,
            ConstOp::F32(v) => v as u128,
            ConstOp::F64(v) => v as u128,
            ConstOp::V128(v) => v,
            ConstOp::RefNull => 0,
            ConstOp::RefFunc(f) => &funcs[f as usize] as *const VmFuncRef as u64 as u128,
            // SAFETY: global cells are 16 bytes and live in the store.
            ConstOp::GlobalGet(g) => unsafe { (globals[g as usize] as *const u128).read_unaligned() },
            ConstOp::I32Add
            | ConstOp::I32Sub
            | ConstOp::I32Mul
            | ConstOp::I64Add
            | ConstOp::I64Sub
            | ConstOp::I64Mul => {
                let b = stack.pop().unwrap_or(0);
                let a = stack.pop().unwrap_or(0);
                match *op {
                    ConstOp::I32Add => (a as u32).wrapping_add(b as u32) as u128,
                    ConstOp::I32Sub => (a as u32).wrapping_sub(b as u32) as u128,
                    ConstOp::I32Mul => (a as u32).wrapping_mul(b as u32) as u128,
                    ConstOp::I64Add => (a as u64).wrapping_add(b as u64) as u128,
                    ConstOp::I64Sub => (a as u64).wrapping_sub(b as u64) as u128,
                    _ => (a as u64).wrapping_mul(b as u64) as u128,
                }
            }
        };
        stack.push(v);
    }
    stack.pop().ok_or_else(|| Error::Invalid("empty constant expression".into()))
}
