//! Tables: a vector of 8-byte references that compiled code reads through `VmTable`.

use crate::types::TableType;
use weft_ops::vm::VmTable;

/// Growth beyond this many elements fails like an exhausted allocator (`table.grow` returns -1): keeps
/// hostile modules bounded.
pub const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

pub struct TableInstance {
    pub(crate) vm: VmTable,
    pub(crate) elems: Vec<u64>,
    pub(crate) ty: TableType,
}

impl TableInstance {
    pub fn new(ty: TableType, init: u64) -> Box<TableInstance> {
        let mut t = Box::new(TableInstance { vm: VmTable { elems: std::ptr::null_mut(), len: 0 }, elems: Vec::new(), ty });
        t.elems = vec![init; ty.limits.min as usize];
        t.sync();
        t
    }

    fn sync(&mut self) {
        self.vm.elems = self.elems.as_mut_ptr();
        self.vm.len = self.elems.len() as u64;
    }

    pub fn size(&self) -> u64 {
        self.elems.len() as u64
    }

    /// Grows by `delta` elements set to `init`; returns the old size, or None.
    pub fn grow(&mut self, delta: u64, init: u64) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta)?;
        if new > self.ty.limits.max.unwrap_or(u32::MAX as u64) || new > MAX_TABLE_ELEMENTS {
            return None;
        }
        self.elems.resize(new as usize, init);
        self.sync();
        Some(old)
    }
}
