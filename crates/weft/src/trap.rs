//! Traps: why wasm execution stopped, as returned to the embedder.

use weft_ops::trap as code;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trap {
    Unreachable,
    IntegerDivideByZero,
    IntegerOverflow,
    InvalidConversionToInteger,
    OutOfBoundsMemory,
    OutOfBoundsTable,
    UndefinedElement,
    UninitializedElement,
    IndirectCallTypeMismatch,
    StackExhausted,
    NullReference,
    /// An [`InterruptHandle`](crate::InterruptHandle) stopped the code.
    Interrupted,
    /// A host function returned an error (kept in the `Error` that carries this trap).
    Host,
    /// Any other code: a bug in weft, reported rather than hidden.
    Unknown(u64),
}

impl Trap {
    pub(crate) fn from_code(c: u64) -> Trap {
        match c {
            code::UNREACHABLE => Trap::Unreachable,
            code::INT_DIV_BY_ZERO => Trap::IntegerDivideByZero,
            code::INT_OVERFLOW => Trap::IntegerOverflow,
            code::INVALID_CONVERSION => Trap::InvalidConversionToInteger,
            code::OUT_OF_BOUNDS_MEMORY => Trap::OutOfBoundsMemory,
            code::OUT_OF_BOUNDS_TABLE => Trap::OutOfBoundsTable,
            code::UNDEFINED_ELEMENT => Trap::UndefinedElement,
            code::UNINITIALIZED_ELEMENT => Trap::UninitializedElement,
            code::INDIRECT_CALL_TYPE_MISMATCH => Trap::IndirectCallTypeMismatch,
            code::STACK_EXHAUSTED => Trap::StackExhausted,
            code::NULL_REFERENCE => Trap::NullReference,
            code::INTERRUPTED => Trap::Interrupted,
            code::HOST => Trap::Host,
            other => Trap::Unknown(other),
        }
    }
}

/// The messages are the spec interpreter's, so spec scripts can match them.
impl std::fmt::Display for Trap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Trap::Unreachable => f.write_str("unreachable executed"),
            Trap::IntegerDivideByZero => f.write_str("integer divide by zero"),
            Trap::IntegerOverflow => f.write_str("integer overflow"),
            Trap::InvalidConversionToInteger => f.write_str("invalid conversion to integer"),
            Trap::OutOfBoundsMemory => f.write_str("out of bounds memory access"),
            Trap::OutOfBoundsTable => f.write_str("out of bounds table access"),
            Trap::UndefinedElement => f.write_str("undefined element"),
            Trap::UninitializedElement => f.write_str("uninitialized element"),
            Trap::IndirectCallTypeMismatch => f.write_str("indirect call type mismatch"),
            Trap::StackExhausted => f.write_str("call stack exhausted"),
            Trap::NullReference => f.write_str("null reference"),
            Trap::Interrupted => f.write_str("interrupted"),
            Trap::Host => f.write_str("host function failed"),
            Trap::Unknown(c) => write!(f, "unknown trap code {c}"),
        }
    }
}
