//! Feeds the translator from wasmparser's operator visitor, so each operator is decoded once.
//!
//! Reading an `Operator` and handing it to `FuncValidator::op` would decode it into the enum and then
//! dispatch on the enum again in the validator. Here the reader calls one `visit_*` method per operator;
//! it calls the validator's method of the same name, then the translator with an `Operator` of a
//! variant known at compile time, so `FuncTranslator::operator`'s table lookups fold away.

use super::emit::CodeBuffer;
use super::{FuncTranslator, ModuleEnv};
use crate::Error;
use std::mem::ManuallyDrop;
use wasmparser::{FrameKind, FrameStack, FuncValidator, Operator, ValidatorResources, VisitOperator, VisitSimdOperator};

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
        if let (Some(bytes), Operator::MemorySize { .. } | Operator::MemoryGrow { .. }) = (self.strict_v2, op) {
            if bytes.get(self.offset as usize + 1) != Some(&0) {
                return Err(Error::Invalid("zero byte expected".into()).into());
            }
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
