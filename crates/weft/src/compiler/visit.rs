//! Feeds the translator from wasmparser's operator visitor, so each operator is decoded once.
//!
//! Reading an `Operator` and handing it to `FuncValidator::op` would decode it into the enum and then
//! dispatch on the enum again in the validator. Here the reader calls one `visit_*` method per operator;
//! it calls the validator's method of the same name, then the translator with an `Operator` of a
//! variant known at compile time, so `FuncTranslator::operator`'s table lookups fold away.
//! `visit_operators` is the loop over a body; it dispatches the common opcodes itself.

use super::emit::CodeBuffer;
use super::{FuncTranslator, ModuleEnv};
use crate::Error;
use std::mem::ManuallyDrop;
use wasmparser::{
    BinaryReader, BlockType, FrameKind, FrameStack, FuncValidator, Ieee64, MemArg, MemArgTarget, Operator, ValType,
    ValidatorResources, VisitOperator, VisitSimdOperator,
};

pub(super) struct OperatorVisitor<'t> {
    pub translator: &'t mut FuncTranslator,
    pub env: &'t ModuleEnv,
    pub buf: &'t mut CodeBuffer,
    pub validator: &'t mut FuncValidator<ValidatorResources>,
    /// The module bytes when WebAssembly 2.0's stricter encoding applies.
    pub strict_v2: Option<&'t [u8]>,
    /// Offset of the operator being visited (for error messages).
    pub offset: u64,
}

impl OperatorVisitor<'_> {
    #[inline(always)]
    fn translate(&mut self, op: &Operator<'_>) -> Result<(), Box<Error>> {
        // 2.0's memory.size/grow take a reserved 0x00 byte, not a LEB index (wasmparser reads a LEB).
        if let (Some(bytes), Operator::MemorySize { .. } | Operator::MemoryGrow { .. }) = (self.strict_v2, op)
            && bytes.get(self.offset as usize + 1) != Some(&0)
        {
            return Err(Error::Invalid("zero byte expected".into()).into());
        }
        self.translator.operator(self.env, self.buf, op)
    }
}

// Arguments are cloned for the validator: all are `Copy` except the rare `br_table` (a reader) and
// multi-value `select` types.
macro_rules! define_visit {
    ($validator:ident; $(@$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            #[allow(clippy::clone_on_copy)]
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                self.validator.$validator(self.offset).$visit($($($arg.clone()),*)?)?;
                // The translator only borrows the operator. Dropping it would call the enum's drop glue
                // (it does not know the variant): drop only the variants that own memory.
                let op = ManuallyDrop::new(Operator::$op $({ $($arg),* })?);
                let result = self.translate(&op);
                if false $($(|| std::mem::needs_drop::<$argty>())*)? {
                    drop(ManuallyDrop::into_inner(op));
                }
                result
            }
        )*
    };
}

macro_rules! define_visit_operator {
    ($($t:tt)*) => { define_visit!(visitor; $($t)*); };
}

macro_rules! define_visit_simd_operator {
    ($($t:tt)*) => { define_visit!(simd_visitor; $($t)*); };
}

/// The binary reader checks that `else`, `end` and the like appear in a matching frame; the validator
/// has the frames (it pushes and pops them as it validates each operator).
impl FrameStack for OperatorVisitor<'_> {
    fn current_frame(&self) -> Option<FrameKind> {
        self.validator.get_control_frame(0).map(|frame| frame.kind)
    }
}

impl<'a> VisitOperator<'a> for OperatorVisitor<'_> {
    type Output = Result<(), Box<Error>>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(define_visit_operator);
}

impl<'a> VisitSimdOperator<'a> for OperatorVisitor<'_> {
    wasmparser::for_each_visit_simd_operator!(define_visit_simd_operator);
}

/// Visits a body's operators. The common opcodes in their common encodings are decoded and
/// dispatched here, then handed to the visitor method wasmparser would call; everything else (and any
/// immediate this loop does not decode: a LEB of five bytes or more, a memory index, a type index)
/// goes to `BinaryReader::visit_operator`, untouched, at the same position.
///
/// Why: wasmparser's `visit_operator` is one large function entered once per operator (six saved
/// registers, a 0x348-byte frame, the frame check, a jump table, an out-of-line LEB read) that then
/// calls the visitor out of line; here the same work is a byte match in the caller's loop. Callgrind,
/// sqlite's single-threaded compile: 214.7M instructions before, 189.1M after (same machine code).
/// The loop keeps its own cursor into the body rather than the reader's: each operator is then one
/// bounds check and one add, not a bounds check per byte read plus the reader's bookkeeping.
pub(super) fn visit_operators(
    reader: &mut BinaryReader<'_>,
    visitor: &mut OperatorVisitor<'_>,
) -> Result<(), Box<Error>> {
    let base = reader.original_position();
    let features = reader.features();
    let bytes = reader.clone().read_bytes(reader.bytes_remaining())?;
    let mut pos = 0;
    while let Some(&code) = bytes.get(pos) {
        visitor.offset = base + pos as u64;
        // The whole operator, read and visited by wasmparser.
        macro_rules! by_wasmparser {
            () => {{
                let mut r = BinaryReader::new_features(&bytes[pos..], visitor.offset, features);
                let result = r.visit_operator(visitor)?;
                pos += r.current_position();
                result
            }};
        }
        macro_rules! memarg {
            ($visit:ident, $max_align:expr) => {
                // Alignment flags below 0x10: one byte, no memory index, no ordering. (An
                // offset `leb_u32` accepts reads the same as a u32 or, with memory64, a u64.)
                match (bytes.get(pos + 1), leb_u32(bytes, pos + 2)) {
                    (Some(&align), Some((offset, n))) if align < 0x10 => {
                        pos += 2 + n;
                        let ordering = None;
                        visitor.$visit(MemArg {
                            align,
                            max_align: $max_align,
                            offset: offset.into(),
                            target: MemArgTarget::Memory(0),
                            ordering,
                        })
                    }
                    _ => by_wasmparser!(),
                }
            };
        }
        macro_rules! block {
            ($visit:ident) => {{
                // An empty block type or a numeric result type (one byte); a type index and the
                // other value types are left to wasmparser.
                let ty = match bytes.get(pos + 1) {
                    Some(0x40) => Some(BlockType::Empty),
                    Some(0x7f) => Some(BlockType::Type(ValType::I32)),
                    Some(0x7e) => Some(BlockType::Type(ValType::I64)),
                    Some(0x7d) => Some(BlockType::Type(ValType::F32)),
                    Some(0x7c) => Some(BlockType::Type(ValType::F64)),
                    _ => None,
                };
                match ty {
                    Some(ty) => {
                        pos += 2;
                        visitor.$visit(ty)
                    }
                    None => by_wasmparser!(),
                }
            }};
        }
        macro_rules! index {
            ($visit:ident) => {{
                match leb_u32(bytes, pos + 1) {
                    Some((index, n)) => {
                        pos += 1 + n;
                        visitor.$visit(index)
                    }
                    None => by_wasmparser!(),
                }
            }};
        }
        // Validated and translated right here (as `define_visit` does), so that the translation is
        // inlined into this loop.
        macro_rules! inlined {
            ($leb:ident, $visit:ident, $op:ident { $imm:ident }) => {
                match $leb(bytes, pos + 1) {
                    Some(($imm, n)) => {
                        pos += 1 + n;
                        visitor.validator.visitor(visitor.offset).$visit($imm)?;
                        visitor.translate(&ManuallyDrop::new(Operator::$op { $imm }))
                    }
                    None => by_wasmparser!(),
                }
            };
        }
        macro_rules! plain {
            ($visit:ident) => {{
                pos += 1;
                visitor.$visit()
            }};
        }
        let result = match code {
            0x02 => block!(visit_block),
            0x03 => block!(visit_loop),
            0x0b => {
                pos += 1;
                visitor.visit_end()?;
                if visitor.current_frame().is_none() {
                    // The function's own `end`: anything after it is wasmparser's error to report.
                    while pos < bytes.len() {
                        by_wasmparser!()?;
                    }
                    break;
                }
                Ok(())
            }
            0x00 => plain!(visit_unreachable),
            0x0c => index!(visit_br),
            0x0d => index!(visit_br_if),
            0x0f => plain!(visit_return),
            0x10 => index!(visit_call),
            // The table index is a LEB where reference types are on (wasm-ld pads it to five bytes),
            // else a single reserved zero byte.
            0x11 => match leb_u32(bytes, pos + 1) {
                Some((type_index, n)) => match (features.call_indirect_overlong(), leb_u32(bytes, pos + 1 + n)) {
                    (true, Some((table, m))) => {
                        pos += 1 + n + m;
                        visitor.visit_call_indirect(type_index, table)
                    }
                    (false, Some((0, 1))) => {
                        pos += 2 + n;
                        visitor.visit_call_indirect(type_index, 0)
                    }
                    _ => by_wasmparser!(),
                },
                None => by_wasmparser!(),
            },
            0x1a => plain!(visit_drop),
            0x1b => plain!(visit_select),
            // local.get and i32.const are two operators in five. (Inlining local.set/tee and
            // i32.add as well cost more in I-cache misses than it saved.)
            0x20 => inlined!(leb_u32, visit_local_get, LocalGet { local_index }),
            0x21 => index!(visit_local_set),
            0x22 => index!(visit_local_tee),
            0x23 => index!(visit_global_get),
            0x24 => index!(visit_global_set),
            0x28 => memarg!(visit_i32_load, 2),
            0x29 => memarg!(visit_i64_load, 3),
            0x2c => memarg!(visit_i32_load8_s, 0),
            0x2d => memarg!(visit_i32_load8_u, 0),
            0x2b => memarg!(visit_f64_load, 3),
            0x2e => memarg!(visit_i32_load16_s, 1),
            0x2f => memarg!(visit_i32_load16_u, 1),
            0x31 => memarg!(visit_i64_load8_u, 0),
            0x35 => memarg!(visit_i64_load32_u, 2),
            0x36 => memarg!(visit_i32_store, 2),
            0x37 => memarg!(visit_i64_store, 3),
            0x3a => memarg!(visit_i32_store8, 0),
            0x39 => memarg!(visit_f64_store, 3),
            0x3b => memarg!(visit_i32_store16, 1),
            0x41 => inlined!(leb_i32, visit_i32_const, I32Const { value }),
            0x42 => match leb_i32(bytes, pos + 1) {
                Some((value, n)) => {
                    pos += 1 + n;
                    visitor.visit_i64_const(value.into())
                }
                None => by_wasmparser!(),
            },
            0x44 => match bytes.get(pos + 1..pos + 9) {
                Some(bits) => {
                    pos += 9;
                    // Bit-exact: `from_bits` and `to_bits` are transmutes on x86-64 (NaN payloads survive).
                    visitor.visit_f64_const(Ieee64::from(f64::from_bits(u64::from_le_bytes(bits.try_into().unwrap()))))
                }
                None => by_wasmparser!(),
            },
            0x45 => plain!(visit_i32_eqz),
            0x46 => plain!(visit_i32_eq),
            0x47 => plain!(visit_i32_ne),
            0x48 => plain!(visit_i32_lt_s),
            0x49 => plain!(visit_i32_lt_u),
            0x4a => plain!(visit_i32_gt_s),
            0x4b => plain!(visit_i32_gt_u),
            0x4c => plain!(visit_i32_le_s),
            0x4d => plain!(visit_i32_le_u),
            0x4e => plain!(visit_i32_ge_s),
            0x4f => plain!(visit_i32_ge_u),
            0x50 => plain!(visit_i64_eqz),
            0x51 => plain!(visit_i64_eq),
            0x52 => plain!(visit_i64_ne),
            0x53 => plain!(visit_i64_lt_s),
            0x54 => plain!(visit_i64_lt_u),
            0x55 => plain!(visit_i64_gt_s),
            0x56 => plain!(visit_i64_gt_u),
            0x57 => plain!(visit_i64_le_s),
            0x58 => plain!(visit_i64_le_u),
            0x59 => plain!(visit_i64_ge_s),
            0x5a => plain!(visit_i64_ge_u),
            0x61 => plain!(visit_f64_eq),
            0x62 => plain!(visit_f64_ne),
            0x63 => plain!(visit_f64_lt),
            0x64 => plain!(visit_f64_gt),
            0x65 => plain!(visit_f64_le),
            0x66 => plain!(visit_f64_ge),
            0x6a => plain!(visit_i32_add),
            0x6b => plain!(visit_i32_sub),
            0x6c => plain!(visit_i32_mul),
            0x71 => plain!(visit_i32_and),
            0x72 => plain!(visit_i32_or),
            0x73 => plain!(visit_i32_xor),
            0x74 => plain!(visit_i32_shl),
            0x75 => plain!(visit_i32_shr_s),
            0x76 => plain!(visit_i32_shr_u),
            0x77 => plain!(visit_i32_rotl),
            0x7c => plain!(visit_i64_add),
            0x7d => plain!(visit_i64_sub),
            0x7e => plain!(visit_i64_mul),
            0x83 => plain!(visit_i64_and),
            0x84 => plain!(visit_i64_or),
            0x85 => plain!(visit_i64_xor),
            0x86 => plain!(visit_i64_shl),
            0x88 => plain!(visit_i64_shr_u),
            0xa0 => plain!(visit_f64_add),
            0xa1 => plain!(visit_f64_sub),
            0xa2 => plain!(visit_f64_mul),
            0xa3 => plain!(visit_f64_div),
            0xa7 => plain!(visit_i32_wrap_i64),
            0xac => plain!(visit_i64_extend_i32_s),
            0xad => plain!(visit_i64_extend_i32_u),
            _ => by_wasmparser!(),
        };
        result?;
    }
    // Where `finish_expression` expects the reader: past the last operator.
    reader.read_bytes(pos)?;
    Ok(())
}

/// The unsigned LEB128 at `bytes[at..]` if it is a valid u32 of at most five bytes: its value and
/// length. Five bytes are common: wasm-ld pads the function indices, addresses and offsets it
/// relocates to five. Anything else (longer, truncated, or a fifth byte with bits past the 32nd) is
/// left to wasmparser's reader and its errors.
#[inline(always)]
fn leb_u32(bytes: &[u8], at: usize) -> Option<(u32, usize)> {
    let b0 = *bytes.get(at)?;
    if b0 < 0x80 {
        return Some((b0.into(), 1));
    }
    let mut value = u32::from(b0 & 0x7f);
    for n in 1..4 {
        let b = *bytes.get(at + n)?;
        value |= u32::from(b & 0x7f) << (7 * n);
        if b < 0x80 {
            return Some((value, n + 1));
        }
    }
    // The fifth byte holds bits 28..31: no continuation, nothing above.
    let b4 = *bytes.get(at + 4)?;
    (b4 < 0x10).then(|| (value | u32::from(b4) << 28, 5))
}

/// The signed LEB128 at `bytes[at..]` if it is a valid i32 of at most five bytes, like `leb_u32`.
/// Such an encoding also reads as the same i64.
#[inline(always)]
fn leb_i32(bytes: &[u8], at: usize) -> Option<(i32, usize)> {
    let b0 = *bytes.get(at)?;
    if b0 < 0x80 {
        return Some((((b0 << 1) as i8 >> 1).into(), 1));
    }
    let mut value = u32::from(b0 & 0x7f);
    for n in 1..4 {
        let b = *bytes.get(at + n)?;
        value |= u32::from(b & 0x7f) << (7 * n);
        if b < 0x80 {
            let unused = 32 - 7 * (n as u32 + 1);
            return Some((((value << unused) as i32) >> unused, n + 1));
        }
    }
    // The fifth byte holds bits 28..31; its bits 4..6 must repeat the sign (bit 3), and no continuation.
    let b4 = *bytes.get(at + 4)?;
    matches!(b4 & 0xf8, 0x00 | 0x78).then(|| ((value | u32::from(b4) << 28) as i32, 5))
}

#[cfg(test)]
mod tests {
    use super::{leb_i32, leb_u32};
    use wasmparser::BinaryReader;

    /// What the short decoders read, wasmparser reads the same (value and length); what they leave to
    /// wasmparser is exactly the encodings of six bytes or more, the truncated ones and the five-byte
    /// ones wasmparser rejects as out of range.
    #[test]
    fn short_lebs_read_as_wasmparser_reads_them() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut five_u, mut five_i) = (0, 0);
        for _ in 0..400_000 {
            let r = next();
            let r2 = next();
            // Encodings of 1 to 6 bytes: continuation bits on all but the last, random payload bits,
            // sometimes cut short.
            let len = 1 + (r % 6) as usize;
            let mut bytes: Vec<u8> =
                (0..len).map(|k| ((r2 >> (7 * k)) as u8 & 0x7f) | if k + 1 < len { 0x80 } else { 0 }).collect();
            if r >> 60 == 0 {
                bytes.pop();
            }
            // Five-byte encodings are read only if wasmparser accepts them.
            let terminated_within_five = bytes.iter().take(5).any(|b| b & 0x80 == 0);
            let wasmparser_u32 = BinaryReader::new(&bytes, 0).read_var_u32().is_ok();
            let wasmparser_i32 = BinaryReader::new(&bytes, 0).read_var_i32().is_ok();
            let ours = leb_u32(&bytes, 0);
            assert_eq!(ours.is_some(), terminated_within_five && wasmparser_u32, "{bytes:x?}");
            if let Some((value, n)) = ours {
                five_u += usize::from(n == 5);
                let mut reader = BinaryReader::new(&bytes, 0);
                assert_eq!(reader.read_var_u32().unwrap(), value, "{bytes:x?}");
                assert_eq!(reader.current_position(), n);
            }
            let ours = leb_i32(&bytes, 0);
            assert_eq!(ours.is_some(), terminated_within_five && wasmparser_i32, "{bytes:x?}");
            if let Some((signed, n)) = ours {
                five_i += usize::from(n == 5);
                let mut reader = BinaryReader::new(&bytes, 0);
                assert_eq!(reader.read_var_i32().unwrap(), signed, "{bytes:x?}");
                assert_eq!(reader.current_position(), n);
                let mut reader = BinaryReader::new(&bytes, 0);
                assert_eq!(reader.read_var_i64().unwrap(), i64::from(signed), "{bytes:x?}");
                assert_eq!(reader.current_position(), n);
            }
        }
        // Random fifth bytes are mostly out of range: make sure the accepted ones were exercised.
        assert!(five_u > 1000 && five_i > 1000, "{five_u} {five_i}");
    }
}
