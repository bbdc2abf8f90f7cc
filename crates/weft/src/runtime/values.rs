//! Host-side values and their encoding in 8/16-byte frame slots.

use super::Func;
use crate::types::ValType;
use std::ptr::NonNull;
use weft_ops::vm::VmFuncRef;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    I32(i32),
    I64(i64),
    /// Raw bits, so NaN payloads survive.
    F32(u32),
    F64(u64),
    V128(u128),
    FuncRef(Option<Func>),
    /// An opaque host value; `None` is null.
    ExternRef(Option<u32>),
}

impl Val {
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }

    pub fn null(ty: ValType) -> Option<Val> {
        match ty {
            ValType::FuncRef => Some(Val::FuncRef(None)),
            ValType::ExternRef => Some(Val::ExternRef(None)),
            _ => None,
        }
    }

    pub(crate) fn to_bits(self) -> u128 {
        match self {
            Val::I32(v) => v as u32 as u128,
            Val::I64(v) => v as u64 as u128,
            Val::F32(v) => v as u128,
            Val::F64(v) => v as u128,
            Val::V128(v) => v,
            Val::FuncRef(f) => f.map(|f| f.0.as_ptr() as u64).unwrap_or(0) as u128,
            Val::ExternRef(e) => e.map(|e| e as u64 + 1).unwrap_or(0) as u128,
        }
    }

    pub(crate) fn from_bits(ty: ValType, bits: u128) -> Val {
        match ty {
            ValType::I32 => Val::I32(bits as u32 as i32),
            ValType::I64 => Val::I64(bits as u64 as i64),
            ValType::F32 => Val::F32(bits as u32),
            ValType::F64 => Val::F64(bits as u64),
            ValType::V128 => Val::V128(bits),
            ValType::FuncRef => Val::FuncRef(NonNull::new(bits as u64 as *mut VmFuncRef).map(Func)),
            ValType::ExternRef => Val::ExternRef(if bits as u64 == 0 { None } else { Some((bits as u64 - 1) as u32) }),
        }
    }

    /// Writes the value into the slot at `p`.
    ///
    /// # Safety
    /// `p` must be valid for `ty.slot_bytes()` bytes of writes.
    pub(crate) unsafe fn write(self, p: *mut u8) {
        let bits = self.to_bits();
        // SAFETY: the caller guarantees room for the slot.
        unsafe {
            if self.ty() == ValType::V128 {
                (p as *mut u128).write_unaligned(bits)
            } else {
                (p as *mut u64).write_unaligned(bits as u64)
            }
        }
    }

    /// Reads a value of type `ty` from the slot at `p`.
    ///
    /// # Safety
    /// `p` must be valid for `ty.slot_bytes()` bytes of reads.
    pub(crate) unsafe fn read(ty: ValType, p: *const u8) -> Val {
        // SAFETY: the caller guarantees the slot is readable.
        let bits = unsafe {
            if ty == ValType::V128 {
                (p as *const u128).read_unaligned()
            } else {
                (p as *const u64).read_unaligned() as u128
            }
        };
        Val::from_bits(ty, bits)
    }
}
