//! A compiled module: everything parsed from the binary (types, imports, segments, exports) plus the
//! machine code of its functions. Parsing, validation and code generation are one pass over the bytes.

use crate::codemem::CodeMemory;
use crate::compiler::emit::{CodeBuffer, FuncCode};
use crate::compiler::{FuncTranslator, ModuleEnv};
use crate::types::*;
use crate::{Engine, Error};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmparser::{FuncValidatorAllocations, Parser, Payload, Validator};

#[derive(Clone, Debug)]
pub enum ImportKind {
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
}

#[derive(Clone, Debug)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Func,
    Table,
    Memory,
    Global,
}

#[derive(Clone, Debug)]
pub struct Export {
    pub name: String,
    pub kind: ExportKind,
    pub index: u32,
}

/// A constant expression, kept as a tiny stack program (covers extended-const too).
#[derive(Clone, Debug)]
pub enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
}

pub type ConstExpr = Box<[ConstOp]>;

#[derive(Clone, Debug)]
pub enum SegmentMode {
    Passive,
    Declared,
    Active { index: u32, offset: ConstExpr },
}

#[derive(Clone, Debug)]
pub struct ElemSegment {
    pub mode: SegmentMode,
    pub items: Vec<ConstExpr>,
}

#[derive(Clone, Debug)]
pub struct DataSegment {
    pub mode: SegmentMode,
    pub bytes: Vec<u8>,
}

/// In-process compile figures (`weft compile --stats`).
#[derive(Clone, Debug, Default)]
pub struct CompileStats {
    pub wasm_bytes: usize,
    pub code_bytes: usize,
    pub functions: usize,
    /// Threads that compiled function bodies.
    pub threads: usize,
    pub parse_and_translate: Duration,
    pub finalize: Duration,
    /// CPU time of the whole process (every compile thread) over both phases.
    pub cpu: Duration,
    /// How often each stencil was emitted, by name: only with [`Config::count_stencils`](crate::Config)
    /// (whose counting is then part of the times above), else empty.
    pub stencil_counts: Vec<(&'static str, u32)>,
}

/// CPU time used so far by all the process's threads, for `CompileStats`.
fn process_cpu_time() -> Duration {
    crate::profiling::read_clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

pub(crate) struct ModuleInner {
    pub engine: Engine,
    /// Types, functions, tables, memories and globals (imports first), as the translator saw them.
    pub env: ModuleEnv,
    pub imports: Vec<Import>,
    pub global_inits: Vec<ConstExpr>,
    /// Per defined table: the value its elements start with, if not null (3.0's table initializers).
    pub table_inits: Vec<Option<ConstExpr>>,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    pub code: CodeMemory,
    /// Code offset of every defined function.
    pub func_offsets: Vec<u32>,
    /// Bytes of instructions of every defined function (its f64 constants and jump tables follow).
    pub func_insn_lens: Vec<u32>,
    /// Where direct calls enter every defined function, past loading memory 0 (relative to its start).
    pub func_direct_entries: Vec<u32>,
    pub names: Vec<Option<String>>,
    pub stats: CompileStats,
    /// Where a guarded memory access that faulted continues: `return OUT_OF_BOUNDS_MEMORY`.
    pub oob_landing: u32,
    /// The code's registration with a debugger (`Config::debug_info`), undone when the module goes.
    jit_debug: Option<crate::jit_debug::Registration>,
}

/// Runs the compiler, turning a panic (a bug in weft: the fuzz tests look for them) into an error, so a
/// module that triggers one cannot take down the embedder. Nothing outlives the failed compile.
fn contain_panics<R>(compile: impl FnOnce() -> Result<R, Error>) -> Result<R, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(compile)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a panic");
        Err(Error::Compile(format!("internal compiler error ({what}); please report it with the module")))
    })
}

impl Module {
    /// Parses, validates and compiles a binary module.
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<Module, Error> {
        let mut inner = contain_panics(|| Builder::new(engine).build(bytes))?;
        if engine.config().debug_info {
            // Each function's symbol starts where direct calls enter it, so that a breakpoint on it stops
            // every call; the few instructions before, where other callers enter, get a symbol of their own.
            let mut functions = Vec::new();
            for ((name, code), &entry) in Self::code_of(&inner).into_iter().zip(&inner.func_direct_entries) {
                let (start, entry) = (code.as_ptr() as usize, entry as usize);
                functions.push((format!("wasm::{name}.entry"), start, entry));
                functions.push((format!("wasm::{name}"), start + entry, code.len() - entry));
            }
            let code = inner.code.bytes();
            inner.jit_debug = Some(crate::jit_debug::Registration::new(code.as_ptr() as usize, code.len(), &functions));
        }
        let module = Module { inner: Arc::new(inner) };
        if engine.config().profiling != crate::Profiling::None {
            crate::profiling::announce(engine.config().profiling, &module.function_code());
        }
        Ok(module)
    }

    pub fn imports(&self) -> &[Import] {
        &self.inner.imports
    }

    pub fn exports(&self) -> &[Export] {
        &self.inner.exports
    }

    pub fn func_type(&self, func_index: u32) -> &FuncType {
        &self.inner.env.types[self.inner.env.funcs[func_index as usize] as usize]
    }

    pub fn type_at(&self, type_index: u32) -> &FuncType {
        &self.inner.env.types[type_index as usize]
    }

    pub fn stats(&self) -> &CompileStats {
        &self.inner.stats
    }

    /// The machine code of every defined function: (name or index, instruction bytes; its constant
    /// pool is not included).
    pub fn function_code(&self) -> Vec<(String, &[u8])> {
        Self::code_of(&self.inner)
    }

    fn code_of(m: &ModuleInner) -> Vec<(String, &[u8])> {
        let code = m.code.bytes();
        (0..m.func_offsets.len())
            .map(|i| {
                let index = i as u32 + m.env.num_imported_funcs;
                let name = m.names.get(index as usize).cloned().flatten().unwrap_or_else(|| format!("func[{index}]"));
                let start = m.func_offsets[i] as usize;
                (name, &code[start..start + m.func_insn_lens[i] as usize])
            })
            .collect()
    }

    pub fn code_base(&self) -> *const u8 {
        self.inner.code.base()
    }
}

struct Builder<'e> {
    engine: &'e Engine,
    env: ModuleEnv,
    imports: Vec<Import>,
    exports: Vec<Export>,
    start: Option<u32>,
    global_inits: Vec<ConstExpr>,
    table_inits: Vec<Option<ConstExpr>>,
    elems: Vec<ElemSegment>,
    datas: Vec<DataSegment>,
    func_offsets: Vec<u32>,
    names: Vec<Option<String>>,
}

impl<'e> Builder<'e> {
    fn new(engine: &'e Engine) -> Self {
        Builder {
            engine,
            env: ModuleEnv::default(),
            imports: Vec::new(),
            exports: Vec::new(),
            start: None,
            global_inits: Vec::new(),
            table_inits: Vec::new(),
            elems: Vec::new(),
            datas: Vec::new(),
            func_offsets: Vec::new(),
            names: Vec::new(),
        }
    }

    fn build(mut self, bytes: &[u8]) -> Result<ModuleInner, Error> {
        let t0 = Instant::now();
        let cpu0 = process_cpu_time();
        let mut validator = Validator::new_with_features(self.engine.features());
        self.env.guard_pages = self.engine.config().guard_pages;
        self.env.interruptible = self.engine.config().interruptible;
        // Sections are parsed in order; function bodies are collected and compiled afterwards, so they
        // can be compiled in parallel (each validates itself; module-level checks are done by then).
        let mut bodies = Vec::new();
        // The parser decodes with the validator's features, as `Validator::validate_all` does: by
        // default it reads 3.0's encodings (a memory index in a memarg), which 2.0 calls malformed.
        let mut parser = Parser::new(0);
        parser.set_features(self.engine.features());
        for payload in parser.parse_all(bytes) {
            let payload = payload?;
            match validator.payload(&payload)? {
                wasmparser::ValidPayload::Func(func, body) => {
                    bodies.push((func, body));
                    continue;
                }
                wasmparser::ValidPayload::End(_) => {}
                _ => {}
            }
            if let Payload::CodeSectionStart { count, .. } = &payload {
                // Sized up front: growing copies the vector, onto pages that fault anew.
                bodies.reserve(*count as usize);
            }
            self.section(payload, bytes)?;
        }
        let strict = (self.engine.config().version == crate::WasmVersion::V2).then_some(bytes);
        let threads = if self.engine.config().parallel_compilation && bodies.len() > 1 {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(bodies.len())
        } else {
            1
        };
        let (funcs, buffers, in_place, mut counts) =
            compile_functions(&self.env, bodies, strict, threads, self.engine.config().count_stencils)?;
        let parse_and_translate = t0.elapsed();
        let t1 = Instant::now();
        let image =
            crate::compiler::assemble::assemble(funcs, buffers, in_place, self.env.num_imported_funcs, &mut counts)?;
        let code = image.code;
        let stats = CompileStats {
            wasm_bytes: bytes.len(),
            code_bytes: code.bytes().len(),
            functions: image.func_offsets.len(),
            threads,
            parse_and_translate,
            finalize: t1.elapsed(),
            cpu: process_cpu_time().saturating_sub(cpu0),
            stencil_counts: weft_stencils::STENCILS
                .iter()
                .zip(&counts)
                .filter(|(_, c)| **c > 0)
                .map(|(s, &c)| (s.name(), c))
                .collect(),
        };
        self.func_offsets = image.func_offsets;
        let func_insn_lens = image.func_insn_lens;
        let func_direct_entries = image.func_direct_entries;
        let oob_landing = image.oob_landing;
        let env = self.env;
        let mut names = self.names;
        names.resize(env.funcs.len(), None);
        Ok(ModuleInner {
            engine: self.engine.clone(),
            env,
            imports: self.imports,
            global_inits: self.global_inits,
            table_inits: self.table_inits,
            exports: self.exports,
            start: self.start,
            elems: self.elems,
            datas: self.datas,
            code,
            func_offsets: self.func_offsets,
            func_insn_lens,
            func_direct_entries,
            names,
            stats,
            oob_landing,
            jit_debug: None,
        })
    }

    fn section(&mut self, payload: Payload<'_>, bytes: &[u8]) -> Result<(), Error> {
        let env = &mut self.env;
        match payload {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    // The validator has accepted the section: what this reader refuses is valid 3.0
                    // (GC's struct, array and subtyped types) that weft does not implement.
                    let ty = ty.map_err(|e| Error::Unsupported(e.message().to_string()))?;
                    let ty = FuncType::from_wasmparser(&ty)?;
                    env.type_ids.push(self.engine.type_id(&ty));
                    env.types.push(ty);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let kind = match import.ty {
                        wasmparser::TypeRef::Func(t) => {
                            env.funcs.push(t);
                            env.num_imported_funcs += 1;
                            ImportKind::Func(t)
                        }
                        wasmparser::TypeRef::Table(t) => {
                            let t = table_type(&t)?;
                            env.tables.push(t);
                            env.num_imported_tables += 1;
                            ImportKind::Table(t)
                        }
                        wasmparser::TypeRef::Memory(m) => {
                            let m = memory_type(&m)?;
                            env.memories.push(m);
                            env.num_imported_memories += 1;
                            ImportKind::Memory(m)
                        }
                        wasmparser::TypeRef::Global(g) => {
                            let g = global_type(&g)?;
                            env.globals.push(g);
                            env.num_imported_globals += 1;
                            ImportKind::Global(g)
                        }
                        other => return Err(Error::Unsupported(format!("import of {other:?}"))),
                    };
                    self.imports.push(Import { module: import.module.into(), name: import.name.into(), kind });
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    env.funcs.push(t?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    env.tables.push(table_type(&table.ty)?);
                    self.table_inits.push(match &table.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(e) => Some(const_expr(e)?),
                    });
                }
            }
            Payload::MemorySection(reader) => {
                if self.engine.config().version == crate::WasmVersion::V2 {
                    check_v2_memory_limits(bytes, &reader)?;
                }
                for m in reader {
                    env.memories.push(memory_type(&m?)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g?;
                    env.globals.push(global_type(&g.ty)?);
                    self.global_inits.push(const_expr(&g.init_expr)?);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e?;
                    let kind = match e.kind {
                        wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => ExportKind::Func,
                        wasmparser::ExternalKind::Table => ExportKind::Table,
                        wasmparser::ExternalKind::Memory => ExportKind::Memory,
                        wasmparser::ExternalKind::Global => ExportKind::Global,
                        other => return Err(Error::Unsupported(format!("export of {other:?}"))),
                    };
                    if kind == ExportKind::Func && self.names.len() <= e.index as usize {
                        self.names.resize(e.index as usize + 1, None);
                    }
                    if kind == ExportKind::Func && self.names[e.index as usize].is_none() {
                        self.names[e.index as usize] = Some(e.name.to_string());
                    }
                    self.exports.push(Export { name: e.name.into(), kind, index: e.index });
                }
            }
            Payload::StartSection { func, .. } => self.start = Some(func),
            Payload::ElementSection(reader) => {
                for elem in reader {
                    let elem = elem?;
                    let mode = match elem.kind {
                        wasmparser::ElementKind::Passive => SegmentMode::Passive,
                        wasmparser::ElementKind::Declared => SegmentMode::Declared,
                        wasmparser::ElementKind::Active { table_index, offset_expr } => {
                            SegmentMode::Active { index: table_index.unwrap_or(0), offset: const_expr(&offset_expr)? }
                        }
                    };
                    let items = match elem.items {
                        wasmparser::ElementItems::Functions(r) => r
                            .into_iter()
                            .map(|f| Ok(vec![ConstOp::RefFunc(f?)].into_boxed_slice()))
                            .collect::<Result<_, Error>>()?,
                        wasmparser::ElementItems::Expressions(t, r) => {
                            ValType::from_ref(t)?;
                            r.into_iter().map(|e| const_expr(&e?)).collect::<Result<_, Error>>()?
                        }
                    };
                    self.elems.push(ElemSegment { mode, items });
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data?;
                    let mode = match data.kind {
                        wasmparser::DataKind::Passive => SegmentMode::Passive,
                        wasmparser::DataKind::Active { memory_index, offset_expr } => {
                            SegmentMode::Active { index: memory_index, offset: const_expr(&offset_expr)? }
                        }
                    };
                    self.datas.push(DataSegment { mode, bytes: data.data.to_vec() });
                }
            }
            Payload::CustomSection(c) => {
                if let wasmparser::KnownCustom::Name(names) = c.as_known() {
                    // Names are best-effort: a malformed name section must not reject a valid module.
                    for name in names.into_iter().flatten() {
                        if let wasmparser::Name::Function(map) = name {
                            for naming in map.into_iter().flatten() {
                                let i = naming.index as usize;
                                if self.names.len() <= i {
                                    self.names.resize(i + 1, None);
                                }
                                self.names[i] = Some(naming.name.to_string());
                            }
                        }
                    }
                }
            }
            Payload::TagSection(_) => return Err(Error::Unsupported("exception handling (tags)".into())),
            _ => {}
        }
        Ok(())
    }
}

fn limits(min: u64, max: Option<u64>) -> Limits {
    Limits { min, max }
}

fn table_type(t: &wasmparser::TableType) -> Result<TableType, Error> {
    Ok(TableType { elem: ValType::from_ref(t.element_type)?, limits: limits(t.initial, t.maximum), table64: t.table64 })
}

fn memory_type(m: &wasmparser::MemoryType) -> Result<MemoryType, Error> {
    if m.shared || m.page_size_log2.is_some() {
        return Err(Error::Unsupported("shared memory or custom page sizes".into()));
    }
    Ok(MemoryType { limits: limits(m.initial, m.maximum), memory64: m.memory64 })
}

fn global_type(g: &wasmparser::GlobalType) -> Result<GlobalType, Error> {
    if g.shared {
        return Err(Error::Unsupported("shared globals".into()));
    }
    Ok(GlobalType { content: ValType::from_wasmparser(g.content_type)?, mutable: g.mutable })
}

fn const_expr(e: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr, Error> {
    use wasmparser::Operator as O;
    let mut ops = Vec::new();
    let mut reader = e.get_operators_reader();
    while !reader.eof() {
        ops.push(match reader.read()? {
            O::I32Const { value } => ConstOp::I32(value),
            O::I64Const { value } => ConstOp::I64(value),
            O::F32Const { value } => ConstOp::F32(value.bits()),
            O::F64Const { value } => ConstOp::F64(value.bits()),
            O::V128Const { value } => ConstOp::V128(u128::from_le_bytes(*value.bytes())),
            O::RefNull { .. } => ConstOp::RefNull,
            O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
            O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            O::I32Add => ConstOp::I32Add,
            O::I32Sub => ConstOp::I32Sub,
            O::I32Mul => ConstOp::I32Mul,
            O::I64Add => ConstOp::I64Add,
            O::I64Sub => ConstOp::I64Sub,
            O::I64Mul => ConstOp::I64Mul,
            O::End => break,
            other => return Err(Error::Unsupported(format!("constant expression operator {other:?}"))),
        });
    }
    Ok(ops.into_boxed_slice())
}

/// WebAssembly 2.0 encodes memory limits as u32 LEBs of at most 5 bytes; wasmparser reads them as u64
/// (for memory64) and so accepts overlong encodings that 2.0 calls malformed.
fn check_v2_memory_limits(bytes: &[u8], reader: &wasmparser::MemorySectionReader<'_>) -> Result<(), Error> {
    for entry in reader.clone().into_iter_with_offsets() {
        let (offset, _) = entry?;
        let mut pos = offset as usize;
        let flags = bytes.get(pos).copied().unwrap_or(0);
        pos += 1;
        let count = if flags & 1 != 0 { 2 } else { 1 };
        for _ in 0..count {
            let mut len = 0;
            loop {
                let b = *bytes.get(pos + len).ok_or_else(|| Error::Invalid("unexpected end".into()))?;
                len += 1;
                if len == 5 && b & 0xf0 != 0 || len > 5 {
                    return Err(Error::Invalid("integer representation too long".into()));
                }
                if b & 0x80 == 0 {
                    break;
                }
            }
            pos += len;
        }
    }
    Ok(())
}

type Body<'a> = (wasmparser::FuncToValidate<wasmparser::ValidatorResources>, wasmparser::FunctionBody<'a>);

/// What `compile_functions` returns: each function's code (a range of one of the buffers), the
/// buffers, the out-of-bounds landing's offset when the one buffer already is the image
/// (single-threaded; see `assemble::begin_image`), and the stencil counts.
type Compiled = (Vec<FuncCode>, Vec<CodeBuffer>, Option<u32>, Vec<u32>);

/// Validates and compiles every function body, on `threads` threads. Results (and the first error,
/// by function order) do not depend on the thread count. The stencil counts are empty unless
/// `count_stencils`.
fn compile_functions(
    env: &ModuleEnv,
    bodies: Vec<Body<'_>>,
    strict: Option<&[u8]>,
    threads: usize,
    count_stencils: bool,
) -> Result<Compiled, Error> {
    // Room for the machine code, from the wasm size (about 4 bytes of code per byte of body on the
    // corpus; a buffer that runs out grows).
    let body_bytes: usize = bodies.iter().map(|(_, b)| b.range().end - b.range().start).sum::<u64>() as usize;
    let capacity = (body_bytes * 5 / threads).next_multiple_of(4096);
    // Each thread reuses one translator, code buffer and validator allocations for all its bodies.
    let compile_one = |translator: &mut FuncTranslator,
                       buf: &mut CodeBuffer,
                       allocs: &mut FuncValidatorAllocations,
                       i: usize,
                       (func, body): Body<'_>|
     -> Result<FuncCode, Error> {
        let mut fv = func.into_validator(std::mem::take(allocs));
        buf.begin_function();
        let translated = translator.translate(env, buf, env.num_imported_funcs + i as u32, &body, &mut fv, strict);
        *allocs = fv.into_allocations();
        // Taken even after an error: the thread's next function starts from a clean buffer state.
        let code = buf.take_function();
        translated.map_err(|e| *e)?;
        Ok(code)
    };
    if threads <= 1 {
        let mut translator = FuncTranslator::default();
        // One buffer holds the whole image, in order: it becomes the code memory as it is.
        let mut buf = CodeBuffer::new(capacity, count_stencils);
        let landing = crate::compiler::assemble::begin_image(&mut buf)?;
        let mut allocs = FuncValidatorAllocations::default();
        let mut funcs = Vec::with_capacity(bodies.len());
        for (i, b) in bodies.into_iter().enumerate() {
            funcs.push(compile_one(&mut translator, &mut buf, &mut allocs, i, b)?);
        }
        let counts = std::mem::take(&mut buf.counts);
        return Ok((funcs, vec![buf], Some(landing), counts));
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Body<'_>>>> =
        bodies.into_iter().map(|b| std::sync::Mutex::new(Some(b))).collect();
    let mut results: Vec<Option<Result<FuncCode, Error>>> = (0..slots.len()).map(|_| None).collect();
    let mut counts = vec![0u32; if count_stencils { weft_stencils::STENCILS.len() } else { 0 }];
    let mut buffers = Vec::with_capacity(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut translator = FuncTranslator::default();
                    let mut buf = CodeBuffer::new(capacity, count_stencils);
                    let mut allocs = FuncValidatorAllocations::default();
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(slot) = slots.get(i) else { break };
                        let body = slot.lock().unwrap().take().expect("each body is taken once");
                        done.push((i, compile_one(&mut translator, &mut buf, &mut allocs, i, body)));
                    }
                    (done, buf)
                })
            })
            .collect();
        for (w, worker) in workers.into_iter().enumerate() {
            // A worker's panic goes on to `contain_panics`.
            let (done, mut buf) = worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (i, mut r) in done {
                if let Ok(f) = &mut r {
                    f.buffer = w;
                }
                results[i] = Some(r);
            }
            counts.iter_mut().zip(std::mem::take(&mut buf.counts)).for_each(|(a, b)| *a += b);
            buffers.push(buf);
        }
    });
    let funcs = results.into_iter().map(|r| r.expect("every body compiled")).collect::<Result<_, _>>()?;
    Ok((funcs, buffers, None, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_compiling_is_an_error() {
        let r: Result<(), Error> = contain_panics(|| panic!("index out of bounds"));
        let Err(Error::Compile(msg)) = r else { panic!("expected a compile error") };
        assert!(msg.contains("internal compiler error (index out of bounds)"), "{msg}");
        let r: Result<(), Error> = contain_panics(|| panic!("{} workers", 2));
        assert!(matches!(r, Err(Error::Compile(m)) if m.contains("2 workers")));
        assert!(matches!(contain_panics(|| Ok(7)), Ok(7)));
    }
}
