//! Stencil definitions: one `extern "C"` function per JIT template, compiled by `build.rs` with the same
//! rustc cargo runs (`--emit=obj`), never linked into weft itself.
//!
//! Conventions (see ARCHITECTURE.md, "Stencil ABI"):
//! - state arrives in registers: `fp` (frame base, rdi), `ctx` (VmCtx, rsi), `mem`/`memlen` (memory 0,
//!   rdx/rcx), `t0` (r8: a cached integer operand), `f0` (xmm0: a cached f64 operand), and the pinned
//!   locals (kept in registers for a whole function): `p` in `t1` (r9), `q` in memlen (guard pages
//!   only), `x`/`y`/`u`/`v` in `f1`..`f4` (xmm1..xmm4);
//! - a stencil ends by tail-calling `CONTINUE` (the next stencil) or `TARGET` (a branch target) with the
//!   same state, or by *returning* a trap code from the wasm function it belongs to (0 = normal return);
//! - everything known only at JIT time is the address of an extern symbol: a hole. `S0`/`S1` are frame
//!   offsets, `IMM`/`IMM_HI`/`N`/`OFFSET` immediates, `CALLEE` a direct-call target; `K64` (an f64
//!   constant) and `JTAB` (a `br_table`'s jump table) are data placed after the function's code and
//!   read rip-relatively.
#![no_std]
#![allow(non_upper_case_globals, clippy::missing_safety_doc)]

#[path = "../../weft-ops/src/semantics.rs"]
mod semantics;
#[path = "../../weft-ops/src/simd.rs"]
mod simd;
#[path = "../../weft-ops/src/trap.rs"]
mod trap;
#[path = "../../weft-ops/src/vm.rs"]
#[allow(dead_code)]
mod vm;
#[path = "../../weft-ops/src/oplist.rs"]
#[macro_use]
mod oplist;

use simd::V128;
use core::sync::atomic::Ordering::Relaxed;
use vm::{VmCtx, VmFuncRef, VmMemory};

type Next = unsafe extern "C" fn(*mut u8, *mut VmCtx, *mut u8, u64, u64, u64, f64, f64, f64, f64, f64) -> u64;

unsafe extern "C" {
    static S0: u8;
    static S1: u8;
    static S2: u8;
    static IMM: u8;
    static IMM_HI: u8;
    static N: u8;
    static OFFSET: u8;
    /// An f64 immediate: read from the function's constant pool (one rip-relative load), not
    /// assembled from `IMM` and `IMM_HI` (six instructions).
    static K64: f64;
    /// A `br_table`'s jump table (its targets' addresses), after the function's code.
    static JTAB: usize;
    fn CONTINUE(fp: *mut u8, ctx: *mut VmCtx, mem: *mut u8, memlen: u64, t0: u64, t1: u64, f0: f64, f1: f64, f2: f64, f3: f64, f4: f64) -> u64;
    fn TARGET(fp: *mut u8, ctx: *mut VmCtx, mem: *mut u8, memlen: u64, t0: u64, t1: u64, f0: f64, f1: f64, f2: f64, f3: f64, f4: f64) -> u64;
    fn CALLEE(fp: *mut u8, ctx: *mut VmCtx, mem: *mut u8, memlen: u64, t0: u64, t1: u64, f0: f64, f1: f64, f2: f64, f3: f64, f4: f64) -> u64;
}

/// The value of a hole. Declared `u8` so LLVM assumes no alignment; it does assume non-null, so no
/// stencil compares a hole with 0.
macro_rules! h {
    ($n:ident) => {
        (&raw const $n) as usize
    };
}

macro_rules! stencil {
    ($name:ident($fp:ident, $ctx:ident, $mem:ident, $len:ident) $body:block) => {
        stencil!(@export stringify!($name), $name($fp, $ctx, $mem, $len, t0, f0) $body);
    };
    // The same, naming the cached-register arguments so the body can read them.
    ($name:ident($fp:ident, $ctx:ident, $mem:ident, $len:ident, $t0:ident) $body:block) => {
        stencil!(@export stringify!($name), $name($fp, $ctx, $mem, $len, $t0, f0) $body);
    };
    ($name:ident($fp:ident, $ctx:ident, $mem:ident, $len:ident, $t0:ident, $f0:ident) $body:block) => {
        stencil!(@export stringify!($name), $name($fp, $ctx, $mem, $len, $t0, $f0) $body);
    };
    // A variant generated inside a macro: the function lives in an anonymous const block, so only its
    // exported name (`<ns>__<op>`) has to be unique.
    (@anon $export:expr, ($fp:ident, $ctx:ident, $mem:ident, $len:ident, $t0:ident, $f0:ident) $body:block) => {
        const _: () = { stencil!(@export $export, f($fp, $ctx, $mem, $len, $t0, $f0) $body); };
    };
    (@export $export:expr, $name:ident($fp:ident, $ctx:ident, $mem:ident, $len:ident, $t0:ident, $f0:ident) $body:block) => {
        #[unsafe(export_name = $export)]
        pub unsafe extern "C" fn $name(
            $fp: *mut u8, $ctx: *mut VmCtx, $mem: *mut u8, $len: u64, $t0: u64, t1: u64, $f0: f64, f1: f64, f2: f64, f3: f64, f4: f64,
        ) -> u64 {
            #[allow(unused_macros)]
            macro_rules! next {
                () => { return CONTINUE($fp, $ctx, $mem, $len, $t0, t1, $f0, f1, f2, f3, f4) };
                ($m:expr, $l:expr) => { return CONTINUE($fp, $ctx, $m, $l, $t0, t1, $f0, f1, f2, f3, f4) };
            }
            /// Continue with the cached registers set to `$state` (t0, f0).
            #[allow(unused_macros)]
            macro_rules! next_state {
                ($state:expr) => {{ let (t, f) = $state; return CONTINUE($fp, $ctx, $mem, $len, t, t1, f, f1, f2, f3, f4) }};
            }
            /// Continue after a call: the compiler keeps no value cached in registers across calls (and
            /// reloads pinned locals), so they need not survive it (saves LLVM callee-saved registers).
            #[allow(unused_macros)]
            macro_rules! next_clear {
                ($m:expr, $l:expr) => {{ let (t0, t1, f0, f1, f2, f3, f4) = unset!(); return CONTINUE($fp, $ctx, $m, $l, t0, t1, f0, f1, f2, f3, f4) }};
            }
            /// The pinned locals, kept in registers for the whole function: i32 locals `p` in t1 and (with
            /// guard pages, where no stencil it is used with needs the memory length) `q` in the memlen
            /// register; f64 locals `x`, `y`, `u`, `v` in f1 to f4.
            #[allow(unused_macros)]
            macro_rules! pin {
                (p) => { t1 };
                (q) => { $len };
                (x) => { f1 };
                (y) => { f2 };
                (u) => { f3 };
                (v) => { f4 };
            }
            /// Continue with a new value of a pinned local.
            #[allow(unused_macros)]
            macro_rules! next_pin {
                (p, $v:expr) => {{ let v: u64 = $v; return CONTINUE($fp, $ctx, $mem, $len, $t0, v, $f0, f1, f2, f3, f4) }};
                (q, $v:expr) => {{ let v: u64 = $v; return CONTINUE($fp, $ctx, $mem, v, $t0, t1, $f0, f1, f2, f3, f4) }};
                (x, $v:expr) => {{ let v: f64 = $v; return CONTINUE($fp, $ctx, $mem, $len, $t0, t1, $f0, v, f2, f3, f4) }};
                (y, $v:expr) => {{ let v: f64 = $v; return CONTINUE($fp, $ctx, $mem, $len, $t0, t1, $f0, f1, v, f3, f4) }};
                (u, $v:expr) => {{ let v: f64 = $v; return CONTINUE($fp, $ctx, $mem, $len, $t0, t1, $f0, f1, f2, v, f4) }};
                (v, $v:expr) => {{ let v: f64 = $v; return CONTINUE($fp, $ctx, $mem, $len, $t0, t1, $f0, f1, f2, f3, v) }};
            }
            #[allow(unused_macros)]
            macro_rules! jump {
                () => { return TARGET($fp, $ctx, $mem, $len, $t0, t1, $f0, f1, f2, f3, f4) };
                ($target:expr) => { return $target($fp, $ctx, $mem, $len, $t0, t1, $f0, f1, f2, f3, f4) };
            }
            #[allow(unused_unsafe, unused_variables)]
            unsafe { $body }
        }
    };
}

/// The state registers t0, t1, f0 to f4 as they are, for a continuation after a call where the
/// compiler holds nothing in them: an empty asm "writes" them, so no instruction clears them (five
/// zeroing instructions per call otherwise). Not `pure`: it must stay after the call it follows.
macro_rules! unset {
    () => {{
        let (t0, t1, f0, f1, f2, f3, f4): (u64, u64, f64, f64, f64, f64, f64);
        core::arch::asm!("", out("r8") t0, out("r9") t1, out("xmm0") f0, out("xmm1") f1, out("xmm2") f2, out("xmm3") f3, out("xmm4") f4,
            options(nomem, nostack, preserves_flags));
        (t0, t1, f0, f1, f2, f3, f4)
    }};
}

#[inline(always)]
unsafe fn rd<T: Copy>(fp: *mut u8, off: usize) -> T {
    // SAFETY: the compiler only patches offsets of live slots of the current frame.
    unsafe { (fp.add(off) as *const T).read_unaligned() }
}
/// Writes a slot. A 4-byte value is written as 8 bytes (zero-extended): slots are later also read
/// whole (`copy64`, `global_set64`, `select64`, pinned-local saves), and an 8-byte load from a 4-byte
/// store cannot be forwarded by the CPU: it waits ~12 cycles for the store to retire. The upper half of
/// an i32/f32 slot is otherwise unspecified; readers of 32-bit values only look at the lower half.
#[inline(always)]
unsafe fn wr<T>(fp: *mut u8, off: usize, v: T) {
    // SAFETY: as in `rd`; every slot is 8 bytes wide (16 for v128), so an 8-byte write stays inside it.
    unsafe {
        if core::mem::size_of::<T>() == 4 {
            let bits: u32 = core::mem::transmute_copy(&v);
            (fp.add(off) as *mut u64).write_unaligned(bits as u64)
        } else {
            (fp.add(off) as *mut T).write_unaligned(v)
        }
    }
}
/// Writes exactly `size_of::<T>()` bytes: a lane inside a v128 slot (`wr` would widen 4-byte lanes).
#[inline(always)]
unsafe fn wr_exact<T>(fp: *mut u8, off: usize, v: T) {
    // SAFETY: as in `rd`; the lane lies inside its v128 slot.
    unsafe { (fp.add(off) as *mut T).write_unaligned(v) }
}
/// Values cached in the state registers: integers in t0 (i32 zero-extended to 64 bits), f64 in f0.
/// `from_reg` reads the register of the type's class, `to_state` replaces it.
trait Reg: Sized {
    fn from_reg(t0: u64, f0: f64) -> Self;
    fn to_state(self, t0: u64, f0: f64) -> (u64, f64);
}
impl Reg for i32 { #[inline(always)] fn from_reg(r: u64, _: f64) -> i32 { r as u32 as i32 } #[inline(always)] fn to_state(self, _: u64, f: f64) -> (u64, f64) { (self as u32 as u64, f) } }
impl Reg for u32 { #[inline(always)] fn from_reg(r: u64, _: f64) -> u32 { r as u32 } #[inline(always)] fn to_state(self, _: u64, f: f64) -> (u64, f64) { (self as u64, f) } }
impl Reg for i64 { #[inline(always)] fn from_reg(r: u64, _: f64) -> i64 { r as i64 } #[inline(always)] fn to_state(self, _: u64, f: f64) -> (u64, f64) { (self as u64, f) } }
impl Reg for u64 { #[inline(always)] fn from_reg(r: u64, _: f64) -> u64 { r } #[inline(always)] fn to_state(self, _: u64, f: f64) -> (u64, f64) { (self, f) } }
impl Reg for f64 { #[inline(always)] fn from_reg(_: u64, f: f64) -> f64 { f } #[inline(always)] fn to_state(self, t: u64, _: f64) -> (u64, f64) { (t, self) } }

/// Reload memory 0's base and length: after any call or builtin, memory may have grown.
#[inline(always)]
unsafe fn memory(ctx: *mut VmCtx) -> (*mut u8, u64) {
    unsafe { base_and_len((*ctx).memory) }
}
/// Memory `IMM`'s base and length (multi-memory: any memory but 0).
#[inline(always)]
unsafe fn memory_imm(ctx: *mut VmCtx) -> (*mut u8, u64) {
    unsafe { base_and_len(*(*ctx).memories.add(h!(IMM))) }
}
#[inline(always)]
unsafe fn base_and_len(m: *mut VmMemory) -> (*mut u8, u64) {
    unsafe { ((*m).base, (*m).len) }
}

// ---- operators whose meaning is a `semantics` function ------------------------------------------
// Every operator comes in variants named `<sources>_<result>__<op>`: a source is `s` (a frame slot:
// operand-stack slot or local, at `S0`/`S1`), `i` (the immediate `IMM`) or `r` (the value cached in
// t0); the result goes to a slot (`s`: `S2` for binops, `S1` for unops) or to t0 (`r`). Register
// forms exist only for integer values. The compiler picks a variant through `id::op::<op>`.
macro_rules! operand {
    (a s $t:ident, $fp:ident, $t0:ident, $f0:ident) => { rd::<$t>($fp, h!(S0)) };
    (a r $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg($t0, $f0) };
    (a p $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg(pin!(p), $f0) };
    (a q $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg(pin!(q), $f0) };
    (a x $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg($t0, pin!(x)) };
    (a y $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg($t0, pin!(y)) };
    (a u $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg($t0, pin!(u)) };
    (a v $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg($t0, pin!(v)) };
    (b s $t:ident, $fp:ident, $t0:ident, $f0:ident) => { rd::<$t>($fp, h!(S1)) };
    (b i $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as FromImm>::from_imm(h!(IMM) as u32, h!(IMM_HI) as u32) };
    (b r $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg($t0, $f0) };
    (b p $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg(pin!(p), $f0) };
    (b q $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg(pin!(q), $f0) };
    (b x $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg($t0, pin!(x)) };
    (b y $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg($t0, pin!(y)) };
    (b u $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg($t0, pin!(u)) };
    (b v $t:ident, $fp:ident, $t0:ident, $f0:ident) => { <$t as Reg>::from_reg($t0, pin!(v)) };
}

/// A memory address operand (a u32) as a usize. Registers are used whole: an i32 in t0 or a pinned
/// local is always zero-extended to 64 bits (every writer truncates; the compiler zero-extends t0 when
/// an i64 there is wrapped to i32). Guard pages depend on it: the upper half must be zero.
macro_rules! address {
    (s, $fp:ident, $t0:ident) => { rd::<u32>($fp, h!(S0)) as usize };
    (r, $fp:ident, $t0:ident) => { $t0 as usize };
    (p, $fp:ident, $t0:ident) => { pin!(p) as usize };
    (q, $fp:ident, $t0:ident) => { pin!(q) as usize };
    // A constant address: the compiler adds it to the offset (guarded forms only, whose offset < 2^31).
    (i, $fp:ident, $t0:ident) => { 0usize };
}

/// The immediate operand of an `i` source, as the operator's input type, from the holes `IMM` (low)
/// and `IMM_HI` (high): 64-bit integers are `IMM` sign-extended (the compiler only uses it when the
/// constant fits), f64 is read from the constant pool (`K64`), where the emitter puts both halves.
trait FromImm { fn from_imm(lo: u32, hi: u32) -> Self; }
impl FromImm for i32 { #[inline(always)] fn from_imm(b: u32, _: u32) -> i32 { b as i32 } }
impl FromImm for u32 { #[inline(always)] fn from_imm(b: u32, _: u32) -> u32 { b } }
impl FromImm for i64 { #[inline(always)] fn from_imm(b: u32, _: u32) -> i64 { b as i32 as i64 } }
impl FromImm for u64 { #[inline(always)] fn from_imm(b: u32, _: u32) -> u64 { b as i32 as i64 as u64 } }
impl FromImm for f32 { #[inline(always)] fn from_imm(b: u32, _: u32) -> f32 { f32::from_bits(b) } }
// The compiler still passes the bits in `IMM`/`IMM_HI`; the emitter puts them in the pool.
impl FromImm for f64 { #[inline(always)] fn from_imm(_: u32, _: u32) -> f64 { unsafe { K64 } } }

macro_rules! binop_variant {
    ($kind:ident $ns:expr, $a:ident $b:ident $d:ident $name:ident $in:ident $out:ident) => {
        stencil!(@anon concat!($ns, "__", stringify!($name)), (fp, ctx, mem, len, t0, f0) {
            let v = binop_variant!(@call $kind semantics::$name(operand!(a $a $in, fp, t0, f0), operand!(b $b $in, fp, t0, f0)));
            binop_variant!(@deliver $d $out v, S2, fp, t0, f0)
        });
    };
    (@call plain $e:expr) => { $e };
    (@call trap $e:expr) => { match $e { Ok(v) => v, Err(t) => return t } };
    (@deliver s $out:ident $v:ident, $hole:ident, $fp:ident, $t0:ident, $f0:ident) => {{ wr::<$out>($fp, h!($hole), $v); next!() }};
    (@deliver r $out:ident $v:ident, $hole:ident, $fp:ident, $t0:ident, $f0:ident) => { next_state!(<$out as Reg>::to_state($v, $t0, $f0)) };
    (@deliver p $out:ident $v:ident, $hole:ident, $fp:ident, $t0:ident, $f0:ident) => { next_pin!(p, <$out as Reg>::to_state($v, $t0, $f0).0) };
    (@deliver q $out:ident $v:ident, $hole:ident, $fp:ident, $t0:ident, $f0:ident) => { next_pin!(q, <$out as Reg>::to_state($v, $t0, $f0).0) };
    (@deliver x $out:ident $v:ident, $hole:ident, $fp:ident, $t0:ident, $f0:ident) => { next_pin!(x, <$out as Reg>::to_state($v, $t0, $f0).1) };
    (@deliver y $out:ident $v:ident, $hole:ident, $fp:ident, $t0:ident, $f0:ident) => { next_pin!(y, <$out as Reg>::to_state($v, $t0, $f0).1) };
    (@deliver u $out:ident $v:ident, $hole:ident, $fp:ident, $t0:ident, $f0:ident) => { next_pin!(u, <$out as Reg>::to_state($v, $t0, $f0).1) };
    (@deliver v $out:ident $v:ident, $hole:ident, $fp:ident, $t0:ident, $f0:ident) => { next_pin!(v, <$out as Reg>::to_state($v, $t0, $f0).1) };
}

/// `if_i32!(T, tokens...)`: the tokens when `T` is a 32-bit integer, the type of the pinned locals.
macro_rules! if_i32 {
    (i32, $($t:tt)*) => { $($t)* };
    (u32, $($t:tt)*) => { $($t)* };
    ($other:ident, $($t:tt)*) => {};
}

/// `if_f64!(T, tokens...)`: the tokens when `T` is f64, the type of the pinned locals `x`, `y`, `u`, `v`.
macro_rules! if_f64 {
    (f64, $($t:tt)*) => { $($t)* };
    ($other:ident, $($t:tt)*) => {};
}

/// `src_ok!(KIND T, tokens...)`: the tokens when an operand of type `T` may come from source `KIND`
/// (`s` slot, `i` immediate, `r` t0/f0, `p`/`q`/`x`/`y`/`u`/`v` a pinned local). Also used for results (no `i`).
macro_rules! src_ok {
    (s $t:ident, $($x:tt)*) => { $($x)* };
    (i $t:ident, $($x:tt)*) => { $($x)* };
    (r $t:ident, $($x:tt)*) => { weft_if_reg!($t, $($x)*); };
    (p $t:ident, $($x:tt)*) => { if_i32!($t, $($x)*); };
    (q $t:ident, $($x:tt)*) => { if_i32!($t, $($x)*); };
    (x $t:ident, $($x:tt)*) => { if_f64!($t, $($x)*); };
    (y $t:ident, $($x:tt)*) => { if_f64!($t, $($x)*); };
    (u $t:ident, $($x:tt)*) => { if_f64!($t, $($x)*); };
    (v $t:ident, $($x:tt)*) => { if_f64!($t, $($x)*); };
}

/// `distinct!(A B, tokens...)`: two operands never both come from t0/f0 (it holds one stack entry); a
/// pinned local may be both (`x * x`).
macro_rules! distinct {
    (r r, $($x:tt)*) => {};
    ($a:ident $b:ident, $($x:tt)*) => { $($x)* };
}

/// `distinct_stored!(A V T, tokens...)`: `distinct!` for a store's address (an integer) and value of
/// type `T`: an f64 value in f0 and an address in t0 are two registers.
macro_rules! distinct_stored {
    ($a:ident $v:ident f64, $($x:tt)*) => { $($x)* };
    ($a:ident $v:ident $t:ident, $($x:tt)*) => { distinct!($a $v, $($x)*); };
}

/// Every binop variant `<a><b>_<d>`: a in {s r p q x y u v}, b in {s i r p q x y u v}, d in {s r p q x y u v},
/// where the types allow it.
macro_rules! binop_variants {
    ($kind:ident $name:ident $in:ident $out:ident) => { binop_variants!(@a $kind $name $in $out; s r p q x y u v); };
    (@a $kind:ident $name:ident $in:ident $out:ident; $($a:ident)*) => { $(
        src_ok!($a $in, binop_variants!(@b $kind $name $in $out $a; s i r p q x y u v););
    )* };
    (@b $kind:ident $name:ident $in:ident $out:ident $a:ident; $($b:ident)*) => { $(
        distinct!($a $b, src_ok!($b $in, binop_variants!(@d $kind $name $in $out $a $b; s r p q x y u v);););
    )* };
    (@d $kind:ident $name:ident $in:ident $out:ident $a:ident $b:ident; $($d:ident)*) => { $(
        src_ok!($d $out, binop_variant!($kind concat!(stringify!($a), stringify!($b), "_", stringify!($d)), $a $b $d $name $in $out););
    )* };
}

macro_rules! unop_variant {
    ($kind:ident $ns:expr, $a:ident $d:ident $name:ident $in:ident $out:ident) => {
        stencil!(@anon concat!($ns, "__", stringify!($name)), (fp, ctx, mem, len, t0, f0) {
            let v = binop_variant!(@call $kind semantics::$name(operand!(a $a $in, fp, t0, f0)));
            binop_variant!(@deliver $d $out v, S1, fp, t0, f0)
        });
    };
}

/// Every unop variant `<a>_<d>`, a and d in {s r p q x y u v}, where the types allow it.
macro_rules! unop_variants {
    ($kind:ident $name:ident $in:ident $out:ident) => { unop_variants!(@a $kind $name $in $out; s r p q x y u v); };
    (@a $kind:ident $name:ident $in:ident $out:ident; $($a:ident)*) => { $(
        src_ok!($a $in, unop_variants!(@d $kind $name $in $out $a; s r p q x y u v););
    )* };
    (@d $kind:ident $name:ident $in:ident $out:ident $a:ident; $($d:ident)*) => { $(
        src_ok!($d $out, unop_variant!($kind concat!(stringify!($a), "_", stringify!($d)), $a $d $name $in $out););
    )* };
}

macro_rules! define_simple {
    ($($variant:ident $name:ident $shape:ident $in:ident => $out:ident;)*) => { $( define_simple!(@ $shape $name $in $out); )* };
    (@ unop $name:ident $in:ident $out:ident) => { unop_variants!(plain $name $in $out); };
    (@ unop_trap $name:ident $in:ident $out:ident) => { unop_variants!(trap $name $in $out); };
    (@ binop $name:ident $in:ident $out:ident) => { binop_variants!(plain $name $in $out); };
    (@ binop_trap $name:ident $in:ident $out:ident) => { binop_variants!(trap $name $in $out); };
}
for_each_simple_op!(define_simple);
macro_rules! define_const_shifts {
    ($($name:ident $ty:ident $op:ident $k:literal;)*) => { $( unop_variants!(plain $name $ty $ty); )* };
}
for_each_const_shift!(define_const_shifts);

/// Compare-and-branch: `<cmp>; br_if` (and `if`, which branches when false) as one stencil, named
/// `brif_<sources>__<cmp>` / `brunless_<sources>__<cmp>`.
macro_rules! cmp_branch_variant {
    ($ns:expr, $a:ident $b:ident $when:literal $name:ident $in:ident) => {
        stencil!(@anon concat!($ns, "__", stringify!($name)), (fp, ctx, mem, len, t0, f0) {
            if (semantics::$name(operand!(a $a $in, fp, t0, f0), operand!(b $b $in, fp, t0, f0)) != 0) == $when { jump!() }
            next!()
        });
    };
}
macro_rules! define_cmp_branches {
    ($($variant:ident $name:ident $in:ident;)*) => { $( define_cmp_branches!(@a $name $in; s r p q x y u v); )* };
    (@a $name:ident $in:ident; $($a:ident)*) => { $(
        src_ok!($a $in, define_cmp_branches!(@b $name $in $a; s i r p q x y u v););
    )* };
    (@b $name:ident $in:ident $a:ident; $($b:ident)*) => { $(
        distinct!($a $b, src_ok!($b $in,
            cmp_branch_variant!(concat!("brif_", stringify!($a), stringify!($b)), $a $b true $name $in);
            cmp_branch_variant!(concat!("brunless_", stringify!($a), stringify!($b)), $a $b false $name $in);
        ););
    )* };
}
for_each_fusable_compare!(define_cmp_branches);

// ---- memory ----------------------------------------------------------------------------------------
// Explicit bounds checks: effective address = u32 address + u32 offset, computed in 64 bits so it cannot
// wrap; accessible when ea + size <= memlen. Variants as above: `<address>_<result>__<load>` and
// `<address><value>__<store>`; the address is `S0` or t0, a load's result `S1` or t0, a stored value
// `S1` or t0.
/// The `$m` ($bytes bytes) at address operand `$a` plus `OFFSET`. `checked` leaves the stencil with
/// the out-of-bounds trap when it does not fit in `len`; `guarded` (the `g` variants) checks nothing:
/// the memory is followed by enough inaccessible address space that any u32 address + offset (< 2^31)
/// faults, and the fault becomes a trap. Guarded stencils must not move `rsp` (checked by a test): the
/// signal handler leaves them through a `ret`.
macro_rules! loaded {
    (checked $a:ident $m:ident $bytes:literal, $fp:ident, $t0:ident, $mem:ident, $len:ident) => {{
        let ea = address!($a, $fp, $t0) as u64 + h!(OFFSET) as u32 as u64;
        if ea + $bytes > $len { return trap::OUT_OF_BOUNDS_MEMORY }
        ($mem.add(ea as usize) as *const $m).read_unaligned()
    }};
    (guarded $a:ident $m:ident $bytes:literal, $fp:ident, $t0:ident, $mem:ident, $len:ident) => {{
        let ea = address!($a, $fp, $t0) + h!(OFFSET);
        ($mem.add(ea) as *const $m).read_unaligned()
    }};
}
macro_rules! load_variant {
    ($mode:ident $ns:expr, $a:ident $d:ident $name:ident $m:ident $r:ident $bytes:literal) => {
        stencil!(@anon concat!($ns, "__", stringify!($name)), (fp, ctx, mem, len, t0, f0) {
            let v = loaded!($mode $a $m $bytes, fp, t0, mem, len) as $r;
            binop_variant!(@deliver $d $r v, S1, fp, t0, f0)
        });
    };
}
/// Loads `<a>_<d>` (explicit checks: a in {s r p}, d in {s r p x y u v}; they read memlen, so never `q`)
/// and `g<a>_<d>` (guarded: a in {s r p q i}, d in {s r p q x y u v}; `i`, a constant address, is folded
/// into the offset: C's global variables are `i32.const 0` plus an offset).
macro_rules! define_load {
    ($($variant:ident $name:ident $m:ident => $r:ident $bytes:literal;)*) => { $(
        define_load!(@a $name $m $r $bytes; s r p);
        define_load!(@ga $name $m $r $bytes; s r p q i);
    )* };
    (@a $name:ident $m:ident $r:ident $bytes:literal; $($a:ident)*) => { $( define_load!(@d $name $m $r $bytes $a; s r p x y u v); )* };
    (@d $name:ident $m:ident $r:ident $bytes:literal $a:ident; $($d:ident)*) => { $(
        src_ok!($d $r, load_variant!(checked concat!(stringify!($a), "_", stringify!($d)), $a $d $name $m $r $bytes););
    )* };
    (@ga $name:ident $m:ident $r:ident $bytes:literal; $($a:ident)*) => { $( define_load!(@gd $name $m $r $bytes $a; s r p q x y u v); )* };
    (@gd $name:ident $m:ident $r:ident $bytes:literal $a:ident; $($d:ident)*) => { $(
        src_ok!($d $r, load_variant!(guarded concat!("g", stringify!($a), "_", stringify!($d)), $a $d $name $m $r $bytes););
    )* };
}
for_each_load_op!(define_load);
/// An f64 binop whose second operand is loaded from memory and whose first is in f0 (`sum += a[i]`),
/// `[g]<address>_<result>__<op>_load`: the loaded value needs no slot. Addresses as for loads
/// (checked: {s r p}, guarded: {s r p q i}); the result goes to S1, f0 or a pinned f64 local.
macro_rules! define_load_fused {
    ($($variant:ident $name:ident $fused:ident;)*) => { $(
        define_load_fused!(@a checked "" $name $fused; s r p);
        define_load_fused!(@a guarded "g" $name $fused; s r p q i);
    )* };
    (@a $mode:ident $g:literal $name:ident $fused:ident; $($a:ident)*) => { $(
        define_load_fused!(@d $mode $g $name $fused $a; s r x y u v);
    )* };
    (@d $mode:ident $g:literal $name:ident $fused:ident $a:ident; $($d:ident)*) => { $(
        stencil!(@anon concat!($g, stringify!($a), "_", stringify!($d), "__", stringify!($fused)), (fp, ctx, mem, len, t0, f0) {
            let v = semantics::$name(f0, loaded!($mode $a f64 8, fp, t0, mem, len));
            binop_variant!(@deliver $d f64 v, S1, fp, t0, f0)
        });
    )* };
}
for_each_load_fusable_op!(define_load_fused);
macro_rules! store_variant {
    ($ns:expr, $a:ident $v:ident $name:ident $vt:ident $m:ident $bytes:literal) => {
        stencil!(@anon concat!($ns, "__", stringify!($name)), (fp, ctx, mem, len, t0, f0) {
            let ea = address!($a, fp, t0) as u64 + h!(OFFSET) as u32 as u64;
            if ea + $bytes > len { return trap::OUT_OF_BOUNDS_MEMORY }
            (mem.add(ea as usize) as *mut $m).write_unaligned(operand!(b $v $vt, fp, t0, f0) as $m);
            next!()
        });
    };
}
macro_rules! guarded_store_variant {
    ($ns:expr, $a:ident $v:ident $name:ident $vt:ident $m:ident) => {
        stencil!(@anon concat!($ns, "__", stringify!($name)), (fp, ctx, mem, len, t0, f0) {
            let ea = address!($a, fp, t0) + h!(OFFSET);
            (mem.add(ea) as *mut $m).write_unaligned(operand!(b $v $vt, fp, t0, f0) as $m);
            next!()
        });
    };
}
/// Stores `<a><v>` (explicit checks: address in {s r p}, value in {s i r p x y u v}) and `g<a><v>` (guarded:
/// address in {s r p q i}, a constant address `i` as for loads; value in {s i r p q x y u v}). A constant
/// value (`i`: C zeroing a field, setting a flag) is stored as an immediate, not first written to a slot
/// and read back.
macro_rules! define_store {
    ($($variant:ident $name:ident $vt:ident => $m:ident $bytes:literal;)*) => { $(
        define_store!(@a $name $vt $m $bytes; s r p);
        define_store!(@ga $name $vt $m; s r p q i);
    )* };
    (@a $name:ident $vt:ident $m:ident $bytes:literal; $($a:ident)*) => { $( define_store!(@v $name $vt $m $bytes $a; s i r p x y u v); )* };
    (@v $name:ident $vt:ident $m:ident $bytes:literal $a:ident; $($v:ident)*) => { $(
        distinct_stored!($a $v $vt, src_ok!($v $vt, store_variant!(concat!(stringify!($a), stringify!($v)), $a $v $name $vt $m $bytes);););
    )* };
    (@ga $name:ident $vt:ident $m:ident; $($a:ident)*) => { $( define_store!(@gv $name $vt $m $a; s i r p q x y u v); )* };
    (@gv $name:ident $vt:ident $m:ident $a:ident; $($v:ident)*) => { $(
        distinct_stored!($a $v $vt, src_ok!($v $vt, guarded_store_variant!(concat!("g", stringify!($a), stringify!($v)), $a $v $name $vt $m);););
    )* };
}
for_each_store_op!(define_store);

/// Zero-extends the i32 in t0 (after an i64 there was wrapped to i32 in place; see `address!`).
stencil!(zext_r(fp, ctx, mem, len, t0, f0) { next_state!((t0 as u32 as u64, f0)) });
/// Writes the cached register t0 (all 64 bits) to the slot `S1`.
stencil!(spill(fp, ctx, mem, len, t0, f0) { wr::<u64>(fp, h!(S1), t0); next!() });
/// Writes the cached f64 register f0 to the slot `S1`.
stencil!(fspill(fp, ctx, mem, len, t0, f0) { wr::<f64>(fp, h!(S1), f0); next!() });
/// The pinned locals `p` (t1) and `q` (memlen register): loaded from their slot `S0`, set from t0 or the
/// immediate `IMM`, saved to `S1`; branches on their value.
macro_rules! define_pin {
    ($($k:ident)*) => { $(
        stencil!(@anon concat!("pin_", stringify!($k), "__from_s"), (fp, ctx, mem, len, t0, f0) { next_pin!($k, rd::<u32>(fp, h!(S0)) as u64) });
        stencil!(@anon concat!("pin_", stringify!($k), "__from_r"), (fp, ctx, mem, len, t0, f0) { next_pin!($k, t0 as u32 as u64) });
        stencil!(@anon concat!("pin_", stringify!($k), "__from_i"), (fp, ctx, mem, len, t0, f0) { next_pin!($k, h!(IMM) as u32 as u64) });
        stencil!(@anon concat!("pin_", stringify!($k), "__to_s"), (fp, ctx, mem, len, t0, f0) { wr::<u64>(fp, h!(S1), pin!($k) as u32 as u64); next!() });
        stencil!(@anon concat!("pin_", stringify!($k), "__br_if"), (fp, ctx, mem, len, t0, f0) { if pin!($k) as u32 != 0 { jump!() } next!() });
        stencil!(@anon concat!("pin_", stringify!($k), "__br_unless"), (fp, ctx, mem, len, t0, f0) { if pin!($k) as u32 == 0 { jump!() } next!() });
        stencil!(@anon concat!("pin_", stringify!($k), "__global_set"), (fp, ctx, mem, len, t0, f0) {
            // Zero-extended already (the pinned-register invariant).
            *(*(*ctx).globals.add(h!(IMM)) as *mut u64) = pin!($k); next!()
        });
        stencil!(@anon concat!("pin_", stringify!($k), "__global_set_c"), (fp, ctx, mem, len, t0, f0) {
            *(inline_global(ctx) as *mut u64) = pin!($k); next!()
        });
    )* };
}
define_pin!(p q);
/// The same for the f64 pinned locals `x`, `y`, `u`, `v` (f1 to f4); `IMM`/`IMM_HI` are the constant's halves.
macro_rules! define_fpin {
    ($($k:ident)*) => { $(
        stencil!(@anon concat!("pin_", stringify!($k), "__from_s"), (fp, ctx, mem, len, t0, f0) { next_pin!($k, rd::<f64>(fp, h!(S0))) });
        stencil!(@anon concat!("pin_", stringify!($k), "__from_r"), (fp, ctx, mem, len, t0, f0) { next_pin!($k, f0) });
        stencil!(@anon concat!("pin_", stringify!($k), "__from_i"), (fp, ctx, mem, len, t0, f0) {
            next_pin!($k, <f64 as FromImm>::from_imm(h!(IMM) as u32, h!(IMM_HI) as u32))
        });
        stencil!(@anon concat!("pin_", stringify!($k), "__to_s"), (fp, ctx, mem, len, t0, f0) { wr::<f64>(fp, h!(S1), pin!($k)); next!() });
    )* };
}
define_fpin!(x y u v);
/// Reloads memlen (over pinned local `q`) before a stencil that checks bounds explicitly.
stencil!(reload_len(fp, ctx, mem, len) { let (m, l) = memory(ctx); next!(m, l) });
stencil!(br_if_r(fp, ctx, mem, len, t0, f0) { if t0 as u32 != 0 { jump!() } next!() });

// (Reads the length from the context: the memlen register may hold pinned local `q`.)
stencil!(memory_size(fp, ctx, mem, len) { wr::<u32>(fp, h!(S0), (memory(ctx).1 >> 16) as u32); next!() });
/// Memory `IMM` (not 0) of a module with several: the compiler brackets each access to it with this
/// stencil, which puts that memory in the state registers for an explicitly checked stencil, and
/// `reload_len`, which puts memory 0 back.
stencil!(select_memory(fp, ctx, mem, len) {
    let (m, l) = memory_imm(ctx);
    next!(m, l)
});
/// The i64 address at slot `S0` of an access to a 64-bit memory, plus its 64-bit offset (`IMM`,
/// `IMM_HI`), back into `S0` as an address for the 32-bit stencils with offset 0. Such memories never
/// exceed 4 GiB (`runtime::memory`), so an address that overflows or does not fit 32 bits is out of
/// bounds; the access stencil checks the rest.
stencil!(address64(fp, ctx, mem, len) {
    let offset = h!(IMM) as u32 as u64 | (h!(IMM_HI) as u64) << 32;
    match rd::<u64>(fp, h!(S0)).checked_add(offset) {
        Some(ea) if ea <= u32::MAX as u64 => wr::<u64>(fp, h!(S0), ea),
        _ => return trap::OUT_OF_BOUNDS_MEMORY,
    }
    next!()
});
/// The i64 index at slot `S0` of an access to a 64-bit table, saturated to 32 bits in place for the
/// 32-bit stencils: tables never exceed `u32::MAX` elements (`runtime::table`), so a saturated index is
/// out of bounds exactly when the original was.
stencil!(index64(fp, ctx, mem, len) {
    wr::<u64>(fp, h!(S0), rd::<u64>(fp, h!(S0)).min(u32::MAX as u64));
    next!()
});
stencil!(memory_size_n(fp, ctx, mem, len) { wr::<u32>(fp, h!(S0), (memory_imm(ctx).1 >> 16) as u32); next!() });

/// Calls runtime helper `IMM` with operands at `S0` and immediates `N`, `IMM_HI`; memory may move.
stencil!(builtin(fp, ctx, mem, len) {
    let f = *(*ctx).builtins.add(h!(IMM));
    let r = f(ctx, fp.add(h!(S0)), h!(N) as u32, h!(IMM_HI) as u32);
    if r != 0 { return r }
    let (m, l) = memory(ctx);
    next_clear!(m, l)
});

// ---- fixed-width SIMD -----------------------------------------------------------------------------
// A v128 takes 16 bytes (two slots) at an 8-byte aligned offset: always accessed unaligned.
macro_rules! define_simd {
    ($($variant:ident $name:ident $shape:ident $($in:ident)?;)*) => { $( define_simd!(@ $shape $name $($in)?); )* };
    (@ v_unop $name:ident) => {
        stencil!($name(fp, ctx, mem, len) { let s = h!(S0); wr::<V128>(fp, s, simd::$name(rd::<V128>(fp, s))); next!() });
    };
    (@ v_binop $name:ident) => {
        stencil!($name(fp, ctx, mem, len) {
            let s = h!(S0);
            wr::<V128>(fp, s, simd::$name(rd::<V128>(fp, s), rd::<V128>(fp, s + 16)));
            next!()
        });
    };
    (@ v_ternop $name:ident) => {
        stencil!($name(fp, ctx, mem, len) {
            let s = h!(S0);
            wr::<V128>(fp, s, simd::$name(rd::<V128>(fp, s), rd::<V128>(fp, s + 16), rd::<V128>(fp, s + 32)));
            next!()
        });
    };
    (@ v_test $name:ident) => {
        stencil!($name(fp, ctx, mem, len) { let s = h!(S0); wr::<i32>(fp, s, simd::$name(rd::<V128>(fp, s))); next!() });
    };
    (@ v_splat $name:ident $in:ident) => {
        stencil!($name(fp, ctx, mem, len) { let s = h!(S0); wr::<V128>(fp, s, simd::$name(rd::<$in>(fp, s))); next!() });
    };
    (@ v_shift $name:ident) => {
        stencil!($name(fp, ctx, mem, len) {
            let s = h!(S0);
            wr::<V128>(fp, s, simd::$name(rd::<V128>(fp, s), rd::<i32>(fp, s + 16)));
            next!()
        });
    };
    // The 16 lane indices arrive as four 32-bit immediates (little-endian bytes).
    (@ v_shuffle $name:ident) => {
        stencil!($name(fp, ctx, mem, len) {
            let s = h!(S0);
            let lanes = core::arch::x86_64::_mm_setr_epi32(
                h!(IMM) as i32, h!(IMM_HI) as i32, h!(N) as i32, h!(OFFSET) as i32);
            wr::<V128>(fp, s, simd::$name(rd::<V128>(fp, s), rd::<V128>(fp, s + 16), lanes));
            next!()
        });
    };
}
for_each_simd_op!(define_simd);

/// `IMM` is the lane's byte offset within the v128 slot.
macro_rules! define_simd_lane {
    ($($variant:ident $name:ident $shape:ident $from:ident => $to:ident $bytes:literal;)*) => { $( define_simd_lane!(@ $shape $name $from => $to); )* };
    (@ extract $name:ident $from:ident => $to:ident) => {
        stencil!($name(fp, ctx, mem, len) { let s = h!(S0); wr::<$to>(fp, s, rd::<$from>(fp, s + h!(IMM)) as $to); next!() });
    };
    (@ replace $name:ident $from:ident => $to:ident) => {
        stencil!($name(fp, ctx, mem, len) { let s = h!(S0); wr_exact::<$to>(fp, s + h!(IMM), rd::<$from>(fp, s + 16) as $to); next!() });
    };
}
for_each_simd_lane_op!(define_simd_lane);

/// Address at `S0`; a v128 operand follows it at `S0 + 8`; a loaded v128 replaces the address at `S0`.
macro_rules! define_simd_mem {
    ($($variant:ident $name:ident $shape:ident $m:ident $bytes:literal;)*) => { $(
        stencil!($name(fp, ctx, mem, len) {
            let s = h!(S0);
            let ea = rd::<u32>(fp, s) as u64 + h!(OFFSET) as u32 as u64;
            if ea + $bytes > len { return trap::OUT_OF_BOUNDS_MEMORY }
            let p = mem.add(ea as usize) as *mut $m;
            define_simd_mem!(@ $shape $name fp s p $m);
            next!()
        });
    )* };
    (@ load $name:ident $fp:ident $s:ident $p:ident $m:ident) => {
        wr::<V128>($fp, $s, simd::$name($p.read_unaligned()))
    };
    (@ store $name:ident $fp:ident $s:ident $p:ident $m:ident) => {
        $p.write_unaligned(rd::<V128>($fp, $s + 8))
    };
    (@ load_lane $name:ident $fp:ident $s:ident $p:ident $m:ident) => {{
        let x = $p.read_unaligned();
        wr::<V128>($fp, $s, rd::<V128>($fp, $s + 8));
        wr_exact::<$m>($fp, $s + h!(IMM), x)
    }};
    (@ store_lane $name:ident $fp:ident $s:ident $p:ident $m:ident) => {
        $p.write_unaligned(rd::<$m>($fp, $s + 8 + h!(IMM)))
    };
}
for_each_simd_mem_op!(define_simd_mem);

// ---- values, locals, globals -----------------------------------------------------------------------
// Widened like every 4-byte slot write: a function's shared exit reads its result slot with
// `copy64`, often right after `return 0` stored the constant there (Lua's pattern matcher).
stencil!(const32(fp, ctx, mem, len) { wr::<u32>(fp, h!(S0), h!(IMM) as u32); next!() });
// One `mov qword [fp+S0], imm32` (sign-extended, so for constants below 2^31 only) instead of the
// three instructions above, which assemble the value from a truncated symbol address.
stencil!(const_u31(fp, ctx, mem, len) { wr::<u64>(fp, h!(S0), h!(IMM) as u64); next!() });
// Any other 8-byte constant: one load from the function's constant pool and a store.
stencil!(const_k64(fp, ctx, mem, len) { wr::<u64>(fp, h!(S0), (&raw const K64 as *const u64).read()); next!() });
stencil!(copy64(fp, ctx, mem, len) { wr::<u64>(fp, h!(S1), rd::<u64>(fp, h!(S0))); next!() });
stencil!(copy128(fp, ctx, mem, len) { wr::<u128>(fp, h!(S1), rd::<u128>(fp, h!(S0))); next!() });
/// Moves `N` bytes (a multiple of 8) from `S0` down to `S1` (S1 <= S0), for wide multi-value moves.
stencil!(copy_block(fp, ctx, mem, len) {
    let (src, dst, n) = (fp.add(h!(S0)) as *const u64, fp.add(h!(S1)) as *mut u64, h!(N) / 8);
    let mut i = 0;
    // Volatile, so LLVM cannot turn the loop into a `memmove` libcall (out of rel32 range).
    while i < n { core::ptr::write_volatile(dst.add(i), core::ptr::read_volatile(src.add(i))); i += 1; }
    next!()
});
/// Zeroes one 8-byte slot (functions with few locals use this instead of `zero_block`).
stencil!(zero8(fp, ctx, mem, len) { wr::<u64>(fp, h!(S0), 0); next!() });
/// Zeroes `N` bytes (a multiple of 8) from `S0`: the declared locals of a function.
stencil!(zero_block(fp, ctx, mem, len) {
    let (dst, n) = (fp.add(h!(S0)) as *mut u64, h!(N) / 8);
    let mut i = 0;
    while i < n { core::ptr::write_volatile(dst.add(i), 0); i += 1; }
    next!()
});
/// `select` into a register: operands at `S0`/`S1` (both loaded, so the choice is a cmov), the
/// condition in t0 (`_r`) or at `S2` (`_s`); the result goes to t0 (i32 zero-extended, i64) or f0.
macro_rules! define_select_to_register {
    ($($name:literal $t:ident $cond:ident;)*) => { $(
        stencil!(@anon $name, (fp, ctx, mem, len, t0, f0) {
            let (a, b) = (rd::<$t>(fp, h!(S0)), rd::<$t>(fp, h!(S1)));
            let c = define_select_to_register!(@cond $cond fp t0);
            next_state!(<$t as Reg>::to_state(if c != 0 { a } else { b }, t0, f0))
        });
    )* };
    (@cond r $fp:ident $t0:ident) => { $t0 as u32 };
    (@cond s $fp:ident $t0:ident) => { rd::<u32>($fp, h!(S2)) };
}
define_select_to_register!(
    "select32_r" u32 r; "select32_s" u32 s; "select64_r" u64 r; "select64_s" u64 s; "fselect_r" f64 r; "fselect_s" f64 s;
);
stencil!(select64(fp, ctx, mem, len) {
    let s = h!(S0);
    if rd::<u32>(fp, s + 16) == 0 { wr::<u64>(fp, s, rd::<u64>(fp, s + 8)) }
    next!()
});
stencil!(select128(fp, ctx, mem, len) {
    let s = h!(S0);
    if rd::<u32>(fp, s + 32) == 0 { wr::<u128>(fp, s, rd::<u128>(fp, s + 16)) }
    next!()
});
stencil!(global_get64(fp, ctx, mem, len) {
    wr::<u64>(fp, h!(S0), *(*(*ctx).globals.add(h!(IMM)) as *const u64)); next!()
});
stencil!(global_set64(fp, ctx, mem, len) {
    *(*(*ctx).globals.add(h!(IMM)) as *mut u64) = rd::<u64>(fp, h!(S0)); next!()
});
// i32 and i64 globals into t0 and out of t0 or a pinned local (the stack pointer's `global.get`,
// `i32.sub`, `global.set` in every C prologue, without a trip through a slot). An i32 is read as 4
// bytes, so t0 stays zero-extended whatever the global's upper half holds.
stencil!(@anon "global_get32_r", (fp, ctx, mem, len, t0, f0) {
    let g = *(*ctx).globals.add(h!(IMM));
    next_state!((*(g as *const u32) as u64, f0))
});
stencil!(@anon "global_get64_r", (fp, ctx, mem, len, t0, f0) {
    let g = *(*ctx).globals.add(h!(IMM));
    next_state!((*(g as *const u64), f0))
});
stencil!(global_set_r(fp, ctx, mem, len, t0) { *(*(*ctx).globals.add(h!(IMM)) as *mut u64) = t0; next!() });
// The same for the globals in the instance record, at `IMM` bytes from the context (the first ones a
// module defines, C's stack pointer among them): one load, not three.
#[inline(always)]
unsafe fn inline_global(ctx: *mut VmCtx) -> *mut u8 {
    unsafe { (ctx as *mut u8).add(h!(IMM)) }
}
stencil!(global_get64_c(fp, ctx, mem, len) { wr::<u64>(fp, h!(S0), *(inline_global(ctx) as *const u64)); next!() });
stencil!(global_set64_c(fp, ctx, mem, len) { *(inline_global(ctx) as *mut u64) = rd::<u64>(fp, h!(S0)); next!() });
stencil!(@anon "global_get32_rc", (fp, ctx, mem, len, t0, f0) { next_state!((*(inline_global(ctx) as *const u32) as u64, f0)) });
stencil!(@anon "global_get64_rc", (fp, ctx, mem, len, t0, f0) { next_state!((*(inline_global(ctx) as *const u64), f0)) });
stencil!(global_set_rc(fp, ctx, mem, len, t0) { *(inline_global(ctx) as *mut u64) = t0; next!() });
stencil!(global_get128(fp, ctx, mem, len) {
    wr::<u128>(fp, h!(S0), (*(*ctx).globals.add(h!(IMM)) as *const u128).read_unaligned()); next!()
});
stencil!(global_set128(fp, ctx, mem, len) {
    (*(*ctx).globals.add(h!(IMM)) as *mut u128).write_unaligned(rd::<u128>(fp, h!(S0))); next!()
});

// ---- references and tables -------------------------------------------------------------------------
stencil!(ref_is_null(fp, ctx, mem, len) { let s = h!(S0); wr::<u32>(fp, s, (rd::<u64>(fp, s) == 0) as u32); next!() });
stencil!(ref_func(fp, ctx, mem, len) { wr::<u64>(fp, h!(S0), (*ctx).funcs.add(h!(IMM)) as u64); next!() });
stencil!(table_get(fp, ctx, mem, len) {
    let s = h!(S0);
    let t = *(*ctx).tables.add(h!(IMM));
    let i = rd::<u32>(fp, s) as u64;
    if i >= (*t).len { return trap::OUT_OF_BOUNDS_TABLE }
    wr::<u64>(fp, s, *(*t).elems.add(i as usize));
    next!()
});
stencil!(table_set(fp, ctx, mem, len) {
    let s = h!(S0);
    let t = *(*ctx).tables.add(h!(IMM));
    let i = rd::<u32>(fp, s) as u64;
    if i >= (*t).len { return trap::OUT_OF_BOUNDS_TABLE }
    *(*t).elems.add(i as usize) = rd::<u64>(fp, s + 8);
    next!()
});
stencil!(table_size(fp, ctx, mem, len) {
    wr::<u32>(fp, h!(S0), (**(*ctx).tables.add(h!(IMM))).len as u32); next!()
});

// ---- control -------------------------------------------------------------------------------------
stencil!(jump(fp, ctx, mem, len) { jump!() });
stencil!(br_if(fp, ctx, mem, len) { if rd::<u32>(fp, h!(S0)) != 0 { jump!() } next!() });
// (No `br_unless`: LLVM compiles a test against a literal 0 as `jne CONTINUE; jmp TARGET`; the
// compiler branches when zero with the `i32.eq` compare-and-branch against an immediate 0.)
/// `br_table`: jump table `JTAB` (rip-relative, after the function's code: no loads through `ctx`)
/// has the addresses of `N` targets plus the default; the index is in slot `S0` (`br_table`), t0
/// (`_r`) or a pinned local (`_p`, `_q`).
macro_rules! define_br_table {
    ($($ns:literal $k:ident;)*) => { $(
        stencil!(@anon $ns, (fp, ctx, mem, len, t0, f0) {
            let i = operand!(a $k u32, fp, t0, f0) as usize;
            let n = h!(N);
            // An indexed access would address the table absolutely (`[JTAB + 8*i]`), which copies of
            // the code cannot share: take its address rip-relatively, with a `sym` operand as
            // shared/docs/copy-and-patch.md (pitfall 1) does for holes.
            let table: *const usize;
            core::arch::asm!("lea {t}, [rip + {jtab}]", t = out(reg) table, jtab = sym JTAB, options(pure, nomem, nostack, preserves_flags));
            let target: Next = core::mem::transmute(*table.add(if i < n { i } else { n }));
            jump!(target)
        });
    )* };
}
define_br_table!("br_table" s; "br_table_r" r; "br_table_p" p; "br_table_q" q;);
stencil!(trap(fp, ctx, mem, len) { return h!(IMM) as u64 });

/// First stencil of every function, entered by a real `call` from outside the instance's own direct
/// calls (the host, a table, another instance): loads memory 0 into the state registers and falls
/// into `enter`.
stencil!(enter_memory(fp, ctx, mem, len) {
    let (m, l) = memory(ctx);
    next!(m, l)
});
/// Checks that the frame (`S0` bytes) fits below the stack limit (which also bounds call depth).
/// Direct calls enter here: their caller, of the same instance, passes memory 0 in the state
/// registers.
stencil!(enter(fp, ctx, mem, len) {
    if fp.add(h!(S0)) > stack_limit(ctx) { return trap::STACK_EXHAUSTED }
    next!()
});
/// `VmRuntime::stack_limit`, read with a plain load rather than `load(Relaxed)`: the same single
/// aligned 8-byte `mov` on x86-64, but LLVM never folds an atomic load into the compare that uses it,
/// which would cost every function entry an instruction.
#[inline(always)]
unsafe fn stack_limit(ctx: *mut VmCtx) -> *mut u8 {
    unsafe { *(*(*ctx).runtime).stack_limit.as_ptr() }
}
/// The head of every loop when the engine compiles interruptible code: an interrupt handle nulls the
/// stack limit, which also stops the next function entry (`enter`), so loops are the only other place
/// that needs a check.
stencil!(interrupt_check(fp, ctx, mem, len) {
    if stack_limit(ctx).is_null() { return trap::INTERRUPTED }
    next!()
});
/// Returns from the wasm function (results already at the frame base).
stencil!(ret(fp, ctx, mem, len) { return trap::OK });

/// A callee returned trap code `r`: add it to the trap's backtrace (the first caller starts it), then
/// pass the trap on. Only trap paths pay for this.
#[inline(always)]
unsafe fn trapped(ctx: *mut VmCtx, r: u64, callee: *const VmFuncRef) -> u64 {
    unsafe {
        let rt = &*(*ctx).runtime;
        let n = if r & trap::RECORDED == 0 { 0 } else { rt.backtrace_len.load(Relaxed) };
        if let Some(frame) = rt.backtrace.get(n as usize) {
            frame.store(callee as *mut VmFuncRef, Relaxed)
        }
        // (A count near 2^32 would need more frames than any stack holds.)
        rt.backtrace_len.store(n.wrapping_add(1), Relaxed);
    }
    r | trap::RECORDED
}

/// A call stencil's way out when its callee trapped: a jump to the function's shared `call_trapped`
/// (`$callee` an index into `VmCtx::funcs`) or `call_ref_trapped` stub (`$callee` a funcref), with
/// `r` in t0 and the callee in t1, instead of recording the trap inline at every call site
/// (about 27 bytes less per call). Registers the stub does not read are passed as they are.
macro_rules! trapped_out {
    ($ctx:ident, $r:expr, $callee:expr) => {{
        let (fp, m, l, f0, f1, f2, f3, f4): (*mut u8, *mut u8, u64, f64, f64, f64, f64, f64);
        core::arch::asm!("", out("rdi") fp, out("rdx") m, out("rcx") l, out("xmm0") f0, out("xmm1") f1, out("xmm2") f2, out("xmm3") f3, out("xmm4") f4,
            options(nomem, nostack, preserves_flags));
        return TARGET(fp, $ctx, m, l, $r, $callee as u64, f0, f1, f2, f3, f4)
    }};
}
stencil!(call_trapped(fp, ctx, mem, len, t0) { return trapped(ctx, t0, (*ctx).funcs.add(pin!(p) as usize)) });
stencil!(call_ref_trapped(fp, ctx, mem, len, t0) { return trapped(ctx, t0, pin!(p) as *const VmFuncRef) });

/// How a call stencil continues: nothing cached in registers (the compiler keeps no value there
/// across calls), memory reloaded (it may have grown), and, in the `_p`/`_pq` forms, the pinned i32
/// locals reloaded from their slots (`p` from `N`, `q` from `OFFSET`, into the memlen register): one
/// stencil instead of the call plus a reload stencil per pin.
macro_rules! resume_after_call {
    (none, $fp:ident, $ctx:ident) => {{
        let (m, l) = memory($ctx);
        next_clear!(m, l)
    }};
    (p, $fp:ident, $ctx:ident) => {{
        let (m, l) = memory($ctx);
        let (t0, _, f0, f1, f2, f3, f4) = unset!();
        return CONTINUE($fp, $ctx, m, l, t0, rd::<u32>($fp, h!(N)) as u64, f0, f1, f2, f3, f4)
    }};
    (pq, $fp:ident, $ctx:ident) => {{
        let (m, _) = memory($ctx);
        let (t0, _, f0, f1, f2, f3, f4) = unset!();
        return CONTINUE($fp, $ctx, m, rd::<u32>($fp, h!(OFFSET)) as u64, t0, rd::<u32>($fp, h!(N)) as u64, f0, f1, f2, f3, f4)
    }};
}

/// Before a call in the `_p`/`_pq` forms: writes the pinned i32 locals to their slots (`N`, `OFFSET`),
/// as the callee does not preserve their registers. Unconditionally: a store costs less at run time
/// than a separate save stencil costs the compiler, and rewriting an unchanged value is harmless.
macro_rules! save_before_call {
    (none, $fp:ident) => {};
    (p, $fp:ident) => { wr::<u64>($fp, h!(N), pin!(p) as u32 as u64) };
    (pq, $fp:ident) => {{
        wr::<u64>($fp, h!(N), pin!(p) as u32 as u64);
        wr::<u64>($fp, h!(OFFSET), pin!(q) as u32 as u64);
    }};
}

/// Direct call of function `IMM` of this module; its frame starts at `S0` (its params are already there).
macro_rules! call {
    ($name:ident, $pins:tt) => {
        stencil!($name(fp, ctx, mem, len, t0, f0) {
            save_before_call!($pins, fp);
            // The callee, a function of this instance, is entered past `enter_memory`: it reads fp, ctx
            // and memory 0 (mem, and memlen without guard pages) from these registers and ignores
            // the others, passed as they are (no instruction to clear them).
            let r = CALLEE(fp.add(h!(S0)), ctx, mem, len, t0, pin!(p), f0, pin!(x), pin!(y), pin!(u), pin!(v));
            if r != 0 { trapped_out!(ctx, r, h!(IMM)) }
            resume_after_call!($pins, fp, ctx)
        });
    };
}
call!(call, none);
call!(call_p, p);
call!(call_pq, pq);

/// Calls function reference `f` (an import or a table element) with its own instance's `VmCtx`, then
/// continues as `resume_after_call` says.
macro_rules! call_ref {
    ($f:ident, $pins:tt, $fp:ident, $ctx:ident, $len:ident, $t0:ident, $f0:ident) => {{
        save_before_call!($pins, $fp);
        let code: Next = core::mem::transmute((*$f).code);
        let r = code($fp.add(h!(S0)), (*$f).ctx as *mut VmCtx, $ctx as *mut u8, $len, $t0, pin!(p), $f0, pin!(x), pin!(y), pin!(u), pin!(v));
        if r != 0 { trapped_out!($ctx, r, $f) }
        resume_after_call!($pins, $fp, $ctx)
    }};
}

/// Call of function `IMM` through the instance's function array (imports).
macro_rules! call_import {
    ($name:ident, $pins:tt) => {
        stencil!($name(fp, ctx, mem, len, t0, f0) {
            let f: *const VmFuncRef = (*ctx).funcs.add(h!(IMM));
            call_ref!(f, $pins, fp, ctx, len, t0, f0)
        });
    };
}
call_import!(call_import, none);
call_import!(call_import_p, p);
call_import!(call_import_pq, pq);

/// The callee of `call_indirect` and `return_call_indirect`: the element at index slot `S1` of table
/// `IMM`, which must have signature id `IMM_HI`; else the stencil returns the trap. A macro, not a
/// function returning a `Result`: LLVM turned the `Result` into a `cmov` and two moves per call site.
macro_rules! indirect_callee {
    ($fp:ident, $ctx:ident) => {{
        let t = *(*$ctx).tables.add(h!(IMM));
        let i = rd::<u32>($fp, h!(S1)) as u64;
        if i >= (*t).len { return trap::UNDEFINED_ELEMENT }
        let f = *(*t).elems.add(i as usize) as *const VmFuncRef;
        if f.is_null() { return trap::UNINITIALIZED_ELEMENT }
        if (*f).type_id != h!(IMM_HI) as u64 { return trap::INDIRECT_CALL_TYPE_MISMATCH }
        f
    }};
}

macro_rules! call_indirect {
    ($name:ident, $pins:tt) => {
        stencil!($name(fp, ctx, mem, len, t0, f0) {
            let f = indirect_callee!(fp, ctx);
            call_ref!(f, $pins, fp, ctx, len, t0, f0)
        });
    };
}
/// Tail calls (`return_call*`): the arguments were moved to the frame base, so the callee runs in this
/// frame and returns straight to this function's caller; a jump, not a call, so a chain of tail calls
/// takes no stack. Function `IMM` of this module is entered past `enter_memory`, as by `call`.
stencil!(return_call(fp, ctx, mem, len, t0, f0) {
    return CALLEE(fp, ctx, mem, len, t0, pin!(p), f0, pin!(x), pin!(y), pin!(u), pin!(v))
});
/// Tail call of function reference `f` (an import or a table element), with its own `VmCtx`.
macro_rules! return_call_ref {
    ($f:ident, $fp:ident, $ctx:ident, $len:ident, $t0:ident, $f0:ident) => {{
        let code: Next = core::mem::transmute((*$f).code);
        return code($fp, (*$f).ctx as *mut VmCtx, $ctx as *mut u8, $len, $t0, pin!(p), $f0, pin!(x), pin!(y), pin!(u), pin!(v))
    }};
}
stencil!(return_call_import(fp, ctx, mem, len, t0, f0) {
    let f: *const VmFuncRef = (*ctx).funcs.add(h!(IMM));
    return_call_ref!(f, fp, ctx, len, t0, f0)
});
stencil!(return_call_indirect(fp, ctx, mem, len, t0, f0) {
    let f = indirect_callee!(fp, ctx);
    return_call_ref!(f, fp, ctx, len, t0, f0)
});
call_indirect!(call_indirect, none);
call_indirect!(call_indirect_p, p);
call_indirect!(call_indirect_pq, pq);
