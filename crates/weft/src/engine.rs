//! The engine: configuration, the canonical function-type registry (so signature checks are one integer
//! compare) and the CPU check.

use crate::Error;
use crate::types::FuncType;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Which WebAssembly version's features modules may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WasmVersion {
    V2,
    V3,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub version: WasmVersion,
    /// Bytes of value stack (frames of all active wasm calls). Call depth is bounded by this and by
    /// the native stack left to the calling thread.
    pub value_stack_bytes: usize,
    /// Check linear-memory bounds with guard pages (an 8 GiB reservation per memory and a SIGSEGV
    /// handler) instead of a compare per access. Hosts that cannot reserve address space or own the
    /// signal handlers turn this off.
    pub guard_pages: bool,
    /// Compile function bodies on all available cores (the output is the same either way).
    pub parallel_compilation: bool,
    /// Describe every compiled function to `perf`: its name (`Profiling::PerfMap`) or also its
    /// machine code (`Profiling::JitDump`).
    pub profiling: crate::Profiling,
    /// Describe every compiled module to a debugger through the GDB JIT interface, so that GDB and
    /// LLDB name wasm functions (`wasm::<name>`) in backtraces and disassembly and take breakpoints on
    /// them. Costs a small ELF file per module.
    pub debug_info: bool,
    /// Check for a pending interrupt at the head of every loop, so an
    /// [`InterruptHandle`](crate::InterruptHandle) stops any code, not only code that calls functions.
    /// Costs one load and compare per loop iteration.
    pub interruptible: bool,
    /// Count the stencils each compile emits, for [`CompileStats::stencil_counts`](crate::CompileStats)
    /// (empty otherwise). Off by default: the count is a read-modify-write per stencil in a table of
    /// 40 KB, about 2% of the compile time.
    pub count_stencils: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            version: WasmVersion::V2,
            value_stack_bytes: 16 << 20,
            guard_pages: true,
            parallel_compilation: true,
            profiling: crate::Profiling::None,
            debug_info: false,
            interruptible: false,
            count_stencils: false,
        }
    }
}

#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

pub(crate) struct EngineInner {
    pub config: Config,
    types: Mutex<TypeRegistry>,
}

#[derive(Default)]
struct TypeRegistry {
    ids: HashMap<FuncType, u32>,
    types: Vec<FuncType>,
}

impl Engine {
    pub fn new(config: Config) -> Result<Engine, Error> {
        check_cpu()?;
        if config.guard_pages {
            crate::runtime::install_signal_handlers();
        }
        Ok(Engine { inner: Arc::new(EngineInner { config, types: Mutex::new(TypeRegistry::default()) }) })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The canonical id of `ty` (never 0: compiled code may rely on it).
    pub(crate) fn type_id(&self, ty: &FuncType) -> u32 {
        let mut reg = self.inner.types.lock().unwrap();
        if let Some(&id) = reg.ids.get(ty) {
            return id;
        }
        reg.types.push(ty.clone());
        let id = reg.types.len() as u32;
        reg.ids.insert(ty.clone(), id);
        id
    }

    pub(crate) fn func_type(&self, id: u32) -> FuncType {
        self.inner.types.lock().unwrap().types[id as usize - 1].clone()
    }

    pub(crate) fn features(&self) -> wasmparser::WasmFeatures {
        match self.inner.config.version {
            WasmVersion::V2 => wasmparser::WasmFeatures::WASM2,
            WasmVersion::V3 => wasmparser::WasmFeatures::WASM3,
        }
    }
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new(Config::default()).expect("CPU lacks the x86-64-v2 features weft's stencils need")
    }
}

/// Stencils are compiled for x86-64-v2 (SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT). One `cpuid` leaf answers
/// all of it; `is_x86_feature_detected!` would issue several, and under a hypervisor each one is a VM
/// exit that shows in start-up time.
fn check_cpu() -> Result<(), Error> {
    let ecx = std::arch::x86_64::__cpuid(1).ecx;
    const SSE3: u32 = 1 << 0;
    const SSSE3: u32 = 1 << 9;
    const SSE4_1: u32 = 1 << 19;
    const SSE4_2: u32 = 1 << 20;
    const POPCNT: u32 = 1 << 23;
    let needed = SSE3 | SSSE3 | SSE4_1 | SSE4_2 | POPCNT;
    if ecx & needed == needed {
        Ok(())
    } else {
        Err(Error::Unsupported(
            "this CPU lacks x86-64-v2 features (SSE3, SSSE3, SSE4.1/4.2, POPCNT) that weft's code needs".into(),
        ))
    }
}
