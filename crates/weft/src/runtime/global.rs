//! Globals: one 16-byte cell each (a v128 fits), read and written by compiled code through `VmCtx`.

use crate::types::GlobalType;

#[repr(C, align(16))]
pub struct GlobalInstance {
    pub(crate) cell: [u64; 2],
    pub(crate) ty: GlobalType,
}
