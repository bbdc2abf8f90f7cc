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
    ($m:ident) => { $m! {
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
    } };
}

/// Loads: `Variant name MemoryType => ResultType bytes;` (the value is `as`-converted, which is wasm's
/// sign or zero extension).
#[macro_export]
macro_rules! for_each_load_op {
    ($m:ident) => { $m! {
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
    } };
}

/// Stores: `Variant name ValueType => MemoryType bytes;` (the value is `as`-wrapped).
#[macro_export]
macro_rules! for_each_store_op {
    ($m:ident) => { $m! {
        I32Store i32_store i32 => i32 4;
        I64Store i64_store i64 => i64 8;
        F32Store f32_store f32 => f32 4;
        F64Store f64_store f64 => f64 8;
        I32Store8 i32_store8 i32 => u8 1;
        I32Store16 i32_store16 i32 => u16 2;
        I64Store8 i64_store8 i64 => u8 1;
        I64Store16 i64_store16 i64 => u16 2;
        I64Store32 i64_store32 i64 => u32 4;
    } };
}

/// Comparisons that a following `br_if`/`if` fuses with: `Variant name InputType;`.
#[macro_export]
macro_rules! for_each_fusable_compare {
    ($m:ident) => { $m! {
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
    } };
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
