//! Runs WebAssembly spec-test scripts (`.wast`) against weft and counts what passed.
//!
//! Every `assert_*` command is one test. A `module`, `register` or bare `invoke` that fails is counted as
//! a failure too (it would otherwise hide the assertions that depend on it). Commands the engine cannot
//! take part in at all (threads) are counted as skipped, each with its reason.

mod spectest;
mod values;

use anyhow::{Context as _, Result, anyhow, bail};
use std::collections::HashMap;
use std::path::Path;
use wast::core::{WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};
use weft::{Engine, Error, Extern, Instance, Module, Store, Val};

#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub passed: u32,
    pub failed: u32,
    pub skipped: u32,
    /// One line per failure: `file:line: what happened`.
    pub failures: Vec<String>,
}

impl Outcome {
    pub fn add(&mut self, other: &Outcome) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.failures.extend(other.failures.iter().cloned());
    }

    pub fn summary(&self) -> String {
        format!("{} passed, {} failed, {} skipped", self.passed, self.failed, self.skipped)
    }
}

/// Runs one script file on a thread with a large stack, so deep recursion tests exhaust wasm's call
/// depth, not the runner's; a panic inside weft is reported as a failure of the file, not a crash.
pub fn run_file(path: &Path, config: weft::Config) -> Outcome {
    let path = path.to_path_buf();
    let name = path.display().to_string();
    let handle = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || -> Result<Outcome> {
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            run_script(&text, &path.display().to_string(), config)
        })
        .expect("spawning the wast runner thread");
    match handle.join() {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => Outcome { failed: 1, failures: vec![format!("{name}: {e:#}")], ..Default::default() },
        Err(_) => Outcome { failed: 1, failures: vec![format!("{name}: the runner panicked")], ..Default::default() },
    }
}

/// Runs a whole script given as text.
pub fn run_script(text: &str, name: &str, config: weft::Config) -> Result<Outcome> {
    // The suite tests names made of exactly such characters (names.wast).
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = ParseBuffer::new_with_lexer(lexer).map_err(|e| anyhow!("{name}: {e}"))?;
    let wast: Wast = parser::parse(&buf).map_err(|e| {
        let mut e = e;
        e.set_text(text);
        anyhow!("{name}: {e}")
    })?;
    let engine = Engine::new(config)?;
    let mut runner = Runner::new(engine);
    let mut outcome = Outcome::default();
    for directive in wast.directives {
        let (line, col) = directive.span().linecol_in(text);
        let at = format!("{name}:{}:{}", line + 1, col + 1);
        match runner.directive(directive) {
            Ok(Verdict::Pass) => outcome.passed += 1,
            Ok(Verdict::Done) => {}
            Ok(Verdict::Skip(_why)) => outcome.skipped += 1,
            Err(e) => {
                outcome.failed += 1;
                outcome.failures.push(format!("{at}: {e:#}"));
            }
        }
    }
    Ok(outcome)
}

enum Verdict {
    /// An assertion held.
    Pass,
    /// A command that is not an assertion succeeded.
    Done,
    Skip(&'static str),
}

struct Runner {
    store: Store<()>,
    /// Exports of registered modules, by (module name, export name).
    registry: HashMap<(String, String), Extern>,
    instances: HashMap<String, Instance>,
    definitions: HashMap<String, Module>,
    current: Option<Instance>,
}

impl Runner {
    fn new(engine: Engine) -> Runner {
        let mut store = Store::new(&engine, ());
        let mut registry = HashMap::new();
        for (name, ext) in spectest::exports(&mut store) {
            registry.insert(("spectest".to_string(), name), ext);
        }
        Runner { store, registry, instances: HashMap::new(), definitions: HashMap::new(), current: None }
    }

    fn directive(&mut self, d: WastDirective<'_>) -> Result<Verdict> {
        match d {
            WastDirective::Module(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let bytes = module.encode()?;
                let instance = self.instantiate(&bytes)?;
                if let Some(name) = name {
                    self.instances.insert(name, instance);
                }
                self.current = Some(instance);
                Ok(Verdict::Done)
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let bytes = module.encode()?;
                let m = Module::new(self.store.engine(), &bytes)?;
                if let Some(name) = name {
                    self.definitions.insert(name, m);
                }
                Ok(Verdict::Done)
            }
            WastDirective::ModuleInstance { instance, module, .. } => {
                let m = module
                    .and_then(|m| self.definitions.get(m.name()).cloned())
                    .ok_or_else(|| anyhow!("unknown module definition"))?;
                let inst = self.link_and_instantiate(&m)?;
                if let Some(name) = instance {
                    self.instances.insert(name.name().to_string(), inst);
                }
                self.current = Some(inst);
                Ok(Verdict::Done)
            }
            WastDirective::Register { name, module, .. } => {
                let inst = self.instance(module.map(|m| m.name()))?;
                for (export, ext) in inst.exports() {
                    self.registry.insert((name.to_string(), export), ext);
                }
                Ok(Verdict::Done)
            }
            WastDirective::Invoke(invoke) => {
                self.invoke(&invoke)?;
                Ok(Verdict::Done)
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let got = self.execute(exec)?;
                values::check_results(&got, &results)?;
                Ok(Verdict::Pass)
            }
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec) {
                Ok(vals) => bail!("expected trap `{message}`, got {vals:?}"),
                Err(e) => expect_trap(&e, message),
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call) {
                Ok(vals) => bail!("expected exhaustion `{message}`, got {vals:?}"),
                Err(e) => expect_trap(&e, message),
            },
            WastDirective::AssertInvalid { module, message, .. }
            | WastDirective::AssertMalformed { module, message, .. } => {
                match self.compile_quote(module) {
                    Ok(_) => bail!("expected an invalid/malformed module (`{message}`), but it compiled"),
                    // Only a rejection for being invalid or malformed counts: an engine limitation or an
                    // internal compile error is not the error the script expects.
                    Err(e) => match e.downcast_ref::<Error>() {
                        Some(Error::Unsupported(_) | Error::Compile(_)) => bail!("expected `{message}`, got: {e:#}"),
                        _ => Ok(Verdict::Pass),
                    },
                }
            }
            WastDirective::AssertInvalidCustom { .. } | WastDirective::AssertMalformedCustom { .. } => {
                Ok(Verdict::Skip("custom-section assertions concern tools that read custom sections, not engines"))
            }
            WastDirective::AssertUnlinkable { module, message, .. } => {
                let mut module = module;
                let bytes = module.encode()?;
                match self.instantiate(&bytes) {
                    Ok(_) => bail!("expected unlinkable module (`{message}`), but it instantiated"),
                    Err(e) => match e.downcast_ref::<Error>() {
                        Some(Error::Link(_)) => Ok(Verdict::Pass),
                        _ => bail!("expected link error `{message}`, got: {e:#}"),
                    },
                }
            }
            WastDirective::AssertException { .. } => bail!("exception handling is not supported"),
            WastDirective::AssertSuspension { .. } => bail!("stack switching is not supported"),
            WastDirective::Thread(_) | WastDirective::Wait { .. } => Ok(Verdict::Skip("threads are not supported")),
        }
    }

    fn compile_quote(&mut self, mut module: QuoteWat<'_>) -> Result<Module> {
        let bytes = module.encode()?;
        Ok(Module::new(self.store.engine(), &bytes)?)
    }

    fn instantiate(&mut self, bytes: &[u8]) -> Result<Instance> {
        let module = Module::new(self.store.engine(), bytes)?;
        self.link_and_instantiate(&module)
    }

    fn link_and_instantiate(&mut self, module: &Module) -> Result<Instance> {
        let mut imports = Vec::new();
        for import in module.imports() {
            match self.registry.get(&(import.module.clone(), import.name.clone())) {
                Some(ext) => imports.push(*ext),
                None => return Err(Error::Link(format!("unknown import {}::{}", import.module, import.name)).into()),
            }
        }
        Ok(Instance::new(&mut self.store, module, &imports)?)
    }

    fn instance(&self, name: Option<&str>) -> Result<Instance> {
        match name {
            Some(n) => self.instances.get(n).copied().ok_or_else(|| anyhow!("unknown module ${n}")),
            None => self.current.ok_or_else(|| anyhow!("no module instantiated yet")),
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Vec<Val>> {
        let inst = self.instance(invoke.module.map(|m| m.name()))?;
        let func = inst.get_func(invoke.name).ok_or_else(|| anyhow!("no exported function `{}`", invoke.name))?;
        let args = invoke.args.iter().map(|a| match a {
            WastArg::Core(core) => values::arg(core, &self.store),
            _ => bail!("component-model arguments are not supported"),
        });
        let args = args.collect::<Result<Vec<_>>>()?;
        Ok(func.call(&mut self.store, &args)?)
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Vec<Val>> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(mut wat) => {
                let bytes = match &mut wat {
                    Wat::Module(_) | Wat::Component(_) => wat.encode()?,
                };
                self.instantiate(&bytes)?;
                Ok(Vec::new())
            }
            WastExecute::Get { module, global, .. } => {
                let inst = self.instance(module.map(|m| m.name()))?;
                match inst.get_export(global) {
                    Some(Extern::Global(g)) => Ok(vec![g.get(&self.store)]),
                    _ => bail!("no exported global `{global}`"),
                }
            }
        }
    }
}

/// A trap whose message matches the script's (the spec interpreter's messages are sometimes
/// abbreviated, so either may be a prefix of the other).
fn expect_trap(e: &anyhow::Error, message: &str) -> Result<Verdict> {
    match e.downcast_ref::<Error>() {
        Some(Error::Trap { trap, .. }) => {
            let ours = trap.to_string();
            if ours.contains(message) || message.contains(&ours) {
                Ok(Verdict::Pass)
            } else {
                bail!("expected trap `{message}`, got trap `{ours}`")
            }
        }
        _ => bail!("expected trap `{message}`, got error: {e:#}"),
    }
}

// Keep the types these helpers need in one place.
pub(crate) use wast::core::NanPattern;
pub(crate) type RetCore<'a> = WastRetCore<'a>;
pub(crate) type ArgCore<'a> = WastArgCore<'a>;
pub(crate) type Ret<'a> = WastRet<'a>;
