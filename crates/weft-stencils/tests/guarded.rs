//! Guarded memory stencils (no bounds check) are left by the SIGSEGV handler through a `ret` from the
//! landing stencil, which is only correct if they never change `rsp`. This checks every one of them.
//! Also here, on the same generated tables: the emitter's range check of the values it patches in.

use iced_x86::{Decoder, DecoderOptions, Mnemonic, OpKind, Register};

/// Guarded loads `g<a>_<d>__<load>` and stores `g<a><v>__<store>`, for every operand kind.
fn is_guarded(name: &str) -> bool {
    let Some((ns, op)) = name.split_once("__") else { return false };
    let Some(sources) = ns.strip_prefix('g') else { return false };
    !sources.is_empty()
        && sources.chars().all(|c| "srpqixy_".contains(c))
        && (op.contains("load") || op.contains("store"))
}

#[test]
fn guarded_stencils_never_move_the_stack_pointer() {
    let mut checked = 0;
    for stencil in weft_stencils::STENCILS.iter().filter(|s| is_guarded(s.name())) {
        let mut decoder = Decoder::with_ip(64, stencil.code(), 0, DecoderOptions::NONE);
        for insn in &mut decoder {
            let moves_rsp = matches!(
                insn.mnemonic(),
                Mnemonic::Push | Mnemonic::Pop | Mnemonic::Call | Mnemonic::Ret | Mnemonic::Enter | Mnemonic::Leave
            ) || (insn.op_count() > 0
                && insn.op0_kind() == OpKind::Register
                && insn.op0_register() == Register::RSP);
            assert!(!moves_rsp, "guarded stencil `{}` changes rsp: {insn}", stencil.name());
        }
        checked += 1;
    }
    // 14 loads and 9 stores, each in tens of operand-kind forms: make sure the filter found them.
    assert!(checked > 250, "only {checked} guarded stencils found");
    for constant_store in ["gsi__i32_store", "gri__i64_store", "gpi__f64_store", "gqi__i32_store8"] {
        assert!(is_guarded(constant_store) && weft_stencils::by_name(constant_store).is_some(), "{constant_store}");
    }
}

/// `copy_and_patch` reports a value that does not fit its hole (unsigned or signed 32-bit, after the
/// addend) and accepts the extremes that do.
#[test]
fn patch_values_are_range_checked() {
    use weft_stencils::{EMIT_SLACK, HoleKind, Holes, Reloc, STENCILS, copy_and_patch};
    let holes_with = |kind: HoleKind, value: u32| {
        let mut h = Holes::NONE;
        h[kind] = value;
        h
    };
    let mut code = vec![0u8; 256 + EMIT_SLACK];
    let mut checked = [0; 2];
    for (id, stencil) in STENCILS.iter().enumerate() {
        // Stencils with one value hole, addend 0: its range is exactly the reloc's.
        let values: Vec<_> = stencil
            .holes()
            .iter()
            .filter(|h| !matches!(h.kind, HoleKind::Continue | HoleKind::Target | HoleKind::Callee | HoleKind::Data))
            .collect();
        let [hole] = values[..] else { continue };
        let signed = match hole.reloc {
            Reloc::Abs32 => false,
            Reloc::Abs32S => true,
            Reloc::Rel32 => continue,
        };
        if hole.addend != 0 {
            continue;
        }
        let mut fits = |value: u32| copy_and_patch(id as u16, &mut code, 0, &holes_with(hole.kind, value)).is_some();
        if signed {
            // Hole values are u32: a signed hole takes 0..2^31.
            assert!(fits(0) && fits(0x7fff_ffff) && !fits(0x8000_0000) && !fits(u32::MAX), "{}", stencil.name());
        } else {
            assert!(fits(0) && fits(u32::MAX), "{}", stencil.name());
        }
        assert!(fits(0x1234_5678));
        assert_eq!(
            u32::from_le_bytes(code[hole.offset as usize..][..4].try_into().unwrap()),
            0x1234_5678,
            "{}",
            stencil.name()
        );
        checked[signed as usize] += 1;
    }
    assert!(checked[0] > 0 && checked[1] > 0, "stencils with one unsigned / signed value hole: {checked:?}");
}
