//! Lays compiled functions out in one code image and resolves what `CodeBuffer` left as fixups.
//!
//! Image layout: the stencils' shared read-only data, the out-of-bounds landing stencil, then every
//! function, each 16-byte aligned.

use super::emit::{CodeBuffer, FuncCode, Holes};
use crate::Error;

pub struct Image {
    pub code: Vec<u8>,
    /// Code offset of every function, in order.
    pub func_offsets: Vec<u32>,
    /// Module-wide `br_table` jump tables, as code offsets.
    pub jump_tables: Vec<Vec<u32>>,
    pub oob_landing: u32,
}

/// `funcs[i]` is defined function `num_imported + i`; `counts` receives the landing stencil.
pub fn assemble(funcs: Vec<FuncCode>, num_imported: u32, counts: &mut [u32]) -> Result<Image, Error> {
    let total: usize = funcs.iter().map(|f| f.code.len() + 16).sum();
    let mut code = Vec::with_capacity(weft_stencils::DATA.len() + 64 + total);
    code.extend_from_slice(&weft_stencils::DATA);
    align(&mut code);
    // Where a guarded memory access that faulted continues: `return OUT_OF_BOUNDS_MEMORY`.
    let mut landing = CodeBuffer::new();
    landing.emit(weft_stencils::id::trap, &Holes { imm: weft_ops::trap::OUT_OF_BOUNDS_MEMORY as u32, ..Default::default() }, None, None)?;
    counts[weft_stencils::id::trap as usize] += 1;
    let oob_landing = code.len() as u32;
    code.extend_from_slice(&landing.code);

    let mut func_offsets = Vec::with_capacity(funcs.len());
    for f in &funcs {
        align(&mut code);
        func_offsets.push(code.len() as u32);
        code.extend_from_slice(&f.code);
    }
    let mut jump_tables = Vec::new();
    for (f, &base) in funcs.iter().zip(&func_offsets) {
        for &(site, addend) in &f.data_sites {
            let at = base + site;
            write32(&mut code, at, (addend - at as i64) as i32 as u32);
        }
        for &(site, callee) in &f.call_sites {
            let at = base + site;
            let target = func_offsets[(callee - num_imported) as usize];
            write32(&mut code, at, (target as i64 - (at as i64 + 4)) as i32 as u32);
        }
        let first_table = jump_tables.len() as u32;
        for &site in &f.table_sites {
            let at = (base + site) as usize;
            let local = u32::from_le_bytes(code[at..at + 4].try_into().unwrap());
            write32(&mut code, base + site, first_table + local);
        }
        for table in &f.jump_tables {
            jump_tables.push(table.iter().map(|&pad| base + pad).collect());
        }
    }
    Ok(Image { code, func_offsets, jump_tables, oob_landing })
}

fn align(code: &mut Vec<u8>) {
    // int3 padding: never executed.
    while code.len() % 16 != 0 {
        code.push(0xCC);
    }
}

fn write32(code: &mut [u8], at: u32, v: u32) {
    code[at as usize..at as usize + 4].copy_from_slice(&v.to_le_bytes());
}
