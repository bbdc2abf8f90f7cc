//! Runs every script of the official spec suite, 2.0 and 3.0, and compares with
//! `tests/expectations/<version>.txt` (3.0: which scripts pass so far, and why the others fail).
//!
//! Fails when a file expected to pass has a failing assertion, when a file expected to fail now passes
//! (promote it), or when a file is missing from the expectations. `WEFT_BLESS=1` rewrites the file from
//! the current results, each failing script's reason being its current first failure.
//! The suite is found at `../shared/wasm-testsuite` beside the workspace, or at `$WEFT_TESTSUITE`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use weft::WasmVersion;

fn main() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let suite = std::env::var_os("WEFT_TESTSUITE")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("../shared/wasm-testsuite"));
    let mut ok = true;
    // Both ways of checking memory bounds must pass the whole suite; the second run also compiles a
    // check for interrupts into every loop head, which must not change any result.
    for (dir, version, guard_pages) in [("2.0", WasmVersion::V2, true), ("2.0", WasmVersion::V2, false)] {
        let config = weft::Config { version, guard_pages, interruptible: !guard_pages, ..Default::default() };
        ok &= run_suite(&suite.join(dir), dir, config);
    }
    // WebAssembly 3.0, whose scripts weft passes only in part: the expectations keep that part
    // from regressing and give, per failing script, its first failure as the reason.
    ok &= run_suite(&suite.join("3.0"), "3.0", weft::Config { version: WasmVersion::V3, ..Default::default() });
    if !ok {
        std::process::exit(1);
    }
}

fn run_suite(dir: &Path, label: &str, config: weft::Config) -> bool {
    let mode = match (config.guard_pages, config.interruptible) {
        (true, false) => "guard pages",
        (false, false) => "explicit bounds checks",
        (true, true) => "guard pages, interruptible loops",
        (false, true) => "explicit bounds checks, interruptible loops",
    };
    let expectations_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/expectations/{label}.txt"));
    let expected = read_expectations(&expectations_path);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => {
            rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "wast")).collect()
        }
        Err(e) => {
            eprintln!("error: cannot read the spec suite at {}: {e}", dir.display());
            return false;
        }
    };
    files.sort();
    let mut total = weft_wast::Outcome::default();
    let mut problems = Vec::new();
    let mut results = BTreeMap::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let outcome = weft_wast::run_file(file, config.clone());
        println!("{label}/{name} ({mode}): {}", outcome.summary());
        let passes = outcome.failed == 0;
        match expected.get(&name) {
            Some(Expect::Pass) if !passes => {
                problems.push(format!("{name} regressed: {}", outcome.summary()));
                for f in outcome.failures.iter().take(10) {
                    problems.push(format!("    {f}"));
                }
            }
            Some(Expect::Fail(_)) if passes => {
                problems.push(format!("{name} now passes: mark it `pass` (WEFT_BLESS=1)"))
            }
            None => problems.push(format!("{name} is not in {} (WEFT_BLESS=1 adds it)", expectations_path.display())),
            _ => {}
        }
        // The first failure without its `file:line:col: ` prefix: the reason a new entry is given.
        let first = outcome.failures.first().map(|f| f.splitn(4, ':').nth(3).unwrap_or(f).trim().to_string());
        results.insert(name, (passes, first));
        total.add(&outcome);
    }
    println!("{label} suite ({mode}), {} files: {}", files.len(), total.summary());
    if std::env::var_os("WEFT_BLESS").is_some() {
        write_expectations(&expectations_path, &results, &expected);
        println!("wrote {}", expectations_path.display());
        return true;
    }
    for p in &problems {
        println!("FAIL: {p}");
    }
    problems.is_empty()
}

enum Expect {
    Pass,
    Fail(String),
}

/// Format: `pass FILE` or `fail FILE -- reason`; `#` starts a comment line.
fn read_expectations(path: &Path) -> BTreeMap<String, Expect> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut map = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some(file) = line.strip_prefix("pass ") {
            map.insert(file.trim().to_string(), Expect::Pass);
        } else if let Some(rest) = line.strip_prefix("fail ") {
            let (file, reason) = rest.split_once("--").unwrap_or((rest, "no reason given"));
            map.insert(file.trim().to_string(), Expect::Fail(reason.trim().to_string()));
        } else {
            panic!("{}: cannot read line `{line}`", path.display());
        }
    }
    map
}

fn write_expectations(path: &Path, results: &BTreeMap<String, (bool, Option<String>)>, old: &BTreeMap<String, Expect>) {
    let mut out = String::from(
        "# Expected outcome of every spec script: `pass FILE` (every assertion passes) or\n# `fail FILE -- reason`. Checked by `cargo test`; regenerate with WEFT_BLESS=1.\n",
    );
    for (file, (passes, first_failure)) in results {
        if *passes {
            out.push_str(&format!("pass {file}\n"));
        } else {
            // The current first failure: a reason kept from before goes stale as features land.
            let reason = match (first_failure, old.get(file)) {
                (Some(f), _) => f.clone(),
                (None, Some(Expect::Fail(r))) => r.clone(),
                (None, _) => "TODO: give the reason".to_string(),
            };
            out.push_str(&format!("fail {file} -- {reason}\n"));
        }
    }
    std::fs::write(path, out).unwrap();
}
