//! Wasm function bodies -> stencils, in one linear pass over the operators.
//!
//! Every value has a frame slot fixed at compile time: params, then declared locals, then the operand
//! stack (8 bytes a slot, 16 for v128). An operator becomes one stencil whose holes are the slot offsets
//! of its operands; a result overwrites its first operand's slot. Branches move their values to the
//! target's slots and jump; forward jumps wait on a `Label` chain.
//!
//! *Architecture invariant*: work per operator is O(1) amortized (plus O(arity) for moves, bounded by
//! one block-move stencil), with no per-operator heap allocation, so compile time is linear.

pub mod emit;
mod simd;

use crate::types::*;
use crate::Error;
use emit::{CodeBuffer, Holes, Label};
use wasmparser::{FuncValidator, FunctionBody, Operator, ValidatorResources};
use weft_ops::vm::builtin;
use weft_stencils::{id, HoleKind};

/// What the translator needs to know about the module.
#[derive(Default)]
pub struct ModuleEnv {
    pub types: Vec<FuncType>,
    pub type_ids: Vec<u32>,
    pub funcs: Vec<u32>,
    pub num_imported_funcs: u32,
    pub tables: Vec<TableType>,
    pub num_imported_tables: u32,
    pub memories: Vec<MemoryType>,
    pub num_imported_memories: u32,
    pub globals: Vec<GlobalType>,
    pub num_imported_globals: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Block,
    Loop,
    If,
    Else,
}

#[derive(Clone, Copy)]
enum BlockSig {
    Empty,
    One(ValType),
    Func(u32),
}

impl BlockSig {
    fn params<'a>(&self, env: &'a ModuleEnv) -> &'a [ValType] {
        match self {
            BlockSig::Func(t) => &env.types[*t as usize].params,
            _ => &[],
        }
    }
    fn results<'a>(&'a self, env: &'a ModuleEnv) -> &'a [ValType] {
        match self {
            BlockSig::Empty => &[],
            BlockSig::One(t) => std::slice::from_ref(t),
            BlockSig::Func(t) => &env.types[*t as usize].results,
        }
    }
}

struct Control {
    kind: Kind,
    sig: BlockSig,
    /// Operand-stack length below the block's params.
    height: usize,
    /// End of a block/if, start of a loop.
    label: Label,
    /// Start of the else branch of an `if`.
    else_label: Label,
}

#[derive(Clone, Copy)]
struct Operand {
    ty: ValType,
    off: u32,
}

/// Reusable translation state (buffers survive across functions).
#[derive(Default)]
pub struct FuncTranslator {
    locals: Vec<Operand>,
    stack: Vec<Operand>,
    frames: Vec<Control>,
    stack_base: u32,
    max_top: u32,
    /// Code after `br`, `return`, `unreachable`… until the enclosing `else`/`end`.
    dead: bool,
    /// Blocks opened inside dead code.
    dead_depth: u32,
    /// br_table: landing pad per target depth.
    pads: Vec<Option<u32>>,
}

fn vt(t: &str) -> ValType {
    match t {
        "i32" | "u32" => ValType::I32,
        "i64" | "u64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        _ => unreachable!(),
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Unop,
    Binop,
}

/// The simple-op table from the shared op list: operator -> (shape, stencil, result type).
fn simple_op(op: &Operator) -> Option<(Shape, u16, ValType)> {
    macro_rules! shape {
        (unop) => { Shape::Unop };
        (unop_trap) => { Shape::Unop };
        (binop) => { Shape::Binop };
        (binop_trap) => { Shape::Binop };
    }
    macro_rules! table {
        ($($variant:ident $name:ident $shape:ident $in:ty => $out:ty;)*) => {
            match op {
                $(Operator::$variant => Some((shape!($shape), id::$name, vt(stringify!($out)))),)*
                _ => None,
            }
        };
    }
    weft_ops::for_each_simple_op!(table)
}

fn load_op<'a>(op: &'a Operator<'_>) -> Option<(u16, ValType, &'a wasmparser::MemArg)> {
    macro_rules! table {
        ($($variant:ident $name:ident $m:ident => $r:ident $bytes:literal;)*) => {
            match op {
                $(Operator::$variant { memarg } => Some((id::$name, vt(stringify!($r)), memarg)),)*
                _ => None,
            }
        };
    }
    weft_ops::for_each_load_op!(table)
}

fn store_op<'a>(op: &'a Operator<'_>) -> Option<(u16, &'a wasmparser::MemArg)> {
    macro_rules! table {
        ($($variant:ident $name:ident $v:ident => $m:ident $bytes:literal;)*) => {
            match op {
                $(Operator::$variant { memarg } => Some((id::$name, memarg)),)*
                _ => None,
            }
        };
    }
    weft_ops::for_each_store_op!(table)
}

impl FuncTranslator {
    #[allow(clippy::too_many_arguments)]
    pub fn translate(
        &mut self,
        env: &ModuleEnv,
        buf: &mut CodeBuffer,
        func_labels: &mut [Label],
        jump_tables: &mut Vec<Vec<u32>>,
        func_index: u32,
        body: &FunctionBody<'_>,
        fv: &mut FuncValidator<ValidatorResources>,
        strict_v2: Option<&[u8]>,
    ) -> Result<(), Error> {
        let ty = &env.types[env.funcs[func_index as usize] as usize];
        self.locals.clear();
        self.stack.clear();
        self.frames.clear();
        self.dead = false;
        self.dead_depth = 0;
        let mut off = 0u32;
        for &p in ty.params.iter() {
            self.locals.push(Operand { ty: p, off });
            off += p.slot_bytes();
        }
        let params_bytes = off;
        let mut locals_reader = body.get_locals_reader()?;
        for _ in 0..locals_reader.get_count() {
            let offset = locals_reader.original_position();
            let (count, t) = locals_reader.read()?;
            fv.define_locals(offset, count, t)?;
            let t = ValType::from_wasmparser(t)?;
            for _ in 0..count {
                self.locals.push(Operand { ty: t, off });
                off = off.checked_add(t.slot_bytes()).ok_or_else(|| Error::Compile("too many locals".into()))?;
            }
        }
        // Results are written to the frame base on return, so the frame holds at least them.
        self.stack_base = off.max(ty.frame_bytes());
        self.max_top = self.stack_base;

        let enter = buf.emit(id::enter, &Holes::default(), None, None)?;
        if off > params_bytes {
            buf.emit(id::zero_block, &Holes { s0: params_bytes, n: off - params_bytes, ..Default::default() }, None, None)?;
        }
        self.frames.push(Control {
            kind: Kind::Block,
            sig: BlockSig::Func(env.funcs[func_index as usize]),
            height: 0,
            label: Label::new(),
            else_label: Label::new(),
        });

        use Operator as O;
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let (op, offset) = reader.read_with_offset()?;
            fv.op(offset, &op)?;
            // 2.0's memory.size/grow take a reserved 0x00 byte, not a LEB index (wasmparser reads a LEB).
            if let (Some(bytes), O::MemorySize { .. } | O::MemoryGrow { .. }) = (strict_v2, &op) {
                if bytes.get(offset as usize + 1) != Some(&0) {
                    return Err(Error::Invalid("zero byte expected".into()));
                }
            }
            self.operator(env, buf, func_labels, jump_tables, &op)?;
        }
        reader.finish()?;
        // Room for the deepest operand plus a callee's frame header is checked by the callee itself.
        buf.repatch(id::enter, enter, HoleKind::S0, self.max_top)?;
        Ok(())
    }

    fn top(&self) -> u32 {
        self.stack.last().map(|o| o.off + o.ty.slot_bytes()).unwrap_or(self.stack_base)
    }

    fn off_at(&self, height: usize) -> u32 {
        if height == 0 { self.stack_base } else { let o = self.stack[height - 1]; o.off + o.ty.slot_bytes() }
    }

    fn push(&mut self, ty: ValType) -> u32 {
        let off = self.top();
        self.stack.push(Operand { ty, off });
        self.max_top = self.max_top.max(off + ty.slot_bytes());
        off
    }

    fn pop(&mut self) -> Operand {
        self.stack.pop().expect("validated code never underflows the operand stack")
    }

    /// Moves the top `n` operands down to start at `dst` (dst <= their current start).
    fn emit_move(&self, buf: &mut CodeBuffer, n: usize, dst: u32) -> Result<(), Error> {
        if n == 0 {
            return Ok(());
        }
        let first = self.stack.len() - n;
        let src = self.stack[first].off;
        if src == dst {
            return Ok(());
        }
        let bytes = self.top() - src;
        if n <= 4 {
            for o in &self.stack[first..] {
                let stencil = if o.ty == ValType::V128 { id::copy128 } else { id::copy64 };
                buf.emit(stencil, &Holes { s0: o.off, s1: dst + (o.off - src), ..Default::default() }, None, None)?;
            }
        } else {
            buf.emit(id::copy_block, &Holes { s0: src, s1: dst, n: bytes, ..Default::default() }, None, None)?;
        }
        Ok(())
    }

    fn label_arity(&self, env: &ModuleEnv, depth: u32) -> (usize, usize) {
        let i = self.frames.len() - 1 - depth as usize;
        let f = &self.frames[i];
        let n = if f.kind == Kind::Loop { f.sig.params(env).len() } else { f.sig.results(env).len() };
        (i, n)
    }

    /// Moves branch values into place and jumps to the label `depth` frames out.
    fn emit_br(&mut self, env: &ModuleEnv, buf: &mut CodeBuffer, depth: u32) -> Result<(), Error> {
        let (i, n) = self.label_arity(env, depth);
        if i == 0 {
            return self.emit_return(env, buf);
        }
        let dst = self.off_at(self.frames[i].height);
        self.emit_move(buf, n, dst)?;
        buf.emit(id::jump, &Holes::default(), Some(&mut self.frames[i].label), None)?;
        Ok(())
    }

    fn emit_return(&mut self, env: &ModuleEnv, buf: &mut CodeBuffer) -> Result<(), Error> {
        let n = self.frames[0].sig.results(env).len();
        self.emit_move(buf, n, 0)?;
        buf.emit(id::ret, &Holes::default(), None, None)?;
        Ok(())
    }

    fn block_sig(&self, bt: wasmparser::BlockType) -> Result<BlockSig, Error> {
        Ok(match bt {
            wasmparser::BlockType::Empty => BlockSig::Empty,
            wasmparser::BlockType::Type(t) => BlockSig::One(ValType::from_wasmparser(t)?),
            wasmparser::BlockType::FuncType(t) => BlockSig::Func(t),
        })
    }

    fn unop(&mut self, buf: &mut CodeBuffer, stencil: u16, out: ValType) -> Result<(), Error> {
        let a = self.pop();
        self.push(out);
        buf.emit(stencil, &Holes { s0: a.off, ..Default::default() }, None, None)?;
        Ok(())
    }

    /// An operator whose operands and results are `pops` slots starting at the first operand, handled
    /// by runtime helper `which`.
    fn builtin(&mut self, buf: &mut CodeBuffer, which: u32, pops: usize, result: Option<ValType>, imm0: u32, imm1: u32) -> Result<(), Error> {
        let mut first = self.top();
        for _ in 0..pops {
            first = self.pop().off;
        }
        if let Some(t) = result {
            self.push(t);
        }
        buf.emit(id::builtin, &Holes { s0: first, imm: which, n: imm0, imm_hi: imm1, ..Default::default() }, None, None)?;
        Ok(())
    }

    fn operator(
        &mut self,
        env: &ModuleEnv,
        buf: &mut CodeBuffer,
        func_labels: &mut [Label],
        jump_tables: &mut Vec<Vec<u32>>,
        op: &Operator<'_>,
    ) -> Result<(), Error> {
        use Operator as O;
        if self.dead {
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => {
                    self.dead_depth += 1;
                    return Ok(());
                }
                O::Else if self.dead_depth == 0 => {}
                O::End if self.dead_depth == 0 => {}
                O::End => {
                    self.dead_depth -= 1;
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
        if let Some((shape, stencil, out)) = simple_op(op) {
            match shape {
                Shape::Unop => self.unop(buf, stencil, out)?,
                Shape::Binop => {
                    self.pop();
                    self.unop(buf, stencil, out)?;
                }
            }
            return Ok(());
        }
        if let Some((stencil, out, memarg)) = load_op(op) {
            let offset = self.memarg(memarg)?;
            return self.unop_with(buf, stencil, out, Holes { offset, ..Default::default() });
        }
        if let Some((stencil, memarg)) = store_op(op) {
            let offset = self.memarg(memarg)?;
            self.pop();
            let addr = self.pop();
            buf.emit(stencil, &Holes { s0: addr.off, offset, ..Default::default() }, None, None)?;
            return Ok(());
        }
        if self.simd_operator(buf, op)? {
            return Ok(());
        }
        match *op {
            O::Nop => {}
            O::Unreachable => {
                buf.emit(id::trap, &Holes { imm: weft_ops::trap::UNREACHABLE as u32, ..Default::default() }, None, None)?;
                self.dead = true;
            }
            O::Block { blockty } | O::Loop { blockty } | O::If { blockty } => {
                let sig = self.block_sig(blockty)?;
                let cond = if matches!(op, O::If { .. }) { Some(self.pop()) } else { None };
                let height = self.stack.len() - sig.params(env).len();
                let (kind, label) = match op {
                    O::Block { .. } => (Kind::Block, Label::new()),
                    O::Loop { .. } => (Kind::Loop, Label::at(buf.pos())),
                    _ => (Kind::If, Label::new()),
                };
                let mut frame = Control { kind, sig, height, label, else_label: Label::new() };
                if let Some(cond) = cond {
                    buf.emit(id::br_unless, &Holes { s0: cond.off, ..Default::default() }, Some(&mut frame.else_label), None)?;
                }
                self.frames.push(frame);
            }
            O::Else => {
                let i = self.frames.len() - 1;
                if !self.dead {
                    buf.emit(id::jump, &Holes::default(), Some(&mut self.frames[i].label), None)?;
                }
                buf.bind_here(&mut self.frames[i].else_label);
                self.frames[i].kind = Kind::Else;
                let (height, sig) = (self.frames[i].height, self.frames[i].sig);
                self.stack.truncate(height);
                for &t in sig.params(env) {
                    self.push(t);
                }
                self.dead = false;
            }
            O::End => {
                let mut frame = self.frames.pop().expect("validated");
                if frame.kind == Kind::If {
                    buf.bind_here(&mut frame.else_label);
                }
                if frame.kind != Kind::Loop {
                    buf.bind_here(&mut frame.label);
                }
                self.stack.truncate(frame.height);
                for &t in frame.sig.results(env) {
                    self.push(t);
                }
                self.dead = false;
                if self.frames.is_empty() {
                    // The function's own end: results sit at the stack base; return them.
                    self.frames.push(frame);
                    self.emit_return(env, buf)?;
                    self.frames.clear();
                }
            }
            O::Br { relative_depth } => {
                self.emit_br(env, buf, relative_depth)?;
                self.dead = true;
            }
            O::BrIf { relative_depth } => {
                let cond = self.pop();
                let (i, n) = self.label_arity(env, relative_depth);
                let needs_move = i == 0 || (n > 0 && self.stack[self.stack.len() - n].off != self.off_at(self.frames[i].height));
                if needs_move {
                    let mut skip = Label::new();
                    buf.emit(id::br_unless, &Holes { s0: cond.off, ..Default::default() }, Some(&mut skip), None)?;
                    self.emit_br(env, buf, relative_depth)?;
                    buf.bind_here(&mut skip);
                } else {
                    buf.emit(id::br_if, &Holes { s0: cond.off, ..Default::default() }, Some(&mut self.frames[i].label), None)?;
                }
            }
            O::BrTable { ref targets } => {
                let index = self.pop();
                let table = jump_tables.len() as u32;
                buf.emit(id::br_table, &Holes { s0: index.off, imm: table, n: targets.len(), ..Default::default() }, None, None)?;
                self.pads.clear();
                self.pads.resize(self.frames.len(), None);
                let mut entries = Vec::with_capacity(targets.len() as usize + 1);
                for depth in targets.targets().chain(std::iter::once(Ok(targets.default()))) {
                    let depth = depth?;
                    let pad = match self.pads[depth as usize] {
                        Some(pad) => pad,
                        None => {
                            let pad = buf.pos();
                            self.emit_br(env, buf, depth)?;
                            self.pads[depth as usize] = Some(pad);
                            pad
                        }
                    };
                    entries.push(pad);
                }
                jump_tables.push(entries);
                self.dead = true;
            }
            O::Return => {
                self.emit_return(env, buf)?;
                self.dead = true;
            }
            O::Call { function_index } => {
                let ty = &env.types[env.funcs[function_index as usize] as usize];
                let first = self.pop_args(ty.params.len());
                if function_index < env.num_imported_funcs {
                    buf.emit(id::call_import, &Holes { s0: first, imm: function_index, ..Default::default() }, None, None)?;
                } else {
                    buf.emit(id::call, &Holes { s0: first, ..Default::default() }, None, Some(&mut func_labels[function_index as usize]))?;
                }
                self.push_results(ty);
            }
            O::CallIndirect { type_index, table_index } => {
                let index = self.pop();
                let ty = &env.types[type_index as usize];
                let first = self.pop_args(ty.params.len());
                let h = Holes { s0: first, s1: index.off, imm: table_index, imm_hi: env.type_ids[type_index as usize], ..Default::default() };
                buf.emit(id::call_indirect, &h, None, None)?;
                self.push_results(ty);
            }
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } | O::TypedSelectMulti { .. } => {
                self.pop();
                self.pop();
                let a = *self.stack.last().expect("validated");
                let stencil = if a.ty == ValType::V128 { id::select128 } else { id::select64 };
                buf.emit(stencil, &Holes { s0: a.off, ..Default::default() }, None, None)?;
            }
            O::LocalGet { local_index } => {
                let l = self.locals[local_index as usize];
                let dst = self.push(l.ty);
                self.copy(buf, l.ty, l.off, dst)?;
            }
            O::LocalSet { local_index } => {
                let l = self.locals[local_index as usize];
                let v = self.pop();
                self.copy(buf, l.ty, v.off, l.off)?;
            }
            O::LocalTee { local_index } => {
                let l = self.locals[local_index as usize];
                let v = *self.stack.last().expect("validated");
                self.copy(buf, l.ty, v.off, l.off)?;
            }
            O::GlobalGet { global_index } => {
                let t = env.globals[global_index as usize].content;
                let dst = self.push(t);
                let stencil = if t == ValType::V128 { id::global_get128 } else { id::global_get64 };
                buf.emit(stencil, &Holes { s0: dst, imm: global_index, ..Default::default() }, None, None)?;
            }
            O::GlobalSet { global_index } => {
                let v = self.pop();
                let stencil = if v.ty == ValType::V128 { id::global_set128 } else { id::global_set64 };
                buf.emit(stencil, &Holes { s0: v.off, imm: global_index, ..Default::default() }, None, None)?;
            }
            O::I32Const { value } => self.const32(buf, ValType::I32, value as u32)?,
            O::F32Const { value } => self.const32(buf, ValType::F32, value.bits())?,
            O::I64Const { value } => self.const64(buf, ValType::I64, value as u64)?,
            O::F64Const { value } => self.const64(buf, ValType::F64, value.bits())?,
            O::V128Const { value } => {
                let v = u128::from_le_bytes(*value.bytes());
                let dst = self.push(ValType::V128);
                for (i, half) in [v as u64, (v >> 64) as u64].into_iter().enumerate() {
                    let h = Holes { s0: dst + 8 * i as u32, imm: half as u32, imm_hi: (half >> 32) as u32, ..Default::default() };
                    buf.emit(id::const64, &h, None, None)?;
                }
            }
            // Bit-preserving conversions: the slot already holds the right bits.
            O::I32WrapI64 => self.retype(ValType::I32),
            O::I32ReinterpretF32 => self.retype(ValType::I32),
            O::I64ReinterpretF64 => self.retype(ValType::I64),
            O::F32ReinterpretI32 => self.retype(ValType::F32),
            O::F64ReinterpretI64 => self.retype(ValType::F64),
            O::MemorySize { mem } => {
                self.check_memory(mem)?;
                let dst = self.push(ValType::I32);
                buf.emit(id::memory_size, &Holes { s0: dst, ..Default::default() }, None, None)?;
            }
            O::MemoryGrow { mem } => {
                self.check_memory(mem)?;
                self.builtin(buf, builtin::MEMORY_GROW, 1, Some(ValType::I32), mem, 0)?;
            }
            O::MemoryFill { mem } => {
                self.check_memory(mem)?;
                self.builtin(buf, builtin::MEMORY_FILL, 3, None, mem, 0)?;
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                self.check_memory(dst_mem)?;
                self.check_memory(src_mem)?;
                self.builtin(buf, builtin::MEMORY_COPY, 3, None, dst_mem, src_mem)?;
            }
            O::MemoryInit { data_index, mem } => {
                self.check_memory(mem)?;
                self.builtin(buf, builtin::MEMORY_INIT, 3, None, data_index, mem)?;
            }
            O::DataDrop { data_index } => self.builtin(buf, builtin::DATA_DROP, 0, None, data_index, 0)?,
            O::TableGet { table } => {
                let i = self.pop();
                let t = env.tables[table as usize].elem;
                self.push(t);
                buf.emit(id::table_get, &Holes { s0: i.off, imm: table, ..Default::default() }, None, None)?;
            }
            O::TableSet { table } => {
                self.pop();
                let i = self.pop();
                buf.emit(id::table_set, &Holes { s0: i.off, imm: table, ..Default::default() }, None, None)?;
            }
            O::TableSize { table } => {
                let dst = self.push(ValType::I32);
                buf.emit(id::table_size, &Holes { s0: dst, imm: table, ..Default::default() }, None, None)?;
            }
            O::TableGrow { table } => self.builtin(buf, builtin::TABLE_GROW, 2, Some(ValType::I32), table, 0)?,
            O::TableFill { table } => self.builtin(buf, builtin::TABLE_FILL, 3, None, table, 0)?,
            O::TableCopy { dst_table, src_table } => self.builtin(buf, builtin::TABLE_COPY, 3, None, dst_table, src_table)?,
            O::TableInit { elem_index, table } => self.builtin(buf, builtin::TABLE_INIT, 3, None, elem_index, table)?,
            O::ElemDrop { elem_index } => self.builtin(buf, builtin::ELEM_DROP, 0, None, elem_index, 0)?,
            O::RefNull { hty } => {
                let t = ValType::from_ref(wasmparser::RefType::new(true, hty).ok_or_else(|| Error::Unsupported("heap type".into()))?)?;
                self.const64(buf, t, 0)?;
            }
            O::RefIsNull => {
                let r = self.pop();
                self.push(ValType::I32);
                buf.emit(id::ref_is_null, &Holes { s0: r.off, ..Default::default() }, None, None)?;
            }
            O::RefFunc { function_index } => {
                let dst = self.push(ValType::FuncRef);
                buf.emit(id::ref_func, &Holes { s0: dst, imm: function_index, ..Default::default() }, None, None)?;
            }
            ref other => return Err(Error::Unsupported(format!("operator {other:?}"))),
        }
        Ok(())
    }

    fn unop_with(&mut self, buf: &mut CodeBuffer, stencil: u16, out: ValType, mut h: Holes) -> Result<(), Error> {
        let a = self.pop();
        self.push(out);
        h.s0 = a.off;
        buf.emit(stencil, &h, None, None)?;
        Ok(())
    }

    fn memarg(&self, m: &wasmparser::MemArg) -> Result<u32, Error> {
        match m.target {
            wasmparser::MemArgTarget::Memory(mem) => self.check_memory(mem)?,
            _ => return Err(Error::Unsupported("GC array memory arguments".into())),
        }
        u32::try_from(m.offset).map_err(|_| Error::Unsupported("memory offset beyond 32 bits".into()))
    }

    fn check_memory(&self, mem: u32) -> Result<(), Error> {
        if mem != 0 {
            return Err(Error::Unsupported("multiple memories".into()));
        }
        Ok(())
    }

    fn retype(&mut self, ty: ValType) {
        self.stack.last_mut().expect("validated").ty = ty;
    }

    fn copy(&self, buf: &mut CodeBuffer, ty: ValType, src: u32, dst: u32) -> Result<(), Error> {
        if src != dst {
            let stencil = if ty == ValType::V128 { id::copy128 } else { id::copy64 };
            buf.emit(stencil, &Holes { s0: src, s1: dst, ..Default::default() }, None, None)?;
        }
        Ok(())
    }

    fn const32(&mut self, buf: &mut CodeBuffer, ty: ValType, bits: u32) -> Result<(), Error> {
        let dst = self.push(ty);
        buf.emit(id::const32, &Holes { s0: dst, imm: bits, ..Default::default() }, None, None)?;
        Ok(())
    }

    fn const64(&mut self, buf: &mut CodeBuffer, ty: ValType, bits: u64) -> Result<(), Error> {
        let dst = self.push(ty);
        buf.emit(id::const64, &Holes { s0: dst, imm: bits as u32, imm_hi: (bits >> 32) as u32, ..Default::default() }, None, None)?;
        Ok(())
    }

    /// Pops call arguments; returns where the callee's frame starts.
    fn pop_args(&mut self, n: usize) -> u32 {
        let mut first = self.top();
        for _ in 0..n {
            first = self.pop().off;
        }
        first
    }

    fn push_results(&mut self, ty: &FuncType) {
        for &t in ty.results.iter() {
            self.push(t);
        }
        // The callee writes its results into its frame base: make sure they fit ours.
        let end = self.stack.len().checked_sub(ty.results.len()).map(|h| self.off_at(h)).unwrap_or(self.stack_base) + ty.frame_bytes();
        self.max_top = self.max_top.max(end);
    }
}
