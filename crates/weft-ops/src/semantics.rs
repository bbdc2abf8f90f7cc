//! What each WebAssembly numeric operator computes, written once as a plain function.
//!
//! Stencils (JIT tier) and any interpreter tier wrap these same functions; only operand access differs.
//! Rules: `#[inline(always)]`, no panics (a panic would pull `core::panicking` into a stencil and fail
//! the stencil build), traps as `Err(code)`.
#![allow(clippy::float_cmp)]

use crate::trap;
use core::arch::x86_64::*;

pub type Trap = u64;

macro_rules! int_ops {
    ($t:ty, $u:ty, $bits:expr,
     $add:ident $sub:ident $mul:ident $div_s:ident $div_u:ident $rem_s:ident $rem_u:ident
     $and:ident $or:ident $xor:ident $shl:ident $shr_s:ident $shr_u:ident $rotl:ident $rotr:ident
     $clz:ident $ctz:ident $popcnt:ident $eqz:ident $eq:ident $ne:ident $lt_s:ident $lt_u:ident
     $gt_s:ident $gt_u:ident $le_s:ident $le_u:ident $ge_s:ident $ge_u:ident) => {
        #[inline(always)]
        pub fn $add(a: $t, b: $t) -> $t {
            a.wrapping_add(b)
        }
        #[inline(always)]
        pub fn $sub(a: $t, b: $t) -> $t {
            a.wrapping_sub(b)
        }
        #[inline(always)]
        pub fn $mul(a: $t, b: $t) -> $t {
            a.wrapping_mul(b)
        }
        #[inline(always)]
        pub fn $div_s(a: $t, b: $t) -> Result<$t, Trap> {
            if b == 0 {
                return Err(trap::INT_DIV_BY_ZERO);
            }
            if a == <$t>::MIN && b == -1 {
                return Err(trap::INT_OVERFLOW);
            }
            // SAFETY: b != 0 and the MIN / -1 overflow was excluded above.
            Ok(unsafe { a.checked_div(b).unwrap_unchecked() })
        }
        #[inline(always)]
        pub fn $div_u(a: $t, b: $t) -> Result<$t, Trap> {
            if b == 0 {
                return Err(trap::INT_DIV_BY_ZERO);
            }
            // SAFETY: b != 0.
            Ok(unsafe { (a as $u).checked_div(b as $u).unwrap_unchecked() } as $t)
        }
        #[inline(always)]
        pub fn $rem_s(a: $t, b: $t) -> Result<$t, Trap> {
            if b == 0 {
                return Err(trap::INT_DIV_BY_ZERO);
            }
            if b == -1 {
                return Ok(0);
            }
            // SAFETY: b is neither 0 nor -1, so the division cannot fail.
            Ok(unsafe { a.checked_rem(b).unwrap_unchecked() })
        }
        #[inline(always)]
        pub fn $rem_u(a: $t, b: $t) -> Result<$t, Trap> {
            if b == 0 {
                return Err(trap::INT_DIV_BY_ZERO);
            }
            // SAFETY: b != 0.
            Ok(unsafe { (a as $u).checked_rem(b as $u).unwrap_unchecked() } as $t)
        }
        #[inline(always)]
        pub fn $and(a: $t, b: $t) -> $t {
            a & b
        }
        #[inline(always)]
        pub fn $or(a: $t, b: $t) -> $t {
            a | b
        }
        #[inline(always)]
        pub fn $xor(a: $t, b: $t) -> $t {
            a ^ b
        }
        #[inline(always)]
        pub fn $shl(a: $t, b: $t) -> $t {
            a.wrapping_shl(b as u32)
        }
        #[inline(always)]
        pub fn $shr_s(a: $t, b: $t) -> $t {
            a.wrapping_shr(b as u32)
        }
        #[inline(always)]
        pub fn $shr_u(a: $t, b: $t) -> $t {
            (a as $u).wrapping_shr(b as u32) as $t
        }
        #[inline(always)]
        pub fn $rotl(a: $t, b: $t) -> $t {
            a.rotate_left((b as u32) % $bits)
        }
        #[inline(always)]
        pub fn $rotr(a: $t, b: $t) -> $t {
            a.rotate_right((b as u32) % $bits)
        }
        #[inline(always)]
        pub fn $clz(a: $t) -> $t {
            a.leading_zeros() as $t
        }
        #[inline(always)]
        pub fn $ctz(a: $t) -> $t {
            a.trailing_zeros() as $t
        }
        #[inline(always)]
        pub fn $popcnt(a: $t) -> $t {
            a.count_ones() as $t
        }
        #[inline(always)]
        pub fn $eqz(a: $t) -> i32 {
            (a == 0) as i32
        }
        #[inline(always)]
        pub fn $eq(a: $t, b: $t) -> i32 {
            (a == b) as i32
        }
        #[inline(always)]
        pub fn $ne(a: $t, b: $t) -> i32 {
            (a != b) as i32
        }
        #[inline(always)]
        pub fn $lt_s(a: $t, b: $t) -> i32 {
            (a < b) as i32
        }
        #[inline(always)]
        pub fn $lt_u(a: $t, b: $t) -> i32 {
            ((a as $u) < (b as $u)) as i32
        }
        #[inline(always)]
        pub fn $gt_s(a: $t, b: $t) -> i32 {
            (a > b) as i32
        }
        #[inline(always)]
        pub fn $gt_u(a: $t, b: $t) -> i32 {
            ((a as $u) > (b as $u)) as i32
        }
        #[inline(always)]
        pub fn $le_s(a: $t, b: $t) -> i32 {
            (a <= b) as i32
        }
        #[inline(always)]
        pub fn $le_u(a: $t, b: $t) -> i32 {
            ((a as $u) <= (b as $u)) as i32
        }
        #[inline(always)]
        pub fn $ge_s(a: $t, b: $t) -> i32 {
            (a >= b) as i32
        }
        #[inline(always)]
        pub fn $ge_u(a: $t, b: $t) -> i32 {
            ((a as $u) >= (b as $u)) as i32
        }
    };
}
int_ops!(i32, u32, 32, i32_add i32_sub i32_mul i32_div_s i32_div_u i32_rem_s i32_rem_u i32_and i32_or
    i32_xor i32_shl i32_shr_s i32_shr_u i32_rotl i32_rotr i32_clz i32_ctz i32_popcnt i32_eqz i32_eq i32_ne
    i32_lt_s i32_lt_u i32_gt_s i32_gt_u i32_le_s i32_le_u i32_ge_s i32_ge_u);
int_ops!(i64, u64, 64, i64_add i64_sub i64_mul i64_div_s i64_div_u i64_rem_s i64_rem_u i64_and i64_or
    i64_xor i64_shl i64_shr_s i64_shr_u i64_rotl i64_rotr i64_clz i64_ctz i64_popcnt i64_eqz i64_eq i64_ne
    i64_lt_s i64_lt_u i64_gt_s i64_gt_u i64_le_s i64_le_u i64_ge_s i64_ge_u);

// Rounding through SSE4.1 `roundss`/`roundsd` (stencils are built for x86-64-v2): `core` has no float
// rounding functions in no_std. Immediate: 8 = nearest-even, 9 = floor, 10 = ceil, 11 = trunc
// (each with exceptions suppressed).
#[inline(always)]
fn round32<const MODE: i32>(a: f32) -> f32 {
    // SAFETY: SSE4.1 is part of the x86-64-v2 baseline that the engine checks before running any code.
    unsafe { _mm_cvtss_f32(_mm_round_ss::<MODE>(_mm_set_ss(a), _mm_set_ss(a))) }
}
#[inline(always)]
fn round64<const MODE: i32>(a: f64) -> f64 {
    // SAFETY: as in `round32`.
    unsafe { _mm_cvtsd_f64(_mm_round_sd::<MODE>(_mm_set_sd(a), _mm_set_sd(a))) }
}

macro_rules! float_ops {
    ($t:ty, $round:ident, $sqrt:expr,
     $add:ident $sub:ident $mul:ident $div:ident $min:ident $max:ident $copysign:ident $abs:ident
     $neg:ident $sqrt_fn:ident $ceil:ident $floor:ident $trunc:ident $nearest:ident
     $eq:ident $ne:ident $lt:ident $gt:ident $le:ident $ge:ident) => {
        #[inline(always)]
        pub fn $add(a: $t, b: $t) -> $t {
            a + b
        }
        #[inline(always)]
        pub fn $sub(a: $t, b: $t) -> $t {
            a - b
        }
        #[inline(always)]
        pub fn $mul(a: $t, b: $t) -> $t {
            a * b
        }
        #[inline(always)]
        pub fn $div(a: $t, b: $t) -> $t {
            a / b
        }
        /// NaN in, NaN out; -0 is smaller than +0 (OR of the bit patterns picks the negative zero).
        #[inline(always)]
        pub fn $min(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                a + b
            } else if a == b {
                <$t>::from_bits(a.to_bits() | b.to_bits())
            } else if a < b {
                a
            } else {
                b
            }
        }
        /// NaN in, NaN out; +0 is larger than -0 (AND of the bit patterns picks the positive zero).
        #[inline(always)]
        pub fn $max(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                a + b
            } else if a == b {
                <$t>::from_bits(a.to_bits() & b.to_bits())
            } else if a > b {
                a
            } else {
                b
            }
        }
        #[inline(always)]
        pub fn $copysign(a: $t, b: $t) -> $t {
            a.copysign(b)
        }
        #[inline(always)]
        pub fn $abs(a: $t) -> $t {
            a.abs()
        }
        #[inline(always)]
        pub fn $neg(a: $t) -> $t {
            -a
        }
        #[inline(always)]
        pub fn $sqrt_fn(a: $t) -> $t {
            $sqrt(a)
        }
        #[inline(always)]
        pub fn $ceil(a: $t) -> $t {
            $round::<10>(a)
        }
        #[inline(always)]
        pub fn $floor(a: $t) -> $t {
            $round::<9>(a)
        }
        #[inline(always)]
        pub fn $trunc(a: $t) -> $t {
            $round::<11>(a)
        }
        #[inline(always)]
        pub fn $nearest(a: $t) -> $t {
            $round::<8>(a)
        }
        #[inline(always)]
        pub fn $eq(a: $t, b: $t) -> i32 {
            (a == b) as i32
        }
        #[inline(always)]
        pub fn $ne(a: $t, b: $t) -> i32 {
            (a != b) as i32
        }
        #[inline(always)]
        pub fn $lt(a: $t, b: $t) -> i32 {
            (a < b) as i32
        }
        #[inline(always)]
        pub fn $gt(a: $t, b: $t) -> i32 {
            (a > b) as i32
        }
        #[inline(always)]
        pub fn $le(a: $t, b: $t) -> i32 {
            (a <= b) as i32
        }
        #[inline(always)]
        pub fn $ge(a: $t, b: $t) -> i32 {
            (a >= b) as i32
        }
    };
}
#[inline(always)]
fn sqrt32(a: f32) -> f32 {
    // SAFETY: SSE is baseline on x86-64.
    unsafe { _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(a))) }
}
#[inline(always)]
fn sqrt64(a: f64) -> f64 {
    // SAFETY: SSE2 is baseline on x86-64.
    unsafe { _mm_cvtsd_f64(_mm_sqrt_sd(_mm_set_sd(a), _mm_set_sd(a))) }
}
float_ops!(f32, round32, sqrt32, f32_add f32_sub f32_mul f32_div f32_min f32_max f32_copysign f32_abs
    f32_neg f32_sqrt f32_ceil f32_floor f32_trunc f32_nearest f32_eq f32_ne f32_lt f32_gt f32_le f32_ge);
float_ops!(f64, round64, sqrt64, f64_add f64_sub f64_mul f64_div f64_min f64_max f64_copysign f64_abs
    f64_neg f64_sqrt f64_ceil f64_floor f64_trunc f64_nearest f64_eq f64_ne f64_lt f64_gt f64_le f64_ge);

// Conversions. Trapping float->int truncations check the exclusive bounds that the spec's `trunc` gives.
macro_rules! trunc {
    ($name:ident, $f:ty => $i:ty, $lo:expr, $hi:expr) => {
        /// Traps on NaN ("invalid conversion") and out of range ("integer overflow").
        #[inline(always)]
        pub fn $name(a: $f) -> Result<$i, Trap> {
            if a.is_nan() {
                return Err(trap::INVALID_CONVERSION);
            }
            if !(a > $lo && a < $hi) {
                return Err(trap::INT_OVERFLOW);
            }
            Ok(a as $i)
        }
    };
}
trunc!(i32_trunc_f32_s, f32 => i32, -2147483904.0f32, 2147483648.0f32);
trunc!(i32_trunc_f32_u, f32 => u32, -1.0f32, 4294967296.0f32);
trunc!(i32_trunc_f64_s, f64 => i32, -2147483649.0f64, 2147483648.0f64);
trunc!(i32_trunc_f64_u, f64 => u32, -1.0f64, 4294967296.0f64);
trunc!(i64_trunc_f32_s, f32 => i64, -9223373136366403584.0f32, 9223372036854775808.0f32);
trunc!(i64_trunc_f32_u, f32 => u64, -1.0f32, 18446744073709551616.0f32);
trunc!(i64_trunc_f64_s, f64 => i64, -9223372036854777856.0f64, 9223372036854775808.0f64);
trunc!(i64_trunc_f64_u, f64 => u64, -1.0f64, 18446744073709551616.0f64);

/// `as` between these types is exactly wasm's conversion (saturating float->int with NaN -> 0,
/// round-to-nearest int->float, exact or nearest float<->float).
macro_rules! cast {
    ($($name:ident: $from:ty => $to:ty;)*) => { $(#[inline(always)] pub fn $name(a: $from) -> $to { a as $to })* };
}
cast! {
    i32_wrap_i64: i64 => i32;
    i64_extend_i32_s: i32 => i64;
    i64_extend_i32_u: u32 => i64;
    f32_convert_i32_s: i32 => f32;
    f32_convert_i32_u: u32 => f32;
    f32_convert_i64_s: i64 => f32;
    f32_convert_i64_u: u64 => f32;
    f64_convert_i32_s: i32 => f64;
    f64_convert_i32_u: u32 => f64;
    f64_convert_i64_s: i64 => f64;
    f64_convert_i64_u: u64 => f64;
    f32_demote_f64: f64 => f32;
    f64_promote_f32: f32 => f64;
    i32_trunc_sat_f32_s: f32 => i32;
    i32_trunc_sat_f32_u: f32 => u32;
    i32_trunc_sat_f64_s: f64 => i32;
    i32_trunc_sat_f64_u: f64 => u32;
    i64_trunc_sat_f32_s: f32 => i64;
    i64_trunc_sat_f32_u: f32 => u64;
    i64_trunc_sat_f64_s: f64 => i64;
    i64_trunc_sat_f64_u: f64 => u64;
}
#[inline(always)]
pub fn i32_extend8_s(a: i32) -> i32 {
    a as i8 as i32
}
#[inline(always)]
pub fn i32_extend16_s(a: i32) -> i32 {
    a as i16 as i32
}
#[inline(always)]
pub fn i64_extend8_s(a: i64) -> i64 {
    a as i8 as i64
}
#[inline(always)]
pub fn i64_extend16_s(a: i64) -> i64 {
    a as i16 as i64
}
#[inline(always)]
pub fn i64_extend32_s(a: i64) -> i64 {
    a as i32 as i64
}

macro_rules! const_shifts {
    ($($name:ident $ty:ident $op:ident $k:literal;)*) => { $( const_shifts!(@ $name $ty $op $k); )* };
    (@ $name:ident i32 shl $k:literal) => { #[inline(always)] pub fn $name(a: i32) -> i32 { a << $k } };
    (@ $name:ident i32 shr_u $k:literal) => { #[inline(always)] pub fn $name(a: i32) -> i32 { ((a as u32) >> $k) as i32 } };
    (@ $name:ident i32 shr_s $k:literal) => { #[inline(always)] pub fn $name(a: i32) -> i32 { a >> $k } };
    (@ $name:ident i64 shl $k:literal) => { #[inline(always)] pub fn $name(a: i64) -> i64 { a << $k } };
    (@ $name:ident i64 shr_u $k:literal) => { #[inline(always)] pub fn $name(a: i64) -> i64 { ((a as u64) >> $k) as i64 } };
    (@ $name:ident i64 shr_s $k:literal) => { #[inline(always)] pub fn $name(a: i64) -> i64 { a >> $k } };
}
crate::for_each_const_shift!(const_shifts);
