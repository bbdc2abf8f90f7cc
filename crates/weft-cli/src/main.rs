//! `weft`: run WebAssembly modules, spec scripts, or just compile.

use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write as _;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use weft::{Engine, Error, Extern, Instance, Module, Store, Val, ValType, WasmVersion};
use weft_wasi::WasiCtx;

/// Exit status of a trapping program (128 + SIGABRT), as with `wasmtime run`.
const TRAP_EXIT: i32 = 134;

#[derive(Parser)]
#[command(name = "weft", version, about = "A WebAssembly engine with a copy-and-patch JIT")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Instantiate a module (.wasm or .wat) and run it: a WASI command's `_start` with ARGS as its
    /// arguments, or one export with `--invoke`. Exits with the program's exit status; a trap exits 134.
    Run {
        /// Call this exported function with ARGS (parsed by its parameter types) and print the results.
        #[arg(long, value_name = "NAME")]
        invoke: Option<String>,
        /// Grant the program a host directory, visible to it as GUEST (default: HOST). Repeatable.
        #[arg(long = "dir", value_name = "HOST[::GUEST]")]
        dirs: Vec<String>,
        /// Set an environment variable for the program (`NAME` alone passes the host's value). Repeatable.
        #[arg(long = "env", value_name = "NAME[=VAL]")]
        envs: Vec<String>,
        /// Print compile statistics to stderr, and a final `weft-stats:` line with compile,
        /// instantiate and run times.
        #[arg(long)]
        stats: bool,
        /// `perfmap`: write /tmp/perf-<pid>.map so `perf report` names the JIT-compiled functions.
        /// `jitdump`: write /tmp/jit-<pid>.dump with their machine code too, for `perf record -k mono`,
        /// then `perf inject --jit`, then `perf report` or `perf annotate`.
        #[arg(long, value_name = "perfmap|jitdump")]
        profile: Option<String>,
        /// Describe the compiled code to a debugger (GDB JIT interface): under `gdb --args weft run
        /// --debug-info ...`, wasm functions are named `wasm::<name>` in backtraces and breakpoints.
        #[arg(long)]
        debug_info: bool,
        /// Stop the program (as a trap, exit 134) if it runs longer than this: `500ms`, `2s`, `1.5m`.
        /// Loops then check for the stop, which costs a load and compare per iteration.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        timeout: Option<std::time::Duration>,
        /// Cap each linear memory at this size (`64MiB`, `1GiB`, or bytes): a larger initial size fails
        /// to instantiate, `memory.grow` beyond it returns -1. Default 4GiB.
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_memory: Option<u64>,
        /// Accept WebAssembly 3.0 features (tail calls, multiple and 64-bit memories, relaxed SIMD).
        #[arg(long)]
        wasm3: bool,
        /// The module, then the arguments passed to it (everything after FILE goes to the program).
        #[arg(required = true, trailing_var_arg = true, value_name = "FILE [ARGS]")]
        module_and_args: Vec<OsString>,
    },
    /// Run WebAssembly spec-test scripts and print pass/fail/skip counts.
    Wast {
        /// Accept WebAssembly 3.0 features.
        #[arg(long)]
        wasm3: bool,
        /// Check memory bounds with a compare per access instead of guard pages.
        #[arg(long)]
        explicit_bounds_checks: bool,
        /// List every failing assertion.
        #[arg(long, short)]
        verbose: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Compile every function of a module and exit.
    Compile {
        /// Print phase times, code size and stencil counts.
        #[arg(long)]
        stats: bool,
        /// Compile function bodies on one thread only.
        #[arg(long)]
        single_threaded: bool,
        /// Print the machine code of each function (or only those whose name contains FILTER).
        #[arg(long, value_name = "FILTER", num_args = 0..=1, default_missing_value = "")]
        disasm: Option<String>,
        /// Accept WebAssembly 3.0 features.
        #[arg(long)]
        wasm3: bool,
        file: PathBuf,
    },
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // One line, like every other weft error (clap adds usage and tips on further lines).
            let text = e.to_string();
            eprintln!("{} (see `weft --help`)", text.lines().next().unwrap_or("error: bad arguments"));
            std::process::exit(2);
        }
        Err(e) => e.exit(),
    };
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            1
        }
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Run {
            invoke,
            dirs,
            envs,
            stats,
            profile,
            debug_info,
            timeout,
            max_memory,
            wasm3,
            module_and_args,
        } => {
            let (file, args) = module_and_args.split_first().expect("clap requires FILE");
            let profiling = match profile.as_deref() {
                None => weft::Profiling::None,
                Some("perfmap") => weft::Profiling::PerfMap,
                Some("jitdump") => weft::Profiling::JitDump,
                Some(other) => bail!("unknown --profile `{other}` (supported: perfmap, jitdump)"),
            };
            let opts = RunOptions {
                invoke: invoke.as_deref(),
                dirs: &dirs,
                envs: &envs,
                stats,
                profiling,
                debug_info,
                timeout,
                max_memory,
                version: version(wasm3),
            };
            run_module(Path::new(file), args, &opts)
        }
        Command::Wast { wasm3, explicit_bounds_checks, verbose, files } => {
            let config =
                weft::Config { version: version(wasm3), guard_pages: !explicit_bounds_checks, ..Default::default() };
            if let Some(missing) = files.iter().find(|f| !f.is_file()) {
                bail!("cannot read {}: no such file", missing.display());
            }
            let mut total = weft_wast::Outcome::default();
            for file in &files {
                let outcome = weft_wast::run_file(file, config.clone());
                println!("{}: {}", file.display(), outcome.summary());
                if verbose {
                    for f in &outcome.failures {
                        println!("  {f}");
                    }
                }
                total.add(&outcome);
            }
            if files.len() > 1 {
                println!("total: {}", total.summary());
            }
            Ok(if total.failed == 0 { 0 } else { 1 })
        }
        Command::Compile { stats, single_threaded, disasm, wasm3, file } => {
            let engine = Engine::new(weft::Config {
                parallel_compilation: !single_threaded,
                version: version(wasm3),
                ..Default::default()
            })?;
            let module = load(&engine, &file)?;
            if stats {
                print_stats(&engine, &file, &module)?;
            }
            if let Some(filter) = disasm {
                print_disassembly(&module, &filter);
            }
            Ok(0)
        }
    }
}

fn load(engine: &Engine, file: &Path) -> Result<Module> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let bytes = if bytes.starts_with(b"\0asm") {
        bytes
    } else {
        wat::parse_bytes(&bytes).map_err(|e| anyhow!("{}: {e}", file.display()))?.into_owned()
    };
    match Module::new(engine, &bytes) {
        Ok(module) => Ok(module),
        // Invalid as 2.0 but valid as 3.0 (only checked on this error path): say how to run it.
        Err(e @ weft::Error::Invalid(_))
            if engine.config().version == WasmVersion::V2
                && Module::new(
                    &Engine::new(weft::Config { version: WasmVersion::V3, ..engine.config().clone() })?,
                    &bytes,
                )
                .is_ok() =>
        {
            Err(anyhow!("{}: {e}; the module uses WebAssembly 3.0 features: run with --wasm3", file.display()))
        }
        Err(e) => Err(e).with_context(|| format!("{}", file.display())),
    }
}

/// Prints `module`'s compile figures, and the stencil counts of a second compile of `file` that
/// counts them (counting in the timed compile would slow it down).
fn print_stats(engine: &Engine, file: &Path, module: &Module) -> Result<()> {
    let s = module.stats();
    eprintln!("wasm bytes:           {}", s.wasm_bytes);
    eprintln!("functions:            {}", s.functions);
    eprintln!("compile threads:      {}", s.threads);
    eprintln!("machine code bytes:   {}", s.code_bytes);
    eprintln!("parse+validate+emit:  {:.3} ms", s.parse_and_translate.as_secs_f64() * 1e3);
    eprintln!("finalize (map, RX):   {:.3} ms", s.finalize.as_secs_f64() * 1e3);
    eprintln!("compile CPU time:     {:.3} ms", s.cpu.as_secs_f64() * 1e3);
    // Not announced to perf or a debugger: this module's code is freed right away.
    let counting = Engine::new(weft::Config {
        count_stencils: true,
        profiling: weft::Profiling::None,
        debug_info: false,
        ..engine.config().clone()
    })?;
    let mut counts = load(&counting, file)?.stats().stencil_counts.clone();
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    eprintln!("stencils used:        {}", counts.iter().map(|c| c.1 as u64).sum::<u64>());
    for (name, n) in counts.iter().take(15) {
        eprintln!("  {n:>8}  {name}");
    }
    Ok(())
}

fn print_disassembly(module: &Module, filter: &str) {
    use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};
    let base = module.code_base() as u64;
    use std::io::Write;
    let mut formatter = IntelFormatter::new();
    let mut text = String::new();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (name, code) in module.function_code() {
        if !name.contains(filter) {
            continue;
        }
        let ip = code.as_ptr() as u64;
        // A closed pipe (`| head`) just ends the listing.
        if writeln!(out, "{name}: {} bytes", code.len()).is_err() {
            return;
        }
        let mut decoder = Decoder::with_ip(64, code, ip, DecoderOptions::NONE);
        for insn in &mut decoder {
            text.clear();
            formatter.format(&insn, &mut text);
            if writeln!(out, "  {:6x}  {text}", insn.ip() - base).is_err() {
                return;
            }
        }
    }
    let _ = out.flush();
}

struct RunOptions<'a> {
    invoke: Option<&'a str>,
    dirs: &'a [String],
    envs: &'a [String],
    stats: bool,
    profiling: weft::Profiling,
    debug_info: bool,
    timeout: Option<std::time::Duration>,
    max_memory: Option<u64>,
    version: WasmVersion,
}

fn version(wasm3: bool) -> WasmVersion {
    if wasm3 { WasmVersion::V3 } else { WasmVersion::V2 }
}

/// The WASI context of `weft run`: argv[0] is the module's file name (as with wasmtime, without its
/// directory), then ARGS; the environment holds only `--env` variables; `--dir` directories are preopened.
fn wasi_ctx(file: &Path, args: &[OsString], opts: &RunOptions) -> Result<WasiCtx> {
    let argv0 = file.file_name().unwrap_or(file.as_os_str());
    let mut b = WasiCtx::builder().arg(argv0.as_bytes());
    if opts.invoke.is_none() {
        b = b.args(args.iter().map(|a| a.as_bytes()));
    }
    for e in opts.envs {
        b = match e.split_once('=') {
            Some(("", _)) => bail!("bad --env `{e}`: expected NAME=VAL"),
            Some((name, val)) => b.env(name, val),
            None => match std::env::var_os(e) {
                Some(val) => b.env(e, val.as_bytes()),
                None => b,
            },
        };
    }
    for d in opts.dirs {
        let (host, guest) = d.split_once("::").unwrap_or((d.as_str(), d.as_str()));
        if host.is_empty() || guest.is_empty() {
            bail!("bad --dir `{d}`: expected HOST[::GUEST]");
        }
        b = b.preopened_dir(host, guest).with_context(|| format!("--dir {d}"))?;
    }
    if std::env::var_os("WEFT_WASI_TRACE").is_some_and(|v| !v.is_empty()) {
        b = b.trace(true);
    }
    Ok(b.build())
}

fn run_module(file: &Path, args: &[OsString], opts: &RunOptions) -> Result<i32> {
    let config = weft::Config {
        version: opts.version,
        profiling: opts.profiling,
        debug_info: opts.debug_info,
        interruptible: opts.timeout.is_some(),
        ..Default::default()
    };
    let engine = Engine::new(config)?;
    let module = load(&engine, file)?;
    if opts.stats {
        print_stats(&engine, file, &module)?;
    }
    let mut store = Store::new(&engine, wasi_ctx(file, args, opts)?);
    if let Some(bytes) = opts.max_memory {
        store.set_limits(weft::StoreLimits { max_memory_bytes: bytes, ..store.limits() });
    }
    let imports = weft_wasi::link(&mut store, &module)?;
    // Until the end of this function; dropping it there cancels the interrupt.
    let _timer = opts.timeout.map(|limit| store.interrupt_handle().interrupt_after(limit));
    let started = std::time::Instant::now();
    let instance = Instance::new(&mut store, &module, &imports);
    let instantiated = started.elapsed();
    let instance = match instance {
        Ok(i) => i,
        Err(e) => return finish(file, "instantiation", e),
    };
    let code = call_entry(file, &mut store, instance, args, opts);
    if opts.stats {
        // One machine-readable line for bench/run.py.
        let s = module.stats();
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        eprintln!(
            "weft-stats: compile_ms={:.3} instantiate_ms={:.3} run_ms={:.3} wasm_bytes={} code_bytes={}",
            ms(s.parse_and_translate + s.finalize),
            ms(instantiated),
            ms(started.elapsed() - instantiated),
            s.wasm_bytes,
            s.code_bytes
        );
    }
    code
}

/// `--timeout`'s value: a decimal number with a unit (`ms`, `s`, `m`, `h`).
fn parse_duration(s: &str) -> std::result::Result<std::time::Duration, String> {
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let scale = match unit {
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("`{s}` needs a unit: ms, s, m or h (e.g. `2s`)")),
    };
    let value: f64 = number.parse().map_err(|_| format!("`{s}` is not a duration (e.g. `500ms`, `2s`)"))?;
    std::time::Duration::try_from_secs_f64(value * scale).map_err(|_| format!("`{s}` is out of range"))
}

/// `--max-memory`'s value: bytes, or a number with `KiB`, `MiB` or `GiB`.
fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let scale: u64 = match unit {
        "" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return Err(format!("`{s}`: the unit must be KiB, MiB or GiB (or none, for bytes)")),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("`{s}` is not a size (e.g. `64MiB`)"))
}

/// Runs `_start` or the `--invoke`d export; returns weft's exit status.
fn call_entry(
    file: &Path,
    store: &mut Store<WasiCtx>,
    instance: Instance,
    args: &[OsString],
    opts: &RunOptions,
) -> Result<i32> {
    if opts.invoke.is_some() {
        // A WASI reactor initializes itself before its exports are used.
        if let Some(Err(e)) = instance.get_func("_initialize").map(|init| init.call(store, &[])) {
            return finish(file, "_initialize", e);
        }
    }
    let name = match opts.invoke {
        Some(name) => name,
        None => match instance.get_export("_start") {
            Some(Extern::Func(_)) => "_start",
            _ => return Ok(0),
        },
    };
    let func = instance.get_func(name).ok_or_else(|| anyhow!("no exported function `{name}`"))?;
    let ty = func.ty(store);
    let params = if opts.invoke.is_some() {
        if args.len() != ty.params.len() {
            bail!("`{name}` takes {} arguments, {} given", ty.params.len(), args.len());
        }
        let args = args.iter().map(|a| a.to_str().ok_or_else(|| anyhow!("argument {a:?} is not UTF-8")));
        ty.params.iter().zip(args).map(|(&t, a)| parse_arg(t, a?)).collect::<Result<Vec<_>>>()?
    } else if !ty.params.is_empty() {
        bail!("`_start` must take no parameters (it takes {})", ty.params.len());
    } else {
        Vec::new()
    };
    match func.call(store, &params) {
        Ok(results) => {
            let mut out = std::io::stdout().lock();
            for r in results {
                writeln!(out, "{}", show(&r))?;
            }
            Ok(0)
        }
        Err(e) => finish(file, name, e),
    }
}

/// The exit status for a run that ended with `e`: the program's own for `proc_exit`, 134 (and one
/// line on stderr) for a trap, 1 for anything else.
fn finish(file: &Path, what: &str, e: Error) -> Result<i32> {
    match e {
        Error::Exit(code) => Ok(code),
        Error::Trap { .. } => {
            let msg = e.to_string().replace('\n', " ");
            eprintln!("error: {}: wasm trap in `{what}`: {msg}", file.display());
            Ok(TRAP_EXIT)
        }
        e => Err(anyhow!("{}: {what}: {e}", file.display())),
    }
}

fn parse_arg(t: ValType, s: &str) -> Result<Val> {
    let bad = || anyhow!("cannot parse `{s}` as {t}");
    let int = |s: &str| -> Option<i128> {
        let (neg, digits) = s.strip_prefix('-').map(|d| (true, d)).unwrap_or((false, s));
        let v = match digits.strip_prefix("0x") {
            Some(hex) => i128::from_str_radix(hex, 16).ok()?,
            None => digits.parse::<i128>().ok()?,
        };
        Some(if neg { -v } else { v })
    };
    Ok(match t {
        ValType::I32 => {
            let v = int(s).filter(|v| *v >= i32::MIN as i128 && *v <= u32::MAX as i128).ok_or_else(bad)?;
            Val::I32(v as u32 as i32)
        }
        ValType::I64 => {
            let v = int(s).filter(|v| *v >= i64::MIN as i128 && *v <= u64::MAX as i128).ok_or_else(bad)?;
            Val::I64(v as u64 as i64)
        }
        ValType::F32 => Val::F32(s.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(s.parse::<f64>().map_err(|_| bad())?.to_bits()),
        _ => bail!("arguments of type {t} cannot be given on the command line"),
    })
}

fn show(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => f32::from_bits(*b).to_string(),
        Val::F64(b) => f64::from_bits(*b).to_string(),
        Val::V128(b) => format!("0x{b:032x}"),
        Val::FuncRef(f) => {
            if f.is_some() {
                "funcref".into()
            } else {
                "null".into()
            }
        }
        Val::ExternRef(e) => e.map(|e| format!("externref {e}")).unwrap_or_else(|| "null".into()),
    }
}
