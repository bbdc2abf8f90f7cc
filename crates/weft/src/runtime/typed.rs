//! Calls with Rust types instead of `Val`s, as in Wasmtime: `Func::typed` checks a signature once and
//! its `TypedFunc::call` then writes the arguments straight into frame slots and reads the results
//! back (no vectors, no per-call type check); `Func::wrap` makes a host function from a closure over
//! Rust values.

use super::func::{Caller, call_slots};
use super::{Func, Store, Val};
use crate::Error;
use crate::types::{FuncType, ValType};
use std::marker::PhantomData;

mod sealed {
    pub trait Sealed {}
}

/// A Rust type that stands for a wasm value type: `i32` and `u32` for i32, `i64` and `u64` for i64,
/// `f32`, `f64`.
pub trait WasmTy: Copy + 'static + sealed::Sealed {
    #[doc(hidden)]
    const TYPE: ValType;
    /// The value as a slot holds it (an i32 zero-extended).
    #[doc(hidden)]
    fn to_slot(self) -> u64;
    #[doc(hidden)]
    fn from_slot(bits: u64) -> Self;
}

macro_rules! wasm_ty {
    ($($t:ty => $vt:ident, |$x:ident| $to:expr, |$b:ident| $from:expr;)*) => {$(
        impl sealed::Sealed for $t {}
        impl WasmTy for $t {
            const TYPE: ValType = ValType::$vt;
            fn to_slot(self) -> u64 { let $x = self; $to }
            fn from_slot($b: u64) -> Self { $from }
        }
    )*};
}
wasm_ty! {
    i32 => I32, |x| x as u32 as u64, |b| b as u32 as i32;
    u32 => I32, |x| x as u64, |b| b as u32;
    i64 => I64, |x| x as u64, |b| b as i64;
    u64 => I64, |x| x, |b| b;
    f32 => F32, |x| x.to_bits() as u64, |b| f32::from_bits(b as u32);
    f64 => F64, |x| x.to_bits(), |b| f64::from_bits(b);
}

/// Parameters or results of a typed call: `()`, one `WasmTy`, or a tuple of up to eight.
pub trait WasmList: Sized + 'static {
    #[doc(hidden)]
    fn types() -> Vec<ValType>;
    /// Writes the values to consecutive 8-byte slots at `slots`.
    ///
    /// # Safety
    /// `slots` has room for `types().len()` slots.
    #[doc(hidden)]
    unsafe fn store(self, slots: *mut u8);
    /// # Safety
    /// `slots` holds `types().len()` slots of these types.
    #[doc(hidden)]
    unsafe fn load(slots: *const u8) -> Self;
    #[doc(hidden)]
    fn into_vals(self, out: &mut [Val]);
}

impl<A: WasmTy> WasmList for A {
    fn types() -> Vec<ValType> {
        vec![A::TYPE]
    }
    unsafe fn store(self, slots: *mut u8) {
        // SAFETY: room for one slot (the caller's contract).
        unsafe { (slots as *mut u64).write_unaligned(self.to_slot()) }
    }
    unsafe fn load(slots: *const u8) -> Self {
        // SAFETY: one slot of type A (the caller's contract).
        A::from_slot(unsafe { (slots as *const u64).read_unaligned() })
    }
    fn into_vals(self, out: &mut [Val]) {
        out[0] = Val::from_bits(A::TYPE, self.to_slot() as u128);
    }
}

macro_rules! wasm_list {
    ($($A:ident $i:tt)*) => {
        impl<$($A: WasmTy),*> WasmList for ($($A,)*) {
            fn types() -> Vec<ValType> {
                vec![$($A::TYPE),*]
            }
            #[allow(unused_variables)]
            unsafe fn store(self, slots: *mut u8) {
                // SAFETY: room for one slot per element (the caller's contract).
                $(unsafe { (slots.add($i * 8) as *mut u64).write_unaligned(self.$i.to_slot()) };)*
            }
            #[allow(unused_variables, clippy::unused_unit)]
            unsafe fn load(slots: *const u8) -> Self {
                // SAFETY: one slot per element, of its type (the caller's contract).
                ($($A::from_slot(unsafe { (slots.add($i * 8) as *const u64).read_unaligned() }),)*)
            }
            #[allow(unused_variables)]
            fn into_vals(self, out: &mut [Val]) {
                $(out[$i] = Val::from_bits($A::TYPE, self.$i.to_slot() as u128);)*
            }
        }
    };
}
/// Invokes `$m!` for every arity from 0 to 8, each type parameter with its tuple index.
macro_rules! for_each_arity {
    ($m:ident) => {
        $m!();
        $m!(A 0);
        $m!(A 0 B 1);
        $m!(A 0 B 1 C 2);
        $m!(A 0 B 1 C 2 D 3);
        $m!(A 0 B 1 C 2 D 3 E 4);
        $m!(A 0 B 1 C 2 D 3 E 4 F 5);
        $m!(A 0 B 1 C 2 D 3 E 4 F 5 G 6);
        $m!(A 0 B 1 C 2 D 3 E 4 F 5 G 6 H 7);
    };
}
for_each_arity!(wasm_list);

/// A function whose signature was checked once to be `P -> R` (`Func::typed`).
pub struct TypedFunc<P, R> {
    func: Func,
    frame_bytes: u32,
    _types: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmList, R: WasmList> TypedFunc<P, R> {
    /// Calls the function with `params`, returning its results or the trap that stopped it.
    pub fn call<T>(&self, store: &mut Store<T>, params: P) -> Result<R, Error> {
        let write = |fp: *mut u8| {
            // SAFETY: the frame has `frame_bytes`, room for the parameters, whose types `Func::typed`
            // checked against the function's.
            unsafe { params.store(fp) }
        };
        let read = |fp: *const u8| {
            // SAFETY: the callee left its results, of the types `Func::typed` checked, at the frame base.
            unsafe { R::load(fp) }
        };
        call_slots(&mut store.inner, self.func.0.as_ptr(), self.frame_bytes, write, read)
    }

    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }
}

impl Func {
    /// This function as a [`TypedFunc`], if its type is `P -> R` (e.g. `typed::<(i32, i32), i64>`).
    pub fn typed<P: WasmList, R: WasmList, T>(&self, store: &Store<T>) -> Result<TypedFunc<P, R>, Error> {
        let ty = self.ty(store);
        let expected = FuncType::new(P::types(), R::types());
        if ty != expected {
            return Err(Error::Usage(format!("function of type {ty} used as {expected}")));
        }
        Ok(TypedFunc { func: *self, frame_bytes: ty.frame_bytes(), _types: PhantomData })
    }

    /// A host function from a closure over Rust values, with or without a leading
    /// [`Caller`]: `Func::wrap(&mut store, |a: i32, b: i32| a + b)`. It may return `()`, a value, a
    /// tuple, or a `Result` of those (an `Err` stops the wasm caller with that error).
    pub fn wrap<T: 'static, Params, Results>(store: &mut Store<T>, func: impl IntoFunc<T, Params, Results>) -> Func {
        func.into_func(store)
    }
}

/// What a closure given to [`Func::wrap`] returns: values, or a `Result` of them.
pub trait HostResult: 'static {
    #[doc(hidden)]
    type Values: WasmList;
    #[doc(hidden)]
    fn into_result(self) -> Result<Self::Values, Error>;
}

impl<R: WasmList> HostResult for R {
    type Values = R;
    fn into_result(self) -> Result<R, Error> {
        Ok(self)
    }
}

impl<R: WasmList> HostResult for Result<R, Error> {
    type Values = R;
    fn into_result(self) -> Result<R, Error> {
        self
    }
}

/// Closures [`Func::wrap`] accepts (`Params` and `Results` only tell the implementations apart).
pub trait IntoFunc<T, Params, Results> {
    #[doc(hidden)]
    fn into_func(self, store: &mut Store<T>) -> Func;
}

/// Marks the `IntoFunc` implementations whose closure takes a [`Caller`] first.
#[doc(hidden)]
pub struct WithCaller<P>(PhantomData<P>);

macro_rules! into_func {
    ($($A:ident $i:tt)*) => {
        impl<T: 'static, Closure, R, $($A: WasmTy),*> IntoFunc<T, WithCaller<($($A,)*)>, R> for Closure
        where
            Closure: Fn(Caller<'_, T>, $($A),*) -> R + 'static,
            R: HostResult,
        {
            fn into_func(self, store: &mut Store<T>) -> Func {
                let ty = FuncType::new(vec![$($A::TYPE),*], R::Values::types());
                Func::new(store, ty, move |caller, params, results| {
                    let _ = params;
                    self(caller, $($A::from_slot(params[$i].to_bits() as u64)),*).into_result()?.into_vals(results);
                    Ok(())
                })
            }
        }

        impl<T: 'static, Closure, R, $($A: WasmTy),*> IntoFunc<T, ($($A,)*), R> for Closure
        where
            Closure: Fn($($A),*) -> R + 'static,
            R: HostResult,
        {
            fn into_func(self, store: &mut Store<T>) -> Func {
                let ty = FuncType::new(vec![$($A::TYPE),*], R::Values::types());
                Func::new(store, ty, move |_, params, results| {
                    let _ = params;
                    self($($A::from_slot(params[$i].to_bits() as u64)),*).into_result()?.into_vals(results);
                    Ok(())
                })
            }
        }
    };
}
for_each_arity!(into_func);
