//! The SIMD semantics that emulate what SSE4.2 lacks, checked lane by lane against plain scalar Rust on
//! edge values and pseudo-random inputs.

use core::arch::x86_64::__m128i;
use weft_ops::simd::{self, V128};

fn v(x: u128) -> V128 {
    // SAFETY: same size, every bit pattern valid.
    unsafe { core::mem::transmute::<u128, __m128i>(x) }
}
fn u(x: V128) -> u128 {
    // SAFETY: as above.
    unsafe { core::mem::transmute::<__m128i, u128>(x) }
}
fn lanes<const N: usize, const B: usize>(x: u128) -> [u128; N] {
    core::array::from_fn(|i| (x >> (i * B)) & ((1u128 << B) - 1))
}
fn join<const N: usize, const B: usize>(l: [u128; N]) -> u128 {
    l.iter().enumerate().fold(0, |acc, (i, &x)| acc | ((x & ((1u128 << B) - 1)) << (i * B)))
}

/// Edge values per lane width mixed with xorshift noise.
fn inputs() -> Vec<u128> {
    let mut out = Vec::new();
    let edges32: [u32; 16] = [
        0,
        1,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x7fc0_0000,
        0xffc0_0000,
        0x7f80_0000,
        0xff80_0000,
        0x8000_0001,
        0x4f00_0000,
        0x4f80_0000,
        0xcf00_0000,
        0x3f80_0000,
        0x7fa0_0000,
        0x0000_8000,
    ];
    for &a in &edges32 {
        for &b in &edges32 {
            out.push(join::<4, 32>([a as u128, b as u128, b as u128, a as u128]));
        }
    }
    let edges64: [u64; 12] = [
        0,
        1,
        i64::MAX as u64,
        i64::MIN as u64,
        u64::MAX,
        0x7ff8_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0xfff0_0000_0000_0000,
        0x41e0_0000_0000_0000,
        0x41f0_0000_0000_0000,
        0xc1e0_0000_0000_0000,
        0x41ef_ffff_ffe0_0000,
    ];
    for &a in &edges64 {
        for &b in &edges64 {
            out.push(join::<2, 64>([a as u128, b as u128]));
        }
    }
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for _ in 0..2000 {
        out.push((next() as u128) << 64 | next() as u128);
    }
    out
}

fn check_unop(name: &str, f: fn(V128) -> V128, reference: impl Fn(u128) -> u128) {
    for a in inputs() {
        assert_eq!(u(f(v(a))), reference(a), "{name}({a:#034x})");
    }
}
fn check_binop(name: &str, f: fn(V128, V128) -> V128, reference: impl Fn(u128, u128) -> u128) {
    let ins = inputs();
    for (i, &a) in ins.iter().enumerate() {
        let b = ins[(i * 7 + 3) % ins.len()];
        assert_eq!(u(f(v(a), v(b))), reference(a, b), "{name}({a:#034x}, {b:#034x})");
    }
}
fn map32(a: u128, f: impl Fn(u32) -> u32) -> u128 {
    join::<4, 32>(lanes::<4, 32>(a).map(|x| f(x as u32) as u128))
}
fn map64(a: u128, f: impl Fn(u64) -> u64) -> u128 {
    join::<2, 64>(lanes::<2, 64>(a).map(|x| f(x as u64) as u128))
}

fn cpu_ok() -> bool {
    std::is_x86_feature_detected!("sse4.2") && std::is_x86_feature_detected!("ssse3")
}

#[test]
fn emulated_integer_ops() {
    if !cpu_ok() {
        return;
    }
    check_binop("i64x2_mul", simd::i64x2_mul, |a, b| {
        let (x, y) = (lanes::<2, 64>(a), lanes::<2, 64>(b));
        join::<2, 64>([0, 1].map(|i| (x[i] as u64).wrapping_mul(y[i] as u64) as u128))
    });
    check_unop("i64x2_abs", simd::i64x2_abs, |a| map64(a, |x| (x as i64).wrapping_abs() as u64));
    check_unop("i8x16_popcnt", simd::i8x16_popcnt, |a| {
        join::<16, 8>(lanes::<16, 8>(a).map(|x| x.count_ones() as u128))
    });
    check_binop("i16x8_q15mulr_sat_s", simd::i16x8_q15mulr_sat_s, |a, b| {
        let (x, y) = (lanes::<8, 16>(a), lanes::<8, 16>(b));
        join::<8, 16>(core::array::from_fn(|i| {
            let p = (x[i] as u16 as i16 as i32 * y[i] as u16 as i16 as i32 + 0x4000) >> 15;
            p.clamp(i16::MIN as i32, i16::MAX as i32) as u16 as u128
        }))
    });
    check_unop("i32x4_extadd_pairwise_i16x8_u", simd::i32x4_extadd_pairwise_i16x8_u, |a| {
        let x = lanes::<8, 16>(a);
        join::<4, 32>(core::array::from_fn(|i| x[2 * i] + x[2 * i + 1]))
    });
    check_unop("i16x8_extadd_pairwise_i8x16_s", simd::i16x8_extadd_pairwise_i8x16_s, |a| {
        let x = lanes::<16, 8>(a).map(|b| b as u8 as i8 as i16);
        join::<8, 16>(core::array::from_fn(|i| (x[2 * i] + x[2 * i + 1]) as u16 as u128))
    });
    check_binop("i32x4_lt_u", simd::i32x4_lt_u, |a, b| {
        let (x, y) = (lanes::<4, 32>(a), lanes::<4, 32>(b));
        join::<4, 32>(core::array::from_fn(|i| if x[i] < y[i] { u32::MAX as u128 } else { 0 }))
    });
    check_binop("i8x16_ge_u", simd::i8x16_ge_u, |a, b| {
        let (x, y) = (lanes::<16, 8>(a), lanes::<16, 8>(b));
        join::<16, 8>(core::array::from_fn(|i| if x[i] >= y[i] { 0xff } else { 0 }))
    });
}

#[test]
fn emulated_shifts() {
    if !cpu_ok() {
        return;
    }
    for n in [0, 1, 3, 7, 8, 9, 15, 31, 32, 63, 64, 65, -1, i32::MIN] {
        let sh = |a: u128, f: fn(V128, i32) -> V128| u(f(v(a), n));
        for a in inputs() {
            let m = n as u32;
            let b8 = lanes::<16, 8>(a).map(|x| x as u8);
            assert_eq!(sh(a, simd::i8x16_shl), join::<16, 8>(b8.map(|x| x.wrapping_shl(m) as u128)), "i8x16_shl {n}");
            assert_eq!(
                sh(a, simd::i8x16_shr_u),
                join::<16, 8>(b8.map(|x| x.wrapping_shr(m) as u128)),
                "i8x16_shr_u {n}"
            );
            assert_eq!(
                sh(a, simd::i8x16_shr_s),
                join::<16, 8>(b8.map(|x| (x as i8).wrapping_shr(m) as u8 as u128)),
                "i8x16_shr_s {n}"
            );
            assert_eq!(sh(a, simd::i64x2_shr_s), map64(a, |x| (x as i64).wrapping_shr(m) as u64), "i64x2_shr_s {n}");
            assert_eq!(sh(a, simd::i64x2_shl), map64(a, |x| x.wrapping_shl(m)), "i64x2_shl {n}");
            assert_eq!(sh(a, simd::i32x4_shr_s), map32(a, |x| (x as i32).wrapping_shr(m) as u32), "i32x4_shr_s {n}");
        }
    }
}

fn f32_min(a: f32, b: f32) -> u32 {
    if a.is_nan() || b.is_nan() {
        0x7fc0_0000
    } else if a == b {
        a.to_bits() | b.to_bits()
    } else {
        a.min(b).to_bits()
    }
}
fn f32_max(a: f32, b: f32) -> u32 {
    if a.is_nan() || b.is_nan() {
        0x7fc0_0000
    } else if a == b {
        a.to_bits() & b.to_bits()
    } else {
        a.max(b).to_bits()
    }
}

#[test]
fn float_min_max_and_conversions() {
    if !cpu_ok() {
        return;
    }
    let f2 = |a: u128, b: u128, f: fn(f32, f32) -> u32| {
        let (x, y) = (lanes::<4, 32>(a), lanes::<4, 32>(b));
        join::<4, 32>(core::array::from_fn(|i| f(f32::from_bits(x[i] as u32), f32::from_bits(y[i] as u32)) as u128))
    };
    check_binop("f32x4_min", simd::f32x4_min, |a, b| f2(a, b, f32_min));
    check_binop("f32x4_max", simd::f32x4_max, |a, b| f2(a, b, f32_max));
    check_binop("f64x2_min", simd::f64x2_min, |a, b| {
        let (x, y) = (lanes::<2, 64>(a), lanes::<2, 64>(b));
        join::<2, 64>(core::array::from_fn(|i| {
            let (p, q) = (f64::from_bits(x[i] as u64), f64::from_bits(y[i] as u64));
            (if p.is_nan() || q.is_nan() {
                0x7ff8_0000_0000_0000
            } else if p == q {
                p.to_bits() | q.to_bits()
            } else {
                p.min(q).to_bits()
            }) as u128
        }))
    });
    // Rust's `as` float -> int casts saturate and map NaN to 0: exactly wasm's trunc_sat.
    check_unop("i32x4_trunc_sat_f32x4_s", simd::i32x4_trunc_sat_f32x4_s, |a| {
        map32(a, |x| f32::from_bits(x) as i32 as u32)
    });
    check_unop("i32x4_trunc_sat_f32x4_u", simd::i32x4_trunc_sat_f32x4_u, |a| map32(a, |x| f32::from_bits(x) as u32));
    check_unop("i32x4_trunc_sat_f64x2_s_zero", simd::i32x4_trunc_sat_f64x2_s_zero, |a| {
        let x = lanes::<2, 64>(a).map(|l| f64::from_bits(l as u64) as i32 as u32 as u128);
        join::<4, 32>([x[0], x[1], 0, 0])
    });
    check_unop("i32x4_trunc_sat_f64x2_u_zero", simd::i32x4_trunc_sat_f64x2_u_zero, |a| {
        let x = lanes::<2, 64>(a).map(|l| f64::from_bits(l as u64) as u32 as u128);
        join::<4, 32>([x[0], x[1], 0, 0])
    });
    check_unop("f32x4_convert_i32x4_u", simd::f32x4_convert_i32x4_u, |a| map32(a, |x| (x as f32).to_bits()));
    check_unop("f64x2_convert_low_i32x4_u", simd::f64x2_convert_low_i32x4_u, |a| {
        let x = lanes::<4, 32>(a);
        join::<2, 64>([0, 1].map(|i| (x[i] as u32 as f64).to_bits() as u128))
    });
}

#[test]
fn shuffle_and_swizzle() {
    if !cpu_ok() {
        return;
    }
    let ins = inputs();
    for (i, &a) in ins.iter().enumerate() {
        let b = ins[(i * 5 + 1) % ins.len()];
        let idx = ins[(i * 11 + 2) % ins.len()];
        let (x, y, s) = (lanes::<16, 8>(a), lanes::<16, 8>(b), lanes::<16, 8>(idx));
        let swz = join::<16, 8>(core::array::from_fn(|j| if s[j] < 16 { x[s[j] as usize] } else { 0 }));
        assert_eq!(u(simd::i8x16_swizzle(v(a), v(idx))), swz);
        let m = s.map(|l| l % 32);
        let shuf =
            join::<16, 8>(core::array::from_fn(|j| if m[j] < 16 { x[m[j] as usize] } else { y[m[j] as usize - 16] }));
        assert_eq!(u(simd::i8x16_shuffle(v(a), v(b), v(join::<16, 8>(m)))), shuf);
    }
}
