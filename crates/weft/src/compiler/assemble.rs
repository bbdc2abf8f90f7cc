//! Lays compiled functions out in one code image and resolves what `CodeBuffer` left as fixups.
//!
//! Image layout: the stencils' shared read-only data, the out-of-bounds landing stencil, then every
//! function, each 16-byte aligned.

use super::emit::{CodeBuffer, FuncCode, Holes};
use crate::codemem::CodeMemory;
use crate::Error;

pub struct Image {
    pub code: CodeMemory,
    /// Code offset of every function, in order.
    pub func_offsets: Vec<u32>,
    /// Module-wide `br_table` jump tables, as code offsets.
    pub jump_tables: Vec<Vec<u32>>,
    pub oob_landing: u32,
}

/// `funcs[i]` is defined function `num_imported + i`, its code in `buffers[funcs[i].buffer]`; `counts`
/// receives the landing stencil. The image is written straight into fresh code memory, which is then
/// made executable.
pub fn assemble(funcs: Vec<FuncCode>, buffers: &[CodeBuffer], num_imported: u32, counts: &mut [u32]) -> Result<Image, Error> {
    // Where a guarded memory access that faulted continues: `return OUT_OF_BOUNDS_MEMORY`.
    let mut landing = CodeBuffer::new(0);
    landing.emit(weft_stencils::id::trap, &Holes { imm: weft_ops::trap::OUT_OF_BOUNDS_MEMORY as u32, ..Default::default() }, None, None)?;
    counts[weft_stencils::id::trap as usize] += 1;
    let landing = landing.bytes();
    let oob_landing = align(weft_stencils::DATA.len() as u32);
    let mut end = oob_landing + landing.len() as u32;
    let mut func_offsets = Vec::with_capacity(funcs.len());
    for f in &funcs {
        let start = align(end);
        func_offsets.push(start);
        end = start + f.code.len() as u32;
    }
    let mut jump_tables = Vec::new();
    let code = CodeMemory::build(end as usize, |code| {
        code[..weft_stencils::DATA.len()].copy_from_slice(&weft_stencils::DATA);
        pad(code, weft_stencils::DATA.len(), oob_landing);
        code[oob_landing as usize..oob_landing as usize + landing.len()].copy_from_slice(landing);
        let mut filled = oob_landing as usize + landing.len();
        for (f, &base) in funcs.iter().zip(&func_offsets) {
            pad(code, filled, base);
            code[base as usize..base as usize + f.code.len()].copy_from_slice(&buffers[f.buffer].bytes()[f.code.clone()]);
            filled = base as usize + f.code.len();
            for &(site, addend) in &f.data_sites {
                let at = base + site;
                write32(code, at, (addend - at as i64) as i32 as u32);
            }
            for &(site, callee) in &f.call_sites {
                let at = base + site;
                let target = func_offsets[(callee - num_imported) as usize];
                write32(code, at, (target as i64 - (at as i64 + 4)) as i32 as u32);
            }
            let first_table = jump_tables.len() as u32;
            for &site in &f.table_sites {
                let at = (base + site) as usize;
                let local = u32::from_le_bytes(code[at..at + 4].try_into().unwrap());
                write32(code, base + site, first_table + local);
            }
            for table in &f.jump_tables {
                jump_tables.push(table.iter().map(|&pad| base + pad).collect());
            }
        }
    })
    .map_err(|e| Error::Compile(format!("mapping code memory: {e}")))?;
    Ok(Image { code, func_offsets, jump_tables, oob_landing })
}

/// int3 padding between pieces (never executed). Only the gaps are written: filling the whole image
/// first would write every byte twice.
fn pad(code: &mut [u8], from: usize, to: u32) {
    code[from..to as usize].fill(0xCC);
}

fn align(offset: u32) -> u32 {
    offset.next_multiple_of(16)
}

fn write32(code: &mut [u8], at: u32, v: u32) {
    code[at as usize..at as usize + 4].copy_from_slice(&v.to_le_bytes());
}
