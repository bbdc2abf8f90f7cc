//! Globals: one 16-byte cell each (a v128 fits), read and written by compiled code through `VmCtx`.

use crate::types::GlobalType;

#[repr(C, align(16))]
pub struct GlobalInstance {
    pub(crate) cell: [u64; 2],
    pub(crate) ty: GlobalType,
}

impl GlobalInstance {
    /// A global of type `ty` holding `bits` (a value's `Val::to_bits`).
    pub(crate) fn new(ty: GlobalType, bits: u128) -> GlobalInstance {
        GlobalInstance { cell: [bits as u64, (bits >> 64) as u64], ty }
    }
}
