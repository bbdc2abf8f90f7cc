//! The one error type of the engine API.

use crate::Trap;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are not a well-formed or valid module.
    #[error("invalid module: {0}")]
    Invalid(String),
    /// Valid wasm that this engine does not implement (yet).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Code generation failed (e.g. a frame too large for a 32-bit hole).
    #[error("compile error: {0}")]
    Compile(String),
    /// Imports do not match the module's import declarations.
    #[error("unknown import or incompatible import type: {0}")]
    Link(String),
    /// Execution trapped (also during instantiation: segment initialization or the start function).
    /// `func` is the innermost function; the message ends with the backtrace when it has more.
    #[error("{trap}{}{}{}", .func.as_ref().map(|f| format!(" in function `{f}`")).unwrap_or_default(), .detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default(),
        .backtrace.as_ref().filter(|b| b.frames.len() > 1).map(|b| format!(" (wasm backtrace: {b})")).unwrap_or_default())]
    Trap { trap: Trap, func: Option<String>, detail: Option<String>, backtrace: Option<crate::trap::Backtrace> },
    /// The program asked to exit (WASI `proc_exit`).
    #[error("exit with status {0}")]
    Exit(i32),
    /// Wrong use of the API (type mismatch in arguments, a name defined twice).
    #[error("{0}")]
    Usage(String),
    /// A memory or table the module declares is larger than the store allows (`StoreLimits`) or than
    /// the host can reserve: the module is fine, this store cannot hold it.
    #[error("{0}")]
    ResourceLimit(String),
}

impl Error {
    pub fn trap(&self) -> Option<Trap> {
        match self {
            Error::Trap { trap, .. } => Some(*trap),
            _ => None,
        }
    }
}

impl Error {
    pub(crate) fn trap_kind(trap: Trap) -> Error {
        Error::Trap { trap, func: None, detail: None, backtrace: None }
    }
}

impl From<wasmparser::BinaryReaderError> for Error {
    #[cold]
    #[inline(never)]
    fn from(e: wasmparser::BinaryReaderError) -> Error {
        Error::Invalid(e.to_string())
    }
}

impl From<crate::compiler::emit::PatchError> for Error {
    fn from(e: crate::compiler::emit::PatchError) -> Error {
        Error::Compile(e.to_string())
    }
}

// The translator passes `Box<Error>` (one register) through its many small functions; `?` converts.
impl From<wasmparser::BinaryReaderError> for Box<Error> {
    #[cold]
    #[inline(never)]
    fn from(e: wasmparser::BinaryReaderError) -> Box<Error> {
        Box::new(e.into())
    }
}

impl From<crate::compiler::emit::PatchError> for Box<Error> {
    fn from(e: crate::compiler::emit::PatchError) -> Box<Error> {
        Box::new(e.into())
    }
}
