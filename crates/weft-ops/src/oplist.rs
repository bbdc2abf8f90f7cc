//! The op list: every operator whose whole meaning is a function in `semantics`, with its operand shape.
//!
//! `for_each_simple_op!(m)` calls `m!` once with the whole list. Stencils expand it into one stencil per
//! op, the compiler into its operator -> stencil table, a later interpreter tier into its handlers; so an
//! operator is added in exactly one place. Each line reads
//! `WasmparserVariant stencil_and_semantics_name shape InputType => OutputType;` where the shape is
//! `unop`, `binop` (same input type twice), `unop_trap` or `binop_trap` (the semantics return
//! `Result<_, trap code>`).

#[macro_export]
macro_rules! for_each_simple_op {
    ($m:ident) => {
        $m! {
            I32Eqz i32_eqz unop i32 => i32;
            I32Eq i32_eq binop i32 => i32;
            I32Ne i32_ne binop i32 => i32;
            I32LtS i32_lt_s binop i32 => i32;
            I32LtU i32_lt_u binop i32 => i32;
            I32GtS i32_gt_s binop i32 => i32;
            I32GtU i32_gt_u binop i32 => i32;
            I32LeS i32_le_s binop i32 => i32;
            I32LeU i32_le_u binop i32 => i32;
            I32GeS i32_ge_s binop i32 => i32;
            I32GeU i32_ge_u binop i32 => i32;
            I64Eqz i64_eqz unop i64 => i32;
            I64Eq i64_eq binop i64 => i32;
            I64Ne i64_ne binop i64 => i32;
            I64LtS i64_lt_s binop i64 => i32;
            I64LtU i64_lt_u binop i64 => i32;
            I64GtS i64_gt_s binop i64 => i32;
            I64GtU i64_gt_u binop i64 => i32;
            I64LeS i64_le_s binop i64 => i32;
            I64LeU i64_le_u binop i64 => i32;
            I64GeS i64_ge_s binop i64 => i32;
            I64GeU i64_ge_u binop i64 => i32;
            F32Eq f32_eq binop f32 => i32;
            F32Ne f32_ne binop f32 => i32;
            F32Lt f32_lt binop f32 => i32;
            F32Gt f32_gt binop f32 => i32;
            F32Le f32_le binop f32 => i32;
            F32Ge f32_ge binop f32 => i32;
            F64Eq f64_eq binop f64 => i32;
            F64Ne f64_ne binop f64 => i32;
            F64Lt f64_lt binop f64 => i32;
            F64Gt f64_gt binop f64 => i32;
            F64Le f64_le binop f64 => i32;
            F64Ge f64_ge binop f64 => i32;
            I32Clz i32_clz unop i32 => i32;
            I32Ctz i32_ctz unop i32 => i32;
            I32Popcnt i32_popcnt unop i32 => i32;
            I32Add i32_add binop i32 => i32;
            I32Sub i32_sub binop i32 => i32;
            I32Mul i32_mul binop i32 => i32;
            I32DivS i32_div_s binop_trap i32 => i32;
            I32DivU i32_div_u binop_trap i32 => i32;
            I32RemS i32_rem_s binop_trap i32 => i32;
            I32RemU i32_rem_u binop_trap i32 => i32;
            I32And i32_and binop i32 => i32;
            I32Or i32_or binop i32 => i32;
            I32Xor i32_xor binop i32 => i32;
            I32Shl i32_shl binop i32 => i32;
            I32ShrS i32_shr_s binop i32 => i32;
            I32ShrU i32_shr_u binop i32 => i32;
            I32Rotl i32_rotl binop i32 => i32;
            I32Rotr i32_rotr binop i32 => i32;
            I64Clz i64_clz unop i64 => i64;
            I64Ctz i64_ctz unop i64 => i64;
            I64Popcnt i64_popcnt unop i64 => i64;
            I64Add i64_add binop i64 => i64;
            I64Sub i64_sub binop i64 => i64;
            I64Mul i64_mul binop i64 => i64;
            I64DivS i64_div_s binop_trap i64 => i64;
            I64DivU i64_div_u binop_trap i64 => i64;
            I64RemS i64_rem_s binop_trap i64 => i64;
            I64RemU i64_rem_u binop_trap i64 => i64;
            I64And i64_and binop i64 => i64;
            I64Or i64_or binop i64 => i64;
            I64Xor i64_xor binop i64 => i64;
            I64Shl i64_shl binop i64 => i64;
            I64ShrS i64_shr_s binop i64 => i64;
            I64ShrU i64_shr_u binop i64 => i64;
            I64Rotl i64_rotl binop i64 => i64;
            I64Rotr i64_rotr binop i64 => i64;
            F32Abs f32_abs unop f32 => f32;
            F32Neg f32_neg unop f32 => f32;
            F32Ceil f32_ceil unop f32 => f32;
            F32Floor f32_floor unop f32 => f32;
            F32Trunc f32_trunc unop f32 => f32;
            F32Nearest f32_nearest unop f32 => f32;
            F32Sqrt f32_sqrt unop f32 => f32;
            F32Add f32_add binop f32 => f32;
            F32Sub f32_sub binop f32 => f32;
            F32Mul f32_mul binop f32 => f32;
            F32Div f32_div binop f32 => f32;
            F32Min f32_min binop f32 => f32;
            F32Max f32_max binop f32 => f32;
            F32Copysign f32_copysign binop f32 => f32;
            F64Abs f64_abs unop f64 => f64;
            F64Neg f64_neg unop f64 => f64;
            F64Ceil f64_ceil unop f64 => f64;
            F64Floor f64_floor unop f64 => f64;
            F64Trunc f64_trunc unop f64 => f64;
            F64Nearest f64_nearest unop f64 => f64;
            F64Sqrt f64_sqrt unop f64 => f64;
            F64Add f64_add binop f64 => f64;
            F64Sub f64_sub binop f64 => f64;
            F64Mul f64_mul binop f64 => f64;
            F64Div f64_div binop f64 => f64;
            F64Min f64_min binop f64 => f64;
            F64Max f64_max binop f64 => f64;
            F64Copysign f64_copysign binop f64 => f64;
            I64ExtendI32S i64_extend_i32_s unop i32 => i64;
            I64ExtendI32U i64_extend_i32_u unop u32 => i64;
            I32TruncF32S i32_trunc_f32_s unop_trap f32 => i32;
            I32TruncF32U i32_trunc_f32_u unop_trap f32 => u32;
            I32TruncF64S i32_trunc_f64_s unop_trap f64 => i32;
            I32TruncF64U i32_trunc_f64_u unop_trap f64 => u32;
            I64TruncF32S i64_trunc_f32_s unop_trap f32 => i64;
            I64TruncF32U i64_trunc_f32_u unop_trap f32 => u64;
            I64TruncF64S i64_trunc_f64_s unop_trap f64 => i64;
            I64TruncF64U i64_trunc_f64_u unop_trap f64 => u64;
            F32ConvertI32S f32_convert_i32_s unop i32 => f32;
            F32ConvertI32U f32_convert_i32_u unop u32 => f32;
            F32ConvertI64S f32_convert_i64_s unop i64 => f32;
            F32ConvertI64U f32_convert_i64_u unop u64 => f32;
            F32DemoteF64 f32_demote_f64 unop f64 => f32;
            F64ConvertI32S f64_convert_i32_s unop i32 => f64;
            F64ConvertI32U f64_convert_i32_u unop u32 => f64;
            F64ConvertI64S f64_convert_i64_s unop i64 => f64;
            F64ConvertI64U f64_convert_i64_u unop u64 => f64;
            F64PromoteF32 f64_promote_f32 unop f32 => f64;
            I32Extend8S i32_extend8_s unop i32 => i32;
            I32Extend16S i32_extend16_s unop i32 => i32;
            I64Extend8S i64_extend8_s unop i64 => i64;
            I64Extend16S i64_extend16_s unop i64 => i64;
            I64Extend32S i64_extend32_s unop i64 => i64;
            I32TruncSatF32S i32_trunc_sat_f32_s unop f32 => i32;
            I32TruncSatF32U i32_trunc_sat_f32_u unop f32 => u32;
            I32TruncSatF64S i32_trunc_sat_f64_s unop f64 => i32;
            I32TruncSatF64U i32_trunc_sat_f64_u unop f64 => u32;
            I64TruncSatF32S i64_trunc_sat_f32_s unop f32 => i64;
            I64TruncSatF32U i64_trunc_sat_f32_u unop f32 => u64;
            I64TruncSatF64S i64_trunc_sat_f64_s unop f64 => i64;
            I64TruncSatF64U i64_trunc_sat_f64_u unop f64 => u64;
        }
    };
}

/// Loads: `Variant name MemoryType => ResultType bytes;` (the value is `as`-converted, which is wasm's
/// sign or zero extension).
#[macro_export]
macro_rules! for_each_load_op {
    ($m:ident) => {
        $m! {
            I32Load i32_load i32 => i32 4;
            I64Load i64_load i64 => i64 8;
            F32Load f32_load f32 => f32 4;
            F64Load f64_load f64 => f64 8;
            I32Load8S i32_load8_s i8 => i32 1;
            I32Load8U i32_load8_u u8 => i32 1;
            I32Load16S i32_load16_s i16 => i32 2;
            I32Load16U i32_load16_u u16 => i32 2;
            I64Load8S i64_load8_s i8 => i64 1;
            I64Load8U i64_load8_u u8 => i64 1;
            I64Load16S i64_load16_s i16 => i64 2;
            I64Load16U i64_load16_u u16 => i64 2;
            I64Load32S i64_load32_s i32 => i64 4;
            I64Load32U i64_load32_u u32 => i64 4;
        }
    };
}

/// Stores: `Variant name ValueType => MemoryType bytes;` (the value is `as`-wrapped).
#[macro_export]
macro_rules! for_each_store_op {
    ($m:ident) => {
        $m! {
            I32Store i32_store i32 => i32 4;
            I64Store i64_store i64 => i64 8;
            F32Store f32_store f32 => f32 4;
            F64Store f64_store f64 => f64 8;
            I32Store8 i32_store8 i32 => u8 1;
            I32Store16 i32_store16 i32 => u16 2;
            I64Store8 i64_store8 i64 => u8 1;
            I64Store16 i64_store16 i64 => u16 2;
            I64Store32 i64_store32 i64 => u32 4;
        }
    };
}

/// Shifts by a constant, specialized on the amount: x86 shifts by a variable amount need it in cl (a
/// stencil spends four instructions freeing it), a constant one is a single instruction. Every amount
/// but 0, of every i32 and i64 shift. `name type op amount;`; each is a unop of its type
/// (`weft_ops::semantics::<name>`, generated from the list).
#[macro_export]
macro_rules! for_each_const_shift {
    ($m:ident) => {
        $m! {
            i32_shl_1 i32 shl 1;
            i32_shl_2 i32 shl 2;
            i32_shl_3 i32 shl 3;
            i32_shl_4 i32 shl 4;
            i32_shl_5 i32 shl 5;
            i32_shl_6 i32 shl 6;
            i32_shl_7 i32 shl 7;
            i32_shl_8 i32 shl 8;
            i32_shl_9 i32 shl 9;
            i32_shl_10 i32 shl 10;
            i32_shl_11 i32 shl 11;
            i32_shl_12 i32 shl 12;
            i32_shl_13 i32 shl 13;
            i32_shl_14 i32 shl 14;
            i32_shl_15 i32 shl 15;
            i32_shl_16 i32 shl 16;
            i32_shl_17 i32 shl 17;
            i32_shl_18 i32 shl 18;
            i32_shl_19 i32 shl 19;
            i32_shl_20 i32 shl 20;
            i32_shl_21 i32 shl 21;
            i32_shl_22 i32 shl 22;
            i32_shl_23 i32 shl 23;
            i32_shl_24 i32 shl 24;
            i32_shl_25 i32 shl 25;
            i32_shl_26 i32 shl 26;
            i32_shl_27 i32 shl 27;
            i32_shl_28 i32 shl 28;
            i32_shl_29 i32 shl 29;
            i32_shl_30 i32 shl 30;
            i32_shl_31 i32 shl 31;
            i32_shr_u_1 i32 shr_u 1;
            i32_shr_u_2 i32 shr_u 2;
            i32_shr_u_3 i32 shr_u 3;
            i32_shr_u_4 i32 shr_u 4;
            i32_shr_u_5 i32 shr_u 5;
            i32_shr_u_6 i32 shr_u 6;
            i32_shr_u_7 i32 shr_u 7;
            i32_shr_u_8 i32 shr_u 8;
            i32_shr_u_9 i32 shr_u 9;
            i32_shr_u_10 i32 shr_u 10;
            i32_shr_u_11 i32 shr_u 11;
            i32_shr_u_12 i32 shr_u 12;
            i32_shr_u_13 i32 shr_u 13;
            i32_shr_u_14 i32 shr_u 14;
            i32_shr_u_15 i32 shr_u 15;
            i32_shr_u_16 i32 shr_u 16;
            i32_shr_u_17 i32 shr_u 17;
            i32_shr_u_18 i32 shr_u 18;
            i32_shr_u_19 i32 shr_u 19;
            i32_shr_u_20 i32 shr_u 20;
            i32_shr_u_21 i32 shr_u 21;
            i32_shr_u_22 i32 shr_u 22;
            i32_shr_u_23 i32 shr_u 23;
            i32_shr_u_24 i32 shr_u 24;
            i32_shr_u_25 i32 shr_u 25;
            i32_shr_u_26 i32 shr_u 26;
            i32_shr_u_27 i32 shr_u 27;
            i32_shr_u_28 i32 shr_u 28;
            i32_shr_u_29 i32 shr_u 29;
            i32_shr_u_30 i32 shr_u 30;
            i32_shr_u_31 i32 shr_u 31;
            i32_shr_s_1 i32 shr_s 1;
            i32_shr_s_2 i32 shr_s 2;
            i32_shr_s_3 i32 shr_s 3;
            i32_shr_s_4 i32 shr_s 4;
            i32_shr_s_5 i32 shr_s 5;
            i32_shr_s_6 i32 shr_s 6;
            i32_shr_s_7 i32 shr_s 7;
            i32_shr_s_8 i32 shr_s 8;
            i32_shr_s_9 i32 shr_s 9;
            i32_shr_s_10 i32 shr_s 10;
            i32_shr_s_11 i32 shr_s 11;
            i32_shr_s_12 i32 shr_s 12;
            i32_shr_s_13 i32 shr_s 13;
            i32_shr_s_14 i32 shr_s 14;
            i32_shr_s_15 i32 shr_s 15;
            i32_shr_s_16 i32 shr_s 16;
            i32_shr_s_17 i32 shr_s 17;
            i32_shr_s_18 i32 shr_s 18;
            i32_shr_s_19 i32 shr_s 19;
            i32_shr_s_20 i32 shr_s 20;
            i32_shr_s_21 i32 shr_s 21;
            i32_shr_s_22 i32 shr_s 22;
            i32_shr_s_23 i32 shr_s 23;
            i32_shr_s_24 i32 shr_s 24;
            i32_shr_s_25 i32 shr_s 25;
            i32_shr_s_26 i32 shr_s 26;
            i32_shr_s_27 i32 shr_s 27;
            i32_shr_s_28 i32 shr_s 28;
            i32_shr_s_29 i32 shr_s 29;
            i32_shr_s_30 i32 shr_s 30;
            i32_shr_s_31 i32 shr_s 31;
            i64_shl_1 i64 shl 1;
            i64_shl_2 i64 shl 2;
            i64_shl_3 i64 shl 3;
            i64_shl_4 i64 shl 4;
            i64_shl_5 i64 shl 5;
            i64_shl_6 i64 shl 6;
            i64_shl_7 i64 shl 7;
            i64_shl_8 i64 shl 8;
            i64_shl_9 i64 shl 9;
            i64_shl_10 i64 shl 10;
            i64_shl_11 i64 shl 11;
            i64_shl_12 i64 shl 12;
            i64_shl_13 i64 shl 13;
            i64_shl_14 i64 shl 14;
            i64_shl_15 i64 shl 15;
            i64_shl_16 i64 shl 16;
            i64_shl_17 i64 shl 17;
            i64_shl_18 i64 shl 18;
            i64_shl_19 i64 shl 19;
            i64_shl_20 i64 shl 20;
            i64_shl_21 i64 shl 21;
            i64_shl_22 i64 shl 22;
            i64_shl_23 i64 shl 23;
            i64_shl_24 i64 shl 24;
            i64_shl_25 i64 shl 25;
            i64_shl_26 i64 shl 26;
            i64_shl_27 i64 shl 27;
            i64_shl_28 i64 shl 28;
            i64_shl_29 i64 shl 29;
            i64_shl_30 i64 shl 30;
            i64_shl_31 i64 shl 31;
            i64_shl_32 i64 shl 32;
            i64_shl_33 i64 shl 33;
            i64_shl_34 i64 shl 34;
            i64_shl_35 i64 shl 35;
            i64_shl_36 i64 shl 36;
            i64_shl_37 i64 shl 37;
            i64_shl_38 i64 shl 38;
            i64_shl_39 i64 shl 39;
            i64_shl_40 i64 shl 40;
            i64_shl_41 i64 shl 41;
            i64_shl_42 i64 shl 42;
            i64_shl_43 i64 shl 43;
            i64_shl_44 i64 shl 44;
            i64_shl_45 i64 shl 45;
            i64_shl_46 i64 shl 46;
            i64_shl_47 i64 shl 47;
            i64_shl_48 i64 shl 48;
            i64_shl_49 i64 shl 49;
            i64_shl_50 i64 shl 50;
            i64_shl_51 i64 shl 51;
            i64_shl_52 i64 shl 52;
            i64_shl_53 i64 shl 53;
            i64_shl_54 i64 shl 54;
            i64_shl_55 i64 shl 55;
            i64_shl_56 i64 shl 56;
            i64_shl_57 i64 shl 57;
            i64_shl_58 i64 shl 58;
            i64_shl_59 i64 shl 59;
            i64_shl_60 i64 shl 60;
            i64_shl_61 i64 shl 61;
            i64_shl_62 i64 shl 62;
            i64_shl_63 i64 shl 63;
            i64_shr_u_1 i64 shr_u 1;
            i64_shr_u_2 i64 shr_u 2;
            i64_shr_u_3 i64 shr_u 3;
            i64_shr_u_4 i64 shr_u 4;
            i64_shr_u_5 i64 shr_u 5;
            i64_shr_u_6 i64 shr_u 6;
            i64_shr_u_7 i64 shr_u 7;
            i64_shr_u_8 i64 shr_u 8;
            i64_shr_u_9 i64 shr_u 9;
            i64_shr_u_10 i64 shr_u 10;
            i64_shr_u_11 i64 shr_u 11;
            i64_shr_u_12 i64 shr_u 12;
            i64_shr_u_13 i64 shr_u 13;
            i64_shr_u_14 i64 shr_u 14;
            i64_shr_u_15 i64 shr_u 15;
            i64_shr_u_16 i64 shr_u 16;
            i64_shr_u_17 i64 shr_u 17;
            i64_shr_u_18 i64 shr_u 18;
            i64_shr_u_19 i64 shr_u 19;
            i64_shr_u_20 i64 shr_u 20;
            i64_shr_u_21 i64 shr_u 21;
            i64_shr_u_22 i64 shr_u 22;
            i64_shr_u_23 i64 shr_u 23;
            i64_shr_u_24 i64 shr_u 24;
            i64_shr_u_25 i64 shr_u 25;
            i64_shr_u_26 i64 shr_u 26;
            i64_shr_u_27 i64 shr_u 27;
            i64_shr_u_28 i64 shr_u 28;
            i64_shr_u_29 i64 shr_u 29;
            i64_shr_u_30 i64 shr_u 30;
            i64_shr_u_31 i64 shr_u 31;
            i64_shr_u_32 i64 shr_u 32;
            i64_shr_u_33 i64 shr_u 33;
            i64_shr_u_34 i64 shr_u 34;
            i64_shr_u_35 i64 shr_u 35;
            i64_shr_u_36 i64 shr_u 36;
            i64_shr_u_37 i64 shr_u 37;
            i64_shr_u_38 i64 shr_u 38;
            i64_shr_u_39 i64 shr_u 39;
            i64_shr_u_40 i64 shr_u 40;
            i64_shr_u_41 i64 shr_u 41;
            i64_shr_u_42 i64 shr_u 42;
            i64_shr_u_43 i64 shr_u 43;
            i64_shr_u_44 i64 shr_u 44;
            i64_shr_u_45 i64 shr_u 45;
            i64_shr_u_46 i64 shr_u 46;
            i64_shr_u_47 i64 shr_u 47;
            i64_shr_u_48 i64 shr_u 48;
            i64_shr_u_49 i64 shr_u 49;
            i64_shr_u_50 i64 shr_u 50;
            i64_shr_u_51 i64 shr_u 51;
            i64_shr_u_52 i64 shr_u 52;
            i64_shr_u_53 i64 shr_u 53;
            i64_shr_u_54 i64 shr_u 54;
            i64_shr_u_55 i64 shr_u 55;
            i64_shr_u_56 i64 shr_u 56;
            i64_shr_u_57 i64 shr_u 57;
            i64_shr_u_58 i64 shr_u 58;
            i64_shr_u_59 i64 shr_u 59;
            i64_shr_u_60 i64 shr_u 60;
            i64_shr_u_61 i64 shr_u 61;
            i64_shr_u_62 i64 shr_u 62;
            i64_shr_u_63 i64 shr_u 63;
            i64_shr_s_1 i64 shr_s 1;
            i64_shr_s_2 i64 shr_s 2;
            i64_shr_s_3 i64 shr_s 3;
            i64_shr_s_4 i64 shr_s 4;
            i64_shr_s_5 i64 shr_s 5;
            i64_shr_s_6 i64 shr_s 6;
            i64_shr_s_7 i64 shr_s 7;
            i64_shr_s_8 i64 shr_s 8;
            i64_shr_s_9 i64 shr_s 9;
            i64_shr_s_10 i64 shr_s 10;
            i64_shr_s_11 i64 shr_s 11;
            i64_shr_s_12 i64 shr_s 12;
            i64_shr_s_13 i64 shr_s 13;
            i64_shr_s_14 i64 shr_s 14;
            i64_shr_s_15 i64 shr_s 15;
            i64_shr_s_16 i64 shr_s 16;
            i64_shr_s_17 i64 shr_s 17;
            i64_shr_s_18 i64 shr_s 18;
            i64_shr_s_19 i64 shr_s 19;
            i64_shr_s_20 i64 shr_s 20;
            i64_shr_s_21 i64 shr_s 21;
            i64_shr_s_22 i64 shr_s 22;
            i64_shr_s_23 i64 shr_s 23;
            i64_shr_s_24 i64 shr_s 24;
            i64_shr_s_25 i64 shr_s 25;
            i64_shr_s_26 i64 shr_s 26;
            i64_shr_s_27 i64 shr_s 27;
            i64_shr_s_28 i64 shr_s 28;
            i64_shr_s_29 i64 shr_s 29;
            i64_shr_s_30 i64 shr_s 30;
            i64_shr_s_31 i64 shr_s 31;
            i64_shr_s_32 i64 shr_s 32;
            i64_shr_s_33 i64 shr_s 33;
            i64_shr_s_34 i64 shr_s 34;
            i64_shr_s_35 i64 shr_s 35;
            i64_shr_s_36 i64 shr_s 36;
            i64_shr_s_37 i64 shr_s 37;
            i64_shr_s_38 i64 shr_s 38;
            i64_shr_s_39 i64 shr_s 39;
            i64_shr_s_40 i64 shr_s 40;
            i64_shr_s_41 i64 shr_s 41;
            i64_shr_s_42 i64 shr_s 42;
            i64_shr_s_43 i64 shr_s 43;
            i64_shr_s_44 i64 shr_s 44;
            i64_shr_s_45 i64 shr_s 45;
            i64_shr_s_46 i64 shr_s 46;
            i64_shr_s_47 i64 shr_s 47;
            i64_shr_s_48 i64 shr_s 48;
            i64_shr_s_49 i64 shr_s 49;
            i64_shr_s_50 i64 shr_s 50;
            i64_shr_s_51 i64 shr_s 51;
            i64_shr_s_52 i64 shr_s 52;
            i64_shr_s_53 i64 shr_s 53;
            i64_shr_s_54 i64 shr_s 54;
            i64_shr_s_55 i64 shr_s 55;
            i64_shr_s_56 i64 shr_s 56;
            i64_shr_s_57 i64 shr_s 57;
            i64_shr_s_58 i64 shr_s 58;
            i64_shr_s_59 i64 shr_s 59;
            i64_shr_s_60 i64 shr_s 60;
            i64_shr_s_61 i64 shr_s 61;
            i64_shr_s_62 i64 shr_s 62;
            i64_shr_s_63 i64 shr_s 63;
        }
    };
}

/// Comparisons (and `i32.and`, a bit test) that a following `br_if`/`if` fuses with:
/// `Variant name InputType;`.
#[macro_export]
macro_rules! for_each_fusable_compare {
    ($m:ident) => {
        $m! {
            I32And i32_and i32;
            I32Eq i32_eq i32;
            I32Ne i32_ne i32;
            I32LtS i32_lt_s i32;
            I32LtU i32_lt_u i32;
            I32GtS i32_gt_s i32;
            I32GtU i32_gt_u i32;
            I32LeS i32_le_s i32;
            I32LeU i32_le_u i32;
            I32GeS i32_ge_s i32;
            I32GeU i32_ge_u i32;
            I64Eq i64_eq i64;
            I64Ne i64_ne i64;
            I64LtS i64_lt_s i64;
            I64LtU i64_lt_u i64;
            I64GtS i64_gt_s i64;
            I64GtU i64_gt_u i64;
            I64LeS i64_le_s i64;
            I64LeU i64_le_u i64;
            I64GeS i64_ge_s i64;
            I64GeU i64_ge_u i64;
            F64Eq f64_eq f64;
            F64Ne f64_ne f64;
            F64Lt f64_lt f64;
            F64Gt f64_gt f64;
            F64Le f64_le f64;
            F64Ge f64_ge f64;
        }
    };
}

/// f64 binops with a form that loads their second operand from memory while the first is in f0
/// (`sum += a[i]`, `x * a[i]`): `Variant name fused;`, the fused stencils being operator `fused`.
#[macro_export]
macro_rules! for_each_load_fusable_op {
    ($m:ident) => {
        $m! {
            F64Add f64_add f64_add_load;
            F64Sub f64_sub f64_sub_load;
            F64Mul f64_mul f64_mul_load;
            F64Div f64_div f64_div_load;
        }
    };
}

/// `weft_if_int!(T, tokens...)` expands to the tokens when `T` is an integer type (values of which may
/// be cached in a register), to nothing for floats.
#[macro_export]
macro_rules! weft_if_int {
    (i32, $($t:tt)*) => { $($t)* };
    (u32, $($t:tt)*) => { $($t)* };
    (i64, $($t:tt)*) => { $($t)* };
    (u64, $($t:tt)*) => { $($t)* };
    (i8, $($t:tt)*) => { $($t)* };
    (u8, $($t:tt)*) => { $($t)* };
    (i16, $($t:tt)*) => { $($t)* };
    (u16, $($t:tt)*) => { $($t)* };
    (f32, $($t:tt)*) => {};
    (f64, $($t:tt)*) => {};
}

/// `weft_if_reg!(T, tokens...)`: the tokens when values of type `T` can be cached in a state register
/// (integers in t0, f64 in f0), nothing otherwise.
#[macro_export]
macro_rules! weft_if_reg {
    (f64, $($t:tt)*) => { $($t)* };
    (f32, $($t:tt)*) => {};
    ($int:ident, $($t:tt)*) => { $crate::weft_if_int!($int, $($t)*); };
}

/// Fixed-width SIMD operators whose whole meaning is a function in `simd`:
/// `WasmparserVariant name shape [ScalarType];`. Shapes (operands are contiguous slots from the first
/// one, which receives the result):
/// - `v_unop` v128 -> v128; `v_binop` (v128, v128) -> v128; `v_ternop` (v128, v128, v128) -> v128;
/// - `v_test` v128 -> i32;
/// - `v_splat T` scalar T -> v128;
/// - `v_shift` (v128, i32) -> v128;
/// - `v_shuffle` (v128, v128) -> v128 with the 16 lane indices as immediates.
#[macro_export]
macro_rules! for_each_simd_op {
    ($m:ident) => {
        $m! {
            V128Not v128_not v_unop;
            V128And v128_and v_binop;
            V128AndNot v128_andnot v_binop;
            V128Or v128_or v_binop;
            V128Xor v128_xor v_binop;
            V128Bitselect v128_bitselect v_ternop;
            V128AnyTrue v128_any_true v_test;
            I8x16Shuffle i8x16_shuffle v_shuffle;
            I8x16Swizzle i8x16_swizzle v_binop;
            I8x16Splat i8x16_splat v_splat i32;
            I16x8Splat i16x8_splat v_splat i32;
            I32x4Splat i32x4_splat v_splat i32;
            I64x2Splat i64x2_splat v_splat i64;
            F32x4Splat f32x4_splat v_splat f32;
            F64x2Splat f64x2_splat v_splat f64;
            I8x16Eq i8x16_eq v_binop;
            I8x16Ne i8x16_ne v_binop;
            I8x16LtS i8x16_lt_s v_binop;
            I8x16LtU i8x16_lt_u v_binop;
            I8x16GtS i8x16_gt_s v_binop;
            I8x16GtU i8x16_gt_u v_binop;
            I8x16LeS i8x16_le_s v_binop;
            I8x16LeU i8x16_le_u v_binop;
            I8x16GeS i8x16_ge_s v_binop;
            I8x16GeU i8x16_ge_u v_binop;
            I16x8Eq i16x8_eq v_binop;
            I16x8Ne i16x8_ne v_binop;
            I16x8LtS i16x8_lt_s v_binop;
            I16x8LtU i16x8_lt_u v_binop;
            I16x8GtS i16x8_gt_s v_binop;
            I16x8GtU i16x8_gt_u v_binop;
            I16x8LeS i16x8_le_s v_binop;
            I16x8LeU i16x8_le_u v_binop;
            I16x8GeS i16x8_ge_s v_binop;
            I16x8GeU i16x8_ge_u v_binop;
            I32x4Eq i32x4_eq v_binop;
            I32x4Ne i32x4_ne v_binop;
            I32x4LtS i32x4_lt_s v_binop;
            I32x4LtU i32x4_lt_u v_binop;
            I32x4GtS i32x4_gt_s v_binop;
            I32x4GtU i32x4_gt_u v_binop;
            I32x4LeS i32x4_le_s v_binop;
            I32x4LeU i32x4_le_u v_binop;
            I32x4GeS i32x4_ge_s v_binop;
            I32x4GeU i32x4_ge_u v_binop;
            I64x2Eq i64x2_eq v_binop;
            I64x2Ne i64x2_ne v_binop;
            I64x2LtS i64x2_lt_s v_binop;
            I64x2GtS i64x2_gt_s v_binop;
            I64x2LeS i64x2_le_s v_binop;
            I64x2GeS i64x2_ge_s v_binop;
            F32x4Eq f32x4_eq v_binop;
            F32x4Ne f32x4_ne v_binop;
            F32x4Lt f32x4_lt v_binop;
            F32x4Gt f32x4_gt v_binop;
            F32x4Le f32x4_le v_binop;
            F32x4Ge f32x4_ge v_binop;
            F64x2Eq f64x2_eq v_binop;
            F64x2Ne f64x2_ne v_binop;
            F64x2Lt f64x2_lt v_binop;
            F64x2Gt f64x2_gt v_binop;
            F64x2Le f64x2_le v_binop;
            F64x2Ge f64x2_ge v_binop;
            I8x16Abs i8x16_abs v_unop;
            I8x16Neg i8x16_neg v_unop;
            I8x16Popcnt i8x16_popcnt v_unop;
            I8x16AllTrue i8x16_all_true v_test;
            I8x16Bitmask i8x16_bitmask v_test;
            I8x16NarrowI16x8S i8x16_narrow_i16x8_s v_binop;
            I8x16NarrowI16x8U i8x16_narrow_i16x8_u v_binop;
            I8x16Shl i8x16_shl v_shift;
            I8x16ShrS i8x16_shr_s v_shift;
            I8x16ShrU i8x16_shr_u v_shift;
            I8x16Add i8x16_add v_binop;
            I8x16AddSatS i8x16_add_sat_s v_binop;
            I8x16AddSatU i8x16_add_sat_u v_binop;
            I8x16Sub i8x16_sub v_binop;
            I8x16SubSatS i8x16_sub_sat_s v_binop;
            I8x16SubSatU i8x16_sub_sat_u v_binop;
            I8x16MinS i8x16_min_s v_binop;
            I8x16MinU i8x16_min_u v_binop;
            I8x16MaxS i8x16_max_s v_binop;
            I8x16MaxU i8x16_max_u v_binop;
            I8x16AvgrU i8x16_avgr_u v_binop;
            I16x8ExtAddPairwiseI8x16S i16x8_extadd_pairwise_i8x16_s v_unop;
            I16x8ExtAddPairwiseI8x16U i16x8_extadd_pairwise_i8x16_u v_unop;
            I16x8Abs i16x8_abs v_unop;
            I16x8Neg i16x8_neg v_unop;
            I16x8Q15MulrSatS i16x8_q15mulr_sat_s v_binop;
            I16x8AllTrue i16x8_all_true v_test;
            I16x8Bitmask i16x8_bitmask v_test;
            I16x8NarrowI32x4S i16x8_narrow_i32x4_s v_binop;
            I16x8NarrowI32x4U i16x8_narrow_i32x4_u v_binop;
            I16x8ExtendLowI8x16S i16x8_extend_low_i8x16_s v_unop;
            I16x8ExtendHighI8x16S i16x8_extend_high_i8x16_s v_unop;
            I16x8ExtendLowI8x16U i16x8_extend_low_i8x16_u v_unop;
            I16x8ExtendHighI8x16U i16x8_extend_high_i8x16_u v_unop;
            I16x8Shl i16x8_shl v_shift;
            I16x8ShrS i16x8_shr_s v_shift;
            I16x8ShrU i16x8_shr_u v_shift;
            I16x8Add i16x8_add v_binop;
            I16x8AddSatS i16x8_add_sat_s v_binop;
            I16x8AddSatU i16x8_add_sat_u v_binop;
            I16x8Sub i16x8_sub v_binop;
            I16x8SubSatS i16x8_sub_sat_s v_binop;
            I16x8SubSatU i16x8_sub_sat_u v_binop;
            I16x8Mul i16x8_mul v_binop;
            I16x8MinS i16x8_min_s v_binop;
            I16x8MinU i16x8_min_u v_binop;
            I16x8MaxS i16x8_max_s v_binop;
            I16x8MaxU i16x8_max_u v_binop;
            I16x8AvgrU i16x8_avgr_u v_binop;
            I16x8ExtMulLowI8x16S i16x8_extmul_low_i8x16_s v_binop;
            I16x8ExtMulHighI8x16S i16x8_extmul_high_i8x16_s v_binop;
            I16x8ExtMulLowI8x16U i16x8_extmul_low_i8x16_u v_binop;
            I16x8ExtMulHighI8x16U i16x8_extmul_high_i8x16_u v_binop;
            I32x4ExtAddPairwiseI16x8S i32x4_extadd_pairwise_i16x8_s v_unop;
            I32x4ExtAddPairwiseI16x8U i32x4_extadd_pairwise_i16x8_u v_unop;
            I32x4Abs i32x4_abs v_unop;
            I32x4Neg i32x4_neg v_unop;
            I32x4AllTrue i32x4_all_true v_test;
            I32x4Bitmask i32x4_bitmask v_test;
            I32x4ExtendLowI16x8S i32x4_extend_low_i16x8_s v_unop;
            I32x4ExtendHighI16x8S i32x4_extend_high_i16x8_s v_unop;
            I32x4ExtendLowI16x8U i32x4_extend_low_i16x8_u v_unop;
            I32x4ExtendHighI16x8U i32x4_extend_high_i16x8_u v_unop;
            I32x4Shl i32x4_shl v_shift;
            I32x4ShrS i32x4_shr_s v_shift;
            I32x4ShrU i32x4_shr_u v_shift;
            I32x4Add i32x4_add v_binop;
            I32x4Sub i32x4_sub v_binop;
            I32x4Mul i32x4_mul v_binop;
            I32x4MinS i32x4_min_s v_binop;
            I32x4MinU i32x4_min_u v_binop;
            I32x4MaxS i32x4_max_s v_binop;
            I32x4MaxU i32x4_max_u v_binop;
            I32x4DotI16x8S i32x4_dot_i16x8_s v_binop;
            I16x8RelaxedDotI8x16I7x16S i16x8_relaxed_dot_i8x16_i7x16_s v_binop;
            I32x4RelaxedDotI8x16I7x16AddS i32x4_relaxed_dot_i8x16_i7x16_add_s v_ternop;
            F32x4RelaxedMadd f32x4_relaxed_madd v_ternop;
            F32x4RelaxedNmadd f32x4_relaxed_nmadd v_ternop;
            F64x2RelaxedMadd f64x2_relaxed_madd v_ternop;
            F64x2RelaxedNmadd f64x2_relaxed_nmadd v_ternop;
            I32x4ExtMulLowI16x8S i32x4_extmul_low_i16x8_s v_binop;
            I32x4ExtMulHighI16x8S i32x4_extmul_high_i16x8_s v_binop;
            I32x4ExtMulLowI16x8U i32x4_extmul_low_i16x8_u v_binop;
            I32x4ExtMulHighI16x8U i32x4_extmul_high_i16x8_u v_binop;
            I64x2Abs i64x2_abs v_unop;
            I64x2Neg i64x2_neg v_unop;
            I64x2AllTrue i64x2_all_true v_test;
            I64x2Bitmask i64x2_bitmask v_test;
            I64x2ExtendLowI32x4S i64x2_extend_low_i32x4_s v_unop;
            I64x2ExtendHighI32x4S i64x2_extend_high_i32x4_s v_unop;
            I64x2ExtendLowI32x4U i64x2_extend_low_i32x4_u v_unop;
            I64x2ExtendHighI32x4U i64x2_extend_high_i32x4_u v_unop;
            I64x2Shl i64x2_shl v_shift;
            I64x2ShrS i64x2_shr_s v_shift;
            I64x2ShrU i64x2_shr_u v_shift;
            I64x2Add i64x2_add v_binop;
            I64x2Sub i64x2_sub v_binop;
            I64x2Mul i64x2_mul v_binop;
            I64x2ExtMulLowI32x4S i64x2_extmul_low_i32x4_s v_binop;
            I64x2ExtMulHighI32x4S i64x2_extmul_high_i32x4_s v_binop;
            I64x2ExtMulLowI32x4U i64x2_extmul_low_i32x4_u v_binop;
            I64x2ExtMulHighI32x4U i64x2_extmul_high_i32x4_u v_binop;
            F32x4Ceil f32x4_ceil v_unop;
            F32x4Floor f32x4_floor v_unop;
            F32x4Trunc f32x4_trunc v_unop;
            F32x4Nearest f32x4_nearest v_unop;
            F32x4Abs f32x4_abs v_unop;
            F32x4Neg f32x4_neg v_unop;
            F32x4Sqrt f32x4_sqrt v_unop;
            F32x4Add f32x4_add v_binop;
            F32x4Sub f32x4_sub v_binop;
            F32x4Mul f32x4_mul v_binop;
            F32x4Div f32x4_div v_binop;
            F32x4Min f32x4_min v_binop;
            F32x4Max f32x4_max v_binop;
            F32x4PMin f32x4_pmin v_binop;
            F32x4PMax f32x4_pmax v_binop;
            F64x2Ceil f64x2_ceil v_unop;
            F64x2Floor f64x2_floor v_unop;
            F64x2Trunc f64x2_trunc v_unop;
            F64x2Nearest f64x2_nearest v_unop;
            F64x2Abs f64x2_abs v_unop;
            F64x2Neg f64x2_neg v_unop;
            F64x2Sqrt f64x2_sqrt v_unop;
            F64x2Add f64x2_add v_binop;
            F64x2Sub f64x2_sub v_binop;
            F64x2Mul f64x2_mul v_binop;
            F64x2Div f64x2_div v_binop;
            F64x2Min f64x2_min v_binop;
            F64x2Max f64x2_max v_binop;
            F64x2PMin f64x2_pmin v_binop;
            F64x2PMax f64x2_pmax v_binop;
            I32x4TruncSatF32x4S i32x4_trunc_sat_f32x4_s v_unop;
            I32x4TruncSatF32x4U i32x4_trunc_sat_f32x4_u v_unop;
            F32x4ConvertI32x4S f32x4_convert_i32x4_s v_unop;
            F32x4ConvertI32x4U f32x4_convert_i32x4_u v_unop;
            I32x4TruncSatF64x2SZero i32x4_trunc_sat_f64x2_s_zero v_unop;
            I32x4TruncSatF64x2UZero i32x4_trunc_sat_f64x2_u_zero v_unop;
            F64x2ConvertLowI32x4S f64x2_convert_low_i32x4_s v_unop;
            F64x2ConvertLowI32x4U f64x2_convert_low_i32x4_u v_unop;
            F32x4DemoteF64x2Zero f32x4_demote_f64x2_zero v_unop;
            F64x2PromoteLowF32x4 f64x2_promote_low_f32x4 v_unop;
        }
    };
}

/// Lane accesses, `as` conversions of one lane like scalar loads: `Variant name shape From => To bytes;`.
/// `extract` reads lane type `From` of the v128 operand and writes scalar `To`; `replace` writes the scalar
/// operand (`From`) into lane type `To`. The lane is an immediate byte offset (lane * bytes) into the slot.
#[macro_export]
macro_rules! for_each_simd_lane_op {
    ($m:ident) => {
        $m! {
            I8x16ExtractLaneS i8x16_extract_lane_s extract i8 => i32 1;
            I8x16ExtractLaneU i8x16_extract_lane_u extract u8 => i32 1;
            I16x8ExtractLaneS i16x8_extract_lane_s extract i16 => i32 2;
            I16x8ExtractLaneU i16x8_extract_lane_u extract u16 => i32 2;
            I32x4ExtractLane i32x4_extract_lane extract i32 => i32 4;
            I64x2ExtractLane i64x2_extract_lane extract i64 => i64 8;
            F32x4ExtractLane f32x4_extract_lane extract f32 => f32 4;
            F64x2ExtractLane f64x2_extract_lane extract f64 => f64 8;
            I8x16ReplaceLane i8x16_replace_lane replace i32 => u8 1;
            I16x8ReplaceLane i16x8_replace_lane replace i32 => u16 2;
            I32x4ReplaceLane i32x4_replace_lane replace i32 => i32 4;
            I64x2ReplaceLane i64x2_replace_lane replace i64 => i64 8;
            F32x4ReplaceLane f32x4_replace_lane replace f32 => f32 4;
            F64x2ReplaceLane f64x2_replace_lane replace f64 => f64 8;
        }
    };
}

/// SIMD memory operators: `Variant name shape MemoryType bytes;` (address operand first, explicit bounds
/// check). `load` reads `MemoryType` and widens it with `simd::name`; `store` writes the v128 operand;
/// `load_lane`/`store_lane` move one lane (immediate byte offset) between memory and the v128 operand.
#[macro_export]
macro_rules! for_each_simd_mem_op {
    ($m:ident) => {
        $m! {
            V128Load v128_load load V128 16;
            V128Load8x8S v128_load8x8_s load u64 8;
            V128Load8x8U v128_load8x8_u load u64 8;
            V128Load16x4S v128_load16x4_s load u64 8;
            V128Load16x4U v128_load16x4_u load u64 8;
            V128Load32x2S v128_load32x2_s load u64 8;
            V128Load32x2U v128_load32x2_u load u64 8;
            V128Load8Splat v128_load8_splat load u8 1;
            V128Load16Splat v128_load16_splat load u16 2;
            V128Load32Splat v128_load32_splat load u32 4;
            V128Load64Splat v128_load64_splat load u64 8;
            V128Load32Zero v128_load32_zero load u32 4;
            V128Load64Zero v128_load64_zero load u64 8;
            V128Store v128_store store V128 16;
            V128Load8Lane v128_load8_lane load_lane u8 1;
            V128Load16Lane v128_load16_lane load_lane u16 2;
            V128Load32Lane v128_load32_lane load_lane u32 4;
            V128Load64Lane v128_load64_lane load_lane u64 8;
            V128Store8Lane v128_store8_lane store_lane u8 1;
            V128Store16Lane v128_store16_lane store_lane u16 2;
            V128Store32Lane v128_store32_lane store_lane u32 4;
            V128Store64Lane v128_store64_lane store_lane u64 8;
        }
    };
}
