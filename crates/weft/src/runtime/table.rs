//! Tables: a vector of 8-byte references that compiled code reads through `VmTable`.

use crate::Error;
use crate::types::TableType;
use weft_ops::vm::VmTable;

/// The default of `StoreLimits::max_table_elements`: a table may not start or grow beyond this many
/// elements (80 MB), which keeps hostile modules bounded.
pub const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

pub struct TableInstance {
    pub(crate) vm: VmTable,
    pub(crate) elems: Vec<u64>,
    pub(crate) ty: TableType,
    /// The store's cap (`StoreLimits`); growth beyond it fails like an exhausted allocator.
    pub(crate) max_elements: u64,
}

impl TableInstance {
    pub fn new(ty: TableType, init: u64, max_elements: u64) -> Result<Box<TableInstance>, Error> {
        if ty.limits.min > max_elements.min(u32::MAX as u64) {
            return Err(Error::ResourceLimit(format!(
                "a table of {} elements exceeds the store's limit of {max_elements}",
                ty.limits.min
            )));
        }
        let mut t = Box::new(TableInstance {
            vm: VmTable { elems: std::ptr::null_mut(), len: 0 },
            elems: Vec::new(),
            ty,
            max_elements,
        });
        t.elems = vec![init; ty.limits.min as usize];
        t.sync();
        Ok(t)
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
        // Never more than u32::MAX elements, 64-bit tables included (compiled code reduces their
        // indices to 32 bits: `index64`).
        if delta != 0
            && (new > self.ty.limits.max.unwrap_or(u32::MAX as u64).min(u32::MAX as u64) || new > self.max_elements)
        {
            return None;
        }
        self.elems.resize(new as usize, init);
        self.sync();
        Some(old)
    }
}
