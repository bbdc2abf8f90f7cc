//! Operators the compiler translates specially when an operand is a constant agree with wasm's
//! semantics for every constant. (The spec suite mostly passes such operands as arguments, so these
//! forms would go untested there.)

use weft::*;

/// Shifts by a constant have a stencil per amount: every amount of every i32 and i64 shift, including
/// 0 and amounts at or past the width (taken modulo the width), from a local and from a register.
#[test]
fn shifts_by_every_constant_amount() {
    let engine = Engine::default();
    let values: [i64; 6] = [0, 1, -1, i64::MIN + 1, 0x0123_4567_89ab_cdef, 0x7654_3210_fedc_ba98];
    for (ty, bits) in [("i32", 64 / 2), ("i64", 64)] {
        let mut amounts: Vec<i64> = (0..bits + 3).collect();
        amounts.extend([2 * bits + 5, -1, if bits == 32 { i32::MAX.into() } else { (1 << 33) + 3 }]);
        let mut funcs = String::new();
        for op in ["shl", "shr_u", "shr_s"] {
            for &k in &amounts {
                // The shifted value in a local's slot, and in the cached register (the result of an add).
                funcs += &format!(
                    "(func (export \"{op} {k} local\") (param $x {ty}) (result {ty}) ({ty}.{op} (local.get $x) ({ty}.const {k})))\n\
                     (func (export \"{op} {k} register\") (param $x {ty}) (result {ty}) ({ty}.{op} ({ty}.add (local.get $x) ({ty}.const 0)) ({ty}.const {k})))\n"
                );
            }
        }
        let module = Module::new(&engine, &wat::parse_str(format!("(module {funcs})")).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        for op in ["shl", "shr_u", "shr_s"] {
            for &k in &amounts {
                for &x in &values {
                    let n = k as u32; // wrapping_shl/shr take the amount modulo the width, as wasm does
                    let (arg, want) = if bits == 32 {
                        let x = x as i32;
                        let r = match op {
                            "shl" => x.wrapping_shl(n),
                            "shr_u" => (x as u32).wrapping_shr(n) as i32,
                            _ => x.wrapping_shr(n),
                        };
                        (Val::I32(x), Val::I32(r))
                    } else {
                        let r = match op {
                            "shl" => x.wrapping_shl(n),
                            "shr_u" => (x as u64).wrapping_shr(n) as i64,
                            _ => x.wrapping_shr(n),
                        };
                        (Val::I64(x), Val::I64(r))
                    };
                    for form in ["local", "register"] {
                        let name = format!("{op} {k} {form}");
                        let got = instance.get_func(&name).unwrap().call(&mut store, &[arg]).unwrap();
                        assert_eq!(got, vec![want], "{ty}.{op} by {k} ({form}) of {x:#x}");
                    }
                }
            }
        }
    }
}
