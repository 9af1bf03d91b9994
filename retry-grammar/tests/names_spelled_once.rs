//! Every key's and every strategy's name is spelled in one place, this crate's table: the
//! other crates of the workspace name them through its entries (`retry_grammar::TIMEOUT.name`,
//! `&EXPONENTIAL`), so a rename cannot leave a message or a lookup behind.
//!
//! This reads the other crates' non-test sources as text and fails on a string literal
//! `"<name>"` of any key or strategy, outside comments and `#[cfg(test)]` modules (which clippy's
//! `items_after_test_module` keeps at the end of their file). Levels are left out: their words
//! (`"error"`, `"info"`) are also everyday field names, and only `Level` reads them.

use std::fs;
use std::path::{Path, PathBuf};

use retry_grammar::{KEYS, STOPS, Strategy, WAITS};

/// The crates that speak the language, below the workspace root; their `tests/` are skipped.
const CRATES: &[&str] = &["retry-macros", "retry-runtime", "examples", "benches"];

/// Literals that are allowed where they are, each with why: `(file, name, why)`.
const ALLOWED: &[(&str, &str, &str)] = &[
    ("retry-runtime/src/breaker/mod.rs", "state", "a Debug field of the breaker's own struct, not the key"),
    ("retry-runtime/src/breaker/permit.rs", "breaker", "a Debug field of the permit's own struct, not the key"),
    ("examples/src/herd.rs", "exponential", "a plot legend's label for the simulated curve, not the strategy"),
    ("examples/src/failover/server.rs", "stop", "OpenAI's wire format: `\"finish_reason\": \"stop\"`"),
];

fn sources(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !matches!(path.file_name().and_then(|n| n.to_str()), Some("tests" | "target")) {
                sources(&path, into);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// Each `(file, name, line)` where a name is spelled as a string literal in code.
fn spellings(root: &Path, names: &[&str]) -> Vec<(String, String, usize)> {
    let mut files = Vec::new();
    for krate in CRATES {
        sources(&root.join(krate), &mut files);
    }
    files.sort();
    assert!(files.len() > 20, "found only {} source files below {}", files.len(), root.display());
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap_or_default();
        let shown = file.strip_prefix(root).unwrap_or(&file).to_string_lossy().replace('\\', "/");
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("#[cfg(test)]") {
                break;
            }
            if code.starts_with("//") {
                continue;
            }
            for name in names {
                if code.contains(&format!("\"{name}\"")) {
                    found.push((shown.clone(), (*name).to_owned(), number + 1));
                }
            }
        }
    }
    found
}

#[test]
fn keys_and_strategies_are_spelled_only_in_the_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut names: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
    names.extend(Strategy::names(STOPS));
    names.extend(Strategy::names(WAITS));
    let found = spellings(&root, &names);

    let offenders: Vec<String> = found
        .iter()
        .filter(|(file, name, _)| !ALLOWED.iter().any(|(f, n, _)| f == file && n == name))
        .map(|(file, name, line)| format!("{file}:{line}: \"{name}\""))
        .collect();
    assert!(
        offenders.is_empty(),
        "name these through retry_grammar's table entries instead:\n{}",
        offenders.join("\n")
    );

    let stale: Vec<String> = ALLOWED
        .iter()
        .filter(|(f, n, _)| !found.iter().any(|(file, name, _)| file == f && name == n))
        .map(|(f, n, why)| format!("{f}: \"{n}\" ({why})"))
        .collect();
    assert!(stale.is_empty(), "these allowances are no longer needed; remove them:\n{}", stale.join("\n"));
}
