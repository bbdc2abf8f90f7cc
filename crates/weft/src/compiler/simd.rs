//! Fixed-width SIMD operators -> stencils, from the shared op lists (`for_each_simd_op!`,
//! `for_each_simd_lane_op!`, `for_each_simd_mem_op!`). Operands keep the usual layout: contiguous slots
//! from the first operand, which receives the result; a v128 takes 16 bytes.

use super::{FuncTranslator, ModuleEnv};
use crate::Error;
use crate::compiler::emit::{CodeBuffer, Holes};
use crate::types::ValType;
use wasmparser::Operator;
use weft_stencils::id;

#[derive(Clone, Copy)]
enum VShape {
    Unop,
    Binop,
    Ternop,
    Test,
    Splat,
    Shift,
    Shuffle,
}

fn simd_op(op: &Operator) -> Option<(VShape, u16)> {
    if let Some(op) = deterministic(op) {
        return simd_op(&op);
    }
    macro_rules! shape {
        (v_unop) => {
            VShape::Unop
        };
        (v_binop) => {
            VShape::Binop
        };
        (v_ternop) => {
            VShape::Ternop
        };
        (v_test) => {
            VShape::Test
        };
        (v_splat) => {
            VShape::Splat
        };
        (v_shift) => {
            VShape::Shift
        };
        (v_shuffle) => {
            VShape::Shuffle
        };
    }
    macro_rules! table {
        ($($variant:ident $name:ident $shape:ident $($in:ident)?;)*) => {
            match op {
                $(Operator::$variant { .. } => Some((shape!($shape), id::$name)),)*
                _ => None,
            }
        };
    }
    weft_ops::for_each_simd_op!(table)
}

/// WebAssembly 3.0's relaxed SIMD operators that have a deterministic counterpart among the 2.0
/// ones: each may return that operator's result (the spec lists it among the allowed ones), which is
/// what weft computes, the same on every machine.
fn deterministic(op: &Operator) -> Option<Operator<'static>> {
    use Operator as O;
    Some(match op {
        O::I8x16RelaxedSwizzle => O::I8x16Swizzle,
        O::I32x4RelaxedTruncF32x4S => O::I32x4TruncSatF32x4S,
        O::I32x4RelaxedTruncF32x4U => O::I32x4TruncSatF32x4U,
        O::I32x4RelaxedTruncF64x2SZero => O::I32x4TruncSatF64x2SZero,
        O::I32x4RelaxedTruncF64x2UZero => O::I32x4TruncSatF64x2UZero,
        O::F32x4RelaxedMin => O::F32x4Min,
        O::F32x4RelaxedMax => O::F32x4Max,
        O::F64x2RelaxedMin => O::F64x2Min,
        O::F64x2RelaxedMax => O::F64x2Max,
        O::I8x16RelaxedLaneselect
        | O::I16x8RelaxedLaneselect
        | O::I32x4RelaxedLaneselect
        | O::I64x2RelaxedLaneselect => O::V128Bitselect,
        O::I16x8RelaxedQ15mulrS => O::I16x8Q15MulrSatS,
        _ => return None,
    })
}

fn scalar(t: &str) -> ValType {
    match t {
        "i32" => ValType::I32,
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        _ => unreachable!(),
    }
}

/// (stencil, pushed type, lane byte offset) of an extract/replace-lane operator.
fn lane_op(op: &Operator) -> Option<(u16, ValType, u32)> {
    macro_rules! result {
        (extract $to:ident) => {
            scalar(stringify!($to))
        };
        (replace $to:ident) => {
            ValType::V128
        };
    }
    macro_rules! table {
        ($($variant:ident $name:ident $shape:ident $from:ident => $to:ident $bytes:literal;)*) => {
            match *op {
                $(Operator::$variant { lane } => Some((id::$name, result!($shape $to), lane as u32 * $bytes)),)*
                _ => None,
            }
        };
    }
    weft_ops::for_each_simd_lane_op!(table)
}

#[derive(Clone, Copy)]
enum MemShape {
    Load,
    Store,
    LoadLane,
    StoreLane,
}

/// (shape, stencil, memarg, lane byte offset) of a SIMD memory operator.
fn mem_op<'a>(op: &'a Operator<'_>) -> Option<(MemShape, u16, &'a wasmparser::MemArg, u32)> {
    macro_rules! table {
        ($($variant:ident $name:ident $shape:ident $m:ident $bytes:literal;)*) => {
            match op {
                $(Operator::$variant { memarg, .. } => {
                    let lane = table!(@lane $shape op $bytes);
                    Some((table!(@shape $shape), id::$name, memarg, lane))
                })*
                _ => None,
            }
        };
        (@shape load) => { MemShape::Load };
        (@shape store) => { MemShape::Store };
        (@shape load_lane) => { MemShape::LoadLane };
        (@shape store_lane) => { MemShape::StoreLane };
        (@lane load $op:ident $bytes:literal) => { 0 };
        (@lane store $op:ident $bytes:literal) => { 0 };
        (@lane load_lane $op:ident $bytes:literal) => { lane_of($op) * $bytes };
        (@lane store_lane $op:ident $bytes:literal) => { lane_of($op) * $bytes };
    }
    weft_ops::for_each_simd_mem_op!(table)
}

fn lane_of(op: &Operator) -> u32 {
    use Operator as O;
    match *op {
        O::V128Load8Lane { lane, .. }
        | O::V128Load16Lane { lane, .. }
        | O::V128Load32Lane { lane, .. }
        | O::V128Load64Lane { lane, .. }
        | O::V128Store8Lane { lane, .. }
        | O::V128Store16Lane { lane, .. }
        | O::V128Store32Lane { lane, .. }
        | O::V128Store64Lane { lane, .. } => lane as u32,
        _ => 0,
    }
}

impl FuncTranslator {
    /// Translates `op` if it is a SIMD operator (other than `v128.const`); returns whether it was.
    pub(super) fn simd_operator(
        &mut self,
        buf: &mut CodeBuffer,
        env: &ModuleEnv,
        op: &Operator<'_>,
    ) -> Result<bool, Box<Error>> {
        if let Some((shape, stencil)) = simd_op(op) {
            let pops = match shape {
                VShape::Unop | VShape::Test | VShape::Splat => 1,
                VShape::Binop | VShape::Shift | VShape::Shuffle => 2,
                VShape::Ternop => 3,
            };
            let first = self.pop_args(buf, pops)?;
            self.push(if matches!(shape, VShape::Test) { ValType::I32 } else { ValType::V128 });
            let mut h = Holes::NONE.s0(first);
            if let Operator::I8x16Shuffle { lanes } = op {
                let word = |i: usize| u32::from_le_bytes([lanes[i], lanes[i + 1], lanes[i + 2], lanes[i + 3]]);
                h = h.imm(word(0)).imm_hi(word(4)).n(word(8)).offset(word(12));
            }
            self.emit(buf, stencil, h);
            return Ok(true);
        }
        if let Some((stencil, out, lane_offset)) = lane_op(op) {
            let first = self.pop_args(buf, if out == ValType::V128 { 2 } else { 1 })?;
            self.push(out);
            self.emit(buf, stencil, Holes::NONE.s0(first).imm(lane_offset));
            return Ok(true);
        }
        if let Some((shape, stencil, memarg, lane_offset)) = mem_op(op) {
            // The address is under the v128 operand, if there is one.
            let depth = usize::from(!matches!(shape, MemShape::Load));
            let (mem, offset) = self.access(buf, env, memarg, depth)?;
            let (pops, result) = match shape {
                MemShape::Load => (1, Some(ValType::V128)),
                MemShape::LoadLane => (2, Some(ValType::V128)),
                MemShape::Store | MemShape::StoreLane => (2, None),
            };
            let first = self.pop_args(buf, pops)?;
            if let Some(t) = result {
                self.push(t);
            }
            // SIMD accesses check bounds explicitly, against memlen.
            self.memlen_needed(buf, true, mem);
            self.emit(buf, stencil, Holes::NONE.s0(first).imm(lane_offset).offset(offset));
            self.memlen_needed(buf, false, mem);
            return Ok(true);
        }
        Ok(false)
    }
}
