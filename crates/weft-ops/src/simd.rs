//! What each WebAssembly fixed-width SIMD (v128) operator computes, written once as a plain function.
//!
//! Same rules as `semantics`: `#[inline(always)]`, no panics, no libcalls. Stencils are built for
//! x86-64-v2, so these use SSE2, SSSE3 (`pshufb`, `pabs*`, `pmaddubsw`, `pmulhrsw`), SSE4.1 (`pmin/pmax*`,
//! `pmovsx/zx`, `ptest`, `blendv`, `round*`, `pmulld`, `packusdw`, `pcmpeqq`) and SSE4.2 (`pcmpgtq`); the
//! engine checks for them before running any code. Where x86 differs from wasm (float min/max, NaN and
//! overflow in conversions, 64-bit multiply/abs/arithmetic shift, byte shifts) the emulation is spelled
//! out next to the operator.
//!
//! Lane-access operators (`extract_lane`, `replace_lane`, `load*_lane`, `store*_lane`) are plain `as`
//! conversions of one lane, like scalar loads; their stencils address the lane directly (see `oplist`).
#![allow(unused_unsafe)]

use core::arch::x86_64::*;

/// Evaluates an expression of x86 SIMD intrinsics (their only `unsafe` is the CPU feature requirement;
/// when the crate itself targets x86-64-v2, as the stencils do, some need no `unsafe` at all).
macro_rules! sse {
    ($e:expr) => {
        // SAFETY: the intrinsics need at most SSE4.2, part of the x86-64-v2 baseline that the stencil
        // build targets and the engine checks before running any code; none of them touches memory.
        unsafe { $e }
    };
}

/// A v128 value as the stencils hold it.
pub type V128 = __m128i;

#[inline(always)]
fn ps(a: V128) -> __m128 {
    sse!(_mm_castsi128_ps(a))
}
#[inline(always)]
fn pd(a: V128) -> __m128d {
    sse!(_mm_castsi128_pd(a))
}
#[inline(always)]
fn from_ps(a: __m128) -> V128 {
    sse!(_mm_castps_si128(a))
}
#[inline(always)]
fn from_pd(a: __m128d) -> V128 {
    sse!(_mm_castpd_si128(a))
}
#[inline(always)]
fn zero() -> V128 {
    sse!(_mm_setzero_si128())
}
#[inline(always)]
fn not(a: V128) -> V128 {
    sse!(_mm_xor_si128(a, _mm_set1_epi32(-1)))
}

macro_rules! unops {
    ($($name:ident |$a:ident| $e:expr;)*) => { $(
        #[inline(always)] pub fn $name($a: V128) -> V128 { sse!($e) }
    )* };
}
macro_rules! binops {
    ($($name:ident |$a:ident, $b:ident| $e:expr;)*) => { $(
        #[inline(always)] pub fn $name($a: V128, $b: V128) -> V128 { sse!($e) }
    )* };
}
macro_rules! tests {
    ($($name:ident |$a:ident| $e:expr;)*) => { $(
        #[inline(always)] pub fn $name($a: V128) -> i32 { sse!($e) }
    )* };
}
macro_rules! shifts {
    ($($name:ident |$a:ident, $n:ident| $e:expr;)*) => { $(
        #[inline(always)] pub fn $name($a: V128, $n: i32) -> V128 { sse!($e) }
    )* };
}

// ---- bitwise -----------------------------------------------------------------------------------------
unops! {
    v128_not |a| not(a);
}
binops! {
    v128_and |a, b| _mm_and_si128(a, b);
    v128_andnot |a, b| _mm_andnot_si128(b, a);
    v128_or |a, b| _mm_or_si128(a, b);
    v128_xor |a, b| _mm_xor_si128(a, b);
}
macro_rules! ternops {
    ($($name:ident |$a:ident, $b:ident, $c:ident| $e:expr;)*) => { $(
        #[inline(always)] pub fn $name($a: V128, $b: V128, $c: V128) -> V128 { sse!($e) }
    )* };
}
ternops! {
    // Bits of `a` where `c` is 1, of `b` where it is 0.
    v128_bitselect |a, b, c| _mm_or_si128(_mm_and_si128(a, c), _mm_andnot_si128(c, b));
    // WebAssembly 3.0's relaxed SIMD operators without a 2.0 counterpart. Each computes one of the
    // results the spec allows, the one x86 gives without extra work: `madd` (`a * b + c`) and `nmadd`
    // (`-(a * b) + c`) as a rounded multiply then add (no fused multiply-add in x86-64-v2), the dot
    // products with `pmaddubsw`, which reads `b`'s bytes as unsigned (the same for the 7-bit values
    // the operators are meant for) and saturates the i16 sums.
    f32x4_relaxed_madd |a, b, c| from_ps(_mm_add_ps(_mm_mul_ps(ps(a), ps(b)), ps(c)));
    f32x4_relaxed_nmadd |a, b, c| from_ps(_mm_sub_ps(ps(c), _mm_mul_ps(ps(a), ps(b))));
    f64x2_relaxed_madd |a, b, c| from_pd(_mm_add_pd(_mm_mul_pd(pd(a), pd(b)), pd(c)));
    f64x2_relaxed_nmadd |a, b, c| from_pd(_mm_sub_pd(pd(c), _mm_mul_pd(pd(a), pd(b))));
    // Pairs of i8 products summed into i16 lanes, then pairs of those into i32 lanes, plus `c`.
    i32x4_relaxed_dot_i8x16_i7x16_add_s |a, b, c| _mm_add_epi32(_mm_madd_epi16(_mm_maddubs_epi16(b, a), _mm_set1_epi16(1)), c);
}
tests! {
    v128_any_true |a| (_mm_testz_si128(a, a) == 0) as i32;
    i8x16_all_true |a| (_mm_movemask_epi8(_mm_cmpeq_epi8(a, zero())) == 0) as i32;
    i16x8_all_true |a| (_mm_movemask_epi8(_mm_cmpeq_epi16(a, zero())) == 0) as i32;
    i32x4_all_true |a| (_mm_movemask_epi8(_mm_cmpeq_epi32(a, zero())) == 0) as i32;
    i64x2_all_true |a| (_mm_movemask_epi8(_mm_cmpeq_epi64(a, zero())) == 0) as i32;
    i8x16_bitmask |a| _mm_movemask_epi8(a);
    // Signed saturation keeps each lane's sign; the upper 8 bytes are zero.
    i16x8_bitmask |a| _mm_movemask_epi8(_mm_packs_epi16(a, zero()));
    i32x4_bitmask |a| _mm_movemask_ps(ps(a));
    i64x2_bitmask |a| _mm_movemask_pd(pd(a));
}

// ---- splats ------------------------------------------------------------------------------------------
#[inline(always)]
pub fn i8x16_splat(x: i32) -> V128 {
    sse!(_mm_set1_epi8(x as i8))
}
#[inline(always)]
pub fn i16x8_splat(x: i32) -> V128 {
    sse!(_mm_set1_epi16(x as i16))
}
#[inline(always)]
pub fn i32x4_splat(x: i32) -> V128 {
    sse!(_mm_set1_epi32(x))
}
#[inline(always)]
pub fn i64x2_splat(x: i64) -> V128 {
    sse!(_mm_set1_epi64x(x))
}
#[inline(always)]
pub fn f32x4_splat(x: f32) -> V128 {
    sse!(from_ps(_mm_set1_ps(x)))
}
#[inline(always)]
pub fn f64x2_splat(x: f64) -> V128 {
    sse!(from_pd(_mm_set1_pd(x)))
}

// ---- shuffles ----------------------------------------------------------------------------------------
/// `pshufb` zeroes a lane whose index byte has bit 7 set: adding 0x70 with unsigned saturation maps
/// 0..=15 to 0x70..=0x7F (kept) and anything from 16 up to 0x80 or more (zeroed).
#[inline(always)]
pub fn i8x16_swizzle(a: V128, s: V128) -> V128 {
    sse!(_mm_shuffle_epi8(a, _mm_adds_epu8(s, _mm_set1_epi8(0x70))))
}
/// Lane indices 0..=31 select from `a` (0..=15) or `b` (16..=31).
#[inline(always)]
pub fn i8x16_shuffle(a: V128, b: V128, lanes: V128) -> V128 {
    sse!({
        let k = _mm_set1_epi8(0x70);
        let from_a = _mm_shuffle_epi8(a, _mm_adds_epu8(lanes, k));
        let from_b = _mm_shuffle_epi8(b, _mm_adds_epu8(_mm_xor_si128(lanes, _mm_set1_epi8(0x10)), k));
        _mm_or_si128(from_a, from_b)
    })
}

// ---- integer comparisons -----------------------------------------------------------------------------
// Unsigned order through unsigned min/max: a <= b  <=>  min(a, b) == a.
binops! {
    i8x16_eq |a, b| _mm_cmpeq_epi8(a, b);
    i8x16_ne |a, b| not(_mm_cmpeq_epi8(a, b));
    i8x16_lt_s |a, b| _mm_cmpgt_epi8(b, a);
    i8x16_lt_u |a, b| not(_mm_cmpeq_epi8(_mm_max_epu8(a, b), a));
    i8x16_gt_s |a, b| _mm_cmpgt_epi8(a, b);
    i8x16_gt_u |a, b| not(_mm_cmpeq_epi8(_mm_min_epu8(a, b), a));
    i8x16_le_s |a, b| not(_mm_cmpgt_epi8(a, b));
    i8x16_le_u |a, b| _mm_cmpeq_epi8(_mm_min_epu8(a, b), a);
    i8x16_ge_s |a, b| not(_mm_cmpgt_epi8(b, a));
    i8x16_ge_u |a, b| _mm_cmpeq_epi8(_mm_max_epu8(a, b), a);
    i16x8_eq |a, b| _mm_cmpeq_epi16(a, b);
    i16x8_ne |a, b| not(_mm_cmpeq_epi16(a, b));
    i16x8_lt_s |a, b| _mm_cmpgt_epi16(b, a);
    i16x8_lt_u |a, b| not(_mm_cmpeq_epi16(_mm_max_epu16(a, b), a));
    i16x8_gt_s |a, b| _mm_cmpgt_epi16(a, b);
    i16x8_gt_u |a, b| not(_mm_cmpeq_epi16(_mm_min_epu16(a, b), a));
    i16x8_le_s |a, b| not(_mm_cmpgt_epi16(a, b));
    i16x8_le_u |a, b| _mm_cmpeq_epi16(_mm_min_epu16(a, b), a);
    i16x8_ge_s |a, b| not(_mm_cmpgt_epi16(b, a));
    i16x8_ge_u |a, b| _mm_cmpeq_epi16(_mm_max_epu16(a, b), a);
    i32x4_eq |a, b| _mm_cmpeq_epi32(a, b);
    i32x4_ne |a, b| not(_mm_cmpeq_epi32(a, b));
    i32x4_lt_s |a, b| _mm_cmpgt_epi32(b, a);
    i32x4_lt_u |a, b| not(_mm_cmpeq_epi32(_mm_max_epu32(a, b), a));
    i32x4_gt_s |a, b| _mm_cmpgt_epi32(a, b);
    i32x4_gt_u |a, b| not(_mm_cmpeq_epi32(_mm_min_epu32(a, b), a));
    i32x4_le_s |a, b| not(_mm_cmpgt_epi32(a, b));
    i32x4_le_u |a, b| _mm_cmpeq_epi32(_mm_min_epu32(a, b), a);
    i32x4_ge_s |a, b| not(_mm_cmpgt_epi32(b, a));
    i32x4_ge_u |a, b| _mm_cmpeq_epi32(_mm_max_epu32(a, b), a);
    i64x2_eq |a, b| _mm_cmpeq_epi64(a, b);
    i64x2_ne |a, b| not(_mm_cmpeq_epi64(a, b));
    i64x2_lt_s |a, b| _mm_cmpgt_epi64(b, a);
    i64x2_gt_s |a, b| _mm_cmpgt_epi64(a, b);
    i64x2_le_s |a, b| not(_mm_cmpgt_epi64(a, b));
    i64x2_ge_s |a, b| not(_mm_cmpgt_epi64(b, a));
}

// ---- float comparisons (ordered, except `ne`, which is true when either lane is NaN) ------------------
binops! {
    f32x4_eq |a, b| from_ps(_mm_cmpeq_ps(ps(a), ps(b)));
    f32x4_ne |a, b| from_ps(_mm_cmpneq_ps(ps(a), ps(b)));
    f32x4_lt |a, b| from_ps(_mm_cmplt_ps(ps(a), ps(b)));
    f32x4_gt |a, b| from_ps(_mm_cmpgt_ps(ps(a), ps(b)));
    f32x4_le |a, b| from_ps(_mm_cmple_ps(ps(a), ps(b)));
    f32x4_ge |a, b| from_ps(_mm_cmpge_ps(ps(a), ps(b)));
    f64x2_eq |a, b| from_pd(_mm_cmpeq_pd(pd(a), pd(b)));
    f64x2_ne |a, b| from_pd(_mm_cmpneq_pd(pd(a), pd(b)));
    f64x2_lt |a, b| from_pd(_mm_cmplt_pd(pd(a), pd(b)));
    f64x2_gt |a, b| from_pd(_mm_cmpgt_pd(pd(a), pd(b)));
    f64x2_le |a, b| from_pd(_mm_cmple_pd(pd(a), pd(b)));
    f64x2_ge |a, b| from_pd(_mm_cmpge_pd(pd(a), pd(b)));
}

// ---- integer arithmetic ------------------------------------------------------------------------------
unops! {
    i8x16_abs |a| _mm_abs_epi8(a);
    i16x8_abs |a| _mm_abs_epi16(a);
    i32x4_abs |a| _mm_abs_epi32(a);
    // No pabsq before AVX-512: (a ^ sign) - sign.
    i64x2_abs |a| { let s = _mm_cmpgt_epi64(zero(), a); _mm_sub_epi64(_mm_xor_si128(a, s), s) };
    i8x16_neg |a| _mm_sub_epi8(zero(), a);
    i16x8_neg |a| _mm_sub_epi16(zero(), a);
    i32x4_neg |a| _mm_sub_epi32(zero(), a);
    i64x2_neg |a| _mm_sub_epi64(zero(), a);
    // Bit count per byte from a 16-entry nibble table.
    i8x16_popcnt |a| {
        let table = _mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        let nibble = _mm_set1_epi8(0x0f);
        let lo = _mm_and_si128(a, nibble);
        let hi = _mm_and_si128(_mm_srli_epi16::<4>(a), nibble);
        _mm_add_epi8(_mm_shuffle_epi8(table, lo), _mm_shuffle_epi8(table, hi))
    };
    // pmaddubsw multiplies unsigned bytes of its first operand by signed bytes of its second.
    i16x8_extadd_pairwise_i8x16_s |a| _mm_maddubs_epi16(_mm_set1_epi8(1), a);
    i16x8_extadd_pairwise_i8x16_u |a| _mm_maddubs_epi16(a, _mm_set1_epi8(1));
    i32x4_extadd_pairwise_i16x8_s |a| _mm_madd_epi16(a, _mm_set1_epi16(1));
    // Bias to signed (x - 32768), add pairs, then add the 2 * 32768 back.
    i32x4_extadd_pairwise_i16x8_u |a| _mm_add_epi32(
        _mm_madd_epi16(_mm_xor_si128(a, _mm_set1_epi16(i16::MIN)), _mm_set1_epi16(1)),
        _mm_set1_epi32(0x1_0000),
    );
    i16x8_extend_low_i8x16_s |a| _mm_cvtepi8_epi16(a);
    i16x8_extend_high_i8x16_s |a| _mm_cvtepi8_epi16(_mm_srli_si128::<8>(a));
    i16x8_extend_low_i8x16_u |a| _mm_cvtepu8_epi16(a);
    i16x8_extend_high_i8x16_u |a| _mm_cvtepu8_epi16(_mm_srli_si128::<8>(a));
    i32x4_extend_low_i16x8_s |a| _mm_cvtepi16_epi32(a);
    i32x4_extend_high_i16x8_s |a| _mm_cvtepi16_epi32(_mm_srli_si128::<8>(a));
    i32x4_extend_low_i16x8_u |a| _mm_cvtepu16_epi32(a);
    i32x4_extend_high_i16x8_u |a| _mm_cvtepu16_epi32(_mm_srli_si128::<8>(a));
    i64x2_extend_low_i32x4_s |a| _mm_cvtepi32_epi64(a);
    i64x2_extend_high_i32x4_s |a| _mm_cvtepi32_epi64(_mm_srli_si128::<8>(a));
    i64x2_extend_low_i32x4_u |a| _mm_cvtepu32_epi64(a);
    i64x2_extend_high_i32x4_u |a| _mm_cvtepu32_epi64(_mm_srli_si128::<8>(a));
}
binops! {
    i8x16_add |a, b| _mm_add_epi8(a, b);
    i8x16_sub |a, b| _mm_sub_epi8(a, b);
    i8x16_add_sat_s |a, b| _mm_adds_epi8(a, b);
    i8x16_add_sat_u |a, b| _mm_adds_epu8(a, b);
    i8x16_sub_sat_s |a, b| _mm_subs_epi8(a, b);
    i8x16_sub_sat_u |a, b| _mm_subs_epu8(a, b);
    i8x16_min_s |a, b| _mm_min_epi8(a, b);
    i8x16_min_u |a, b| _mm_min_epu8(a, b);
    i8x16_max_s |a, b| _mm_max_epi8(a, b);
    i8x16_max_u |a, b| _mm_max_epu8(a, b);
    i8x16_avgr_u |a, b| _mm_avg_epu8(a, b);
    i8x16_narrow_i16x8_s |a, b| _mm_packs_epi16(a, b);
    i8x16_narrow_i16x8_u |a, b| _mm_packus_epi16(a, b);
    i16x8_add |a, b| _mm_add_epi16(a, b);
    i16x8_sub |a, b| _mm_sub_epi16(a, b);
    i16x8_mul |a, b| _mm_mullo_epi16(a, b);
    i16x8_add_sat_s |a, b| _mm_adds_epi16(a, b);
    i16x8_add_sat_u |a, b| _mm_adds_epu16(a, b);
    i16x8_sub_sat_s |a, b| _mm_subs_epi16(a, b);
    i16x8_sub_sat_u |a, b| _mm_subs_epu16(a, b);
    i16x8_min_s |a, b| _mm_min_epi16(a, b);
    i16x8_min_u |a, b| _mm_min_epu16(a, b);
    i16x8_max_s |a, b| _mm_max_epi16(a, b);
    i16x8_max_u |a, b| _mm_max_epu16(a, b);
    i16x8_avgr_u |a, b| _mm_avg_epu16(a, b);
    i16x8_narrow_i32x4_s |a, b| _mm_packs_epi32(a, b);
    i16x8_narrow_i32x4_u |a, b| _mm_packus_epi32(a, b);
    // pmulhrsw computes the same rounding; its one overflow (-32768 * -32768) yields 0x8000 where wasm
    // saturates to 0x7fff, and no other input yields 0x8000.
    i16x8_q15mulr_sat_s |a, b| {
        let r = _mm_mulhrs_epi16(a, b);
        _mm_xor_si128(r, _mm_cmpeq_epi16(r, _mm_set1_epi16(i16::MIN)))
    };
    i16x8_extmul_low_i8x16_s |a, b| _mm_mullo_epi16(_mm_cvtepi8_epi16(a), _mm_cvtepi8_epi16(b));
    i16x8_extmul_high_i8x16_s |a, b| _mm_mullo_epi16(
        _mm_cvtepi8_epi16(_mm_srli_si128::<8>(a)), _mm_cvtepi8_epi16(_mm_srli_si128::<8>(b)));
    i16x8_extmul_low_i8x16_u |a, b| _mm_mullo_epi16(_mm_cvtepu8_epi16(a), _mm_cvtepu8_epi16(b));
    i16x8_extmul_high_i8x16_u |a, b| _mm_mullo_epi16(
        _mm_cvtepu8_epi16(_mm_srli_si128::<8>(a)), _mm_cvtepu8_epi16(_mm_srli_si128::<8>(b)));
    i32x4_add |a, b| _mm_add_epi32(a, b);
    i32x4_sub |a, b| _mm_sub_epi32(a, b);
    i32x4_mul |a, b| _mm_mullo_epi32(a, b);
    i32x4_min_s |a, b| _mm_min_epi32(a, b);
    i32x4_min_u |a, b| _mm_min_epu32(a, b);
    i32x4_max_s |a, b| _mm_max_epi32(a, b);
    i32x4_max_u |a, b| _mm_max_epu32(a, b);
    i32x4_dot_i16x8_s |a, b| _mm_madd_epi16(a, b);
    // (Relaxed SIMD: see `f32x4_relaxed_madd`.)
    i16x8_relaxed_dot_i8x16_i7x16_s |a, b| _mm_maddubs_epi16(b, a);
    i32x4_extmul_low_i16x8_s |a, b| _mm_mullo_epi32(_mm_cvtepi16_epi32(a), _mm_cvtepi16_epi32(b));
    i32x4_extmul_high_i16x8_s |a, b| _mm_mullo_epi32(
        _mm_cvtepi16_epi32(_mm_srli_si128::<8>(a)), _mm_cvtepi16_epi32(_mm_srli_si128::<8>(b)));
    i32x4_extmul_low_i16x8_u |a, b| _mm_mullo_epi32(_mm_cvtepu16_epi32(a), _mm_cvtepu16_epi32(b));
    i32x4_extmul_high_i16x8_u |a, b| _mm_mullo_epi32(
        _mm_cvtepu16_epi32(_mm_srli_si128::<8>(a)), _mm_cvtepu16_epi32(_mm_srli_si128::<8>(b)));
    i64x2_add |a, b| _mm_add_epi64(a, b);
    i64x2_sub |a, b| _mm_sub_epi64(a, b);
    // No pmullq before AVX-512: lo*lo + ((hi_a*lo_b + lo_a*hi_b) << 32) from 32x32->64 multiplies.
    i64x2_mul |a, b| {
        let cross = _mm_add_epi64(_mm_mul_epu32(_mm_srli_epi64::<32>(a), b), _mm_mul_epu32(a, _mm_srli_epi64::<32>(b)));
        _mm_add_epi64(_mm_mul_epu32(a, b), _mm_slli_epi64::<32>(cross))
    };
    // pmuldq/pmuludq multiply the low 32 bits of each 64-bit lane.
    i64x2_extmul_low_i32x4_s |a, b| _mm_mul_epi32(_mm_cvtepi32_epi64(a), _mm_cvtepi32_epi64(b));
    i64x2_extmul_high_i32x4_s |a, b| _mm_mul_epi32(
        _mm_cvtepi32_epi64(_mm_srli_si128::<8>(a)), _mm_cvtepi32_epi64(_mm_srli_si128::<8>(b)));
    i64x2_extmul_low_i32x4_u |a, b| _mm_mul_epu32(_mm_cvtepu32_epi64(a), _mm_cvtepu32_epi64(b));
    i64x2_extmul_high_i32x4_u |a, b| _mm_mul_epu32(
        _mm_cvtepu32_epi64(_mm_srli_si128::<8>(a)), _mm_cvtepu32_epi64(_mm_srli_si128::<8>(b)));
}

// ---- shifts (the count is taken modulo the lane width) ------------------------------------------------
shifts! {
    // No byte shifts on x86: shift 16-bit lanes and clear the bits that crossed into the next byte.
    i8x16_shl |a, n| {
        let n = n & 7;
        _mm_and_si128(_mm_sll_epi16(a, _mm_cvtsi32_si128(n)), _mm_set1_epi8((0xffu32 << n) as u8 as i8))
    };
    i8x16_shr_u |a, n| {
        let n = n & 7;
        _mm_and_si128(_mm_srl_epi16(a, _mm_cvtsi32_si128(n)), _mm_set1_epi8((0xffu32 >> n) as u8 as i8))
    };
    // Each byte doubled into a 16-bit lane has itself as the high byte: shift by n + 8, pack back.
    i8x16_shr_s |a, n| {
        let c = _mm_cvtsi32_si128((n & 7) + 8);
        _mm_packs_epi16(_mm_sra_epi16(_mm_unpacklo_epi8(a, a), c), _mm_sra_epi16(_mm_unpackhi_epi8(a, a), c))
    };
    i16x8_shl |a, n| _mm_sll_epi16(a, _mm_cvtsi32_si128(n & 15));
    i16x8_shr_s |a, n| _mm_sra_epi16(a, _mm_cvtsi32_si128(n & 15));
    i16x8_shr_u |a, n| _mm_srl_epi16(a, _mm_cvtsi32_si128(n & 15));
    i32x4_shl |a, n| _mm_sll_epi32(a, _mm_cvtsi32_si128(n & 31));
    i32x4_shr_s |a, n| _mm_sra_epi32(a, _mm_cvtsi32_si128(n & 31));
    i32x4_shr_u |a, n| _mm_srl_epi32(a, _mm_cvtsi32_si128(n & 31));
    i64x2_shl |a, n| _mm_sll_epi64(a, _mm_cvtsi32_si128(n & 63));
    // No psraq before AVX-512: logical shift, then fill the top n bits with the sign (a shift by 64
    // gives 0, which is right for n = 0).
    i64x2_shr_s |a, n| {
        let n = n & 63;
        let sign = _mm_cmpgt_epi64(zero(), a);
        _mm_or_si128(_mm_srl_epi64(a, _mm_cvtsi32_si128(n)), _mm_sll_epi64(sign, _mm_cvtsi32_si128(64 - n)))
    };
    i64x2_shr_u |a, n| _mm_srl_epi64(a, _mm_cvtsi32_si128(n & 63));
}

// ---- float arithmetic --------------------------------------------------------------------------------
// x86 NaN results are either an operand's NaN made quiet or the default NaN 0xFFC00000/0xFFF8...: both
// are what wasm calls arithmetic NaNs, and canonical when the inputs were.
const F32_CANONICAL_NAN: i32 = 0x7fc0_0000;
const F64_CANONICAL_NAN: i64 = 0x7ff8_0000_0000_0000;
// roundps/roundpd immediates (exceptions suppressed): nearest-even, floor, ceil, trunc.
const NEAREST: i32 = 8;
const FLOOR: i32 = 9;
const CEIL: i32 = 10;
const TRUNC: i32 = 11;

unops! {
    f32x4_abs |a| _mm_and_si128(a, _mm_set1_epi32(i32::MAX));
    f32x4_neg |a| _mm_xor_si128(a, _mm_set1_epi32(i32::MIN));
    f32x4_sqrt |a| from_ps(_mm_sqrt_ps(ps(a)));
    f32x4_ceil |a| from_ps(_mm_round_ps::<CEIL>(ps(a)));
    f32x4_floor |a| from_ps(_mm_round_ps::<FLOOR>(ps(a)));
    f32x4_trunc |a| from_ps(_mm_round_ps::<TRUNC>(ps(a)));
    f32x4_nearest |a| from_ps(_mm_round_ps::<NEAREST>(ps(a)));
    f64x2_abs |a| _mm_and_si128(a, _mm_set1_epi64x(i64::MAX));
    f64x2_neg |a| _mm_xor_si128(a, _mm_set1_epi64x(i64::MIN));
    f64x2_sqrt |a| from_pd(_mm_sqrt_pd(pd(a)));
    f64x2_ceil |a| from_pd(_mm_round_pd::<CEIL>(pd(a)));
    f64x2_floor |a| from_pd(_mm_round_pd::<FLOOR>(pd(a)));
    f64x2_trunc |a| from_pd(_mm_round_pd::<TRUNC>(pd(a)));
    f64x2_nearest |a| from_pd(_mm_round_pd::<NEAREST>(pd(a)));
}
binops! {
    f32x4_add |a, b| from_ps(_mm_add_ps(ps(a), ps(b)));
    f32x4_sub |a, b| from_ps(_mm_sub_ps(ps(a), ps(b)));
    f32x4_mul |a, b| from_ps(_mm_mul_ps(ps(a), ps(b)));
    f32x4_div |a, b| from_ps(_mm_div_ps(ps(a), ps(b)));
    f64x2_add |a, b| from_pd(_mm_add_pd(pd(a), pd(b)));
    f64x2_sub |a, b| from_pd(_mm_sub_pd(pd(a), pd(b)));
    f64x2_mul |a, b| from_pd(_mm_mul_pd(pd(a), pd(b)));
    f64x2_div |a, b| from_pd(_mm_div_pd(pd(a), pd(b)));
    // minps/maxps return their second operand when either is NaN or both are zero; wasm wants NaN if
    // either is NaN, and -0 < +0. Equal lanes (this includes +-0) take a | b for min, a & b for max;
    // unordered lanes take the canonical NaN.
    f32x4_min |a, b| {
        let (x, y) = (ps(a), ps(b));
        let r = _mm_blendv_ps(_mm_min_ps(x, y), _mm_or_ps(x, y), _mm_cmpeq_ps(x, y));
        from_ps(_mm_blendv_ps(r, ps(_mm_set1_epi32(F32_CANONICAL_NAN)), _mm_cmpunord_ps(x, y)))
    };
    f32x4_max |a, b| {
        let (x, y) = (ps(a), ps(b));
        let r = _mm_blendv_ps(_mm_max_ps(x, y), _mm_and_ps(x, y), _mm_cmpeq_ps(x, y));
        from_ps(_mm_blendv_ps(r, ps(_mm_set1_epi32(F32_CANONICAL_NAN)), _mm_cmpunord_ps(x, y)))
    };
    f64x2_min |a, b| {
        let (x, y) = (pd(a), pd(b));
        let r = _mm_blendv_pd(_mm_min_pd(x, y), _mm_or_pd(x, y), _mm_cmpeq_pd(x, y));
        from_pd(_mm_blendv_pd(r, pd(_mm_set1_epi64x(F64_CANONICAL_NAN)), _mm_cmpunord_pd(x, y)))
    };
    f64x2_max |a, b| {
        let (x, y) = (pd(a), pd(b));
        let r = _mm_blendv_pd(_mm_max_pd(x, y), _mm_and_pd(x, y), _mm_cmpeq_pd(x, y));
        from_pd(_mm_blendv_pd(r, pd(_mm_set1_epi64x(F64_CANONICAL_NAN)), _mm_cmpunord_pd(x, y)))
    };
    // pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a are exactly minps(b, a) / maxps(b, a).
    f32x4_pmin |a, b| from_ps(_mm_min_ps(ps(b), ps(a)));
    f32x4_pmax |a, b| from_ps(_mm_max_ps(ps(b), ps(a)));
    f64x2_pmin |a, b| from_pd(_mm_min_pd(pd(b), pd(a)));
    f64x2_pmax |a, b| from_pd(_mm_max_pd(pd(b), pd(a)));
}

// ---- conversions -------------------------------------------------------------------------------------
unops! {
    f32x4_convert_i32x4_s |a| from_ps(_mm_cvtepi32_ps(a));
    // hi16 * 65536 and lo16 are exact floats: the one addition rounds once, as wasm requires.
    f32x4_convert_i32x4_u |a| {
        let lo = _mm_cvtepi32_ps(_mm_and_si128(a, _mm_set1_epi32(0xffff)));
        let hi = _mm_cvtepi32_ps(_mm_srli_epi32::<16>(a));
        from_ps(_mm_add_ps(_mm_mul_ps(hi, _mm_set1_ps(65536.0)), lo))
    };
    // cvttps2dq gives 0x80000000 for NaN and out-of-range lanes: zero NaN lanes first, then flip the
    // positive overflows to 0x7fffffff.
    i32x4_trunc_sat_f32x4_s |a| {
        let f = ps(a);
        let f = _mm_and_ps(f, _mm_cmpeq_ps(f, f));
        let r = _mm_cvttps_epi32(f);
        _mm_xor_si128(r, from_ps(_mm_cmpge_ps(f, _mm_set1_ps(2147483648.0))))
    };
    // max(a, 0) also maps NaN to 0 (maxps returns its second operand). Lanes >= 2^31 convert a - 2^31
    // and OR in the top bit (cvttps2dq gave exactly 0x80000000 there); lanes >= 2^32 saturate.
    i32x4_trunc_sat_f32x4_u |a| {
        let f = _mm_max_ps(ps(a), _mm_setzero_ps());
        let two31 = _mm_set1_ps(2147483648.0);
        let low = _mm_cvttps_epi32(f);
        let big = from_ps(_mm_cmpge_ps(f, two31));
        let high = _mm_and_si128(_mm_cvttps_epi32(_mm_sub_ps(f, two31)), big);
        let sat = from_ps(_mm_cmpge_ps(f, _mm_set1_ps(4294967296.0)));
        _mm_or_si128(_mm_or_si128(low, high), sat)
    };
    // Clamp in double precision (NaN lanes zeroed first); cvttpd2dq zeroes the upper two lanes.
    i32x4_trunc_sat_f64x2_s_zero |a| {
        let f = pd(a);
        let f = _mm_and_pd(f, _mm_cmpeq_pd(f, f));
        let f = _mm_max_pd(_mm_min_pd(f, _mm_set1_pd(2147483647.0)), _mm_set1_pd(-2147483648.0));
        _mm_cvttpd_epi32(f)
    };
    // Clamp to [0, 2^32 - 1] (NaN -> 0 via maxpd), truncate, add 2^52 so the integer sits in the low 32
    // bits of each double, then gather those two dwords over zeros.
    i32x4_trunc_sat_f64x2_u_zero |a| {
        let f = _mm_max_pd(pd(a), _mm_setzero_pd());
        let f = _mm_min_pd(f, _mm_set1_pd(4294967295.0));
        let f = _mm_add_pd(_mm_round_pd::<TRUNC>(f), _mm_set1_pd(4503599627370496.0));
        from_ps(_mm_shuffle_ps::<0b00_00_10_00>(_mm_castpd_ps(f), _mm_setzero_ps()))
    };
    f64x2_convert_low_i32x4_s |a| from_pd(_mm_cvtepi32_pd(a));
    // 2^52 + x as a double, built by pairing x with the high dword 0x43300000, minus 2^52.
    f64x2_convert_low_i32x4_u |a| {
        let x = _mm_unpacklo_epi32(a, _mm_set1_epi32(0x4330_0000));
        from_pd(_mm_sub_pd(pd(x), _mm_set1_pd(4503599627370496.0)))
    };
    f32x4_demote_f64x2_zero |a| from_ps(_mm_cvtpd_ps(pd(a)));
    f64x2_promote_low_f32x4 |a| from_pd(_mm_cvtps_pd(ps(a)));
}

// ---- loads (the stencil reads the memory operand; these widen it to a v128) ----------------------------
#[inline(always)]
pub fn v128_load(x: V128) -> V128 {
    x
}
#[inline(always)]
pub fn v128_load8x8_s(x: u64) -> V128 {
    sse!(_mm_cvtepi8_epi16(_mm_cvtsi64_si128(x as i64)))
}
#[inline(always)]
pub fn v128_load8x8_u(x: u64) -> V128 {
    sse!(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(x as i64)))
}
#[inline(always)]
pub fn v128_load16x4_s(x: u64) -> V128 {
    sse!(_mm_cvtepi16_epi32(_mm_cvtsi64_si128(x as i64)))
}
#[inline(always)]
pub fn v128_load16x4_u(x: u64) -> V128 {
    sse!(_mm_cvtepu16_epi32(_mm_cvtsi64_si128(x as i64)))
}
#[inline(always)]
pub fn v128_load32x2_s(x: u64) -> V128 {
    sse!(_mm_cvtepi32_epi64(_mm_cvtsi64_si128(x as i64)))
}
#[inline(always)]
pub fn v128_load32x2_u(x: u64) -> V128 {
    sse!(_mm_cvtepu32_epi64(_mm_cvtsi64_si128(x as i64)))
}
#[inline(always)]
pub fn v128_load8_splat(x: u8) -> V128 {
    sse!(_mm_set1_epi8(x as i8))
}
#[inline(always)]
pub fn v128_load16_splat(x: u16) -> V128 {
    sse!(_mm_set1_epi16(x as i16))
}
#[inline(always)]
pub fn v128_load32_splat(x: u32) -> V128 {
    sse!(_mm_set1_epi32(x as i32))
}
#[inline(always)]
pub fn v128_load64_splat(x: u64) -> V128 {
    sse!(_mm_set1_epi64x(x as i64))
}
#[inline(always)]
pub fn v128_load32_zero(x: u32) -> V128 {
    sse!(_mm_cvtsi32_si128(x as i32))
}
#[inline(always)]
pub fn v128_load64_zero(x: u64) -> V128 {
    sse!(_mm_cvtsi64_si128(x as i64))
}
