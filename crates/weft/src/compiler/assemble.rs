//! Lays compiled functions out in one code image and resolves what `CodeBuffer` left as fixups.
//!
//! Image layout: the stencils' shared read-only data, the out-of-bounds landing stencil (together the
//! *header*), then every function, each 16-byte aligned, in index order. A single-threaded compile
//! emits exactly this layout into its one buffer (`begin_image` first), which then becomes the code
//! memory in place; the buffers of a parallel compile are copied into fresh code memory.

use super::emit::{CodeBuffer, FuncCode, Holes};
use crate::Error;
use crate::codemem::CodeMemory;

pub struct Image {
    pub code: CodeMemory,
    /// Code offset of every function, in order.
    pub func_offsets: Vec<u32>,
    /// Bytes of instructions of every function (its constant pool and jump tables follow).
    pub func_insn_lens: Vec<u32>,
    /// Where direct calls enter every function (relative to its start; for debuggers).
    pub func_direct_entries: Vec<u32>,
    pub oob_landing: u32,
}

/// Writes the image header into an empty buffer; returns the landing's offset.
pub fn begin_image(buf: &mut CodeBuffer) -> Result<u32, Error> {
    buf.append(&weft_stencils::DATA);
    buf.begin_function();
    // Where a guarded memory access that faulted continues: `return OUT_OF_BOUNDS_MEMORY`.
    let landing = buf.bytes().len() as u32;
    buf.emit(weft_stencils::id::trap, &Holes::NONE.imm(weft_ops::trap::OUT_OF_BOUNDS_MEMORY as u32), None, None);
    buf.check()?;
    buf.take_function();
    Ok(landing)
}

/// `funcs[i]` is defined function `num_imported + i`, its code in `buffers[funcs[i].buffer]`. With
/// `in_place` (the landing offset `begin_image` returned), `buffers` is one buffer holding the
/// whole image in order; otherwise `counts` receives the stencils of a header made here.
pub fn assemble(
    funcs: Vec<FuncCode>,
    buffers: Vec<CodeBuffer>,
    in_place: Option<u32>,
    num_imported: u32,
    counts: &mut [u32],
) -> Result<Image, Error> {
    let mapping_error = |e: std::io::Error| Error::Compile(format!("mapping code memory: {e}"));
    let func_insn_lens = funcs.iter().map(|f| f.insn_len).collect();
    let func_direct_entries = funcs.iter().map(|f| f.direct_entry).collect();
    if let Some(oob_landing) = in_place {
        let [mut buf] =
            <[CodeBuffer; 1]>::try_from(buffers).map_err(|_| Error::Compile("one buffer expected".into()))?;
        let func_offsets: Vec<u32> = funcs.iter().map(|f| f.code.start as u32).collect();
        resolve(buf.bytes_mut(), &funcs, &func_offsets, num_imported);
        let code = buf.into_code().map_err(mapping_error)?;
        return Ok(Image { code, func_offsets, func_insn_lens, func_direct_entries, oob_landing });
    }
    let mut header = CodeBuffer::new(weft_stencils::DATA.len() + 64, !counts.is_empty());
    let oob_landing = begin_image(&mut header)?;
    counts.iter_mut().zip(&header.counts).for_each(|(a, b)| *a += b);
    let header = header.bytes();
    let mut end = header.len() as u32;
    let mut func_offsets = Vec::with_capacity(funcs.len());
    for f in &funcs {
        let start = align(end);
        func_offsets.push(start);
        end = start + f.code.len() as u32;
    }
    let code = CodeMemory::build(end as usize, |code| {
        code[..header.len()].copy_from_slice(header);
        let mut filled = header.len();
        for (f, &base) in funcs.iter().zip(&func_offsets) {
            pad(code, filled, base);
            code[base as usize..base as usize + f.code.len()]
                .copy_from_slice(&buffers[f.buffer].bytes()[f.code.clone()]);
            filled = base as usize + f.code.len();
        }
        resolve(code, &funcs, &func_offsets, num_imported);
    })
    .map_err(mapping_error)?;
    Ok(Image { code, func_offsets, func_insn_lens, func_direct_entries, oob_landing })
}

/// Patches the image's data references, calls and jump table entries (`code` is where the image runs).
fn resolve(code: &mut [u8], funcs: &[FuncCode], func_offsets: &[u32], num_imported: u32) {
    let image = code.as_ptr() as u64;
    for (f, &base) in funcs.iter().zip(func_offsets) {
        let tables = &mut code[(base + f.jump_tables.start) as usize..(base + f.jump_tables.end) as usize];
        for entry in tables.chunks_exact_mut(8) {
            let target = u64::from_le_bytes(entry.try_into().unwrap());
            entry.copy_from_slice(&(image + base as u64 + target).to_le_bytes());
        }
        for &(site, addend) in &f.data_sites {
            let at = base + site;
            write32(code, at, (addend - at as i64) as i32 as u32);
        }
        for &(site, callee) in &f.call_sites {
            let at = base + site;
            let callee = (callee - num_imported) as usize;
            let target = func_offsets[callee] + funcs[callee].direct_entry;
            write32(code, at, (target as i64 - (at as i64 + 4)) as i32 as u32);
        }
    }
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
