//! Object file -> validated stencils. Every rule here exists because breaking it was seen to corrupt the
//! stack or produce unpatchable code (see shared/docs/copy-and-patch.md).

use crate::Error;
use crate::model::{Hole, HoleClass, HoleKind, Reloc, Stencil, StencilSet};
use object::elf;
use object::{
    Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget, SectionIndex, SectionKind, SymbolKind,
};
use std::collections::HashMap;

/// Reads every global function of `obj` as a stencil.
pub fn extract(obj: &[u8]) -> Result<StencilSet, Error> {
    let file = object::File::parse(obj)?;
    let mut set = StencilSet::default();
    let mut blob_offsets: HashMap<SectionIndex, u64> = HashMap::new();

    let mut symbols: Vec<_> =
        file.symbols().filter(|s| s.kind() == SymbolKind::Text && s.is_global() && s.is_definition()).collect();
    symbols.sort_by_key(|s| s.name().unwrap_or("").to_string());
    for sym in symbols {
        let name = sym.name()?.to_string();
        let Some(section_index) = sym.section_index() else { continue };
        let section = file.section_by_index(section_index)?;
        let start = sym.address() - section.address();
        let size = sym.size();
        let section_data = section.data()?;
        let Some(code) = section_data.get(start as usize..(start + size) as usize) else {
            return Err(unusable(&name, "symbol extends past its section"));
        };
        let mut code = code.to_vec();
        let mut holes = Vec::new();
        // Panic machinery first: it is the most common cause and explains the other symptoms it brings
        // along (panic-location data, absolute references to it).
        for (offset, reloc) in section.relocations() {
            if offset < start || offset >= start + size {
                continue;
            }
            if let RelocationTarget::Symbol(i) = reloc.target() {
                let target = file.symbol_by_index(i)?;
                let target_name = target.name().unwrap_or("");
                if target.is_undefined() && (target_name.starts_with("_R") || target_name.starts_with("_ZN")) {
                    return Err(unusable(
                        &name,
                        &format!(
                            "undefined Rust symbol `{target_name}`: panic machinery or a non-inlined core function leaked in (use unchecked ops and explicit traps)"
                        ),
                    ));
                }
            }
        }
        for (offset, reloc) in section.relocations() {
            if offset < start || offset >= start + size {
                continue;
            }
            let offset = offset - start;
            let r_type = match reloc.flags() {
                RelocationFlags::Elf { r_type } => r_type,
                other => return Err(unusable(&name, &format!("unsupported relocation {other:?}"))),
            };
            let RelocationTarget::Symbol(target_index) = reloc.target() else {
                return Err(unusable(&name, "relocation without a symbol"));
            };
            let target = file.symbol_by_index(target_index)?;
            let target_name = target.name().unwrap_or("").to_string();
            let reloc_kind = match r_type {
                elf::R_X86_64_32 => Reloc::Abs32,
                elf::R_X86_64_32S => Reloc::Abs32S,
                elf::R_X86_64_PC32 | elf::R_X86_64_PLT32 => Reloc::Rel32,
                other => {
                    return Err(unusable(
                        &name,
                        &format!(
                            "unknown relocation type {other} against `{target_name}` (GOT/64-bit forms mean the flags are wrong)"
                        ),
                    ));
                }
            };
            let mut addend = reloc.addend();
            let kind = if target.is_undefined() {
                match HoleKind::from_symbol(&target_name) {
                    Some(k) => k,
                    None if target_name.starts_with("_R") || target_name.starts_with("_ZN") => {
                        return Err(unusable(
                            &name,
                            &format!(
                                "undefined Rust symbol `{target_name}`: panic machinery or a non-inlined core function leaked in (use unchecked ops and explicit traps)"
                            ),
                        ));
                    }
                    None => {
                        return Err(unusable(
                            &name,
                            &format!(
                                "undefined symbol `{target_name}` is neither a hole nor a helper (libcalls such as memcpy are out of rel32 range)"
                            ),
                        ));
                    }
                }
            } else {
                let Some(target_section_index) = target.section_index() else {
                    return Err(unusable(&name, &format!("reference to absolute symbol `{target_name}`")));
                };
                let target_section = file.section_by_index(target_section_index)?;
                match target_section.kind() {
                    SectionKind::ReadOnlyData | SectionKind::ReadOnlyString
                        if target_section.relocations().next().is_some() =>
                    {
                        return Err(unusable(
                            &name,
                            &format!(
                                "references read-only data `{}` that has relocations itself (a table of pointers?): it cannot be shared between copies",
                                target_section.name().unwrap_or("?")
                            ),
                        ));
                    }
                    SectionKind::ReadOnlyData | SectionKind::ReadOnlyString => {
                        let blob_offset = *blob_offsets.entry(target_section_index).or_insert_with(|| {
                            let align = target_section.align().max(1) as usize;
                            while set.data.len() % align != 0 {
                                set.data.push(0);
                            }
                            let at = set.data.len() as u64;
                            set.data.extend_from_slice(target_section.data().unwrap_or(&[]));
                            at
                        });
                        addend += (blob_offset + target.address() - target_section.address()) as i64;
                        HoleKind::Data
                    }
                    SectionKind::Text => {
                        return Err(unusable(
                            &name,
                            &format!(
                                "calls or jumps to `{target_name}` in another section: mark helpers #[inline(always)]"
                            ),
                        ));
                    }
                    other => {
                        return Err(unusable(
                            &name,
                            &format!(
                                "references `{target_name}` in a {other:?} section: stencils may not use writable data"
                            ),
                        ));
                    }
                }
            };
            check_use(&name, &code, offset as usize, kind, reloc_kind, &target_name)?;
            // The JIT patches jumps and calls as `target - (site + 4)`: any other addend is unexpected.
            if matches!(kind.class(), HoleClass::Jump | HoleClass::Call) && addend != -4 {
                return Err(unusable(&name, &format!("`{target_name}` has addend {addend}, expected -4")));
            }
            holes.push(Hole { offset: offset as u32, kind, reloc: reloc_kind, addend });
        }
        holes.sort_by_key(|h| h.offset);
        // A trailing `jmp CONTINUE` becomes a fall-through into the next stencil.
        if let Some(last) = holes.last() {
            let len = code.len();
            if last.kind == HoleKind::Continue && last.offset as usize == len - 4 && len >= 5 && code[len - 5] == 0xE9 {
                holes.pop();
                code.truncate(len - 5);
            }
        }
        set.stencils.push(Stencil { name, code, holes });
    }
    // Relocations in data sections would have to be patched per copy of the data: never allowed.
    // Checked after the stencils, so a more specific reason (say, panic machinery) is reported first.
    for section in file.sections() {
        if section.kind() != SectionKind::Text && section.relocations().next().is_some() {
            let name = section.name().unwrap_or("?").to_string();
            if !name.starts_with(".rela.") && !name.contains("eh_frame") && !name.starts_with(".note") {
                return Err(unusable(
                    &name,
                    "a data section has relocations (a jump table or a table of pointers); such data cannot be shared between copies",
                ));
            }
        }
    }

    Ok(set)
}

/// Checks that a hole is used the way its class allows.
fn check_use(
    stencil: &str,
    code: &[u8],
    offset: usize,
    kind: HoleKind,
    reloc: Reloc,
    symbol: &str,
) -> Result<(), Error> {
    let byte = |back: usize| offset.checked_sub(back).and_then(|i| code.get(i)).copied();
    let is_jmp = byte(1) == Some(0xE9);
    let is_jcc = byte(2) == Some(0x0F) && byte(1).is_some_and(|b| b & 0xF0 == 0x80);
    let is_call = byte(1) == Some(0xE8);
    match kind.class() {
        HoleClass::Jump => {
            if reloc != Reloc::Rel32 || !(is_jmp || is_jcc) {
                let how = if is_call { "a `call`" } else { "something other than jmp/jcc" };
                return Err(unusable(
                    stencil,
                    &format!(
                        "continuation `{symbol}` is reached by {how}: the tail call was not optimized (escaping locals, stack arguments or a large frame?)"
                    ),
                ));
            }
        }
        // A `jmp` is a tail call (`return_call`): the callee returns to this function's caller.
        HoleClass::Call => {
            if reloc != Reloc::Rel32 || !(is_call || is_jmp) {
                return Err(unusable(
                    stencil,
                    &format!("`{symbol}` must be the target of a `call` or a tail-call `jmp`"),
                ));
            }
        }
        HoleClass::Value => {
            if reloc == Reloc::Rel32 {
                return Err(unusable(
                    stencil,
                    &format!("value hole `{symbol}` used PC-relatively (called or jumped to?)"),
                ));
            }
        }
        HoleClass::Data => {
            if reloc != Reloc::Rel32 {
                return Err(unusable(
                    stencil,
                    &format!(
                        "absolute reference to read-only data `{symbol}` (a switch table?): only rip-relative data is supported"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn unusable(stencil: &str, reason: &str) -> Error {
    Error::Unusable { stencil: stencil.to_string(), reason: reason.to_string() }
}
