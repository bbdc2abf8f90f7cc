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

/// The wasm functions a trap unwound, innermost first (as in the trap's message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backtrace {
    /// Their names (name section, export name or `func[N]`); the outermost is the one the host called.
    pub frames: Vec<String>,
    /// Frames between the innermost `frames` and the outermost one that are not named (deep
    /// recursion): only the first `weft_ops::vm::BACKTRACE_FRAMES` are kept.
    pub omitted: u64,
}

/// `inner <- outer <- main`; a run of the same function once with its count (`fib (x32)`), and the
/// omitted frames as `(N more)` before the outermost.
impl std::fmt::Display for Backtrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (inner, outermost) = match self.frames.split_last() {
            Some((last, rest)) => (rest, last),
            None => return Ok(()),
        };
        let mut parts: Vec<String> = Vec::new();
        for run in inner.chunk_by(|a, b| a == b) {
            parts.push(if run.len() > 1 { format!("{} (x{})", run[0], run.len()) } else { run[0].clone() });
        }
        if self.omitted > 0 {
            parts.push(format!("({} more)", self.omitted));
        }
        parts.push(outermost.clone());
        f.write_str(&parts.join(" <- "))
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
