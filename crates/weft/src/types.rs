//! Wasm types as the engine uses them, converted once from wasmparser's.

use crate::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
}

impl ValType {
    /// Bytes the value occupies in a frame (slots are 8 bytes; a v128 takes two).
    pub fn slot_bytes(self) -> u32 {
        if self == ValType::V128 { 16 } else { 8 }
    }

    pub fn is_ref(self) -> bool {
        matches!(self, ValType::FuncRef | ValType::ExternRef)
    }

    pub(crate) fn from_wasmparser(t: wasmparser::ValType) -> Result<ValType, Error> {
        use wasmparser::ValType as W;
        Ok(match t {
            W::I32 => ValType::I32,
            W::I64 => ValType::I64,
            W::F32 => ValType::F32,
            W::F64 => ValType::F64,
            W::V128 => ValType::V128,
            W::Ref(r) => ValType::from_ref(r)?,
        })
    }

    pub(crate) fn from_ref(r: wasmparser::RefType) -> Result<ValType, Error> {
        if r.is_func_ref() {
            Ok(ValType::FuncRef)
        } else if r.is_extern_ref() {
            Ok(ValType::ExternRef)
        } else {
            Err(Error::Unsupported(format!("reference type {r}")))
        }
    }
}

impl std::fmt::Display for ValType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    pub params: Box<[ValType]>,
    pub results: Box<[ValType]>,
}

impl FuncType {
    pub fn new(params: impl IntoIterator<Item = ValType>, results: impl IntoIterator<Item = ValType>) -> FuncType {
        FuncType { params: params.into_iter().collect(), results: results.into_iter().collect() }
    }

    pub(crate) fn from_wasmparser(t: &wasmparser::FuncType) -> Result<FuncType, Error> {
        Ok(FuncType {
            params: t.params().iter().map(|&p| ValType::from_wasmparser(p)).collect::<Result<_, _>>()?,
            results: t.results().iter().map(|&p| ValType::from_wasmparser(p)).collect::<Result<_, _>>()?,
        })
    }

    /// Bytes of frame the params or the results need, whichever is larger.
    pub fn frame_bytes(&self) -> u32 {
        let p: u32 = self.params.iter().map(|t| t.slot_bytes()).sum();
        let r: u32 = self.results.iter().map(|t| t.slot_bytes()).sum();
        p.max(r)
    }
}

impl std::fmt::Display for FuncType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |v: &[ValType]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" ");
        write!(f, "(func (param {}) (result {}))", list(&self.params), list(&self.results))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub min: u64,
    pub max: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableType {
    pub elem: ValType,
    pub limits: Limits,
    /// Indexed with i64 (WebAssembly 3.0's 64-bit tables), else i32.
    pub table64: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryType {
    pub limits: Limits,
    /// Addressed with i64 (WebAssembly 3.0's memory64), else i32.
    pub memory64: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalType {
    pub content: ValType,
    pub mutable: bool,
}
