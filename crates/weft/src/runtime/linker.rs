//! `Linker`: imports resolved by name, as with Wasmtime's, instead of a slice in import order.
//! Definitions are handles into one store, so a linker serves the store they were made in.

use super::{Extern, Func, Instance, IntoFunc, Store};
use crate::{Error, Module};
use std::collections::HashMap;
use std::marker::PhantomData;

/// Named definitions (`module::name`) that `instantiate` matches against a module's imports.
pub struct Linker<T> {
    defs: HashMap<(String, String), Extern>,
    _store_data: PhantomData<fn(T)>,
}

impl<T> Default for Linker<T> {
    fn default() -> Self {
        Linker { defs: HashMap::new(), _store_data: PhantomData }
    }
}

impl<T: 'static> Linker<T> {
    pub fn new() -> Linker<T> {
        Linker::default()
    }

    /// Defines `module::name`; defining a name twice is an error.
    pub fn define(&mut self, module: &str, name: &str, item: Extern) -> Result<&mut Self, Error> {
        match self.defs.entry((module.to_string(), name.to_string())) {
            std::collections::hash_map::Entry::Occupied(_) => {
                Err(Error::Usage(format!("`{module}::{name}` is already defined")))
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(item);
                Ok(self)
            }
        }
    }

    /// Defines `module::name` as a host function made from a closure ([`Func::wrap`]).
    pub fn func_wrap<Params, Results>(
        &mut self,
        store: &mut Store<T>,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self, Error> {
        let f = Func::wrap(store, func);
        self.define(module, name, Extern::Func(f))
    }

    /// Defines every export of `instance` under `module` (so other modules can import from it).
    pub fn instance(&mut self, module: &str, instance: Instance) -> Result<&mut Self, Error> {
        for (name, item) in instance.exports() {
            self.define(module, &name, item)?;
        }
        Ok(self)
    }

    pub fn get(&self, module: &str, name: &str) -> Option<Extern> {
        self.defs.get(&(module.to_string(), name.to_string())).copied()
    }

    /// Instantiates `module` with its imports looked up by name (their types are checked as by
    /// `Instance::new`).
    pub fn instantiate(&self, store: &mut Store<T>, module: &Module) -> Result<Instance, Error> {
        let imports = module
            .imports()
            .iter()
            .map(|i| {
                self.get(&i.module, &i.name)
                    .ok_or_else(|| Error::Link(format!("`{}::{}` is not defined in the linker", i.module, i.name)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Instance::new(store, module, &imports)
    }
}
