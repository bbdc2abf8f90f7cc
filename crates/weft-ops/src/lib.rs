//! The single source of truth shared by every weft tier: operator semantics, the op list, the VM layout
//! that compiled code reads, and trap codes.
//!
//! These files are also compiled *into stencils* by `weft-stencils/build.rs` (mounted with `#[path]`), so
//! they are `no_std`, free of panics, and refer to each other only through `crate::<module>` paths that
//! exist under the same names in both crates.
#![no_std]

pub mod oplist;
pub mod semantics;
pub mod simd;
pub mod trap;
pub mod vm;
