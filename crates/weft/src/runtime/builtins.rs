//! Runtime helpers that compiled code calls through `VmCtx::builtins` (an indirect call, so no helper
//! address has to fit a rel32 hole). Operands are read from `sp`, results written back there.

use super::instance::InstanceData;
use weft_ops::trap;
use weft_ops::vm::{Builtin, VmCtx, builtin};

pub(crate) static BUILTINS: [Builtin; builtin::COUNT] = [
    memory_grow,
    memory_fill,
    memory_copy,
    memory_init,
    data_drop,
    table_grow,
    table_fill,
    table_copy,
    table_init,
    elem_drop,
];

/// # Safety
/// `ctx` is a live instance's VmCtx.
unsafe fn instance<'a>(ctx: *mut VmCtx) -> &'a mut InstanceData {
    // SAFETY: every VmCtx is embedded in the InstanceData its `instance` field points to.
    unsafe { &mut *((*ctx).instance as *mut InstanceData) }
}

/// # Safety
/// `sp` points at the operator's operand slots.
unsafe fn arg(sp: *mut u8, i: usize) -> u64 {
    // SAFETY: the compiler passes the first operand slot; operands are 8 bytes apart.
    unsafe { (sp.add(8 * i) as *const u64).read() }
}

/// # Safety
/// As for `arg`.
unsafe fn ret(sp: *mut u8, v: u64) {
    // SAFETY: as in `arg`.
    unsafe { (sp as *mut u64).write(v) }
}

/// An address, index or length operand of a memory or table: an i64 for a 64-bit one, else an i32 (the
/// upper half of its slot is not specified).
unsafe fn addr(sp: *mut u8, i: usize, wide: bool) -> u64 {
    // SAFETY: as in `arg`.
    index_value(unsafe { arg(sp, i) }, wide)
}

/// The bits of an address, index or length as the i64 (`wide`) or i32 they are.
pub(super) fn index_value(bits: u64, wide: bool) -> u64 {
    if wide { bits } else { bits as u32 as u64 }
}

pub(super) fn in_bounds(start: u64, len: u64, size: u64) -> bool {
    start.checked_add(len).is_some_and(|end| end <= size)
}

unsafe extern "C" fn memory_grow(ctx: *mut VmCtx, sp: *mut u8, mem: u32, _: u32) -> u64 {
    // SAFETY: called by compiled code with its own ctx and operand pointer.
    unsafe {
        let inst = instance(ctx);
        let m = &mut *inst.memories[mem as usize].as_ptr();
        let wide = m.ty.memory64;
        let old = m.grow(addr(sp, 0, wide));
        // -1 of the memory's address type on failure.
        ret(sp, old.unwrap_or(if wide { u64::MAX } else { u32::MAX as u64 }));
    }
    trap::OK
}

unsafe extern "C" fn memory_fill(ctx: *mut VmCtx, sp: *mut u8, mem: u32, _: u32) -> u64 {
    // SAFETY: as in `memory_grow`.
    unsafe {
        let m = &mut *instance(ctx).memories[mem as usize].as_ptr();
        let wide = m.ty.memory64;
        let (d, val, n) = (addr(sp, 0, wide), arg(sp, 1) as u8, addr(sp, 2, wide));
        let data = m.data_mut();
        if !in_bounds(d, n, data.len() as u64) {
            return trap::OUT_OF_BOUNDS_MEMORY;
        }
        data[d as usize..(d + n) as usize].fill(val);
    }
    trap::OK
}

unsafe extern "C" fn memory_copy(ctx: *mut VmCtx, sp: *mut u8, dst_mem: u32, src_mem: u32) -> u64 {
    // SAFETY: as in `memory_grow`; `ptr::copy` handles overlap (same memory).
    unsafe {
        let inst = instance(ctx);
        let dm = &mut *inst.memories[dst_mem as usize].as_ptr();
        let sm = &*inst.memories[src_mem as usize].as_ptr();
        // The length is an i64 only if both memories are 64-bit.
        let (dw, sw) = (dm.ty.memory64, sm.ty.memory64);
        let (d, s, n) = (addr(sp, 0, dw), addr(sp, 1, sw), addr(sp, 2, dw && sw));
        if !in_bounds(s, n, sm.vm.len) || !in_bounds(d, n, dm.vm.len) {
            return trap::OUT_OF_BOUNDS_MEMORY;
        }
        std::ptr::copy(sm.vm.base.add(s as usize), dm.vm.base.add(d as usize), n as usize);
    }
    trap::OK
}

unsafe extern "C" fn memory_init(ctx: *mut VmCtx, sp: *mut u8, seg: u32, mem: u32) -> u64 {
    // SAFETY: as in `memory_grow`.
    unsafe {
        let inst = instance(ctx);
        let m = &mut *inst.memories[mem as usize].as_ptr();
        let (d, s, n) = (addr(sp, 0, m.ty.memory64), arg(sp, 1) as u32 as u64, arg(sp, 2) as u32 as u64);
        let bytes: &[u8] =
            if inst.data_dropped[seg as usize] { &[] } else { &inst.module.inner.datas[seg as usize].bytes };
        if !in_bounds(s, n, bytes.len() as u64) || !in_bounds(d, n, m.vm.len) {
            return trap::OUT_OF_BOUNDS_MEMORY;
        }
        m.data_mut()[d as usize..(d + n) as usize].copy_from_slice(&bytes[s as usize..(s + n) as usize]);
    }
    trap::OK
}

unsafe extern "C" fn data_drop(ctx: *mut VmCtx, _sp: *mut u8, seg: u32, _: u32) -> u64 {
    // SAFETY: as in `memory_grow`.
    unsafe { instance(ctx).data_dropped[seg as usize] = true };
    trap::OK
}

unsafe extern "C" fn table_grow(ctx: *mut VmCtx, sp: *mut u8, table: u32, _: u32) -> u64 {
    // SAFETY: as in `memory_grow`.
    unsafe {
        let t = &mut *instance(ctx).table_handles[table as usize].as_ptr();
        let wide = t.ty.table64;
        let (init, n) = (arg(sp, 0), addr(sp, 1, wide));
        ret(sp, t.grow(n, init).unwrap_or(if wide { u64::MAX } else { u32::MAX as u64 }));
    }
    trap::OK
}

unsafe extern "C" fn table_fill(ctx: *mut VmCtx, sp: *mut u8, table: u32, _: u32) -> u64 {
    // SAFETY: as in `memory_grow`.
    unsafe {
        let t = &mut *instance(ctx).table_handles[table as usize].as_ptr();
        let wide = t.ty.table64;
        let (i, val, n) = (addr(sp, 0, wide), arg(sp, 1), addr(sp, 2, wide));
        if !in_bounds(i, n, t.size()) {
            return trap::OUT_OF_BOUNDS_TABLE;
        }
        t.elems[i as usize..(i + n) as usize].fill(val);
    }
    trap::OK
}

unsafe extern "C" fn table_copy(ctx: *mut VmCtx, sp: *mut u8, dst: u32, src: u32) -> u64 {
    // SAFETY: as in `memory_grow`; the two tables may be the same, so copy through raw pointers.
    unsafe {
        let inst = instance(ctx);
        let dt = inst.table_handles[dst as usize].as_ptr();
        let st = inst.table_handles[src as usize].as_ptr();
        // The length is an i64 only if both tables are 64-bit.
        let (dw, sw) = ((*dt).ty.table64, (*st).ty.table64);
        let (d, s, n) = (addr(sp, 0, dw), addr(sp, 1, sw), addr(sp, 2, dw && sw));
        if !in_bounds(s, n, (*st).size()) || !in_bounds(d, n, (*dt).size()) {
            return trap::OUT_OF_BOUNDS_TABLE;
        }
        std::ptr::copy((*st).elems.as_ptr().add(s as usize), (*dt).elems.as_mut_ptr().add(d as usize), n as usize);
    }
    trap::OK
}

unsafe extern "C" fn table_init(ctx: *mut VmCtx, sp: *mut u8, seg: u32, table: u32) -> u64 {
    // SAFETY: as in `memory_grow`.
    unsafe {
        let inst = instance(ctx);
        let t = &mut *inst.table_handles[table as usize].as_ptr();
        let (d, s, n) = (addr(sp, 0, t.ty.table64), arg(sp, 1) as u32 as u64, arg(sp, 2) as u32 as u64);
        let items = &inst.elems[seg as usize];
        if !in_bounds(s, n, items.len() as u64) || !in_bounds(d, n, t.size()) {
            return trap::OUT_OF_BOUNDS_TABLE;
        }
        t.elems[d as usize..(d + n) as usize].copy_from_slice(&items[s as usize..(s + n) as usize]);
    }
    trap::OK
}

unsafe extern "C" fn elem_drop(ctx: *mut VmCtx, _sp: *mut u8, seg: u32, _: u32) -> u64 {
    // SAFETY: as in `memory_grow`.
    unsafe { instance(ctx).elems[seg as usize] = Box::new([]) };
    trap::OK
}
