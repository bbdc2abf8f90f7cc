//! Guarded memory stencils (no bounds check) are left by the SIGSEGV handler through a `ret` from the
//! landing stencil, which is only correct if they never change `rsp`. This checks every one of them.

use iced_x86::{Decoder, DecoderOptions, Mnemonic, OpKind, Register};

fn is_guarded(name: &str) -> bool {
    ["gs_s__", "gs_r__", "gr_s__", "gr_r__", "gss__", "grs__", "gsr__"].iter().any(|p| name.starts_with(p))
}

#[test]
fn guarded_stencils_never_move_the_stack_pointer() {
    let mut checked = 0;
    for stencil in weft_stencils::STENCILS.iter().filter(|s| is_guarded(s.name())) {
        let mut decoder = Decoder::with_ip(64, stencil.code(), 0, DecoderOptions::NONE);
        for insn in &mut decoder {
            let moves_rsp = matches!(insn.mnemonic(), Mnemonic::Push | Mnemonic::Pop | Mnemonic::Call | Mnemonic::Ret | Mnemonic::Enter | Mnemonic::Leave)
                || (insn.op_count() > 0 && insn.op0_kind() == OpKind::Register && insn.op0_register() == Register::RSP);
            assert!(!moves_rsp, "guarded stencil `{}` changes rsp: {insn}", stencil.name());
        }
        checked += 1;
    }
    // 14 loads x 4 (float loads 2) + 9 stores x 3 (float stores 2): make sure the filter found them.
    assert!(checked > 60, "only {checked} guarded stencils found");
}
