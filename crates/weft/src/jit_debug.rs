//! The GDB JIT interface (`Config::debug_info`): each module's functions are described to a debugger as
//! a small in-memory ELF file (a `.text` section at the code's real address and one symbol per wasm
//! function), linked into the list GDB reads from `__jit_debug_descriptor`. GDB (and LLDB) then name
//! wasm functions in backtraces and disassembly, and take breakpoints on them.
//!
//! The protocol (GDB manual, "JIT Compilation Interface"): the process links an entry into the
//! descriptor's list, sets `action_flag` and calls `__jit_debug_register_code`, on which the debugger
//! has a breakpoint. Both symbols must keep their names, which is why they are `no_mangle`.

use object::Endianness;
use object::elf;
use object::write::elf::{FileHeader, SectionHeader, Sym, Writer};
use std::sync::Mutex;

#[repr(C)]
struct JitCodeEntry {
    next: *mut JitCodeEntry,
    prev: *mut JitCodeEntry,
    symfile_addr: *const u8,
    symfile_size: u64,
}

#[repr(C)]
struct JitDescriptor {
    version: u32,
    action_flag: u32,
    relevant_entry: *mut JitCodeEntry,
    first_entry: *mut JitCodeEntry,
}

const JIT_NOACTION: u32 = 0;
const JIT_REGISTER_FN: u32 = 1;
const JIT_UNREGISTER_FN: u32 = 2;

/// Read by the debugger; written only under `LOCK`.
#[unsafe(no_mangle)]
static mut __jit_debug_descriptor: JitDescriptor = JitDescriptor {
    version: 1,
    action_flag: JIT_NOACTION,
    relevant_entry: std::ptr::null_mut(),
    first_entry: std::ptr::null_mut(),
};

/// The debugger's breakpoint: called after each change of the list. It must stay a real call.
#[unsafe(no_mangle)]
#[inline(never)]
extern "C" fn __jit_debug_register_code() {
    // Keeps the body (and so the function) from being merged away or inlined.
    std::hint::black_box(());
}

static LOCK: Mutex<()> = Mutex::new(());

/// A module's code, registered with the debugger until dropped.
pub(crate) struct Registration {
    entry: Box<JitCodeEntry>,
    /// The ELF file `entry` points to.
    _image: Box<[u8]>,
}

// SAFETY: the entry is only touched under `LOCK` (and read by a debugger while the process is stopped).
unsafe impl Send for Registration {}
// SAFETY: as above; `&Registration` gives no access to the entry.
unsafe impl Sync for Registration {}

impl Registration {
    /// Registers the functions `(name, address, size)` of code at `base..base + len`.
    pub(crate) fn new(base: usize, len: usize, functions: &[(String, usize, usize)]) -> Registration {
        let image = elf_image(base, len, functions).into_boxed_slice();
        let mut entry = Box::new(JitCodeEntry {
            next: std::ptr::null_mut(),
            prev: std::ptr::null_mut(),
            symfile_addr: image.as_ptr(),
            symfile_size: image.len() as u64,
        });
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the descriptor and every linked entry are only modified under `LOCK`; the entry is
        // boxed, so its address stays valid until `drop` unlinks it.
        unsafe {
            let d = &raw mut __jit_debug_descriptor;
            entry.next = (*d).first_entry;
            if let Some(first) = (*d).first_entry.as_mut() {
                first.prev = &mut *entry;
            }
            (*d).first_entry = &mut *entry;
            (*d).relevant_entry = &mut *entry;
            (*d).action_flag = JIT_REGISTER_FN;
            __jit_debug_register_code();
            (*d).action_flag = JIT_NOACTION;
        }
        Registration { entry, _image: image }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: as in `new`; the entry is linked (each registration is unlinked once, here).
        unsafe {
            let d = &raw mut __jit_debug_descriptor;
            let entry: *mut JitCodeEntry = &mut *self.entry;
            match (*entry).prev.as_mut() {
                Some(prev) => prev.next = (*entry).next,
                None => (*d).first_entry = (*entry).next,
            }
            if let Some(next) = (*entry).next.as_mut() {
                next.prev = (*entry).prev;
            }
            (*d).relevant_entry = entry;
            (*d).action_flag = JIT_UNREGISTER_FN;
            __jit_debug_register_code();
            (*d).action_flag = JIT_NOACTION;
            (*d).relevant_entry = std::ptr::null_mut();
        }
    }
}

/// An ELF executable with no contents but a `.text` section (`SHT_NOBITS`: the bytes are the process's
/// own) at `base`, and a function symbol per wasm function.
fn elf_image(base: usize, len: usize, functions: &[(String, usize, usize)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = Writer::new(Endianness::Little, true, &mut out);
    w.reserve_file_header();
    w.reserve_null_section_index();
    let text_name = w.add_section_name(b".text");
    let text = w.reserve_section_index();
    w.reserve_null_symbol_index();
    let names: Vec<_> = functions.iter().map(|(name, ..)| w.add_string(name.as_bytes())).collect();
    for _ in functions {
        w.reserve_symbol_index(Some(text));
    }
    w.reserve_symtab_section_index();
    w.reserve_symtab();
    w.reserve_strtab_section_index();
    w.reserve_strtab();
    w.reserve_shstrtab_section_index();
    w.reserve_shstrtab();
    w.reserve_section_headers();

    let header = FileHeader {
        os_abi: elf::ELFOSABI_NONE,
        abi_version: 0,
        e_type: elf::ET_EXEC,
        e_machine: elf::EM_X86_64,
        e_entry: 0,
        e_flags: 0,
    };
    w.write_file_header(&header).expect("a header for a 64-bit little-endian file");
    w.write_null_symbol();
    for (&name, &(_, address, size)) in names.iter().zip(functions) {
        let info = (elf::STB_GLOBAL << 4) | elf::STT_FUNC;
        w.write_symbol(&Sym {
            name: Some(name),
            section: Some(text),
            st_info: info,
            st_other: elf::STV_DEFAULT,
            st_shndx: 0,
            st_value: address as u64,
            st_size: size as u64,
        });
    }
    w.write_strtab();
    w.write_shstrtab();
    w.write_null_section_header();
    w.write_section_header(&SectionHeader {
        name: Some(text_name),
        sh_type: elf::SHT_NOBITS,
        sh_flags: (elf::SHF_ALLOC | elf::SHF_EXECINSTR) as u64,
        sh_addr: base as u64,
        sh_offset: 0,
        sh_size: len as u64,
        sh_link: 0,
        sh_info: 0,
        sh_addralign: 16,
        sh_entsize: 0,
    });
    // Every symbol but the null one is global.
    w.write_symtab_section_header(1);
    w.write_strtab_section_header();
    w.write_shstrtab_section_header();
    out
}

/// The ELF files registered right now: copies of their bytes.
#[cfg(test)]
fn registered_images() -> Vec<Vec<u8>> {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut images = Vec::new();
    // SAFETY: under `LOCK` the list is consistent and each entry's image is alive.
    unsafe {
        let descriptor = &raw const __jit_debug_descriptor;
        let mut e = (*descriptor).first_entry;
        while let Some(entry) = e.as_ref() {
            images.push(std::slice::from_raw_parts(entry.symfile_addr, entry.symfile_size as usize).to_vec());
            e = entry.next;
        }
    }
    images
}

#[cfg(test)]
mod tests {
    use super::registered_images;
    use crate::{Config, Engine, Module};
    use object::{Object, ObjectSection, ObjectSymbol};

    /// The (name, address, size) of every symbol of the registered images.
    fn symbols() -> Vec<(String, u64, u64)> {
        let mut out = Vec::new();
        for image in registered_images() {
            let file = object::File::parse(&*image).expect("a registered image is a valid ELF file");
            let text = file.section_by_name(".text").expect("a .text section");
            for sym in file.symbols() {
                assert_eq!(sym.section_index(), Some(text.index()));
                assert!(text.address() <= sym.address() && sym.address() + sym.size() <= text.address() + text.size());
                out.push((sym.name().unwrap().to_string(), sym.address(), sym.size()));
            }
        }
        out
    }

    #[test]
    fn modules_are_described_to_debuggers_while_they_live() {
        let wat = r#"(module (func $inner (export "inner") (result i32) (i32.const 1)) (func $outer (export "outer") (result i32) (call $inner)))"#;
        let engine = Engine::new(Config { debug_info: true, ..Default::default() }).unwrap();
        let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
        let code = module.function_code();
        let syms = symbols();
        for (name, bytes) in &code {
            let (start, end) = (bytes.as_ptr() as u64, bytes.as_ptr() as u64 + bytes.len() as u64);
            // The host entry, then the function proper from the direct-call entry to the end.
            let entry = syms
                .iter()
                .find(|s| s.0 == format!("wasm::{name}.entry"))
                .unwrap_or_else(|| panic!("{name}.entry in {syms:?}"));
            let body =
                syms.iter().find(|s| s.0 == format!("wasm::{name}")).unwrap_or_else(|| panic!("{name} in {syms:?}"));
            assert_eq!((entry.1, entry.1 + entry.2), (start, body.1));
            assert_eq!(body.1 + body.2, end);
        }
        drop(module);
        assert!(!symbols().iter().any(|s| s.0 == "wasm::inner"), "unregistered with its module");
        // Without the option, nothing is registered.
        let _plain = Module::new(&Engine::default(), &wat::parse_str(wat).unwrap()).unwrap();
        assert!(!symbols().iter().any(|s| s.0 == "wasm::inner"));
    }
}
