//! Script values <-> engine values, and result matching (including NaN patterns and v128 lanes).

use crate::{ArgCore, NanPattern, Ret, RetCore};
use anyhow::{Result, bail};
use wast::core::V128Pattern;
use weft::{Store, Val};

pub fn arg(a: &ArgCore<'_>, _store: &Store<()>) -> Result<Val> {
    Ok(match a {
        ArgCore::I32(v) => Val::I32(*v),
        ArgCore::I64(v) => Val::I64(*v),
        ArgCore::F32(v) => Val::F32(v.bits),
        ArgCore::F64(v) => Val::F64(v.bits),
        ArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        ArgCore::RefNull(h) => match h {
            wast::core::HeapType::Abstract { ty: wast::core::AbstractHeapType::Func, .. } => Val::FuncRef(None),
            wast::core::HeapType::Abstract { ty: wast::core::AbstractHeapType::Extern, .. } => Val::ExternRef(None),
            other => bail!("unsupported null reference type {other:?}"),
        },
        ArgCore::RefExtern(n) => Val::ExternRef(Some(*n)),
        ArgCore::RefHost(_) => bail!("ref.host is not supported"),
    })
}

pub fn check_results(got: &[Val], expected: &[Ret<'_>]) -> Result<()> {
    if got.len() != expected.len() {
        bail!("expected {} results, got {got:?}", expected.len());
    }
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        let Ret::Core(e) = e else { bail!("component-model results are not supported") };
        if !matches(g, e) {
            bail!("result {i}: expected {}, got {}", describe(e), show(g));
        }
    }
    Ok(())
}

fn matches(got: &Val, expected: &RetCore<'_>) -> bool {
    match (got, expected) {
        (Val::I32(g), RetCore::I32(e)) => g == e,
        (Val::I64(g), RetCore::I64(e)) => g == e,
        (Val::F32(g), RetCore::F32(p)) => f32_matches(*g, p),
        (Val::F64(g), RetCore::F64(p)) => f64_matches(*g, p),
        (Val::V128(g), RetCore::V128(p)) => v128_matches(*g, p),
        (Val::FuncRef(g), RetCore::RefNull(_)) => g.is_none(),
        (Val::ExternRef(g), RetCore::RefNull(_)) => g.is_none(),
        (Val::ExternRef(g), RetCore::RefExtern(e)) => match e {
            Some(n) => *g == Some(*n),
            None => g.is_some(),
        },
        (Val::FuncRef(g), RetCore::RefFunc(_)) => g.is_some(),
        (_, RetCore::Either(options)) => options.iter().any(|o| matches(got, o)),
        _ => false,
    }
}

fn f32_matches(bits: u32, p: &NanPattern<wast::token::F32>) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

fn f64_matches(bits: u64, p: &NanPattern<wast::token::F64>) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

fn v128_matches(v: u128, p: &V128Pattern) -> bool {
    let b = v.to_le_bytes();
    match p {
        V128Pattern::I8x16(l) => l.iter().enumerate().all(|(i, &x)| b[i] as i8 == x),
        V128Pattern::I16x8(l) => l.iter().enumerate().all(|(i, &x)| i16::from_le_bytes([b[2 * i], b[2 * i + 1]]) == x),
        V128Pattern::I32x4(l) => {
            l.iter().enumerate().all(|(i, &x)| i32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap()) == x)
        }
        V128Pattern::I64x2(l) => {
            l.iter().enumerate().all(|(i, &x)| i64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap()) == x)
        }
        V128Pattern::F32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, x)| f32_matches(u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap()), x)),
        V128Pattern::F64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, x)| f64_matches(u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap()), x)),
    }
}

fn show(v: &Val) -> String {
    match v {
        Val::F32(b) => format!("f32 {} (0x{b:08x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64 {} (0x{b:016x})", f64::from_bits(*b)),
        Val::V128(b) => format!("v128 0x{b:032x}"),
        other => format!("{other:?}"),
    }
}

fn describe(e: &RetCore<'_>) -> String {
    match e {
        RetCore::F32(NanPattern::Value(v)) => format!("f32 {} (0x{:08x})", f32::from_bits(v.bits), v.bits),
        RetCore::F64(NanPattern::Value(v)) => format!("f64 {} (0x{:016x})", f64::from_bits(v.bits), v.bits),
        other => format!("{other:?}"),
    }
}
