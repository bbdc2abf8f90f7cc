//! Keeps ARCHITECTURE.md true: every crate and every top-level module of the engine must be named there.

use std::path::Path;

#[test]
fn architecture_md_names_every_crate_and_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if !doc.contains(&format!("`crates/{name}`")) {
            missing.push(format!("crate crates/{name}"));
        }
    }
    for entry in std::fs::read_dir(root.join("crates/weft/src")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        if stem == "lib" {
            continue;
        }
        if !doc.contains(&format!("`{stem}`")) {
            missing.push(format!("module weft::{stem}"));
        }
    }
    assert!(missing.is_empty(), "ARCHITECTURE.md does not mention: {missing:?}");
}
